"""Benchmark: the whole rulebook on a 40,000-household generated county (target: under 3 s, set-based).

Generates a county with the demo generator (deliberate problems on by default), imports its roster and income table,
then times :func:`fupin_tui.checks.run_checks` end to end (fetch, every enabled rule, message rendering, deleting the
previous findings and inserting the new ones in one transaction) twice: the first run and a re-run that replaces the
findings. Also prints the fetch time, the ten slowest rules, and the statements issued per run (to show that the
rules do not query per row). Prints figures; no assertions.

    python benchmarks/check_bench.py [--households 40000] [--seed 1] [--clean] [--dir DIR] [--db URL]

``--dir`` keeps the generated files and database between runs (generation and import are skipped when the database
is already there); ``--db postgresql://…`` runs on PostgreSQL instead of a SQLite file.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, func, select  # noqa: E402

from fupin_tui.checks import load_rulebook, run_checks  # noqa: E402
from fupin_tui.checks.frame import county_info, load_check_data  # noqa: E402
from fupin_tui.models import County, Household, bulk_connection, get_engine, session_scope  # noqa: E402


def _prepare(engine, work: Path, households: int, seed: int, problems: bool) -> None:
    with session_scope(engine) as s:
        have = s.execute(select(func.count()).select_from(Household)).scalar_one()
    if have:
        print(f"database already holds {have} households: generation and import skipped")
        return
    from fupin_tui.demo.generator import generate_county
    from fupin_tui.importing import import_files

    t = time.perf_counter()
    county = generate_county(work / "county", households=households, seed=seed, problems=problems,
                             departments=False, villages=False, fmt="csv")
    print(f"generate {households} households ({county.members} members, {len(county.problems)} planted "
          f"problems): {time.perf_counter() - t:.1f} s")
    t = time.perf_counter()
    import_files(engine, [county.roster, county.income])
    print(f"import: {time.perf_counter() - t:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=40_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--clean", action="store_true", help="generate without deliberate problems")
    parser.add_argument("--dir", type=Path, default=None, help="working directory (default: a temporary one)")
    parser.add_argument("--db", default=None, help="database URL or path (default: DIR/bench.db)")
    args = parser.parse_args()
    work = args.dir or Path(tempfile.mkdtemp(prefix="check_bench_"))
    work.mkdir(parents=True, exist_ok=True)
    engine = get_engine(args.db or work / "bench.db")
    _prepare(engine, work, args.households, args.seed, not args.clean)

    book = load_rulebook()
    with session_scope(engine) as s:
        code = s.execute(select(County.code).order_by(County.code)).scalars().first()
        county = county_info(s.get(County, code))
    with bulk_connection(engine) as conn:
        t = time.perf_counter()
        data = load_check_data(conn, county)
        t_fetch = time.perf_counter() - t
    print(f"county {code}: {data.hh.n} households, {data.mem.n} members; fetch into arrays {t_fetch:.2f} s "
          f"(machine load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")

    statements = [0]

    def count(*_args) -> None:
        statements[0] += 1

    event.listen(engine, "before_cursor_execute", count)
    for label in ("first run", "re-run"):
        statements[0] = 0
        t, cpu = time.perf_counter(), time.process_time()
        report = run_checks(engine, code, rulebook=book)
        elapsed, cpu = time.perf_counter() - t, time.process_time() - cpu
        summary = report.summary()
        print(f"{label}: {len(book.enabled)} rules, {summary['findings']} findings on "
              f"{summary['households_with_findings']} households ({summary['households_with_severe']} with a 严重 "
              f"finding): {elapsed:.2f} s wall ({cpu:.2f} s CPU), {statements[0]} SQL statements  [target < 3 s]")
    event.remove(engine, "before_cursor_execute", count)
    by_level: dict[str, float] = {}
    for r in report.results.values():
        by_level[r.rule.level] = by_level.get(r.rule.level, 0.0) + r.seconds
    print("rule time by level: " + ", ".join(f"{level} {sec:.2f} s" for level, sec in by_level.items()))
    slow = sorted(report.results.values(), key=lambda r: -r.seconds)[:10]
    print("slowest rules: " + ", ".join(f"{r.rule.id} {r.seconds * 1000:.0f} ms" for r in slow))


if __name__ == "__main__":
    main()
