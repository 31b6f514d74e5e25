"""A synthetic county with members, a frozen sample, findings and clues, built directly through the models, for the
review-service and TUI tests and for ``benchmarks/tui_bench.py`` (bulk Core inserts: 40,000 households in seconds).

``build_county(db, households=30, sample_n=10, seed=1)``: county 422822 (data year 2015), townships 城关镇 / 河口乡 /
高山乡 with two villages each, households 42282200000001… with 1–6 members (valid-checksum IDs of synthetic people,
names including minority names with '·'), income that obeys the identities except every 7th household, an active
sample of the first ``sample_n`` households in a shuffled order, findings on every 3rd household (one 严重) and
clues on every 4th. Ambiguous-width characters (·, “”, …, —) appear in names and messages on purpose.
"""

from __future__ import annotations

import random

from sqlalchemy import insert, select
from stdnum.cn import ric

from fupin_tui.models import (
    Clue,
    County,
    Finding,
    Household,
    Member,
    Sample,
    SampleItem,
    Township,
    Village,
    get_engine,
    session_scope,
)

COUNTY = "422822"
TOWNSHIPS = ("城关镇", "河口乡", "高山乡")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗田向覃谭"
GIVEN = "国华明秀英兰芳军建平红梅志强海燕玉春桂花德福金银成家"
MINORITY = ("阿依古丽·买买提", "热依拉·艾山", "扎西·次仁", "古丽·阿不都")
RELATIONS = ("户主", "配偶", "之子", "之女", "之孙子", "之母")
TYPES = ("一般贫困户", "低保贫困户", "五保贫困户")


def make_id(county: str, birth: str, seq: int, male: bool) -> str:
    """A valid-checksum 18-character ID for a synthetic person (birth ``YYYYMMDD``)."""
    digit = (seq % 5) * 2 + (1 if male else 0)
    body = f"{county}{birth}{seq % 100:02d}{digit}"
    return body + ric.calc_check_digit(body)


def household_no(i: int, county: str = COUNTY) -> str:
    """户编号 of the i-th (0-based) household."""
    return f"{county}{i + 1:08d}"


def build_county(
    db: str, households: int = 30, sample_n: int = 10, seed: int = 1, *, county: str = COUNTY,
    findings: bool = True, clues: bool = True,
) -> dict[str, int]:
    """Fill ``db`` (a SQLite path) with the county; returns counts {"households", "members", "sample"}."""
    rng = random.Random(seed)
    engine = get_engine(db)
    with session_scope(engine) as s:
        s.add(County(code=county, name="测试县", data_year=2015))
        s.flush()
        villages: list[tuple[int, int]] = []
        for t in TOWNSHIPS:
            town = Township(county_code=county, name=t)
            s.add(town)
            s.flush()
            for j, v in enumerate(("一村", "二村")):
                vil = Village(county_code=county, township_id=town.id, name=f"{t[:2]}{v}",
                              code=f"{county}{TOWNSHIPS.index(t) + 1:03d}{j + 1:03d}", is_poor_village=j == 0,
                              delisted=j == 0, delisted_year=2015 if j == 0 else None)
                s.add(vil)
                s.flush()
                villages.append((town.id, vil.id))
    hh_rows, people = [], []
    heads = [MINORITY[i % len(MINORITY)] if i % 5 == 2 else rng.choice(SURNAMES) + rng.choice(GIVEN)
             for i in range(households)]
    for i in range(households):
        town_id, vil_id = villages[(i * 5) % len(villages)]
        size = 1 + (i % 6)
        wage, business, prop = 3000.0 + 100 * (i % 9), 1500.0, 0.0
        parts = dict(family_planning_income=0.0, subsistence_income=800.0 if i % 3 == 1 else 0.0,
                     five_guarantee_income=1200.0 if i % 3 == 2 else 0.0, pension_income=600.0,
                     ecological_income=50.0, other_transfer_income=0.0)
        transfer = sum(parts.values())
        annual = wage + business + prop + transfer
        if i % 7 == 3:
            annual += 500  # breaks 年收入 = Σ parts
        expense = 700.0
        net = annual - expense
        hh_rows.append(dict(
            county_code=county, household_no=household_no(i, county), township_id=town_id, village_id=vil_id,
            head_name=heads[i],
            hamlet=f"{1 + i % 5}组", size=size, declared_size=size, identification_standard="国家标准",
            household_type=TYPES[i % 3], poverty_status=("未脱贫", "已脱贫")[i % 2],
            main_cause=("因病", "因残", "缺技术", "缺资金")[i % 4], dilapidated_house="否", water_safe="是",
            water_difficulty="否", relocation="否", electricity="是", road_type="水泥路", wage_income=wage,
            business_income=business, property_income=prop, transfer_income=transfer, **parts,
            business_expense=expense, annual_income=annual, net_income=net,
            per_capita_net_income=round(net / size, 2), roster_per_capita_income=round(net / size, 2),
            arable_land=1.5 + i % 4, housing_area=60.0 + i % 50, has_income_record=True, extra={},
        ))
    with engine.begin() as conn:
        conn.execute(insert(Household), hh_rows)
        ids = {no: hid for no, hid in conn.execute(select(Household.household_no, Household.id).where(Household.county_code == county))}
    seq = 0
    for i in range(households):
        no = household_no(i, county)
        size = 1 + (i % 6)
        head_name = heads[i]
        for k in range(size):
            seq += 1
            relation = RELATIONS[k] if k < len(RELATIONS) else "其他"
            male = relation in ("户主", "之子", "之孙子") if k else (i % 4 != 1)
            if relation == "配偶":
                male = not (i % 4 != 1)
            year = {"户主": 1960, "配偶": 1962, "之子": 1988, "之女": 1990, "之孙子": 2010, "之母": 1938}.get(
                relation, 1970) + i % 7
            name = head_name if k == 0 else head_name[0] + rng.choice(GIVEN) + rng.choice(GIVEN)
            id_number = make_id(county, f"{year}{1 + i % 12:02d}{1 + k:02d}", seq, male)
            if i % 11 == 5 and k == 0:
                id_number = id_number[:-1] + ("0" if id_number[-1] != "0" else "1")  # wrong check digit
            people.append(dict(
                county_code=county, household_id=ids[no], household_no=no, member_no=f"{no}{k + 1:02d}",
                name=name, id_number=id_number, id_norm=id_number, id_kind="id18", relation=relation,
                ethnicity="维吾尔族" if "·" in name else "汉族", education=("小学", "初中", "高中")[k % 3],
                school_status="非在校生", health=("健康", "长期慢性病", "残疾")[(i + k) % 3],
                labour_skill=("普通劳动力", "丧失劳动力")[k % 2], work_status="省外务工" if k == 2 else None,
                work_months=10.0 if k == 2 else 0.0, serious_illness_insurance="是", member_status="正常",
                phone=f"139{i:08d}" if k == 0 else None, position=k, extra={},
            ))
    with engine.begin() as conn:
        for start in range(0, len(people), 20000):
            conn.execute(insert(Member), people[start:start + 20000])
        conn.exec_driver_sql(
            "UPDATE household SET head_id_number = (SELECT id_number FROM member"
            " WHERE member.household_id = household.id AND member.position = 0)")
    order = list(range(min(sample_n, households)))
    rng.shuffle(order)
    with session_scope(engine) as s:
        if sample_n:
            sample = Sample(county_code=county, seed=seed, generator="random.Random", method="random", n=len(order),
                            population=households, frame_hash="test-frame", strata=[
                                {"name": "全部", "N": households, "n": len(order)}], created_by="测试")
            s.add(sample)
            s.flush()
            s.execute(insert(SampleItem), [
                dict(sample_id=sample.id, household_id=ids[household_no(i, county)],
                     household_no=household_no(i, county), stratum="全部", order=pos + 1, status="未核查")
                for pos, i in enumerate(sorted(order, key=lambda x: rng.random()))
            ])
        if findings:
            frows = []
            for i in range(0, households, 3):
                no = household_no(i, county)
                frows.append(dict(county_code=county, rule_id="income_identity", level="household",
                                  household_id=ids[no], household_no=no, severity="一般", category="income",
                                  message="年收入与各项收入之和不符（相差 500 元）…", values={"diff": 500}))
                if i % 2 == 0:
                    frows.append(dict(county_code=county, rule_id="id_checksum", level="member",
                                      household_id=ids[no], household_no=no, member_no=f"{no}01", severity="严重",
                                      category="identity", message="证件号码校验位错误——“请核对户主证件”",
                                      values={}))
            s.execute(insert(Finding), frows)
        if clues:
            crows = []
            for i in range(1, households, 4):
                no = household_no(i, county)
                crows.append(dict(county_code=county, key=f"civil|dibao|{no}", dept="civil_affairs",
                                  kind="dibao_missing", household_id=ids[no], household_no=no, member_no=None,
                                  their_value="", our_value="低保贫困户", severity="一般", category="attributes",
                                  message="低保贫困户无成员在民政低保名单中", status="待核实"))
            s.execute(insert(Clue), crows)
    return {"households": households, "members": len(people), "sample": len(order)}
