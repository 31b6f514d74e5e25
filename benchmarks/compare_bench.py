"""Benchmark: 100,000-row department lists against the 40,000-household benchmark county (target: under 5 s each).

The county is the demo generator's (``fupin_tui.demo.generator.generate_county``, imported with
``fupin_tui.importing.import_files``; about 137,000 members), or, with ``--bulk`` or when those are missing, a county
built here with bulk inserts. Times ``fupin_tui.compare.compare_files`` (read + infer + store + match + rules + clue
upsert, one transaction) on the generator's own eight department lists, then on two 100,000-row lists made from the
imported members (公安 人口状态 without a village column: 60 % registered people with 1 % dead, 1 % moved out and a few
15-digit, lowercase-x, full-width, misnamed and mistyped IDs; 民政 低保/特困 with 乡镇/村), each a first run and a
re-run of the same file (reused: nothing inserted, clues unchanged). Setup is not timed. Prints figures; no assertions.

    python benchmarks/compare_bench.py [--households 40000] [--rows 100000] [--dir DIR] [--seed 1] [--bulk]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fupin_tui.compare import compare_files  # noqa: E402
from fupin_tui.idnumber import check_digit  # noqa: E402
from fupin_tui.models import County, Household, Member, Township, Village, dispose_all, get_engine  # noqa: E402

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏飞斌宇浩凯健俊帆帅旭阳林波宁晨欣雪琳婷慧莹倩"
TYPES = ["一般贫困户"] * 70 + ["低保贫困户"] * 25 + ["五保贫困户"] * 5
HEALTH = ["健康"] * 85 + ["长期慢性病"] * 6 + ["患有大病"] * 4 + ["残疾"] * 5


def make_id(rng: random.Random, region: str = "422822") -> str:
    """A valid 18-character ID (random birth date 1930–2015, GB 11643 check digit)."""
    year = rng.randint(1930, 2015)
    body = f"{region}{year}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}"
    return body + check_digit(body)


def name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def build_county(db: str, households: int, seed: int) -> tuple[list[dict], float]:
    """Bulk-insert the benchmark county; returns (members as dicts, seconds)."""
    t0 = time.perf_counter()
    rng = random.Random(seed)
    engine = get_engine(db)
    members: list[dict] = []
    with engine.begin() as conn:
        conn.execute(insert(County.__table__).values(code="422822", name="基准县", data_year=2015, settings={}))
        villages: list[tuple[int, int, str, str]] = []
        for t in range(10):
            tname = f"第{t + 1}镇"
            tid = conn.execute(
                insert(Township.__table__).values(county_code="422822", name=tname)).inserted_primary_key[0]
            for v in range(30):
                vname = f"{tname}{v + 1}村"
                vid = conn.execute(insert(Village.__table__).values(
                    county_code="422822", township_id=tid, name=vname, extra={})).inserted_primary_key[0]
                villages.append((tid, vid, tname, vname))
        hh_rows = []
        for i in range(households):
            tid, vid, _, _ = villages[i % len(villages)]
            hh_rows.append({"id": i + 1, "county_code": "422822", "household_no": f"422822{i + 1:08d}",
                            "township_id": tid, "village_id": vid, "household_type": rng.choice(TYPES),
                            "dilapidated_house": "是" if rng.random() < 0.1 else "否", "extra": {}})
        conn.execute(insert(Household.__table__), hh_rows)
        m_rows = []
        for h in hh_rows:
            size = rng.choice((1, 2, 2, 3, 3, 3, 4, 4, 5, 6))
            surname = rng.choice(SURNAMES)
            for p in range(size):
                idn = make_id(rng)
                nm = surname + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
                row = {"county_code": "422822", "household_id": h["id"], "household_no": h["household_no"],
                       "member_no": f"{h['household_no']}{p + 1:02d}", "name": nm, "id_number": idn, "id_norm": idn,
                       "id_kind": "id18", "relation": "户主" if p == 0 else "之子", "health": rng.choice(HEALTH),
                       "position": p, "extra": {}}
                m_rows.append(row)
                members.append({**row, "village": villages[(h["id"] - 1) % len(villages)],
                                "household_type": h["household_type"]})
        conn.execute(insert(Member.__table__), m_rows)
    return members, time.perf_counter() - t0


def _variant(rng: random.Random, idn: str) -> str:
    r = rng.random()
    if r < 0.03 and idn[8:10] == "19":
        return idn[:6] + idn[8:17]  # old 15-digit form
    if r < 0.05 and idn.endswith("X"):
        return idn[:-1] + "x"
    if r < 0.06:
        return "".join(chr(0xFF10 + int(c)) if c.isdigit() else c for c in idn)  # full-width digits
    return idn


def _typo(rng: random.Random, idn: str) -> str:
    pos = rng.randint(6, 16)
    return idn[:pos] + str((int(idn[pos]) + 1) % 10) + idn[pos + 1:]


def police_rows(members: list[dict], n: int, rng: random.Random) -> list[list]:
    """公安 人口状态: 60 % registered people (1 % dead, 1 % moved out, 0.5 % other name, 0.5 % typo), 40 % others."""
    rows: list[list] = [["姓名", "公民身份号码", "性别", "人员状态", "变动日期"]]
    sample = rng.sample(members, min(len(members), int(n * 0.6)))
    for m in sample:
        r = rng.random()
        status = "死亡" if r < 0.01 else ("迁出" if r < 0.02 else "正常")
        nm = m["name"] if rng.random() > 0.005 else name(rng)
        idn = _typo(rng, m["id_norm"]) if rng.random() < 0.005 else _variant(rng, m["id_norm"])
        rows.append([nm, idn, "男", status, "2015-06-30" if status != "正常" else ""])
    while len(rows) <= n:
        rows.append([name(rng), make_id(rng), "女", "正常", ""])
    return rows


def civil_rows(members: list[dict], n: int, rng: random.Random) -> list[list]:
    """民政 低保/特困 with 乡镇/村: every member of 低保/五保 households (3 % typed otherwise: clues), 0.5 % typos,
    the rest people who are not registered, spread over the county's villages."""
    rows: list[list] = [["姓名", "身份证号", "保障类型", "乡镇", "村"]]
    villages = sorted({m["village"] for m in members})
    for m in members:
        if len(rows) > n * 0.4:
            break
        t = m["household_type"]
        if t == "一般贫困户" and rng.random() > 0.03:
            continue
        _, _, tname, vname = m["village"]
        idn = _typo(rng, m["id_norm"]) if rng.random() < 0.005 else m["id_norm"]
        kind = "特困供养" if t == "五保贫困户" else "农村低保"
        rows.append([m["name"], idn, kind, tname, vname])
    while len(rows) <= n:
        _, _, tname, vname = rng.choice(villages)
        rows.append([name(rng), make_id(rng), "农村低保", tname, vname])
    return rows


def write_list(path: Path, rows: list[list]) -> Path:
    """Write with the demo's streaming .xlsx writer when present, else as CSV."""
    try:
        from fupin_tui.demo.tables import write_xlsx
    except ImportError:
        import csv

        path = path.with_suffix(".csv")
        with open(path, "w", newline="", encoding="utf-8") as fh:
            csv.writer(fh).writerows(rows)
        return path
    write_xlsx(path, "Sheet1", rows, width=len(rows[0]))
    return path


def generated_county(work: Path, households: int, seed: int) -> tuple[str, list[Path], float] | None:
    """Generate and import the demo county: ``(db, department files, seconds)``, or None without the generator."""
    try:
        from fupin_tui.demo.generator import generate_county
        from fupin_tui.importing import import_files
    except ImportError:
        return None
    t0 = time.perf_counter()
    county = generate_county(work / "county", households=households, seed=seed)
    db = str(work / "bench.db")
    import_files(get_engine(db), [county.roster, county.income])
    return db, list(county.departments.values()), time.perf_counter() - t0


def clear_department_data(db: str) -> None:
    """Remove every comparison result (clues, department lists) so a reused county starts clean."""
    from sqlalchemy import delete

    from fupin_tui.models import Clue, DeptRecord, ImportFile, RejectedRow

    with get_engine(db).begin() as conn:
        ids = [r[0] for r in conn.execute(ImportFile.__table__.select().with_only_columns(ImportFile.__table__.c.id)
                                          .where(ImportFile.__table__.c.kind == "department"))]
        conn.execute(delete(Clue.__table__))
        conn.execute(delete(DeptRecord.__table__))
        if ids:
            conn.execute(delete(RejectedRow.__table__).where(RejectedRow.__table__.c.import_file_id.in_(ids)))
            conn.execute(delete(ImportFile.__table__).where(ImportFile.__table__.c.id.in_(ids)))


def members_of(db: str) -> list[dict]:
    """Registered members with their village and household type, for building lists."""
    from sqlalchemy import select

    m, h, v, t = (Member.__table__, Household.__table__, Village.__table__, Township.__table__)
    stmt = (select(m.c.name, m.c.id_norm, h.c.household_type, t.c.id, v.c.id, t.c.name, v.c.name)
            .select_from(m.join(h, m.c.household_id == h.c.id).join(v, h.c.village_id == v.c.id)
                         .join(t, v.c.township_id == t.c.id))
            .where(m.c.id_norm.is_not(None)))
    with get_engine(db).connect() as conn:
        return [{"name": r[0], "id_norm": r[1], "household_type": r[2], "village": (r[3], r[4], r[5], r[6])}
                for r in conn.execute(stmt)]


def timed(engine, label: str, paths: list[Path], runs: tuple[str, ...] = ("first", "re-run")) -> None:  # noqa: ANN001
    for run in runs:
        t0, c0 = time.perf_counter(), time.process_time()
        res = compare_files(engine, paths)
        total, cpu = time.perf_counter() - t0, time.process_time() - c0
        tm = res.timings
        rows = sum(r.rows for r in res.lists)
        matched = sum(r.matched for r in res.lists)
        typo = sum(r.typo for r in res.lists)
        print(f"{label} {run}: {total:.2f} s wall, {cpu:.2f} s CPU  (read+infer {total - tm['total']:.2f}, "
              f"store {tm['store']:.2f}, load members {tm['load_population']:.2f}, match+rules "
              f"{tm['match_and_rules']:.2f}, upsert {tm['upsert']:.2f})  rows {rows:,} matched {matched:,} "
              f"typo {typo:,}; clues active {res.counts['active']:,} new {res.counts['new']:,} "
              f"unchanged {res.counts['unchanged']:,}  {'OK' if total < 5 else 'SLOW'} (target < 5 s)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--households", type=int, default=40_000)
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--dir", type=Path, default=None)
    ap.add_argument("--bulk", action="store_true", help="build the county with bulk inserts instead of the generator")
    ap.add_argument("--reuse", action="store_true",
                    help="reuse the generated county in --dir (its department data are cleared first)")
    args = ap.parse_args()
    work = args.dir or Path(tempfile.mkdtemp(prefix="compare_bench_"))
    work.mkdir(parents=True, exist_ok=True)
    if args.reuse and (work / "bench.db").exists() and (work / "county").is_dir():
        clear_department_data(str(work / "bench.db"))
        prefixes = ("民政_", "公安_", "财政供养", "残联_", "住建_", "工商_", "公安交管_", "人社_")
        dept_files = sorted(p for p in (work / "county").glob("*.xlsx") if p.name.startswith(prefixes))
        generated = (str(work / "bench.db"), dept_files, 0.0)
    else:
        for suffix in ("", "-wal", "-shm"):
            Path(str(work / "bench.db") + suffix).unlink(missing_ok=True)
        generated = None if args.bulk else generated_county(work, args.households, args.seed)
    if generated is not None:
        db, dept_files, secs = generated
        members = members_of(db)
        print(f"county: demo generator, {args.households:,} households, {len(members):,} members with an ID, "
              f"generated and imported in {secs:.1f} s")
    else:
        db, dept_files = str(work / "bench.db"), []
        members, secs = build_county(db, args.households, args.seed)
        print(f"county: bulk inserts, {args.households:,} households, {len(members):,} members built in {secs:.1f} s")
    rng = random.Random(args.seed + 1)
    t = time.perf_counter()
    lists = [
        ("公安 人口状态（无村列）",
         write_list(work / "公安_人口状态变动_10万.xlsx", police_rows(members, args.rows, rng))),
        ("民政 低保特困（有乡镇/村）",
         write_list(work / "民政_低保特困人员名单_10万.xlsx", civil_rows(members, args.rows, rng))),
    ]
    print(f"lists written ({args.rows:,} rows each) in {time.perf_counter() - t:.1f} s: {work}")
    engine = get_engine(db)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"machine: {os.cpu_count()} CPUs, load average {load:.1f} (wall time grows with other processes; CPU time "
          "is this process alone)")
    if dept_files:
        timed(engine, "the generator's eight department lists", dept_files, ("first",))
    for label, path in lists:
        timed(engine, label, [path])
    dispose_all()


if __name__ == "__main__":
    main()
