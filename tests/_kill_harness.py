"""The kill loop shared by ``tests/test_durability.py`` and ``benchmarks/kill_test.py``.

A round: a child process runs the real App headless and adds marks through the mark dialog with real keys
(``tests/_kill_driver.py``); it writes ``CONFIRMED <uuid>`` at the moment the UI shows a mark as saved; the parent
kills it with SIGKILL right after reading a confirmation (immediately or after a few ms; some rounds instead at a
random moment after the screen is up, so the kill can land inside a transaction), waits for it to be dead, then
opens the database afresh and checks that every confirmed mark is there, that ``PRAGMA integrity_check`` says ok,
that the action log's hash chain holds, and that every mark has its ``mark.add`` row in the log (a mark and its log
row are one transaction).

Rounds run in parallel lanes (default two: two apps write the same file while one of them is killed). A lane
is a fork server (``_kill_driver.py --serve``, the imports done once; each round's App, engine and event loop start
from scratch in a forked child) or a fresh interpreter per round (``"fresh"``).
"""

from __future__ import annotations

import os
import queue
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

DRIVER = Path(__file__).resolve().with_name("_kill_driver.py")
ROOT = DRIVER.parent.parent
LINE_TIMEOUT = 90.0  # s: a child that says nothing for this long has hung (fails the round)


@dataclass
class KillCounty:
    """A small generated county, imported and sampled: ``db`` (SQLite path), ``county`` code, sample size."""

    db: str
    county: str
    sampled: int


def build_kill_county(directory: Path, households: int = 30, seed: int = 1, sample_n: int = 12) -> KillCounty:
    """Generate a county (``fupin_tui.demo.generate_county``), import roster + income, draw a random sample."""
    from fupin_tui.demo import generate_county
    from fupin_tui.importing import import_files
    from fupin_tui.models import dispose_all, get_engine, session_scope
    from fupin_tui.sampling import SampleRequest, draw_sample

    dispose_all()
    directory.mkdir(parents=True, exist_ok=True)
    county = generate_county(directory / "export", households=households, seed=seed)
    db = str(directory / "kill.db")
    engine = get_engine(db)
    import_files(engine, [county.roster, county.income])
    with session_scope(engine) as s:
        outcome = draw_sample(s, county.county_code, SampleRequest(n=sample_n, method="random", seed=seed))
        n = outcome.sample.n
    dispose_all()  # the children open the file themselves
    return KillCounty(db, county.county_code, n)


@dataclass
class RoundResult:
    """One kill round: what the UI confirmed, how the child ended (-9: SIGKILL), what the fresh check found.
    Times in seconds from the round's start (``None`` when the event did not happen)."""

    round: int
    lane: int
    mode: str  # "after-confirm" | "random-time"
    kill_after: int
    delay: float
    kind: str = "fork"  # the lane: "fork" (fork server) or "fresh" (a fresh interpreter)
    pid: int = 0
    confirmed: list[str] = field(default_factory=list)
    exit_code: int | None = None
    ready_s: float | None = None
    first_confirm_s: float | None = None
    trigger_s: float | None = None  # the confirmation that triggered the kill was read
    killed_s: float | None = None
    dead_s: float | None = None
    check_s: float = 0.0
    missing: list[str] = field(default_factory=list)
    integrity: str = ""
    chain_ok: bool = False
    chain_rows: int = 0
    marks_without_log: list[str] = field(default_factory=list)
    error: str = ""

    @property
    def ok(self) -> bool:
        """Nothing confirmed was lost and the file is intact."""
        return (not self.error and not self.missing and self.integrity == "ok" and self.chain_ok
                and not self.marks_without_log)


class _Lines:
    """Lines of a child's stdout, read by a thread into a queue (so the parent can wait with a timeout)."""

    def __init__(self, stream) -> None:  # noqa: ANN001
        self.q: queue.Queue[tuple[float, str | None]] = queue.Queue()
        self.thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self.thread.start()

    def _read(self, stream) -> None:  # noqa: ANN001
        for raw in iter(stream.readline, b""):
            self.q.put((time.perf_counter(), raw.decode("utf-8", "replace").rstrip("\n")))
        self.q.put((time.perf_counter(), None))

    def get(self, timeout: float = LINE_TIMEOUT) -> tuple[float, str]:
        try:
            stamp, line = self.q.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError(f"no output from the child for {timeout:.0f} s") from None
        if line is None:
            raise EOFError("the child's output ended")
        return stamp, line

    def get_nowait(self) -> tuple[float, str] | None:
        try:
            stamp, line = self.q.get_nowait()
        except queue.Empty:
            return None
        if line is None:
            raise EOFError("the child's output ended")
        return stamp, line


def _env(config_home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["XDG_CONFIG_HOME"] = str(config_home)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = "1"
    return env


def check_db(db: str, confirmed: list[str]) -> dict:
    """Open ``db`` afresh (new connections, no cached engine) and check it: confirmed marks present, integrity, the
    hash chain, and a ``mark.add`` log row for every mark. Returns a dict of findings."""
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session
    from sqlalchemy.pool import NullPool

    from fupin_tui.audit import verify_chain
    from fupin_tui.models import db_url

    con = sqlite3.connect(db, timeout=60)
    try:
        integrity = con.execute("PRAGMA integrity_check").fetchone()[0]
        marks = {u for (u,) in con.execute("SELECT uuid FROM mark WHERE NOT deleted")}
        logged = {t.partition(":")[2] for (t,) in con.execute(
            "SELECT target FROM action WHERE action = 'mark.add'")}
    finally:
        con.close()
    engine = create_engine(db_url(db), poolclass=NullPool, connect_args={"timeout": 60})
    try:
        with Session(engine) as s:
            chain = verify_chain(s)
    finally:
        engine.dispose()
    return {"missing": [u for u in confirmed if u not in marks], "integrity": integrity, "chain_ok": chain.ok,
            "chain_rows": chain.rows, "marks_without_log": sorted(marks - logged)}


def lane_inspector(lane: int) -> str:
    """The inspector of lane ``lane`` (each lane its own, so a child confirms only its own marks)."""
    return f"断电测试{lane}@省扶贫办"


class _Lane:
    """One lane of rounds: a fork server (default) or a fresh interpreter per round."""

    def __init__(self, number: int, db: str, county: str, workdir: Path, fresh: bool) -> None:
        self.number, self.db, self.county, self.fresh = number, db, county, fresh
        self.inspector = lane_inspector(number)
        self.env = _env(workdir / "config")
        self.stderr_path = workdir / f"lane{number}.stderr"
        self.stderr = open(self.stderr_path, "ab")  # noqa: SIM115 - closed in close()
        self.server: subprocess.Popen | None = None
        self.lines: _Lines | None = None
        if not fresh:
            self.server = subprocess.Popen(
                [sys.executable, str(DRIVER), db, county, "--serve", "--inspector", self.inspector], stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, stderr=self.stderr, env=self.env, cwd=str(workdir))
            self.lines = _Lines(self.server.stdout)
            _, line = self.lines.get()
            if line != "SERVING":
                raise RuntimeError(f"fork server did not start: {line!r}")

    def stderr_tail(self) -> str:
        self.stderr.flush()
        return self.stderr_path.read_bytes()[-3000:].decode("utf-8", "replace")

    def run(self, result: RoundResult, marks: int, steps: int, rng: random.Random) -> None:
        """Run one round into ``result`` (the DB check is done by the caller)."""
        start = time.perf_counter()
        proc = None
        if self.fresh:
            proc = subprocess.Popen(
                [sys.executable, str(DRIVER), self.db, self.county, "--round", str(result.round), "--marks",
                 str(marks), "--steps", str(steps), "--inspector", self.inspector], stdout=subprocess.PIPE,
                stderr=self.stderr, env=self.env)
            lines = _Lines(proc.stdout)
        else:
            assert self.server is not None and self.server.stdin is not None and self.lines is not None
            self.server.stdin.write(f"run {result.round} {marks} {steps}\n".encode())
            self.server.stdin.flush()
            lines = self.lines
        killed = False
        deadline = None

        def kill() -> None:
            nonlocal killed
            if not killed:
                try:
                    os.kill(result.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                killed = True
                result.killed_s = time.perf_counter() - start

        while True:
            try:
                if deadline is not None and not killed:
                    wait = deadline - time.perf_counter()
                    if wait <= 0:
                        kill()
                        continue
                    got = lines.get_nowait()
                    if got is None:
                        time.sleep(min(wait, 0.0005))
                        continue
                    stamp, line = got
                else:
                    stamp, line = lines.get()
            except EOFError:
                if proc is None:
                    raise
                break  # fresh child: its stdout closed when it died
            word, _, rest = line.partition(" ")
            if word == "PID":
                result.pid = int(rest)
            elif word == "READY":
                result.ready_s = stamp - start
                if result.mode == "random-time":
                    deadline = time.perf_counter() + result.delay
            elif word == "CONFIRMED":
                result.confirmed.append(rest)
                if result.first_confirm_s is None:
                    result.first_confirm_s = stamp - start
                if (result.mode == "after-confirm" and not killed and deadline is None
                        and len(result.confirmed) >= result.kill_after):
                    result.trigger_s = stamp - start
                    if result.delay <= 0:
                        kill()
                    else:
                        deadline = time.perf_counter() + result.delay
            elif word == "EXIT":
                result.exit_code = int(rest.split()[1])
                break
            elif word == "DONE":
                pass
        if proc is not None:
            proc.wait(timeout=LINE_TIMEOUT)
            result.exit_code = proc.returncode
        result.dead_s = time.perf_counter() - start

    def close(self) -> None:
        if self.server is not None:
            try:
                assert self.server.stdin is not None
                self.server.stdin.write(b"quit\n")
                self.server.stdin.close()
                self.server.wait(timeout=30)
            except (OSError, subprocess.TimeoutExpired):
                self.server.kill()
                self.server.wait()
        self.stderr.close()


def plan_round(number: int, rng: random.Random) -> tuple[str, int, float, int, int]:
    """(mode, kill_after, delay s, marks, steps) for round ``number``: most rounds kill after the 1st or 2nd
    confirmation, immediately or after 0.5–20 ms; every 5th at a random moment 0.2–2.5 s after the screen is up."""
    steps = number % 6
    if number % 5 == 4:  # ask for more marks than any machine adds in 2.5 s: the kill always comes first
        return "random-time", 0, rng.uniform(0.2, 2.5), 40, steps
    kill_after = 2 if number % 3 == 2 else 1
    delay = (0.0, 0.0, 0.0005, 0.002, 0.005, 0.02)[number % 6]
    return "after-confirm", kill_after, delay, kill_after + 2, steps


def run_kill_rounds(
    db: str, county: str, rounds: int, *, lanes: tuple[str, ...] = ("fork", "fork"), seed: int = 1,
    first_round: int = 0, workdir: Path | None = None, progress=None,  # noqa: ANN001
) -> list[RoundResult]:
    """Run ``rounds`` kill rounds on ``db`` over parallel lanes, one per entry of ``lanes`` ("fork": a fork server;
    "fresh": a fresh interpreter per round), which take the next round as they become free. Returns every round's
    result (checked against a fresh connection right after its child died), in round order. ``progress(result)``
    is called after each round (from the lane's thread)."""
    workdir = workdir or Path(db).parent
    results: list[RoundResult] = []
    lock = threading.Lock()
    numbers = list(range(first_round, first_round + rounds))
    errors: list[BaseException] = []

    def lane_main(lane_no: int) -> None:
        rng = random.Random(seed * 1000 + lane_no)
        lane = None
        try:
            lane = _Lane(lane_no, db, county, workdir, lanes[lane_no] == "fresh")
            while True:
                with lock:
                    if not numbers:
                        return
                    number = numbers.pop(0)
                mode, kill_after, delay, marks, steps = plan_round(number, rng)
                result = RoundResult(number, lane_no, mode, kill_after, delay, kind=lanes[lane_no])
                try:
                    lane.run(result, marks, steps, rng)
                except (TimeoutError, EOFError, OSError) as exc:
                    result.error = f"{type(exc).__name__}: {exc}\n{lane.stderr_tail()}"
                    if result.pid:
                        try:
                            os.kill(result.pid, signal.SIGKILL)
                        except ProcessLookupError:
                            pass
                t0 = time.perf_counter()
                found = check_db(db, result.confirmed)
                result.check_s = time.perf_counter() - t0
                result.missing = found["missing"]
                result.integrity = found["integrity"]
                result.chain_ok, result.chain_rows = found["chain_ok"], found["chain_rows"]
                result.marks_without_log = found["marks_without_log"]
                if result.exit_code not in (-signal.SIGKILL,) and not result.error:
                    result.error = f"child ended with {result.exit_code}, not SIGKILL\n{lane.stderr_tail()}"
                with lock:
                    results.append(result)
                if progress is not None:
                    progress(result)
                if lane.server is not None and lane.server.poll() is not None:
                    return  # the server died: stop this lane
        except BaseException as exc:  # noqa: BLE001 - reported by the caller
            errors.append(exc)
        finally:
            if lane is not None:
                lane.close()

    threads = [threading.Thread(target=lane_main, args=(i,)) for i in range(len(lanes))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return sorted(results, key=lambda r: r.round)
