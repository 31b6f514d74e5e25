"""Test-data builders: households and members whose defaults are CLEAN for every rule of the rulebook.

A test takes a default household, tweaks one field (a positive case) or a near miss (a negative case), inserts it
with :func:`insert_county` and runs the checks. IDs are synthetic with valid GB 11643 check digits; nobody is real.
"""

from __future__ import annotations

import copy
import datetime as dt
import itertools
from typing import Any

from sqlalchemy import insert

from fupin_tui.idnumber import check_digit, normalize_id
from fupin_tui.models import County, Household, Member, bulk_connection

COUNTY = "422822"
DATA_YEAR = 2015
_seq = itertools.count(1)
_phone = itertools.count(1)
_household = itertools.count(1)


def make_id(birth: str | dt.date, sex: str, *, area: str = COUNTY, seq: int | None = None) -> str:
    """A synthetic 18-character ID with a valid check digit: area code, birth date ``YYYY-MM-DD``, sequence, sex."""
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


def insert_county(engine, households: list[dict[str, Any]], *, code: str = COUNTY, data_year: int | None = DATA_YEAR,
                  relocation_task: bool = False, name: str = "测试县") -> None:
    """Insert a county with ``households`` (each with its ``members``) in one transaction (Core inserts).

    Member numbers default to 户编号 + 2 digits; ``id_norm`` / ``id_kind`` are computed with ``normalize_id`` unless
    the member dict gives ``id_kind`` (None to leave both empty).
    """
    households = copy.deepcopy(households)
    with bulk_connection(engine) as conn:
        conn.execute(insert(County.__table__).values(code=code, name=name, data_year=data_year,
                                                     relocation_task=relocation_task, settings={}))
        for hh in households:
            members = hh.pop("members")
            hh.setdefault("county_code", code)
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
