"""The tests' synthetic counties, in ONE module (nobody is real: IDs are synthetic with valid GB 11643 check digits).

- IDs and numbers: :func:`make_id`, :func:`with_check_digit`, :func:`wrong_check_digit`, :func:`new_phone`,
  :func:`household_no`.
- Clean households: :func:`member`, :func:`make_household`, :func:`set_income`, :func:`resize` — defaults CLEAN for
  every rule of the rulebook. A checks test takes a default household, tweaks one field (a positive case) or a near
  miss (a negative case), inserts it with :func:`insert_county` and runs the checks.
- Storing: :func:`add_county`, :func:`add_places` (townships with their villages), :func:`insert_county`
  (households with members, placed in named townships/villages when they say so).
- Ready-made counties: :func:`build_county` (the sampling / grading frame county), :func:`build_report_county`
  (everything the report shows), :func:`demo` (a generated county imported: the issue-8 tests),
  :func:`load_sample_roster` / :func:`department_files` (the shared sample county, for the comparison tests).
- Files and counts: :func:`xlsx` (a one-sheet .xlsx), :func:`counts` (rows of the issue-8 tables),
  :func:`begin_statements` (the transactions an engine began).

(``tests/_tui_builder.py`` builds the TUI tests' county; ``tests/fixtures_gen.py`` writes export files in every
format for the importer tests.)
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import itertools
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import openpyxl
from sqlalchemy import event, func, insert, select
from sqlalchemy.engine import Engine

from fupin_tui.audit import append_action
from fupin_tui.demo import generate_county
from fupin_tui.idnumber import check_digit, normalize_id
from fupin_tui.importing import import_files
from fupin_tui.models import (
    Clue,
    County,
    CountyIndicator,
    Finding,
    FindingVerdict,
    Hamlet,
    Household,
    ImportFile,
    Inspector,
    Mark,
    Member,
    OrgPerson,
    Project,
    ProjectBeneficiary,
    RejectedRow,
    Sample,
    SampleItem,
    Township,
    Village,
    bulk_connection,
    get_engine,
    session_scope,
)
from fupin_tui.villages import import_village_tables

COUNTY = "422822"
DATA_YEAR = 2015
_seq = itertools.count(1)
_phone = itertools.count(1)
_household = itertools.count(1)


def make_id(birth: str | dt.date, sex: str, *, area: str = COUNTY, seq: int | None = None) -> str:
    """A synthetic 18-character ID with a valid check digit: area code, birth date (``YYYY-MM-DD`` or ``YYYYMMDD``),
    a sequence number (``seq``, else the next of a session-wide counter), sex (男: odd order digit)."""
    if isinstance(birth, dt.date):
        birth = birth.isoformat()
    n = next(_seq) if seq is None else seq
    order = (n * 2) % 1000 + (1 if sex == "男" else 0)  # 3 digits; odd = 男, even = 女
    body = f"{area}{birth.replace('-', '')}{order:03d}"
    return body + check_digit(body)


def with_check_digit(body17: str) -> str:
    """``body17`` + its correct check digit."""
    return body17 + check_digit(body17)


def wrong_check_digit(id18: str) -> str:
    """``id18`` with a wrong check digit."""
    good = id18[17]
    return id18[:17] + ("0" if good != "0" else "1")


def new_phone() -> str:
    """A fresh valid mobile number (unique within a test session)."""
    return f"139{next(_phone):08d}"


def household_no(i: int, county: str = COUNTY) -> str:
    """户编号 of the i-th (0-based) household: the county code + 8 digits (14 digits)."""
    return f"{county}{i + 1:08d}"


def member(relation: str, birth: str, sex: str, **overrides: Any) -> dict[str, Any]:
    """A clean member of the given relation, birth date and sex (ID derived from them)."""
    row: dict[str, Any] = {
        "relation": relation, "id_number": make_id(birth, sex), "sex": sex, "ethnicity": "汉族",
        "education": "初中", "school_status": "非在校生", "health": "健康", "labour_skill": "普通劳动力",
        "work_status": None, "work_months": None, "serious_illness_insurance": "是", "new_rural_coop": "是",
        "member_status": "正常", "phone": None,
    }
    row.update(overrides)
    return row


def make_household(*, lifted: bool = False, members: list[dict[str, Any]] | None = None,
                   **overrides: Any) -> dict[str, Any]:
    """A clean household: head (男, 1965), spouse (女, 1967), son (1990, working away 8 months), daughter (2006, 小学).

    Not lifted: 一般贫困户 未脱贫 with 人均纯收入 2150 元 (≤ 3000). ``lifted=True``: 已脱贫 with 4400 元 (≥ 4000).
    Every income identity holds; 人数 and 家庭人口数 equal the member rows; phone unique. ``overrides`` replace
    household fields; ``members`` replaces the member list (sizes and per-capita are NOT recomputed).
    """
    seq = next(_household)
    household_no = f"{COUNTY}{seq:08d}"
    if members is None:
        members = [
            member("户主", "1965-03-10", "男", phone=new_phone()),
            member("配偶", "1967-08-21", "女"),
            member("之子", "1990-01-15", "男", education="高中", work_status="县外省内务工", work_months=8),
            member("之女", "2006-09-02", "女", education="小学", school_status="小学", labour_skill="无劳动力"),
        ]
    if lifted:
        wage, business, expense, status = 14000.0, 4000.0, 1000.0, "已脱贫"
    else:
        wage, business, expense, status = 6000.0, 3000.0, 1000.0, "未脱贫"
    transfer = 600.0
    annual = wage + business + transfer
    net = annual - expense
    per_capita = net / 4
    head = next((m for m in members if m["relation"] == "户主"), members[0] if members else {})
    row: dict[str, Any] = {
        "household_no": household_no, "hamlet": "1组", "head_id_number": head.get("id_number"),
        "size": len(members), "declared_size": len(members), "identification_standard": "国家标准",
        "household_type": "一般贫困户", "poverty_status": status, "main_cause": "缺技术", "other_causes": None,
        "dilapidated_house": "否", "water_safe": "是", "water_difficulty": "否", "relocation": "否",
        "electricity": "是", "road_type": "水泥路", "fuel_type": "柴草", "roster_per_capita_income": per_capita,
        "wage_income": wage, "business_income": business, "property_income": 0.0, "transfer_income": transfer,
        "family_planning_income": 0.0, "subsistence_income": 0.0, "five_guarantee_income": 0.0,
        "pension_income": transfer, "ecological_income": 0.0, "other_transfer_income": 0.0,
        "business_expense": expense, "annual_income": annual, "net_income": net, "per_capita_net_income": per_capita,
        "arable_land": 2.5, "housing_area": 90.0, "phone": None, "has_income_record": True, "extra": {},
    }
    row.update(overrides)
    row["members"] = members
    return row


def set_income(hh: dict[str, Any], **amounts: float) -> dict[str, Any]:
    """Change income fields and recompute 转移性收入, 年收入, 纯收入 and both 人均纯收入 so every identity holds
    (per capita divides by the member rows)."""
    hh.update(amounts)
    if not {"transfer_income"} & set(amounts):
        hh["transfer_income"] = sum(hh[k] or 0 for k in (
            "family_planning_income", "subsistence_income", "five_guarantee_income", "pension_income",
            "ecological_income", "other_transfer_income"))
    hh["annual_income"] = sum(hh[k] or 0 for k in ("wage_income", "business_income", "property_income",
                                                   "transfer_income"))
    hh["net_income"] = hh["annual_income"] - (hh["business_expense"] or 0)
    n = len(hh["members"]) or 1
    hh["per_capita_net_income"] = hh["roster_per_capita_income"] = round(hh["net_income"] / n, 2)
    return hh


def resize(hh: dict[str, Any]) -> dict[str, Any]:
    """Set 人数, 家庭人口数 and per-capita income to match the member rows (after adding/removing members)."""
    n = len(hh["members"])
    hh["size"] = hh["declared_size"] = n
    if n:
        hh["per_capita_net_income"] = hh["roster_per_capita_income"] = round(hh["net_income"] / n, 2)
    return hh


# --------------------------------------------------------------------------------------------------- storing


def add_county(conn: Any, code: str = COUNTY, *, name: str = "测试县", data_year: int | None = DATA_YEAR,
               relocation_task: bool = False) -> None:
    """Insert the county row (``conn``: a Connection or a Session)."""
    conn.execute(insert(County.__table__).values(code=code, name=name, data_year=data_year,
                                                 relocation_task=relocation_task, settings={}))


def add_places(conn: Any, county: str, townships: Sequence[str],
               villages: Sequence[str] = ("一村", "二村")) -> list[tuple[int, int]]:
    """Townships ``townships``, each with one village per name of ``villages`` (named 乡镇前两字 + the name:
    城关镇 → 城关一村); returns (township id, village id) in that order."""
    out = []
    for t in townships:
        tid = conn.execute(insert(Township.__table__).values(county_code=county, name=t)).inserted_primary_key[0]
        for v in villages:
            vid = conn.execute(insert(Village.__table__).values(
                county_code=county, township_id=tid, name=f"{t[:2]}{v}")).inserted_primary_key[0]
            out.append((tid, vid))
    return out


def insert_county(engine: Engine | str, households: list[dict[str, Any]], *, code: str = COUNTY,
                  data_year: int | None = DATA_YEAR, relocation_task: bool = False, name: str = "测试县",
                  default_place: tuple[str, str] | None = None) -> Engine:
    """Insert a county with ``households`` (each with its ``members``) in one transaction (Core inserts); returns the
    engine (``engine`` may be a ``--db`` path or URL).

    A household with ``township`` / ``village`` names (or, with ``default_place``, every household) is placed in
    that township and village, created on first use. Member numbers default to 户编号 + 2 digits; ``id_norm`` /
    ``id_kind`` are computed with ``normalize_id`` unless the member dict gives ``id_kind`` (None to leave both
    empty).
    """
    engine = get_engine(engine) if not isinstance(engine, Engine) else engine
    households = copy.deepcopy(households)
    with bulk_connection(engine) as conn:
        add_county(conn, code, name=name, data_year=data_year, relocation_task=relocation_task)
        towns: dict[str, int] = {}
        villages: dict[tuple[str, str], int] = {}
        for hh in households:
            members = hh.pop("members", [])
            hh.setdefault("county_code", code)
            if default_place is not None or "township" in hh or "village" in hh:
                t = hh.pop("township", None) or (default_place or ("测试镇", ""))[0]
                v = hh.pop("village", None) or (default_place or ("", "测试村"))[1]
                if t not in towns:
                    towns[t] = conn.execute(insert(Township.__table__).values(
                        county_code=code, name=t)).inserted_primary_key[0]
                if (t, v) not in villages:
                    villages[(t, v)] = conn.execute(insert(Village.__table__).values(
                        county_code=code, township_id=towns[t], name=v)).inserted_primary_key[0]
                hh.update(township_id=towns[t], village_id=villages[(t, v)])
            hh_id = conn.execute(insert(Household.__table__).values(**hh)).inserted_primary_key[0]
            rows = []
            for pos, m in enumerate(members):
                m = dict(m)
                if "id_kind" not in m:
                    info = normalize_id(m.get("id_number"))
                    m["id_norm"], m["id_kind"] = info.value, info.kind.value
                m.setdefault("member_no", f"{hh['household_no']}{pos + 1:02d}")
                m.setdefault("household_no", hh["household_no"])
                m.update(county_code=code, household_id=hh_id, position=pos)
                rows.append(m)
            if rows:
                columns = set().union(*rows)  # executemany takes its columns from the first row
                conn.execute(insert(Member.__table__), [{k: r.get(k) for k in columns} for r in rows])
    return engine


# ---------------------------------------------------------------------------------------- ready-made counties

#: The frame county's townships (build_county): 城关镇 ½ of the households, 河口乡 ⅓, 高山乡 the rest.
FRAME_TOWNSHIPS = ("城关镇", "河口乡", "高山乡")
FRAME_TYPES = ("一般贫困户", "低保贫困户", "五保户")
FRAME_STATUSES = ("未脱贫", "已脱贫")


def build_county(engine: Engine, households: int = 120, county: str = COUNTY) -> dict[str, int]:
    """The sampling and grading tests' county: townships :data:`FRAME_TOWNSHIPS` (½, ⅓ and the rest of the
    households) with two villages each, household numbers 4228220000{i:04d} (not in frame order: handed out
    round-robin over the villages), household types cycling 一般贫困户 / 低保贫困户 / 五保户 (an alias of 五保贫困户),
    statuses alternating, no members. Returns 户编号 → household id."""
    half, third = households // 2, households // 3
    with bulk_connection(engine) as conn:
        add_county(conn, county)
        places = add_places(conn, county, FRAME_TOWNSHIPS)
        rows = []
        for i in range(households):
            t_index = 0 if i < half else (1 if i < half + third else 2)
            town_id, vil_id = places[2 * t_index + (i % 2)]
            rows.append(dict(
                county_code=county, household_no=f"{county}0000{(i * 7919) % 10000:04d}", township_id=town_id,
                village_id=vil_id, household_type=FRAME_TYPES[i % 3], poverty_status=FRAME_STATUSES[i % 2],
                size=1 + i % 5, extra={},
            ))
        conn.execute(insert(Household.__table__), rows)
        return dict(conn.execute(select(Household.household_no, Household.id)
                                 .where(Household.county_code == county)).all())


#: The report county (build_report_county).
REPORT_TOWNSHIPS = ("业州镇", "长梁乡", "三里乡")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗田向覃谭"
GIVEN = "国华明秀英兰芳军建平红梅志强海燕玉春桂花德福金银成家"
RELATIONS = ("户主", "配偶", "之子", "之女")
INSPECTORS = ("张明@省扶贫办", "李华@恩施州扶贫办")
BASE_TIME = dt.datetime(2016, 3, 10, 1, 30, tzinfo=dt.timezone.utc)


def build_report_county(engine: Engine, households: int = 40, sample_n: int = 12) -> dict[str, object]:  # noqa: PLR0915
    """A county with everything the report shows (report tests, ``benchmarks/report_bench.py``): county 422822 建始县
    (data year 2015), townships :data:`REPORT_TOWNSHIPS` with two villages each; households 42282200000001… with 1–4
    members (IDs of synthetic people, mobile numbers); an import file with rejected rows; an active stratified sample
    (by township) of the first ``sample_n`` households in review order; a deterministic mix of statuses and marks (in
    the sample, and two outside it), findings with verdicts, clues, inspectors and a hash-chained action trail. Notes
    and messages carry ID numbers and phones on purpose, so the masking of free text is exercised.

    Returns {"ids": all full ID numbers, "phones": all phones, "sample": [户编号…], "outside": [户编号 with marks
    outside the sample]}."""
    ids: list[str] = []
    phones: list[str] = []
    with session_scope(engine) as s:
        add_county(s, COUNTY, name="建始县", data_year=2015)
        villages = add_places(s, COUNTY, REPORT_TOWNSHIPS, ("东坪村", "龙坪村"))
        f = ImportFile(county_code=COUNTY, kind="roster", name="贫困人口花名册.xlsx", sha256="ab" * 32,
                       sheet="贫困人口花名册", header_row=3, rows_total=households * 3 + 3, data_year=2015,
                       imported_at=BASE_TIME - dt.timedelta(days=2))
        s.add(f)
        s.flush()
        hh_rows, members = [], []
        for i in range(households):
            town_id, vil_id = villages[i % len(villages)]
            n_members = 1 + i % 4
            head_id = make_id(f"19{50 + i % 40}0{1 + i % 9}1{i % 9}", "男", seq=i)
            phone = f"181{i:08d}"
            phones.append(phone)
            hh_rows.append(dict(
                county_code=COUNTY, household_no=household_no(i), township_id=town_id, village_id=vil_id,
                head_name=SURNAMES[i % len(SURNAMES)] + GIVEN[i % len(GIVEN)], head_id_number=head_id,
                size=n_members, household_type=("一般贫困户", "低保贫困户", "五保贫困户")[i % 3],
                poverty_status=("未脱贫", "已脱贫")[i % 2], phone=phone, extra={},
            ))
        s.execute(insert(Household), hh_rows)
        hh_ids = dict(s.execute(select(Household.household_no, Household.id)).all())
        rows_imported = 0
        for i in range(households):
            for j in range(1 + i % 4):
                idn = make_id(f"19{50 + i % 40}0{1 + i % 9}1{i % 9}", "男", seq=i) if j == 0 else \
                    make_id(f"19{70 + (i + j) % 30}0{1 + j}2{j}", "男" if j % 2 == 0 else "女", seq=i * 10 + j)
                ids.append(idn)
                members.append(dict(
                    county_code=COUNTY, household_id=hh_ids[household_no(i)], household_no=household_no(i),
                    member_no=f"{household_no(i)}{j + 1:02d}", name=(SURNAMES[(i + j) % len(SURNAMES)]
                                                                     + GIVEN[(i * 3 + j) % len(GIVEN)]),
                    id_number=idn, id_norm=idn, id_kind="id18", relation=RELATIONS[j], position=j,
                    phone=phones[i] if j == 0 else None, bank_account=f"62170000{i:06d}{j:04d}", extra={},
                ))
                rows_imported += 1
        s.execute(insert(Member), members)
        f.rows_imported, f.rows_rejected, f.rows_skipped = rows_imported, 2, households * 3 + 1 - rows_imported
        s.add(RejectedRow(import_file_id=f.id, file=f.name, sheet=f.sheet, row=999, column="户编号",
                          reason="没有户编号，无法归入任何农户"))
        s.add(RejectedRow(import_file_id=f.id, file=f.name, sheet=f.sheet, row=1000, column="",
                          reason="不是数据行（说明文字）"))
        for name in INSPECTORS:
            n, _, unit = name.partition("@")
            s.add(Inspector(name=n, unit=unit))

        # Sample: stratified by township, first sample_n households; one certainty household.
        nos = [household_no(i) for i in range(households)]
        picked = nos[:sample_n]
        strata = []
        for t_index, t in enumerate(REPORT_TOWNSHIPS):
            in_t = [no for k, no in enumerate(nos) if (k % len(villages)) // 2 == t_index]
            strata.append({"name": t, "N": len(in_t), "n": sum(1 for no in picked if no in in_t)})
        sample = Sample(county_code=COUNTY, seed=1, generator="numpy.PCG64 (numpy 2.x)", method="stratified",
                        by="township", allocation="proportional", n=sample_n, population=households,
                        frame_hash="f" * 64, strata=strata, certainty=[],
                        params={"method": "stratified", "seed": 1, "n": sample_n}, created_by="张明@省扶贫办",
                        created_at=BASE_TIME - dt.timedelta(days=1))
        s.add(sample)
        s.flush()
        town_of = {no: REPORT_TOWNSHIPS[(k % len(villages)) // 2] for k, no in enumerate(nos)}
        items = []
        for order, no in enumerate(picked, start=1):
            items.append(SampleItem(sample_id=sample.id, household_id=hh_ids[no], household_no=no,
                                    stratum=town_of[no], order=order))
        s.add_all(items)
        s.flush()
        append_action(s, inspector="张明@省扶贫办", action="sample.draw", target=f"county:{COUNTY}",
                      new={"n": sample_n, "seed": 1}, ts=(BASE_TIME - dt.timedelta(days=1)).isoformat())

        # Reviews: the first 2/3 reviewed; every third reviewed household has marks.
        t = BASE_TIME
        for k, item in enumerate(items[: (2 * sample_n) // 3]):
            insp = INSPECTORS[k % 2]
            t += dt.timedelta(minutes=7)
            if k % 3 == 0:
                m = Mark(county_code=COUNTY, household_id=item.household_id, household_no=item.household_no,
                         member_no=f"{item.household_no}01", field="id_number", category="identity",
                         severity="严重" if k == 0 else "一般",
                         note=f"证件号码与户口本不符：登记为 {ids[0]}，联系电话 13912345678", source="inspector",
                         inspector=insp, created_at=t, updated_at=t)
                s.add(m)
                s.flush()
                append_action(s, inspector=insp, action="mark.add", target=f"mark:{m.uuid}",
                              new={"category": m.category, "severity": m.severity, "note": m.note},
                              ts=t.isoformat())
                item.status = "有问题"
            else:
                item.status = "核查无误"
            item.reviewed_by, item.reviewed_at = insp, t
            append_action(s, inspector=insp, action="status.set", target=f"household:{item.household_no}",
                          old={"status": "未核查"}, new={"status": item.status}, ts=t.isoformat())
        # A rule-confirmed mark on the second reviewed-with-issues household.
        first_issue = items[3]
        s.add(Mark(county_code=COUNTY, household_id=first_issue.household_id, household_no=first_issue.household_no,
                   field="per_capita_net_income", category="income", severity="一般", note="人均纯收入低于脱贫线",
                   source="rule:income_exit_line", inspector=INSPECTORS[1], created_at=t, updated_at=t))
        # Marks outside the sample (listed, not graded).
        outside = nos[-2:]
        for no in outside:
            s.add(Mark(county_code=COUNTY, household_id=hh_ids[no], household_no=no, category="attributes",
                       severity="一般", note="贫困户属性疑似错误", source="clue:subsistence_type_mismatch",
                       inspector=INSPECTORS[0], created_at=t, updated_at=t))
        # Findings: on sampled and non-sampled households; one verdict.
        for k, no in enumerate(nos[:20]):
            s.add(Finding(county_code=COUNTY, rule_id="id_checksum" if k % 2 else "income_exit_line",
                          household_id=hh_ids[no], household_no=no, member_no=f"{no}01" if k % 2 else None,
                          severity="严重" if k % 2 else "一般", category="identity" if k % 2 else "income",
                          message=(f"证件号码 {ids[k]} 校验位错误" if k % 2 else "已脱贫但人均纯收入 3200 元低于 4000 元"),
                          values={"id_number": ids[k]} if k % 2 else {"income": 3200}))
        s.add(FindingVerdict(county_code=COUNTY, rule_id="income_exit_line", household_no=nos[0], member_no="",
                             verdict="不属实", note="收入核实无误", inspector=INSPECTORS[0], decided_at=t))
        # Clues.
        for k, no in enumerate(nos[:6]):
            s.add(Clue(county_code=COUNTY, key=f"k{k}", dept=("public_security", "civil_affairs")[k % 2],
                       kind=("dead_registered", "subsistence_not_on_list")[k % 2], household_id=hh_ids[no],
                       household_no=no, member_no=f"{no}01", their_value=f"{ids[k]} 死亡" if k % 2 == 0 else "",
                       our_value="正常", message="公安登记为死亡", status=("待核实", "属实", "不属实")[k % 3],
                       source_file="公安_人口状态变动.xlsx", source_row=k + 2))
        append_action(s, inspector="", action="report.test", target="", note=f"备注含电话 0718-8123456 与 {ids[1]}")
    return {"ids": ids, "phones": phones, "sample": picked, "outside": outside}


def demo(tmp_path: Path, households: int = 60, seed: int = 1, problems: bool = True, tables: bool = True):
    """Generate a county in ``tmp_path/demo``, import its roster and income table, then (``tables``) its issue-8
    tables. Returns ``(engine, county, village_report or None)``."""
    county = generate_county(tmp_path / "demo", households=households, seed=seed, problems=problems)
    engine = get_engine(tmp_path / "v.db")
    import_files(engine, [county.roster, county.income])
    report = import_village_tables(engine, county.files) if tables else None
    return engine, county, report


def load_sample_roster(db: str, sample_dir: Path) -> Engine:
    """The shared sample county's roster and income table imported into ``db``; the engine."""
    engine = get_engine(db)
    import_files(engine, [sample_dir / "贫困人口花名册.xlsx", sample_dir / "户收入及生产生活条件.xlsx"])
    return engine


def department_files(sample_dir: Path) -> list[Path]:
    """The eight department lists of the shared sample county."""
    exports = ("贫困人口花名册.xlsx", "户收入及生产生活条件.xlsx")
    return sorted(p for p in sample_dir.glob("*.xlsx") if p.name not in exports)


# ------------------------------------------------------------------------------------------- files and counts

ISSUE8_TABLES = (Village, Township, Hamlet, CountyIndicator, Project, ProjectBeneficiary, OrgPerson, ImportFile,
                 RejectedRow, Clue, Finding)


def counts(engine: Engine) -> dict[str, int]:
    """Rows per table of the tables issue 8 writes (to prove a failed import wrote nothing)."""
    out = {}
    with engine.connect() as conn:
        for model in ISSUE8_TABLES:
            out[model.__tablename__] = conn.execute(select(func.count()).select_from(model.__table__)).scalar()
    return out


def xlsx(path: Path, rows: Sequence[Sequence[object]], sheet: str = "Sheet1") -> Path:
    """Write ``rows`` as a one-sheet .xlsx: every cell as given (strings as text, numbers as numbers, None empty;
    pass IDs as text unless testing Excel corruption)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    for r in rows:
        ws.append(list(r))
    wb.save(path)
    return path


@contextlib.contextmanager
def begin_statements(engine: Engine) -> Iterator[list[str]]:
    """The BEGIN statements ``engine`` sends while the block runs (upper case: ``BEGIN``, ``BEGIN IMMEDIATE``)."""
    begins: list[str] = []

    def on_sql(_conn, _cursor, statement, *_args):  # noqa: ANN001, ANN202
        if statement.strip().upper().startswith("BEGIN"):
            begins.append(statement.strip().upper())

    event.listen(engine, "before_cursor_execute", on_sql)
    try:
        yield begins
    finally:
        event.remove(engine, "before_cursor_execute", on_sql)
