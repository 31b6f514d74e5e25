"""Benchmark (issue 7): kill the inspection App with SIGKILL right after it shows a mark as saved, 100 times, and count
the confirmed marks that are not in the database afterwards (target 0).

Each round a child process runs the real App headless (``App.run_test`` + Pilot) and adds marks through the mark
dialog with the real keys (F2, Enter/Down/Enter for the category, Ctrl+S or Tab…/note/Enter); it writes ``CONFIRMED
<uuid>`` the moment the UI says 已保存. The parent kills it with SIGKILL right after reading a confirmation — at
once, or 0.5–20 ms later; every 5th round instead at a random moment 0.2–2.5 s after the screen is up (the kill may
land inside a transaction) — waits until it is dead, opens the file afresh and checks: every confirmed mark present,
``PRAGMA integrity_check`` ok, the action log's hash chain intact, every mark with its ``mark.add`` log row. One
database for all rounds (a generated county of ``--households``, a sample of 12), rounds in parallel lanes (two
fork-server lanes by default: two apps write the file while one of them is killed; ``--lanes fork,fresh`` adds a lane
that starts a fresh interpreter per round). See ``tests/_kill_harness.py``.

Note what SIGKILL does and does not show: the OS keeps a killed process's written pages, so this proves that a mark
is committed before the UI says so; surviving a power cut additionally rests on the fsync of every commit (WAL with
``synchronous=FULL``, which the benchmark prints as it finds it in the file).

Prints figures and exits 1 when anything confirmed was lost or the file is damaged.

    python benchmarks/kill_test.py [--rounds 100] [--lanes fork,fork] [--households 30] [--dir DIR]
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from _kill_harness import build_kill_county, run_kill_rounds  # noqa: E402


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def _line(name: str, values: list[float]) -> str:
    if not values:
        return f"  {name:<40} —"
    ms = [v * 1000 for v in values]
    return (f"  {name:<40} p50 {_pct(ms, 0.5):7.1f} ms   p95 {_pct(ms, 0.95):7.1f} ms   max {max(ms):7.1f} ms"
            f"   (n={len(ms)})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--lanes", default="fork,fork", help="comma-separated: fork | fresh (one lane each)")
    parser.add_argument("--households", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dir", type=Path, default=None, help="work directory (default: a temporary one)")
    parser.add_argument("--quiet", action="store_true", help="no line per round")
    args = parser.parse_args()
    lanes = tuple(x.strip() for x in args.lanes.split(",") if x.strip())
    if not lanes or any(x not in ("fork", "fresh") for x in lanes):
        parser.error("--lanes: fork and/or fresh")
    os.environ.setdefault("XDG_CONFIG_HOME", tempfile.mkdtemp(prefix="fupin-kill-config-"))

    work = args.dir or Path(tempfile.mkdtemp(prefix="fupin-kill-"))
    t0 = time.perf_counter()
    county = build_kill_county(work, households=args.households, seed=args.seed)
    build_s = time.perf_counter() - t0
    con = sqlite3.connect(county.db)
    journal = con.execute("PRAGMA journal_mode").fetchone()[0]
    con.close()
    print(f"kill test: {args.rounds} rounds, lanes {','.join(lanes)}, county {county.county} "
          f"({args.households} households, sample {county.sampled}), db {county.db}")
    print(f"  built in {build_s:.1f} s; journal_mode={journal}; the app runs synchronous=FULL on every connection; "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}; CPUs {os.cpu_count()}")

    def progress(r) -> None:  # noqa: ANN001
        if args.quiet:
            return
        flag = "ok  " if r.ok else "FAIL"
        print(f"  {flag} round {r.round:3d} lane {r.lane} {r.kind:<5} {r.mode:<13} "
              f"kill after {r.kill_after} +{r.delay * 1000:7.1f} ms: confirmed {len(r.confirmed)}, exit {r.exit_code}, "
              f"missing {len(r.missing)}" + (f"  {r.error.splitlines()[0]}" if r.error else ""), flush=True)

    t0 = time.perf_counter()
    results = run_kill_rounds(county.db, county.county, args.rounds, lanes=lanes, seed=args.seed, progress=progress)
    wall = time.perf_counter() - t0

    confirmed = sum(len(r.confirmed) for r in results)
    lost = sum(len(r.missing) for r in results)
    killed = sum(1 for r in results if r.exit_code == -9)
    damaged = [r.round for r in results if r.integrity != "ok" or not r.chain_ok or r.marks_without_log]
    errors = [r.round for r in results if r.error]
    con = sqlite3.connect(county.db)
    marks_in_db = con.execute("SELECT count(*) FROM mark").fetchone()[0]
    trail = con.execute("SELECT count(*) FROM action").fetchone()[0]
    con.close()

    print()
    print(f"rounds {len(results)}, children killed by SIGKILL {killed}, marks confirmed by the UI {confirmed}, "
          f"LOST {lost} (target 0)")
    print(f"  marks in the file {marks_in_db} (confirmed + those committed in the instant before a kill, whose "
          f"confirmation the UI had not yet shown), action log rows {trail}")
    print(f"  rounds with a damaged file (integrity / chain / mark without its log row): {len(damaged)} {damaged or ''}")
    print(f"  rounds with a harness error: {len(errors)} {errors or ''}")
    print(f"  wall time {wall:.1f} s ({wall / max(1, len(results)):.2f} s per round over {len(lanes)} lanes)")
    print("timings (from the round's start):")
    for kind in sorted({r.kind for r in results}):
        rs = [r for r in results if r.kind == kind]
        print(_line(f"{kind}: app up (household screen)", [r.ready_s for r in rs if r.ready_s is not None]))
        print(_line(f"{kind}: first mark confirmed", [r.first_confirm_s for r in rs if r.first_confirm_s is not None]))
    after = [r for r in results if r.mode == "after-confirm" and r.trigger_s is not None and r.killed_s]
    for delay in sorted({r.delay for r in after}):
        print(_line(f"confirmation read → SIGKILL (+{delay * 1000:g} ms)",
                    [r.killed_s - r.trigger_s for r in after if r.delay == delay]))
    print(_line("SIGKILL sent → child reaped", [r.dead_s - r.killed_s for r in results if r.killed_s]))
    print(_line("fresh open + checks after the kill", [r.check_s for r in results]))
    per_mark = [(r.killed_s - r.ready_s) for r in results if r.mode == "after-confirm" and r.kill_after == 2
                and r.ready_s is not None and r.killed_s is not None]
    if per_mark:
        print(_line("screen up → 2nd mark confirmed (keys)", per_mark))
    print(f"load average now {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0 if lost == 0 and not damaged and not errors and killed == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
