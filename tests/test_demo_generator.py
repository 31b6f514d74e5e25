"""Tests of the demo county generator (fupin_tui.demo).

The files are read back with python-calamine and judged by a small independent oracle (``_findings``) that applies
the rule families the generator promises to obey (issue 3 rulebook, issue 5 department clues, issue 8 village and
project checks). A clean county must give no finding at all; a county with problems must give exactly the planted
ones, each under its own kind.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from datetime import date
from functools import lru_cache
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook
from stdnum.cn import ric

from fupin_tui import glossary as g
from fupin_tui.demo import (
    DEPARTMENT_FILES,
    EXIT_LINE,
    INCOME_HEADER,
    MANIFEST_FILE,
    ORDINARY_LINE,
    PROBLEM_KINDS,
    ROSTER_HEADER,
    generate_county,
    generate_province,
)
from fupin_tui.demo.generator import (
    COUNTY_INDICATORS,
    HAMLET_HEADER,
    ORGANIZATION_HEADER,
    PROJECT_HEADER,
    VILLAGE_HEADER,
    round_half_up,
)

DATA_YEAR = 2015


# ====================================================================================================================
# Reading back
# ====================================================================================================================


def _rows(path: Path) -> list[list]:
    if path.suffix == ".csv":
        import csv

        with path.open(encoding="utf-8-sig", newline="") as f:
            return [row for row in csv.reader(f)]
    wb = CalamineWorkbook.from_path(str(path))
    return wb.get_sheet_by_name(wb.sheet_names[0]).to_python()


def _records(path: Path, header_row: int = 0) -> list[dict]:
    rows = _rows(path)
    header = rows[header_row]
    return [dict(zip(header, row)) for row in rows[header_row + 1:]]


def _text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def _num(value: object) -> float:
    return float(value)


# ====================================================================================================================
# The oracle
# ====================================================================================================================


def _id18(value: str) -> str | None:
    """Normalise an ID for matching: 18 chars as is, 15 digits upgraded, 20-char certificate → its ID part."""
    if len(value) == 15 and value.isdigit():
        body = value[:6] + "19" + value[6:]
        return body + ric.calc_check_digit(body + "0")
    if len(value) == 20:
        return value[:18]
    if len(value) == 18:
        return value
    return None


@lru_cache(maxsize=None)
def _region_ok(region: str, year: int) -> bool:
    body = f"{region}{year:04d}0101001"
    return ric.is_valid(body + ric.calc_check_digit(body + "0"))


@lru_cache(maxsize=None)
def _id_finding(raw: object) -> str | None:
    """Identity problem kind of a roster ID cell, or None when valid."""
    if isinstance(raw, float):
        return "id_excel_corrupted"
    text = _text(raw)
    if "E+" in text.upper():
        return "id_excel_corrupted"
    if len(text) == 15:
        return "id_15_digit"
    if len(text) != 18 or not text[:17].isdigit():
        return "id_excel_corrupted"
    if text[17] != ric.calc_check_digit(text):
        return "bad_check_digit"
    try:
        born = date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        return "bad_birth_date"
    if born.year > DATA_YEAR:
        return "birth_after_data_year"
    if DATA_YEAR - born.year > 110:
        return "implausible_age"
    if not _region_ok(text[:6], born.year):
        return "bad_region"
    return None


def _readable(raw: object) -> bool:
    """Birth date and sex can be read from the ID cell (not corrupted, not 15 digits, a real date)."""
    return _id_finding(raw) in (None, "bad_check_digit", "birth_after_data_year", "implausible_age")


def _age(raw: object) -> int | None:
    return DATA_YEAR - int(_text(raw)[6:10]) if _readable(raw) else None


def _sex(raw: object) -> str | None:
    return ("男" if int(_text(raw)[16]) % 2 else "女") if _readable(raw) else None


_SCHOOL_BANDS = {"小学": (6, 14), "七年级": (11, 17), "八年级": (11, 17), "九年级": (11, 17)}
for _s in g.SCHOOL_STATUS:
    if _s.startswith(("高中", "中职")):
        _SCHOOL_BANDS[_s] = (14, 21)
    elif _s.startswith("高职") or _s == "大专及以上":
        _SCHOOL_BANDS[_s] = (17, 200)
_SCHOOL_BANDS["学前教育"] = (2, 6)
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-\d{7,8}$")


def _findings(county) -> set[tuple[str, str | None, str | None]]:
    """Every finding of the oracle as (kind, household_no, member_no) — member_no None for household-level ones,
    household_no None for village- and project-level ones (then member_no holds the village or project)."""
    out: set[tuple[str, str | None, str | None]] = set()
    roster = _records(county.roster, header_row=2)
    income = {_text(r["户编号"]): r for r in _records(county.income)}
    households: dict[str, list[dict]] = defaultdict(list)
    for r in roster:
        households[_text(r["户编号"])].append(r)

    # identity, member by member
    seen: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for r in roster:
        hno, mno = _text(r["户编号"]), _text(r["人编号"])
        kind = _id_finding(r["证件号码"])
        if kind:
            out.add((kind, hno, mno))
        else:
            seen[_text(r["证件号码"])].append((hno, mno))
    for members in seen.values():
        if len(members) > 1:
            across = len({h for h, _ in members}) > 1
            for hno, mno in members:
                out.add(("duplicate_id_across_households" if across else "duplicate_id_within_household", hno, mno))

    phones: dict[str, list[str]] = defaultdict(list)
    for hno, rows in households.items():
        first = rows[0]
        heads = [r for r in rows if r["与户主关系"] == g.HEAD]
        spouses = [r for r in rows if r["与户主关系"] == g.SPOUSE]
        if len(heads) > 1:
            out.add(("two_heads", hno, None))
        if not heads:
            out.add(("no_head", hno, None))
        if len(spouses) > 1:
            out.add(("two_spouses", hno, None))
        head_id = heads[0]["证件号码"] if heads else ""
        if len(heads) == 1 and len(spouses) == 1 and _sex(head_id) and _sex(head_id) == _sex(spouses[0]["证件号码"]):
            out.add(("spouse_same_sex", hno, None))
        if _num(first["人数"]) != len(rows):
            out.add(("size_mismatch", hno, None))
        head_age = _age(head_id) if heads else None
        spouse_age = _age(spouses[0]["证件号码"]) if len(spouses) == 1 else None
        status, htype = first["脱贫属性"], first["贫困户属性"]
        lifted = status in g.LIFTED
        for r in rows:
            mno, rel, id_number = _text(r["人编号"]), r["与户主关系"], r["证件号码"]
            age, sex = _age(id_number), _sex(id_number)
            if sex and rel in g.RELATION_SEX and g.RELATION_SEX[rel] != sex:
                out.add(("relation_sex", hno, mno))
            gen = g.RELATION_GENERATION.get(rel)
            if age is not None and gen is not None:
                for other in (head_age, spouse_age if gen < 0 else None):
                    if other is None:
                        continue
                    if (gen == -1 and other - age < 15) or (gen <= -2 and other - age < 30) or (
                            gen >= 1 and age - other < 15):
                        out.add(("generation_gap", hno, mno))
            for col, codes in (("与户主关系", g.RELATIONS), ("民族", g.ETHNICITIES), ("文化程度", g.EDUCATION),
                               ("在校生状况", g.SCHOOL_STATUS), ("健康状况", g.HEALTH), ("劳动技能", g.LABOUR_SKILL)):
                if r[col] not in codes:
                    out.add(("unknown_label", hno, mno))
            if r["务工状况"] not in ("", *g.WORK_STATUS):
                out.add(("unknown_label", hno, mno))
            school, labour, months = r["在校生状况"], r["劳动技能"], r["务工时间（月）"]
            if age is None:
                continue
            if r["文化程度"] == g.PRESCHOOL and age >= 7:
                out.add(("preschool_too_old", hno, mno))
            band = _SCHOOL_BANDS.get(school)
            if band and not band[0] <= age <= band[1]:
                out.add(("school_status_age", hno, mno))
            if age < 16 and labour in g.ABLE_LABOUR:
                out.add(("child_labour", hno, mno))
            if age < 16 and (r["务工状况"] or (months != "" and _num(months) > 0)):
                out.add(("child_migrant_work", hno, mno))
            if months != "" and not 0 <= _num(months) <= 12:
                out.add(("work_months_range", hno, mno))
            if 16 <= age <= 59 and r["健康状况"] == g.HEALTHY and school == g.NOT_IN_SCHOOL and labour == "无劳动力":
                out.add(("able_no_labour", hno, mno))
            if htype == g.FIVE_GUARANTEE and 16 <= age <= 59 and labour in g.ABLE_LABOUR:
                out.add(("five_guarantee_able_member", hno, None))
            if lifted and r["参加大病医疗"] != g.YES:
                out.add(("lifted_no_medical", hno, mno))
            if lifted and 6 <= age <= 15 and school == g.NOT_IN_SCHOOL:
                out.add(("school_age_out_of_school_lifted", hno, mno))
        if htype == g.FIVE_GUARANTEE and len(rows) > 2:
            out.add(("five_guarantee_too_many", hno, None))
        cause = first["主要致贫原因"]
        if cause == "":
            out.add(("missing_cause", hno, None))
        elif cause not in g.MAIN_CAUSES:
            out.add(("unknown_label", hno, None))
        if cause == "因残" and not any(r["健康状况"] == g.DISABLED for r in rows):
            out.add(("disability_cause_no_disabled", hno, None))
        if cause == "因病" and not any(r["健康状况"] in g.SICK for r in rows):
            out.add(("illness_cause_no_sick", hno, None))
        if lifted and first["危房户"] == g.YES:
            out.add(("lifted_dilapidated", hno, None))
        if lifted and first["饮水安全"] == g.NO:
            out.add(("lifted_unsafe_water", hno, None))
        phone = _text(first["联系电话"])
        if not (_MOBILE.match(phone) or _LANDLINE.match(phone)):
            out.add(("bad_phone", hno, None))
        phones[phone].append(hno)

        inc = income.get(hno)
        if inc is None:
            out.add(("household_not_in_income", hno, None))
            continue
        v = {k: _num(inc[k]) for k in INCOME_HEADER[8:22]}
        if abs(v["年收入"] - (v["工资性收入"] + v["生产经营性收入"] + v["财产性收入"] + v["转移性收入"])) > 1:
            out.add(("income_identity", hno, None))
        if abs(v["转移性收入"] - sum(v[k] for k in INCOME_HEADER[12:18])) > 1:
            out.add(("transfer_identity", hno, None))
        if abs(v["纯收入"] - (v["年收入"] - v["生产经营性支出"])) > 1:
            out.add(("net_identity", hno, None))
        if abs(v["人均纯收入"] - v["纯收入"] / len(rows)) > 1:
            out.add(("per_capita_identity", hno, None))
        if _num(inc["家庭人口数"]) != len(rows):
            out.add(("declared_size_mismatch", hno, None))
        if any(x < 0 for x in v.values()):
            out.add(("negative_amount", hno, None))
        pc = v["人均纯收入"]
        if lifted and pc < EXIT_LINE:
            out.add(("lifted_below_line", hno, None))
        if htype == g.ORDINARY and status == g.NOT_LIFTED and pc > ORDINARY_LINE:
            out.add(("ordinary_above_line", hno, None))
        if htype == g.SUBSISTENCE and v["低保金"] == 0:
            out.add(("subsistence_without_allowance", hno, None))
        if htype == g.FIVE_GUARANTEE and v["五保金"] == 0:
            out.add(("five_guarantee_without_allowance", hno, None))
        if _num(first["人均纯收入"]) != pc:
            out.add(("roster_income_mismatch", hno, None))
        if inc["是否易地扶贫搬迁户"] == g.YES:
            out.add(("relocation_no_task", hno, None))
    for hnos in phones.values():
        if len(hnos) > 1:
            out.update(("shared_phone", hno, None) for hno in hnos)
    for hno in income:
        if hno not in households:
            out.add(("household_without_members", hno, None))

    if county.departments:
        out |= _clues(county, roster, households)
    if county.villages:
        out |= _village_findings(county, roster, households)
    return out


def _clues(county, roster: list[dict], households: dict[str, list[dict]]) -> set:
    out: set = set()
    by_id: dict[str, dict] = {}
    for r in roster:
        by_id.setdefault(_text(r["证件号码"]), r)

    def dept(code: str) -> list[dict]:
        return _records(county.departments[code])

    def match(value: object) -> dict | None:
        key = _id18(_text(value))
        return by_id.get(key) if key else None

    def add(kind: str, r: dict, member: bool = True) -> None:
        out.add((kind, _text(r["户编号"]), _text(r["人编号"]) if member else None))

    for row in dept("public_security"):
        r = match(row["公民身份号码"])
        if r:
            add("clue_dead_registered" if row["人员状态"] == "死亡" else "clue_moved_out_registered", r)
    for code, column, kind in (("staffing", "身份证号码", "clue_public_employee"),
                               ("market", "证件号码", "clue_company_owner"),
                               ("social_security", "社会保障号码", "clue_urban_pension")):
        for row in dept(code):
            r = match(row[column])
            if r:
                add(kind, r)
    for row in dept("vehicles"):
        r = match(row["身份证明号码"])
        if r and _num(row["购置价格（元）"]) >= 30000:
            add("clue_vehicle_owner", r)
    civil_households: set[str] = set()
    members_by_name_village: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for r in roster:
        members_by_name_village[(r["姓名"], r["行政村"])].append(r)
    for row in dept("civil_affairs"):
        r = match(row["身份证号"])
        if r is None:
            for cand in members_by_name_village.get((row["姓名"], row["村"]), []):
                a, b = _text(cand["证件号码"]), _text(row["身份证号"])
                if len(a) == len(b) and sum(x != y for x, y in zip(a, b)) <= 2:
                    add("clue_id_typo", cand)
            continue
        hno = _text(r["户编号"])
        htype = households[hno][0]["贫困户属性"]
        if r["姓名"] != row["姓名"]:
            add("clue_name_mismatch", r)
        civil_households.add(hno)
        expected = g.SUBSISTENCE if row["保障类型"] == "农村低保" else g.FIVE_GUARANTEE
        if htype != expected:
            add("clue_subsistence_in_ordinary", r)
    for hno, rows in households.items():
        if rows[0]["贫困户属性"] == g.SUBSISTENCE and hno not in civil_households:
            out.add(("clue_subsistence_missing", hno, None))
    certified = set()
    for row in dept("disability"):
        r = match(row["残疾人证号"])
        if r:
            certified.add(_text(r["人编号"]))
            if r["健康状况"] != g.DISABLED:
                add("clue_certificate_healthy", r)
    for r in roster:
        if r["健康状况"] == g.DISABLED and _text(r["人编号"]) not in certified:
            add("clue_disabled_no_certificate", r)
    listed = set()
    for row in dept("housing"):
        r = match(row["身份证号"])
        if r:
            hno = _text(r["户编号"])
            listed.add(hno)
            if households[hno][0]["危房户"] != g.YES:
                out.add(("clue_housing_not_flagged", hno, None))
    for hno, rows in households.items():
        if rows[0]["危房户"] == g.YES and hno not in listed:
            out.add(("clue_housing_not_listed", hno, None))
    return out


def _village_findings(county, roster: list[dict], households: dict[str, list[dict]]) -> set:
    out: set = set()
    villages = _records(county.villages)
    hamlets = _records(county.hamlets)
    org = _records(county.organization)
    by_village: dict[str, list[str]] = defaultdict(list)
    for hno, rows in households.items():
        by_village[rows[0]["行政村"]].append(hno)
    hamlet_villages = {h["所属行政村"] for h in hamlets}
    party = Counter(o["所属行政村"] for o in org if o["身份类别"] == "党员")
    officials = Counter(o["所属行政村"] for o in org if o["身份类别"] == "大学生村官")
    for v in villages:
        name = v["行政村"]
        hnos = by_village.get(name, [])
        if v["是否贫困村"] == g.YES and name not in hamlet_villages:
            out.add(("village_poor_without_hamlets", None, name))
        if v["是否摘帽"] == g.YES and any(households[h][0]["脱贫属性"] not in g.LIFTED for h in hnos):
            out.add(("village_delisted_unlifted", None, name))
        if _num(v["贫困户数"]) != len(hnos) or _num(v["贫困人口数"]) != sum(len(households[h]) for h in hnos):
            out.add(("village_count_mismatch", None, name))
        if _num(v["党员数"]) != party[name] or _num(v["大学生村官数"]) != officials[name]:
            out.add(("village_party_count_mismatch", None, name))
    ids = {_text(r["证件号码"]): r for r in roster}
    for o in org:
        r = ids.get(_text(o["身份证号"]))
        if r:
            out.add(("village_official_registered", _text(r["户编号"]), _text(r["人编号"])))
    for p in _records(county.projects):
        pno = p["项目编号"]
        parts = [_num(p[c]) for c in PROJECT_HEADER[5:13]]
        if sum(parts) != _num(p["总投资（万元）"]):  # exact: the generator promises float-exact sums
            out.add(("project_parts_sum", None, pno))
        if sum(parts[:3]) == 0:
            out.add(("project_no_special_funds", None, pno))
        beneficiaries = p["受益户编号"].split(",")
        if any(b not in households for b in beneficiaries):
            out.add(("project_beneficiary_unregistered", None, pno))
        if len(set(beneficiaries)) != len(beneficiaries):
            out.add(("project_duplicate_beneficiary", None, pno))
    return out


def _expected(county) -> set[tuple[str, str | None, str | None]]:
    """The planted problems in the oracle's key shape."""
    out = set()
    member_kinds = {
        "bad_check_digit", "bad_birth_date", "birth_after_data_year", "implausible_age", "id_15_digit",
        "id_excel_corrupted", "duplicate_id_across_households", "duplicate_id_within_household", "relation_sex",
        "generation_gap", "preschool_too_old", "school_status_age", "child_labour", "child_migrant_work",
        "work_months_range", "able_no_labour", "unknown_label", "lifted_no_medical", "school_age_out_of_school_lifted",
        "village_official_registered", *(k for k in PROBLEM_KINDS if k.startswith("clue_")),
    } - {"clue_subsistence_missing", "clue_housing_not_listed", "clue_housing_not_flagged"}
    for p in county.problems:
        if p.kind.startswith(("village_", "project_")) and p.kind != "village_official_registered":
            if p.kind == "project_duplicate_beneficiary" or p.kind.startswith("project_"):
                out.add((p.kind, None, p.project_no))
            else:
                out.add((p.kind, None, p.village))
        elif p.kind in member_kinds:
            out.add((p.kind, p.household_no, p.member_no))
        else:
            out.add((p.kind, p.household_no, None))
    return out


# ====================================================================================================================
# Fixtures
# ====================================================================================================================


@pytest.fixture(scope="module")
def clean_county(tmp_path_factory):
    return generate_county(tmp_path_factory.mktemp("clean"), households=300, seed=7, problems=False)


@pytest.fixture(scope="module")
def problem_county(tmp_path_factory):
    return generate_county(tmp_path_factory.mktemp("problems"), households=300, seed=3, problems=True)


# ====================================================================================================================
# Tests
# ====================================================================================================================


def test_clean_county_has_no_finding(clean_county):
    assert clean_county.problems == []
    assert _findings(clean_county) == set()


@pytest.mark.parametrize("seed", [1, 2, 11])
def test_clean_county_other_seeds_and_a_csv_one(tmp_path, seed):
    county = generate_county(tmp_path, households=150, seed=seed, problems=False, fmt="csv" if seed == 11 else "xlsx")
    assert _findings(county) == set()


def test_csv_county_with_problems(tmp_path):
    county = generate_county(tmp_path, households=300, seed=8, fmt="csv")
    assert county.roster.name == "贫困人口花名册.csv"
    assert county.roster.read_bytes().startswith("\ufeff".encode())
    assert _findings(county) == _expected(county)


def test_every_problem_kind_is_planted_and_found_exactly(problem_county):
    planted = {p.kind for p in problem_county.problems}
    assert planted == set(PROBLEM_KINDS) - {"duplicate_id_across_counties"}
    assert _findings(problem_county) == _expected(problem_county)


def test_larger_county_finds_exactly_the_planted_problems(tmp_path):
    county = generate_county(tmp_path, households=4000, seed=5)
    counts = Counter(p.kind for p in county.problems)
    assert counts["bad_check_digit"] == 2 and counts["shared_phone"] == 2 * 3
    assert _findings(county) == _expected(county)


def test_income_identities_hold_exactly_on_clean_output(clean_county):
    roster_rows = Counter(_text(r["户编号"]) for r in _records(clean_county.roster, header_row=2))
    for r in _records(clean_county.income):
        n = roster_rows[_text(r["户编号"])]
        assert r["年收入"] == r["工资性收入"] + r["生产经营性收入"] + r["财产性收入"] + r["转移性收入"]
        assert r["转移性收入"] == sum(r[k] for k in INCOME_HEADER[12:18])
        assert r["纯收入"] == r["年收入"] - r["生产经营性支出"]
        assert r["人均纯收入"] == round_half_up(int(r["纯收入"]), n)
        assert r["家庭人口数"] == n
        if r["脱贫属性"] in g.LIFTED:
            assert r["人均纯收入"] >= EXIT_LINE + 300
        elif r["贫困户属性"] == g.ORDINARY:
            assert r["人均纯收入"] <= ORDINARY_LINE - 100


def test_manifest_lists_problems_and_their_households_exist(problem_county):
    manifest = json.loads((problem_county.dir / MANIFEST_FILE).read_text(encoding="utf-8"))
    assert manifest == json.loads(json.dumps(problem_county.manifest(), ensure_ascii=False))
    assert manifest["households"] == 300 and manifest["county_code"] == "422822"
    assert sum(manifest["problem_counts"].values()) == len(manifest["problems"]) == len(problem_county.problems)
    roster = _records(problem_county.roster, header_row=2)
    households = {_text(r["户编号"]) for r in roster} | {_text(r["户编号"]) for r in _records(problem_county.income)}
    members = {_text(r["人编号"]) for r in roster}
    villages = {r["行政村"] for r in _records(problem_county.villages)}
    projects = {r["项目编号"] for r in _records(problem_county.projects)}
    for p in manifest["problems"]:
        assert p["kind"] in PROBLEM_KINDS and p["family"] == PROBLEM_KINDS[p["kind"]][0]
        assert p["description"]
        if p["household_no"] is not None:
            assert p["household_no"] in households, p
        if p["member_no"] is not None:
            assert p["member_no"] in members, p
        if p["village"] is not None:
            assert p["village"] in villages, p
        if p["project_no"] is not None:
            assert p["project_no"] in projects, p
        if p["kind"] != "project_beneficiary_unregistered":
            assert p["household_no"] or p["village"]


def test_descriptions_carry_no_names_ids_or_phones(problem_county):
    roster = _records(problem_county.roster, header_row=2)
    secrets = {r["姓名"] for r in roster} | {_text(r["证件号码"]) for r in roster} | {
        _text(r["联系电话"]) for r in roster if r["联系电话"]}
    for p in problem_county.problems:
        assert not any(s and s in p.description for s in secrets), p


def test_same_seed_gives_identical_bytes_and_another_seed_differs(tmp_path):
    a = generate_county(tmp_path / "a", households=120, seed=9)
    b = generate_county(tmp_path / "b", households=120, seed=9)
    c = generate_county(tmp_path / "c", households=120, seed=10)
    for pa, pb in zip(a.files + [a.dir / MANIFEST_FILE], b.files + [b.dir / MANIFEST_FILE]):
        assert pa.name == pb.name and pa.read_bytes() == pb.read_bytes(), pa.name
    assert a.roster.read_bytes() != c.roster.read_bytes()


def test_clean_and_problem_runs_share_the_same_base_county(tmp_path):
    clean = generate_county(tmp_path / "clean", households=200, seed=4, problems=False)
    dirty = generate_county(tmp_path / "dirty", households=200, seed=4, problems=True)
    touched = {p.household_no for p in dirty.problems}
    clean_rows = {_text(r["人编号"]): r for r in _records(clean.roster, header_row=2)}
    same = [r for r in _records(dirty.roster, header_row=2)
            if _text(r["户编号"]) not in touched and clean_rows.get(_text(r["人编号"])) == r]
    assert len(same) > 0.6 * len(clean_rows)


def test_check_digits_valid_except_where_a_problem_says_otherwise(problem_county):
    id_kinds = {"bad_check_digit", "bad_birth_date", "birth_after_data_year", "implausible_age", "id_15_digit",
                "id_excel_corrupted"}
    allowed = {p.member_no for p in problem_county.problems if p.kind in id_kinds}
    for r in _records(problem_county.roster, header_row=2):
        value = r["证件号码"]
        ok = isinstance(value, str) and ric.is_valid(value) and int(value[6:10]) <= DATA_YEAR
        assert ok or _text(r["人编号"]) in allowed, r["人编号"]


def test_roster_layout_and_cell_types(problem_county):
    rows = _rows(problem_county.roster)
    assert rows[0][0] == "建档立卡贫困人口花名册"
    assert rows[1][0] == "建始县    数据年度：2015    导出时间：2016-02-20"
    assert tuple(rows[2]) == ROSTER_HEADER
    corrupted = {p.member_no for p in problem_county.problems if p.kind == "id_excel_corrupted"}
    for row in rows[3:]:
        r = dict(zip(ROSTER_HEADER, row))
        assert isinstance(r["户编号"], str) and len(r["户编号"]) == 14 and r["户编号"].startswith("422822")
        assert isinstance(r["人编号"], str) and r["人编号"][:14] == r["户编号"] and len(r["人编号"]) == 16
        assert isinstance(r["证件号码"], str) or r["人编号"] in corrupted
        assert isinstance(r["序号"], float)
        if r["人编号"].endswith("01"):  # the head's row carries the household values
            assert isinstance(r["联系电话"], str) and r["联系电话"]
            assert isinstance(r["人数"], float) and isinstance(r["人均纯收入"], float)
        else:
            assert r["人数"] == "" and r["脱贫属性"] == "" and r["联系电话"] == ""


def test_realism_of_a_mid_size_clean_county(tmp_path):
    county = generate_county(tmp_path, households=2000, seed=2, problems=False, departments=False, villages=False)
    roster = _records(county.roster, header_row=2)
    heads = [r for r in roster if r["与户主关系"] == g.HEAD]
    types = Counter(r["贫困户属性"] for r in heads)
    assert 0.70 < types[g.ORDINARY] / 2000 < 0.80 and 0.16 < types[g.SUBSISTENCE] / 2000 < 0.24
    lifted = sum(1 for r in heads if r["脱贫属性"] in g.LIFTED) / 2000
    assert 0.15 < lifted < 0.25
    assert 3.0 < len(roster) / 2000 < 4.0
    assert len({r["乡(镇)"] for r in roster}) == 10
    names = [r["姓名"] for r in roster]
    assert any("·" in n for n in names) and sum("·" in n for n in names) < 0.05 * len(names)
    minority_named = sum(1 for r in roster if r["民族"] in ("维吾尔族", "哈萨克族", "藏族", "彝族", "蒙古族"))
    assert 0.02 < minority_named / len(roster) < 0.08
    assert {"土家族", "苗族"} <= {r["民族"] for r in roster}
    for r in heads:
        assert re.match(r"^(1[3-9]\d{9}|0\d{3}-\d{7})$", r["联系电话"])
    five = [r for r in heads if r["贫困户属性"] == g.FIVE_GUARANTEE]
    assert all(r["人数"] <= 2 for r in five)


def test_small_counties(tmp_path):
    for problems in (False, True):
        county = generate_county(tmp_path / str(problems), households=5, seed=1, problems=problems)
        assert county.households == 5
        assert len({_text(r["户编号"]) for r in _records(county.roster, header_row=2)}) == 5
        assert _findings(county) == _expected(county)
        assert len(_records(county.villages)) >= 1
    one = generate_county(tmp_path / "one", households=1, seed=1, problems=False)
    assert one.households == 1 and _findings(one) == set()


def test_options_switch_files_and_offset_shifts_numbers(tmp_path):
    county = generate_county(tmp_path, households=50, seed=1, departments=False, villages=False, id_offset=1000,
                             problems=False)
    assert county.departments == {} and county.villages is None and county.projects is None
    assert {p.name for p in tmp_path.iterdir()} == {"贫困人口花名册.xlsx", "户收入及生产生活条件.xlsx", MANIFEST_FILE}
    first = _records(county.roster, header_row=2)[0]
    assert first["户编号"] == "42282200001001"
    with pytest.raises(ValueError):
        generate_county(tmp_path / "x", households=0)
    with pytest.raises(ValueError):
        generate_county(tmp_path / "x", households=5, fmt="xls")
    with pytest.raises(ValueError):
        generate_county(tmp_path / "x", households=5, county_code="999999")


def test_other_county_codes_use_valid_historical_region_codes(tmp_path):
    county = generate_county(tmp_path, households=300, seed=1, county_code="421181", problems=False)
    assert county.county_name == "麻城市"
    roster = _records(county.roster, header_row=2)
    prefixes = Counter(_text(r["证件号码"])[:6] for r in roster)
    assert set(prefixes) <= {"421181", "422101", "422124"} and len(prefixes) >= 2
    assert _findings(county) == set()


def test_province_shares_people_between_neighbouring_counties(tmp_path):
    counties = generate_province(tmp_path, counties=2, households=150, seed=1, shared_per_county=3,
                                 departments=False, villages=False)
    a, b = counties
    shared_b = [p for p in b.problems if p.kind == "duplicate_id_across_counties"]
    shared_a = [p for p in a.problems if p.kind == "duplicate_id_across_counties"]
    assert len(shared_a) == len(shared_b) == len(b.shared_in) >= 2
    ids_a = {_text(r["证件号码"]): _text(r["人编号"]) for r in _records(a.roster, header_row=2)}
    rows_b = {_text(r["人编号"]): r for r in _records(b.roster, header_row=2)}
    for p in shared_b:
        row = rows_b[p.member_no]
        assert row["与户主关系"] == g.SPOUSE and _text(row["证件号码"]) in ids_a
    manifest_a = json.loads((a.dir / MANIFEST_FILE).read_text(encoding="utf-8"))
    assert manifest_a["problem_counts"]["duplicate_id_across_counties"] == len(shared_a)


def test_department_lists_have_matches_and_outsiders(clean_county):
    roster_ids = {_text(r["证件号码"]) for r in _records(clean_county.roster, header_row=2)}
    police = _records(clean_county.departments["public_security"])
    assert any(len(_text(r["公民身份号码"])) == 15 for r in police)
    certificates = _records(clean_county.departments["disability"])
    assert all(len(r["残疾人证号"]) == 20 for r in certificates)
    for code, column in (("civil_affairs", "身份证号"), ("disability", "残疾人证号"), ("housing", "身份证号")):
        ids = [_id18(_text(r[column])) for r in _records(clean_county.departments[code])]
        matched = sum(1 for i in ids if i in roster_ids)
        assert 0 < matched < len(ids), code


def test_headers_equal_the_shared_sample(sample_dir):  # skips when ../shared/samples is absent (conftest)
    assert tuple(_rows(sample_dir / "贫困人口花名册.xlsx")[2]) == ROSTER_HEADER
    assert tuple(_rows(sample_dir / "户收入及生产生活条件.xlsx")[0]) == INCOME_HEADER
    for stem, header in DEPARTMENT_FILES.values():
        assert tuple(_rows(sample_dir / f"{stem}.xlsx")[0]) == header, stem


def test_sample_title_rows_match(sample_dir):
    sample = _rows(sample_dir / "贫困人口花名册.xlsx")
    assert sample[0][0] == "建档立卡贫困人口花名册"
    assert sample[1][0] == "建始县    数据年度：2015    导出时间：2016-02-20"


def test_other_tables_have_their_headers(problem_county):
    assert tuple(_rows(problem_county.villages)[0]) == VILLAGE_HEADER
    assert tuple(_rows(problem_county.hamlets)[0]) == HAMLET_HEADER
    assert tuple(_rows(problem_county.projects)[0]) == PROJECT_HEADER
    assert tuple(_rows(problem_county.organization)[0]) == ORGANIZATION_HEADER
    county_rows = _records(problem_county.county_record)
    assert tuple(county_rows[0]) == ("县名", "行政区划代码", "是否贫困县", "指标", "单位", "2014年", "2015年")
    assert all(r["单位"] == COUNTY_INDICATORS[r["指标"]] for r in county_rows)
    values = {r["指标"]: r["2015年"] for r in county_rows}
    roster = _records(problem_county.roster, header_row=2)
    assert values["贫困户数"] == len({_text(r["户编号"]) for r in roster}) and values["贫困人口"] == len(roster)
    villages = _records(problem_county.villages)
    assert values["贫困村数"] == sum(1 for v in villages if v["是否贫困村"] == g.YES)
    assert values["农业人口"] == sum(v["总人口"] for v in villages)
    for v in villages:
        assert len(v["行政区划代码"]) == 12 and v["行政区划代码"].startswith("422822")
