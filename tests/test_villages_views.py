"""Issue 8 read side: village context and projects of a household, the village view, the report sheet rows, and the
screens' and report's use of them."""

from __future__ import annotations

import pytest
from builders import demo
from sqlalchemy import insert, select
from sqlmodel import Session

from fupin_tui.checks import run_checks
from fupin_tui.models import (
    Household,
    Member,
    Project,
    ProjectBeneficiary,
    Sample,
    SampleItem,
    Village,
    bulk_connection,
)
from fupin_tui.villages import (
    project_rows,
    project_sheet_rows,
    projects_for_household,
    village_context,
    village_sheet_rows,
    village_view,
)


@pytest.fixture
def county(tmp_path):
    engine, c, _rep = demo(tmp_path, households=300)
    run_checks(engine)
    return engine, c


def _duplicate_problem(c):  # noqa: ANN001, ANN202
    return next(p for p in c.problems if p.kind == "project_duplicate_beneficiary")


def test_village_context_and_projects_of_a_household(county):
    engine, c = county
    dup = _duplicate_problem(c)
    with Session(engine) as s:
        h = s.scalars(select(Household).where(Household.household_no == dup.household_no)).one()
        ctx = village_context(s, h.id)
        assert ctx["village"] == dup.village and ctx["village_id"] == h.village_id
        assert ctx["is_poor_village"] is not None and ctx["recorded"] is True
        assert ctx["registered_households"] > 0 and ctx["hamlets"] >= 0 and ctx["projects"] >= 1
        assert ctx["lines"][0].startswith("贫困村：")
        projects = projects_for_household(s, h.id)
        assert dup.project_no in [p["project_no"] for p in projects]
        p = next(p for p in projects if p["project_no"] == dup.project_no)
        assert p["times"] == 2 and p["total"] > 0 and p["special"] > 0 and "万元" in p["label"]
        assert ctx["household_projects"] == len(projects)
        # a Household row works as well as its id; unknown ids give nothing
        assert projects_for_household(s, h) == projects
        assert village_context(s, 10 ** 9) == {} and projects_for_household(s, 10 ** 9) == []


def test_projects_found_by_member_id_only(county):
    engine, _c = county
    with Session(engine) as s:
        h = s.scalars(select(Household).where(Household.head_id_number.is_not(None), Household.id.in_(
            select(Member.household_id).where(Member.relation == "户主"))).order_by(Household.id.desc())).first()
        project = s.scalars(select(Project).order_by(Project.id)).first()
        before = len(projects_for_household(s, h.id))
        s.expunge_all()
    from fupin_tui.idnumber import id_key

    with bulk_connection(engine) as conn:
        conn.execute(insert(ProjectBeneficiary.__table__).values(
            county_code=h.county_code, project_id=project.id, project_no=project.project_no, household_no=None,
            id_number=h.head_id_number, id_norm=id_key(h.head_id_number), row=99, extra={}))
    with Session(engine) as s:
        assert project.project_no in [p["project_no"] for p in projects_for_household(s, h.id)]
        assert len(projects_for_household(s, h.id)) in (before, before + 1)


def test_village_view_with_sampled_households(county):
    engine, c = county
    dup = _duplicate_problem(c)
    with Session(engine) as s:
        v = s.scalars(select(Village).where(Village.name == dup.village)).one()
        hhs = s.scalars(select(Household).where(Household.village_id == v.id).order_by(Household.id)).all()[:3]
        s.expunge_all()
    with bulk_connection(engine) as conn:
        sid = conn.execute(insert(Sample.__table__).values(
            county_code=v.county_code, active=True, seed=1, generator="numpy.PCG64", method="random", n=3,
            population=300, frame_hash="x", strata=[], certainty=[], params={}, created_by="",
        )).inserted_primary_key[0]
        conn.execute(insert(SampleItem.__table__), [
            {"sample_id": sid, "household_id": h.id, "household_no": h.household_no, "order": i + 1,
             "status": "未核查"} for i, h in enumerate(hhs)])
    with Session(engine) as s:
        view = village_view(s, v.id)
    assert view["village"]["name"] == v.name and view["village"]["code"] == v.code
    assert view["households"] == view["counts"]["registered_households"] > 0
    assert dup.project_no in [p["project_no"] for p in view["projects"]]
    assert all(p["village_beneficiaries"] <= p["beneficiaries"] for p in view["projects"])
    assert [r["household_no"] for r in view["sampled"]] == [h.household_no for h in hhs]
    assert view["org"] is not None and set(view["org"]) == {"党员", "大学生村官"}
    assert all(set(h) >= {"name", "households", "road"} for h in view["hamlets"])
    # the compatibility form the review service calls: display rows with Chinese column names
    with Session(engine) as s:
        compat = village_context(s, s.get(Village, v.id))
    assert compat["hamlets"] == [] or "自然村" in compat["hamlets"][0]
    assert "项目编号" in compat["projects"][0] and compat["project_rows"] == view["projects"]


def test_village_view_shows_the_village_findings(county):
    engine, c = county
    p = next(p for p in c.problems if p.kind == "village_poor_without_hamlets")
    with Session(engine) as s:
        v = s.scalars(select(Village).where(Village.name == p.village)).one()
        view = village_view(s, v.id)
        assert view["hamlets"] == []
        assert [f["rule_id"] for f in view["findings"]] == ["village_poor_without_hamlets"]
        assert village_view(s, 10 ** 9) == {}


def test_sheet_rows(county):
    engine, c = county
    with Session(engine) as s:
        villages = village_sheet_rows(s, c.county_code)
        projects = project_sheet_rows(s, c.county_code)
        assert project_rows is project_sheet_rows
    assert len(villages) == len({v["code"] for v in villages}) > 1
    assert all(v["recorded"] for v in villages)
    with_findings = {f["rule_id"] for v in villages for f in v["findings"]}
    assert {"village_poor_without_hamlets", "village_counts_vs_roster"} <= with_findings
    assert list(projects[0])[:4] == ["project_id", "category", "name", "year"]
    by_no = {p["project_id"]: p for p in projects}
    for kind in ("project_parts_sum", "project_no_special_funds", "project_duplicate_beneficiary"):
        prob = next(p for p in c.problems if p.kind == kind)
        assert by_no[prob.project_no]["findings"] >= 1
    assert all(p["township"] for p in projects)


def test_household_screen_data_and_village_view_of_the_review_service(county):
    review = pytest.importorskip("fupin_tui.review")
    engine, c = county
    dup = _duplicate_problem(c)
    with Session(engine) as s:
        detail = review.household_detail(s, c.county_code, dup.household_no)
    assert detail.projects and dup.project_no in [p["project_no"] for p in detail.projects]
    assert detail.village_info and detail.village_info[0].startswith("贫困村")
    with Session(engine) as s:
        village = review.village_detail(s, c.county_code, dup.household_no)
    assert village.village is not None and village.projects
    assert "项目编号" in village.projects[0]


def test_report_sheets(county, tmp_path):
    report = pytest.importorskip("fupin_tui.report")
    from openpyxl import load_workbook

    engine, c = county
    out = tmp_path / "报告.xlsx"
    result = report.write_report(engine, out)
    wb = load_workbook(out, read_only=True)
    assert "村级信息" in wb.sheetnames and "帮扶项目" in wb.sheetnames
    with Session(engine) as s:
        assert result.sheets["帮扶项目"] >= len(project_sheet_rows(s, c.county_code)) > 0
    text = "\n".join(" ".join(str(v) for v in row if v is not None) for row in wb["帮扶项目"].iter_rows(values_only=True))
    assert "总投资（万元）" in text
    prob = next(p for p in c.problems if p.kind == "project_parts_sum")
    assert prob.project_no in text
    villages = "\n".join(" ".join(str(v) for v in row if v is not None)
                         for row in wb["村级信息"].iter_rows(values_only=True))
    assert "village_poor_without_hamlets" in villages or "贫困村没有自然村信息" in villages
    wb.close()
