"""Benchmark: the inspection TUI on a 40,000-household county, headless (``App.run_test``).

Figures (targets from issue 2: cold start < 1 s, p95 of "next household" < 50 ms):

- cold start: a fresh Python process imports the app, opens the database, resumes at the first sampled household
  not yet reviewed and draws the household screen; timed from just before the process is spawned to the first
  frame of the household screen (so it includes the interpreter's start and every import; the checks / compare /
  grading modules are imported in a worker after that frame);
- warm start: the same inside this process, modules already imported (constructor → first household frame);
- next household: ``--presses`` presses of PgDn, each timed from the key press to the last frame the app drew for it
  (the household reloaded — one query per section —, every widget updated, the layout redone and the screen
  rendered: the app's ``_display`` is wrapped to timestamp frames; Pilot's own idle-detection sleeps after the last
  frame are not counted); p50 / p95 / max, at 80×24 and at 160×48; also the time to the FIRST frame and the CPU
  time per press. When the page height changes Textual repaints the body's scroll bar in a second frame ~20 ms
  later; a separate, untimed pass compares the screen at the first frame with the settled screen
  (``export_screenshot``) to show whether that first frame is already the complete household screen.

Wall-clock figures depend on what else runs on the machine: the load average is printed with them, and the CPU
time (``time.process_time``) is given beside each, which is what the app itself spends.

The county (``--source demo``, the default) is the demo generator's (``fupin_tui.demo.generate_county``, planted
problems), imported (``fupin_tui.importing.import_files``), checked with the shipped rulebook, compared with its
department lists, and sampled (``--sample`` households, stratified by township): the household screen reads real
findings and clues as after ``fupin check`` / ``fupin compare``. ``--source builder`` uses the tests' bulk-insert
builder instead (``tests/_tui_builder.py``). The database is kept in ``--dir`` and reused.
Prints figures; no assertions.

    python benchmarks/tui_bench.py [--households 40000] [--sample 400] [--presses 200] [--dir DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

COUNTY = "422822"
INSPECTOR = "基准@测试"

_CHILD = r"""
import asyncio, sys, time
sys.path.insert(0, {root!r})
from fupin_tui.app import FupinApp
from fupin_tui.screens.household import HouseholdScreen

first = []

async def main():
    app = FupinApp({db!r}, {county!r}, {inspector!r}, remember=False)
    display = app._display

    def timed_display(screen, update):
        display(screen, update)
        if not first and isinstance(screen, HouseholdScreen) and screen.detail is not None:
            first.append((time.time(), time.process_time()))

    app._display = timed_display
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, HouseholdScreen) and app.screen.detail is not None
    print(*first[0], flush=True)

asyncio.run(main())
"""


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def cold_start(db: Path, runs: int) -> tuple[list[float], list[float]]:
    """(wall seconds, CPU seconds) from spawning a fresh interpreter to the household screen ready, ``runs`` times."""
    code = _CHILD.format(root=str(ROOT), db=str(db), county=COUNTY, inspector=INSPECTOR)
    wall, cpu = [], []
    for _ in range(runs):
        t0 = time.time()
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        ready, used = proc.stdout.strip().splitlines()[-1].split()
        wall.append(float(ready) - t0)
        cpu.append(float(used))
    return wall, cpu


async def in_process(db: Path, presses: int, size: tuple[int, int]) -> tuple[float, list[float], list[float],
                                                                          list[float]]:
    """(warm start seconds, per-press seconds to the last frame, to the first frame, per-press CPU seconds) at
    terminal ``size``."""
    from fupin_tui.app import FupinApp
    from fupin_tui.screens.household import HouseholdScreen

    t0 = time.perf_counter()
    app = FupinApp(str(db), COUNTY, INSPECTOR, remember=False)
    frames: list[float] = []
    display = app._display

    first: list[float] = []

    def timed_display(screen, update):  # noqa: ANN001, ANN202
        display(screen, update)
        frames.append(time.perf_counter())
        if not first and isinstance(screen, HouseholdScreen) and screen.detail is not None:
            first.append(time.perf_counter())

    app._display = timed_display
    latency: list[float] = []
    first_frame: list[float] = []
    cpu: list[float] = []
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, HouseholdScreen) and app.screen.detail is not None
        start = first[0] - t0
        await pilot.pause(0.6)
        await app.workers.wait_for_complete()  # the modules preloaded after the first screen
        visited = {app.screen.household_no}
        for _ in range(presses):
            frames.clear()
            t, c = time.perf_counter(), time.process_time()
            await pilot.press("pagedown")
            await pilot.pause()
            cpu.append(time.process_time() - c)
            latency.append((frames[-1] if frames else time.perf_counter()) - t)
            first_frame.append((frames[0] if frames else time.perf_counter()) - t)
            visited.add(app.screen.household_no)
        assert len(visited) == presses + 1, "PgDn did not move to a new household every time"
    return start, latency, first_frame, cpu


def prepare_demo(db: Path, work: Path, households: int, sample: int, seed: int) -> None:
    """The demo generator's county (planted problems, department lists) imported, checked, compared and sampled."""
    from fupin_tui.checks import run_checks
    from fupin_tui.compare import compare_files
    from fupin_tui.demo import generate_county
    from fupin_tui.importing import import_files
    from fupin_tui.models import get_engine, session_scope
    from fupin_tui.sampling import SampleRequest, draw_sample

    t = time.perf_counter()
    county = generate_county(work / f"demo_{households}", households=households, seed=seed, problems=True)
    print(f"generate {households:,} households ({county.members:,} members): {time.perf_counter() - t:.1f} s")
    engine = get_engine(str(db))
    t = time.perf_counter()
    import_files(engine, [county.roster, county.income])
    print(f"import: {time.perf_counter() - t:.1f} s")
    t = time.perf_counter()
    report = run_checks(engine, COUNTY)
    print(f"fupin check: {time.perf_counter() - t:.1f} s, {len(report.findings):,} findings")
    t = time.perf_counter()
    compare_files(engine, sorted(county.departments.values()), COUNTY)
    print(f"fupin compare: {time.perf_counter() - t:.1f} s")
    with session_scope(engine) as s:
        draw_sample(s, COUNTY, SampleRequest(n=sample, method="stratified", by="township", seed=seed))
    print(f"sample: {sample} households, stratified by township")


def prepare_builder(db: Path, households: int, sample: int, seed: int) -> None:
    """The tests' builder county (bulk inserts; its own findings and clues)."""
    from _tui_builder import build_county

    t = time.perf_counter()
    counts = build_county(str(db), households=households, sample_n=sample, seed=seed)
    print(f"build county: {counts['households']:,} households, {counts['members']:,} members, "
          f"sample {counts['sample']}: {time.perf_counter() - t:.1f} s")


async def verify_first_frame(db: Path, presses: int, size: tuple[int, int]) -> tuple[int, int]:
    """(presses whose later frames changed what the screen shows, presses checked): the screen's text and colours
    (``export_screenshot``) at the first frame after a press are compared with the settled screen. Not timed."""
    from fupin_tui.app import FupinApp
    from fupin_tui.screens.household import HouseholdScreen

    app = FupinApp(str(db), COUNTY, INSPECTOR, remember=False)
    shots: list[str] = []
    display = app._display

    def shooting_display(screen, update):  # noqa: ANN001, ANN202
        display(screen, update)
        if isinstance(screen, HouseholdScreen) and not shots:
            shots.append(app.export_screenshot())

    app._display = shooting_display
    changed = 0
    async with app.run_test(size=size) as pilot:
        await pilot.pause(0.6)
        await app.workers.wait_for_complete()
        for _ in range(presses):
            shots.clear()
            await pilot.press("pagedown")
            await pilot.pause()
            changed += bool(shots) and shots[0] != app.export_screenshot()
    return changed, presses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=40_000)
    parser.add_argument("--sample", type=int, default=400)
    parser.add_argument("--presses", type=int, default=200)
    parser.add_argument("--cold-runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--source", choices=("demo", "builder"), default="demo",
                        help="demo: generate_county + import + check + compare + sample (default); builder: bulk inserts")
    parser.add_argument("--dir", type=Path, default=None, help="working directory (default: a temporary one)")
    args = parser.parse_args()
    work = args.dir or Path(tempfile.mkdtemp(prefix="tui_bench_"))
    work.mkdir(parents=True, exist_ok=True)
    db = work / f"tui_bench_{args.source}_{args.households}_{args.sample}.db"

    import fupin_tui.app  # noqa: F401  (imported here, so the warm start below excludes imports)
    from fupin_tui.models import dispose_all

    if db.exists():
        print(f"reusing {db}")
    elif args.source == "demo":
        prepare_demo(db, work, args.households, args.sample, args.seed)
    else:
        prepare_builder(db, args.households, args.sample, args.seed)
    dispose_all()

    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    wall, cpu = cold_start(db, args.cold_runs)
    print(f"cold start (new process → household screen, {len(wall)} runs): "
          f"median {statistics.median(wall) * 1000:.0f} ms (min {min(wall) * 1000:.0f}, max {max(wall) * 1000:.0f}); "
          f"CPU median {statistics.median(cpu) * 1000:.0f} ms   (target < 1000 ms)")
    for size in ((80, 24), (160, 48)):
        warm, latency, first_frame, cpu_press = asyncio.run(in_process(db, args.presses, size))
        dispose_all()
        ms = [x * 1000 for x in latency]
        fms = [x * 1000 for x in first_frame]
        cms = [x * 1000 for x in cpu_press]
        print(f"{size[0]}x{size[1]}: warm start {warm * 1000:.0f} ms; next household × {len(ms)}, to the last frame: "
              f"p50 {percentile(ms, 50):.1f} ms, p95 {percentile(ms, 95):.1f} ms, max {max(ms):.1f} ms "
              f"(target p95 < 50 ms); to the first frame (new household shown): p50 {percentile(fms, 50):.1f} ms, "
              f"p95 {percentile(fms, 95):.1f} ms; CPU per press p50 {percentile(cms, 50):.1f} ms, "
              f"p95 {percentile(cms, 95):.1f} ms")
    changed, checked = asyncio.run(verify_first_frame(db, 30, (80, 24)))
    dispose_all()
    print(f"first frame complete? later frames changed the screen after {changed} of {checked} presses (80x24; "
          f"0 means the household is fully drawn in the first frame and later frames only repaint the scroll bar)")
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
