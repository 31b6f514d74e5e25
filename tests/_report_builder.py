"""A small county with everything the report shows, built directly through the models (report tests, report bench).

``build_report_county(engine, households=40, sample_n=12)``: county 422822 建始县 (data year 2015), townships
业州镇 / 长梁乡 / 三里乡 with two villages each; households 42282200000001… with 1–4 members (valid-checksum IDs of
synthetic people, mobile numbers); an import file with rejected rows; an active stratified sample (by township) of
the first ``sample_n`` households in review order; a deterministic mix of statuses and marks (in the sample, and two
outside it), findings with verdicts, clues, inspectors and a hash-chained action trail. Notes and messages carry ID
numbers and phones on purpose, so the masking of free text is exercised.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert, select
from stdnum.cn import ric

from fupin_tui.audit import append_action
from fupin_tui.models import (
    Clue,
    County,
    Finding,
    FindingVerdict,
    Household,
    ImportFile,
    Inspector,
    Mark,
    Member,
    RejectedRow,
    Sample,
    SampleItem,
    Township,
    Village,
    session_scope,
)

COUNTY = "422822"
TOWNSHIPS = ("业州镇", "长梁乡", "三里乡")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗田向覃谭"
GIVEN = "国华明秀英兰芳军建平红梅志强海燕玉春桂花德福金银成家"
RELATIONS = ("户主", "配偶", "之子", "之女")
INSPECTORS = ("张明@省扶贫办", "李华@恩施州扶贫办")
BASE_TIME = dt.datetime(2016, 3, 10, 1, 30, tzinfo=dt.timezone.utc)


def make_id(birth: str, seq: int, male: bool) -> str:
    """A valid-checksum 18-character ID of a synthetic person (birth ``YYYYMMDD``)."""
    digit = (seq % 5) * 2 + (1 if male else 0)
    body = f"{COUNTY}{birth}{seq % 100:02d}{digit}"
    return body + ric.calc_check_digit(body)


def household_no(i: int) -> str:
    """户编号 of the i-th (0-based) household: 14 digits."""
    return f"{COUNTY}{i + 1:08d}"


def build_report_county(engine, households: int = 40, sample_n: int = 12) -> dict[str, object]:  # noqa: ANN001, PLR0915
    """Fill the database; returns {"ids": all full ID numbers, "phones": all phones, "sample": [户编号…],
    "outside": [户编号 with marks outside the sample]}."""
    ids: list[str] = []
    phones: list[str] = []
    with session_scope(engine) as s:
        s.add(County(code=COUNTY, name="建始县", data_year=2015))
        s.flush()
        villages = []
        for t in TOWNSHIPS:
            town = Township(county_code=COUNTY, name=t)
            s.add(town)
            s.flush()
            for v in ("东坪村", "龙坪村"):
                vil = Village(county_code=COUNTY, township_id=town.id, name=f"{t[:2]}{v}")
                s.add(vil)
                s.flush()
                villages.append((town.id, vil.id))
        f = ImportFile(county_code=COUNTY, kind="roster", name="贫困人口花名册.xlsx", sha256="ab" * 32,
                       sheet="贫困人口花名册", header_row=3, rows_total=households * 3 + 3, data_year=2015,
                       imported_at=BASE_TIME - dt.timedelta(days=2))
        s.add(f)
        s.flush()
        hh_rows, members = [], []
        for i in range(households):
            town_id, vil_id = villages[i % len(villages)]
            n_members = 1 + i % 4
            head_id = make_id(f"19{50 + i % 40}0{1 + i % 9}1{i % 9}", i, True)
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
                idn = make_id(f"19{50 + i % 40}0{1 + i % 9}1{i % 9}", i, True) if j == 0 else \
                    make_id(f"19{70 + (i + j) % 30}0{1 + j}2{j}", i * 10 + j, j % 2 == 0)
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
        for t_index, t in enumerate(TOWNSHIPS):
            in_t = [no for k, no in enumerate(nos) if (k % len(villages)) // 2 == t_index]
            strata.append({"name": t, "N": len(in_t), "n": sum(1 for no in picked if no in in_t)})
        sample = Sample(county_code=COUNTY, seed=1, generator="numpy.PCG64 (numpy 2.x)", method="stratified",
                        by="township", allocation="proportional", n=sample_n, population=households,
                        frame_hash="f" * 64, strata=strata, certainty=[],
                        params={"method": "stratified", "seed": 1, "n": sample_n}, created_by="张明@省扶贫办",
                        created_at=BASE_TIME - dt.timedelta(days=1))
        s.add(sample)
        s.flush()
        town_of = {no: TOWNSHIPS[(k % len(villages)) // 2] for k, no in enumerate(nos)}
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
