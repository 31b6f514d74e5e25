"""Child process of the kill test (tests/test_durability.py, benchmarks/kill_test.py): the real inspection App, run
headless with ``App.run_test()`` and driven by a Pilot pressing the real keys of the mark dialog.

Protocol (one line each, written with a single ``os.write`` on fd 1, so a line is never half-written or buffered):

- ``PID <pid>``: the process that runs the app (the one to kill);
- ``READY``: the household screen is up and the keys are about to be pressed;
- ``CONFIRMED <mark uuid>``: the UI has just shown a mark as saved — printed from the app's own ``notify("已保存：
  问题标记")``, at the moment the inspector would read it, with the uuid taken from the marks list on the screen
  (a mark of this inspector's not seen before: give each concurrent process its own ``--inspector``);
- ``DONE``: every requested mark was added (the app then closes normally).

Modes:

- ``_kill_driver.py DB COUNTY --round R --marks N [--steps S] [--inspector I]``: one app in this process;
- ``_kill_driver.py DB COUNTY --serve``: a fork server for fast rounds. It imports everything once, then reads
  commands from stdin: ``run R N S`` forks a child that runs one app (as above; the child writes ``PID``…), waits
  for it and writes ``EXIT <pid> <code>`` (``-9`` when it was killed by SIGKILL); ``quit`` ends. The forked child
  starts its App, its engine and its event loop from scratch: only the imports are shared.
- ``_kill_driver.py DB COUNTY --service N [--inspector I]``: no UI, N marks through the review service in a tight
  loop (the two-writers test), printing ``CONFIRMED`` after each committed call.

Each mark: F2 opens the dialog, Enter / Down… / Enter picks a category; then Ctrl+S saves (even marks), or Tab ×4
reaches the note, the note ``k<R>n<i>`` is typed and Enter saves (odd marks). ``--steps S`` presses PgDn S times first, so rounds spread over households.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import traceback
from pathlib import Path

# One thread per numeric library in a forking server (forking after a BLAS thread pool starts is unsafe).
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

INSPECTOR = "断电测试@省扶贫办"


def out(line: str) -> None:
    """Write one protocol line to fd 1 at once (no Python buffering: a killed process has written what it wrote)."""
    os.write(1, (line + "\n").encode("utf-8"))


def _app_class():
    import fupin_tui.app as app_module
    from fupin_tui.app import FupinApp
    from fupin_tui.widgets import MarksList

    class KillTestApp(FupinApp):
        """The real app; ``notify`` also reports, on stdout, each mark the marks list shows after "已保存"."""

        CSS_PATH = str(Path(app_module.__file__).with_name(FupinApp.CSS_PATH))  # relative to the app's module

        def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
            super().__init__(*args, **kwargs)
            from sqlalchemy import select

            from fupin_tui.models import Mark, session_scope

            with session_scope(self.engine) as s:
                self.known: set[str] = set(s.scalars(select(Mark.uuid)))

        def notify(self, message, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN201
            if str(message).startswith("已保存：问题标记"):
                shown = self.screen.query_one(MarksList)
                ids = {shown.get_option_at_index(i).id for i in range(shown.option_count)}
                # this inspector's marks only (another inspector on the same file may have marked this household)
                mine = {m.uuid for m in self.screen.detail.marks if m.inspector == self.reviewer.inspector}
                uuids = {i.partition(":")[2] for i in ids if i and i.startswith("mark:")} & mine
                for uuid in sorted(uuids - self.known):
                    out(f"CONFIRMED {uuid}")
                self.known |= uuids
            return super().notify(message, *args, **kwargs)

    return KillTestApp


async def _wait_for(pilot, app, screen_cls, what: str, limit: float = 15.0) -> None:  # noqa: ANN001
    """Let the app run until its screen is a ``screen_cls`` (bounded): a loaded machine may need more than one
    refresh before a dialog opens or closes. Raises RuntimeError naming ``what`` after ``limit`` seconds."""
    loop = asyncio.get_running_loop()
    end = loop.time() + limit
    await pilot.pause()
    while not isinstance(app.screen, screen_cls):
        if loop.time() > end:
            raise RuntimeError(f"{what} ({type(app.screen).__name__})")
        await pilot.pause(0.02)


async def run_app(db: str, county: str, round_no: int, marks: int, steps: int, inspector: str) -> None:
    """Start the app, step ``steps`` households on, add ``marks`` marks through the dialog with real keys."""
    from fupin_tui.screens.dialogs import MarkDialog
    from fupin_tui.screens.household import HouseholdScreen

    app = _app_class()(db, county, inspector, remember=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await _wait_for(pilot, app, HouseholdScreen, "expected the household screen")
        for _ in range(steps):
            await pilot.press("pagedown")
        await _wait_for(pilot, app, HouseholdScreen, "expected the household screen")
        out("READY")
        for i in range(marks):
            await pilot.press("f2")
            await _wait_for(pilot, app, MarkDialog, "F2 did not open the mark dialog")
            await pilot.press("enter", *["down"] * (1 + (round_no + i) % 4), "enter")
            if i % 2 == 0:
                await pilot.press("ctrl+s")  # save with the category alone
            else:  # Tab to the note, type it, Enter in the note saves
                await pilot.press("tab", "tab", "tab", "tab", *f"k{round_no}n{i}", "enter")
            await _wait_for(pilot, app, HouseholdScreen, "the mark dialog did not close")
        out("DONE")


def run_one(db: str, county: str, round_no: int, marks: int, steps: int, inspector: str) -> int:
    """One app in this process; returns the exit code (0 ok, 1 with a traceback on stderr)."""
    out(f"PID {os.getpid()}")
    try:
        asyncio.run(run_app(db, county, round_no, marks, steps, inspector))
    except BaseException:  # noqa: BLE001 - report anything, the parent reads stderr
        traceback.print_exc()
        return 1
    return 0


def serve(db: str, county: str, inspector: str) -> int:
    """The fork server (see the module docstring)."""
    from fupin_tui.review import Reviewer

    _app_class()
    Reviewer.preload()  # checks / compare / villages / grading: imported once, so the children start fast
    out("SERVING")
    for line in sys.stdin:
        cmd = line.split()
        if not cmd:
            continue
        if cmd[0] == "quit":
            break
        if cmd[0] != "run":
            out(f"ERROR unknown command {cmd[0]}")
            continue
        round_no, marks, steps = (int(x) for x in cmd[1:4])
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the child: one app, then leave without running the server's cleanup
            code = 1
            try:
                code = run_one(db, county, round_no, marks, steps, inspector)
            finally:
                sys.stderr.flush()
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
        out(f"EXIT {pid} {code}")
    return 0


def service_marks(db: str, county: str, n: int, inspector: str) -> int:
    """N marks through the review service (no UI) on the sampled households in turn."""
    from fupin_tui.models import get_engine
    from fupin_tui.review import Reviewer

    out(f"PID {os.getpid()}")
    engine = get_engine(db, create=False)
    reviewer = Reviewer(engine, county, inspector)
    page = reviewer.page(limit=1000)
    nos = [row.household_no for row in page.rows]
    for i in range(n):
        mark = reviewer.add_mark(nos[i % len(nos)], "income", "一般", f"{inspector} 第{i}条")
        out(f"CONFIRMED {mark.uuid}")
    out("DONE")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db")
    parser.add_argument("county")
    parser.add_argument("--serve", action="store_true")
    parser.add_argument("--service", type=int, default=0)
    parser.add_argument("--round", type=int, default=0)
    parser.add_argument("--marks", type=int, default=3)
    parser.add_argument("--steps", type=int, default=0)
    parser.add_argument("--inspector", default=INSPECTOR)
    args = parser.parse_args(argv)
    if args.serve:
        return serve(args.db, args.county, args.inspector)
    if args.service:
        return service_marks(args.db, args.county, args.service, args.inspector)
    return run_one(args.db, args.county, args.round, args.marks, args.steps, args.inspector)


if __name__ == "__main__":
    sys.exit(main())
