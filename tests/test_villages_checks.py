"""Issue 8 checks: village- and project-level rules (positive and negative cases), the 组织部 clue, and the demo
county's village_/project_ problems all found."""

from __future__ import annotations

import pytest
from builders import demo
from sqlalchemy import delete, insert, select, update
from sqlmodel import Session

from fupin_tui.checks import load_rulebook, run_checks
from fupin_tui.compare.store import upsert_clues
from fupin_tui.models import (
    Clue,
    Hamlet,
    Household,
    Member,
    OrgPerson,
    Project,
    ProjectBeneficiary,
    Village,
    bulk_connection,
)
from fupin_tui.villages import compare_organization

VILLAGE_RULES = ("village_poor_without_hamlets", "village_delisted_unlifted", "village_counts_vs_roster",
                 "village_org_counts")
PROJECT_RULES = ("project_parts_sum", "project_no_special_funds", "project_beneficiary_unregistered",
                 "project_beneficiary_not_poor", "project_duplicate_beneficiary")
#: Demo problem kind → the rule that finds it (None: found as a 组织部 clue).
PROBLEM_RULE = {
    "village_poor_without_hamlets": "village_poor_without_hamlets",
    "village_delisted_unlifted": "village_delisted_unlifted",
    "village_count_mismatch": "village_counts_vs_roster",
    "village_party_count_mismatch": "village_org_counts",
    "village_official_registered": None,
    "project_parts_sum": "project_parts_sum",
    "project_no_special_funds": "project_no_special_funds",
    "project_beneficiary_unregistered": "project_beneficiary_unregistered",
    "project_duplicate_beneficiary": "project_duplicate_beneficiary",
}


def findings(engine, rules=None, rules_path=None) -> dict[str, list[dict]]:  # noqa: ANN001
    """Run the checks; findings of the issue-8 rules by rule id."""
    report = run_checks(engine, rules_path=rules_path)
    out: dict[str, list[dict]] = {r: [] for r in (*VILLAGE_RULES, *PROJECT_RULES)}
    for f in report.findings:
        if f["rule_id"] in out:
            out[f["rule_id"]].append(f)
    return out


def execute(engine, *statements) -> None:  # noqa: ANN001
    with bulk_connection(engine) as conn:
        for st in statements:
            conn.execute(st)


def test_rules_are_in_the_rulebook():
    book = load_rulebook()
    for rule_id in (*VILLAGE_RULES, *PROJECT_RULES):
        rule = book[rule_id]
        assert rule.level == ("village" if rule_id.startswith("village") else "project")
        assert rule.source and rule.title


@pytest.mark.parametrize("households", [60, 300])
def test_demo_village_and_project_problems_are_all_found(tmp_path, households):
    engine, c, _rep = demo(tmp_path, households=households)
    planted = [p for p in c.problems if p.kind.startswith(("village_", "project_"))]
    assert planted, "the demo plants village/project problems"
    if households >= 300:
        assert {p.kind for p in planted} == set(PROBLEM_RULE)
    found = findings(engine)
    with Session(engine) as s:
        codes = {v.name: v.code for v in s.scalars(select(Village))}
        clues = s.scalars(select(Clue).where(Clue.kind == "village_official_registered", Clue.active)).all()
    expected: set[tuple[str, str]] = set()
    for p in planted:
        rule = PROBLEM_RULE[p.kind]
        if rule is None:
            assert any(cl.household_no == p.household_no and cl.member_no == p.member_no for cl in clues), p
            continue
        if p.kind.startswith("village_"):
            target = codes[p.village]
            assert any(f["target"] == target for f in found[rule]), (p, found[rule])
            expected.add((rule, target))
        else:
            hits = [f for f in found[rule] if f["target"].split("/")[0] == p.project_no]
            assert hits, (p, found[rule])
            if p.household_no:
                assert any(f["household_no"] == p.household_no for f in hits)
            expected |= {(rule, f["target"]) for f in hits}
    # and nothing else: every finding of these rules is a planted problem
    got = {(rule, f["target"]) for rule, fs in found.items() for f in fs}
    assert got == expected
    assert len(clues) == sum(p.kind == "village_official_registered" for p in planted)


def test_clean_county_has_no_village_or_project_finding(tmp_path):
    engine, _c, _rep = demo(tmp_path, households=300, problems=False)
    found = findings(engine)
    assert {r: fs for r, fs in found.items() if fs} == {}
    with Session(engine) as s:
        assert s.scalars(select(Clue).where(Clue.kind == "village_official_registered")).all() == []


@pytest.fixture
def clean(tmp_path):
    engine, c, _rep = demo(tmp_path, households=60, problems=False)
    with Session(engine) as s:
        village = s.scalars(select(Village).where(Village.is_poor_village.is_(True)).order_by(Village.id)).first()
        other = s.scalars(select(Village).where(Village.id != village.id).order_by(Village.id)).first()
        project = s.scalars(select(Project).order_by(Project.id)).first()
        s.expunge_all()
    return engine, village, other, project


def test_poor_village_without_hamlets(clean):
    engine, village, other, _p = clean
    execute(engine, delete(Hamlet.__table__).where(Hamlet.village_id == village.id))
    found = findings(engine)["village_poor_without_hamlets"]
    assert [f["target"] for f in found] == [village.code]
    assert found[0]["household_no"] is None and village.name in found[0]["message"]
    # a village that is not poor needs no natural-village record
    execute(engine, update(Village.__table__).where(Village.id == village.id).values(is_poor_village=False))
    assert findings(engine)["village_poor_without_hamlets"] == []


def test_delisted_village_with_unlifted_households(clean, tmp_path):
    engine, village, _o, _p = clean
    with Session(engine) as s:
        ids = [h.id for h in s.scalars(select(Household).where(Household.village_id == village.id)
                                        .order_by(Household.id))]
    assert len(ids) >= 5
    n_unlifted = len(ids) // 5 + 1  # just above 20 %
    execute(engine,
            update(Village.__table__).where(Village.id == village.id).values(delisted=True, delisted_year=2015),
            update(Household.__table__).where(Household.id.in_(ids)).values(poverty_status="已脱贫"))
    assert findings(engine)["village_delisted_unlifted"] == []  # all lifted
    execute(engine, update(Household.__table__).where(Household.id.in_(ids[:n_unlifted - 1])).values(
        poverty_status="返贫"))
    share = (n_unlifted - 1) / len(ids)
    assert (findings(engine)["village_delisted_unlifted"] == []) == (share <= 0.2)
    execute(engine, update(Household.__table__).where(Household.id.in_(ids[:n_unlifted])).values(
        poverty_status="未脱贫"))
    found = findings(engine)["village_delisted_unlifted"]
    assert [f["target"] for f in found] == [village.code]
    assert f"{n_unlifted} 户未脱贫" in found[0]["message"] and "20%" in found[0]["message"]
    # the share is a parameter
    rules = tmp_path / "rules.toml"
    rules.write_text("[rules.village_delisted_unlifted.params]\nmax_unlifted_share = 0.9\n", encoding="utf-8")
    assert findings(engine, rules_path=rules)["village_delisted_unlifted"] == []


def test_village_counts_against_roster(clean):
    engine, village, other, _p = clean
    assert findings(engine)["village_counts_vs_roster"] == []
    execute(engine, update(Village.__table__).where(Village.id == village.id).values(
        poor_population=Village.poor_population + 1, total_households=1))
    found = findings(engine)["village_counts_vs_roster"]
    assert [f["target"] for f in found] == [village.code]
    assert "贫困人口数" in found[0]["message"] and "总户数 1 少于花名册" in found[0]["message"]
    # a village without a village-table row (only the roster's name) is not compared
    with Session(engine) as s:
        extra = {k: v for k, v in s.get(Village, village.id).extra.items() if k != "village_table"}
    execute(engine, update(Village.__table__).where(Village.id == village.id).values(extra=extra))
    assert findings(engine)["village_counts_vs_roster"] == []


def test_village_counts_against_organization_list(clean):
    engine, village, _o, _p = clean
    assert findings(engine)["village_org_counts"] == []
    execute(engine, update(Village.__table__).where(Village.id == village.id).values(
        college_officials=Village.college_officials + 2))
    found = findings(engine)["village_org_counts"]
    assert [f["target"] for f in found] == [village.code] and "大学生村官数" in found[0]["message"]
    # no 组织部 list: nothing to compare with
    execute(engine, delete(OrgPerson.__table__))
    assert findings(engine)["village_org_counts"] == []


def test_project_parts_must_sum_to_total(clean):
    engine, _v, _o, project = clean
    execute(engine, update(Project.__table__).where(Project.id == project.id).values(total=project.total + 0.005))
    assert findings(engine)["project_parts_sum"] == []  # within the 0.01 万元 tolerance
    execute(engine, update(Project.__table__).where(Project.id == project.id).values(total=project.total + 0.5))
    found = findings(engine)["project_parts_sum"]
    assert [f["target"] for f in found] == [project.project_no]
    assert "相差 0.5 万元" in found[0]["message"]


def test_project_without_special_funds(clean):
    engine, _v, _o, project = clean
    execute(engine, update(Project.__table__).where(Project.id == project.id).values(
        central_special=0, provincial_special=None, local_special=0.3))
    assert findings(engine)["project_no_special_funds"] == []
    execute(engine, update(Project.__table__).where(Project.id == project.id).values(local_special=0))
    assert [f["target"] for f in findings(engine)["project_no_special_funds"]] == [project.project_no]


def _beneficiary(project, **values) -> dict:  # noqa: ANN001
    return {"county_code": project.county_code, "project_id": project.id, "project_no": project.project_no,
            "row": 99, "extra": {}, **values}


def test_unregistered_beneficiary(clean):
    engine, _v, _o, project = clean
    with Session(engine) as s:
        member = s.scalars(select(Member).where(Member.relation == "户主").order_by(Member.id)).first()
        s.expunge_all()
    execute(engine, insert(ProjectBeneficiary.__table__).values(_beneficiary(project, household_no="42282299999999")))
    found = findings(engine)["project_beneficiary_unregistered"]
    assert [f["target"] for f in found] == [f"{project.project_no}/42282299999999"]
    assert found[0]["household_no"] is None and found[0]["severity"] == "严重"
    # listed by a registered member's ID only: registered
    execute(engine, delete(ProjectBeneficiary.__table__).where(ProjectBeneficiary.row == 99),
            insert(ProjectBeneficiary.__table__).values(_beneficiary(
                project, id_number=member.id_number, id_norm=member.id_norm)))
    assert findings(engine)["project_beneficiary_unregistered"] == []


def test_beneficiary_whose_household_is_not_poor(clean):
    engine, _v, _o, project = clean
    with Session(engine) as s:
        ben = s.scalars(select(ProjectBeneficiary).where(ProjectBeneficiary.project_id == project.id)).first()
        hh = s.scalars(select(Household).where(Household.household_no == ben.household_no)).one()
        s.expunge_all()
    assert findings(engine)["project_beneficiary_not_poor"] == []
    execute(engine, update(Household.__table__).where(Household.id == hh.id).values(household_type="一般农户"))
    found = findings(engine)["project_beneficiary_not_poor"]  # one per project the household benefited from
    assert {f["household_no"] for f in found} == {hh.household_no}
    assert f"{project.project_no}/{hh.household_no}" in {f["target"] for f in found}
    assert "一般农户" in found[0]["message"]


def test_same_household_twice_in_one_project(clean):
    engine, _v, _o, project = clean
    with Session(engine) as s:
        ben = s.scalars(select(ProjectBeneficiary).where(ProjectBeneficiary.project_id == project.id)).first()
        head = s.scalars(select(Member).join(Household, Household.id == Member.household_id).where(
            Household.household_no == ben.household_no, Member.relation == "户主")).one()
        listing = select(ProjectBeneficiary.project_id).where(ProjectBeneficiary.household_no == ben.household_no)
        second = s.scalars(select(Project).where(Project.id != project.id, Project.id.not_in(listing))).first()
        s.expunge_all()
    # the same household in another project is fine
    if second is not None:
        execute(engine, insert(ProjectBeneficiary.__table__).values(
            {**_beneficiary(second, household_no=ben.household_no)}))
        assert findings(engine)["project_duplicate_beneficiary"] == []
    # listed again in the same project, by its head's ID
    execute(engine, insert(ProjectBeneficiary.__table__).values(_beneficiary(
        project, id_number=head.id_number, id_norm=head.id_norm)))
    found = findings(engine)["project_duplicate_beneficiary"]
    assert [(f["household_no"], f["target"]) for f in found] == [
        (ben.household_no, f"{project.project_no}/{ben.household_no}")]
    assert "列出 2 次" in found[0]["message"]


def test_organization_clue_positive_negative_and_verdict_kept(clean):
    engine, village, _o, _p = clean
    with Session(engine) as s:
        m = s.scalars(select(Member).where(Member.relation == "户主").order_by(Member.id)).first()
        s.expunge_all()
    person = {"county_code": village.county_code, "name": "某某", "id_number": m.id_number, "id_norm": m.id_norm,
              "village_name": village.name, "village_id": village.id, "source_row": 2, "extra": {}}
    # a registered party member is not a clue by itself
    execute(engine, insert(OrgPerson.__table__).values({**person, "kind": "党员"}))
    assert compare_organization(engine, village.county_code)["active"] == 0
    # a registered 大学生村官 is
    execute(engine, update(OrgPerson.__table__).where(OrgPerson.id_norm == m.id_norm).values(kind="大学生村官"))
    assert compare_organization(engine, village.county_code)["new"] == 1
    with Session(engine) as s:
        clue = s.scalars(select(Clue).where(Clue.kind == "village_official_registered")).one()
        assert (clue.dept, clue.household_no, clue.member_no, clue.active) == (
            "organization", m.household_no, m.member_no, True)
        assert "大学生村官" in clue.message and m.id_number not in clue.message
        clue.status, clue.note = "属实", "已核实"
        s.add(clue)
        s.commit()
    # a re-run keeps the verdict; the department comparison's own upsert leaves this kind alone
    assert compare_organization(engine, village.county_code)["unchanged"] == 1
    with bulk_connection(engine) as conn:
        upsert_clues(conn, village.county_code, [], depts=["organization"])
    with Session(engine) as s:
        clue = s.scalars(select(Clue).where(Clue.kind == "village_official_registered")).one()
        assert (clue.status, clue.note, clue.active) == ("属实", "已核实", True)
    # no longer on the list: deactivated, verdict kept
    execute(engine, delete(OrgPerson.__table__).where(OrgPerson.id_norm == m.id_norm))
    assert compare_organization(engine, village.county_code)["deactivated"] == 1
    with Session(engine) as s:
        clue = s.scalars(select(Clue).where(Clue.kind == "village_official_registered")).one()
        assert (clue.status, clue.active) == ("属实", False)


@pytest.mark.postgres
def test_import_checks_and_views_on_both_backends(storage_db, tmp_path):
    """The whole issue-8 path on SQLite and on PostgreSQL (when ``FUPIN_TEST_PG`` is set)."""
    from fupin_tui.demo import generate_county
    from fupin_tui.models import get_engine
    from fupin_tui.villages import import_with_tables, project_sheet_rows, village_sheet_rows, village_view

    c = generate_county(tmp_path / "demo", households=300, seed=1)
    engine = get_engine(storage_db)
    _report, tables = import_with_tables(engine, c.files)
    assert tables.rows_imported > 0 and not tables.rejects
    again = import_with_tables(engine, c.files)[1]
    assert all(f.status == "already" for f in again.files)
    found = findings(engine)
    planted = {PROBLEM_RULE[p.kind] for p in c.problems if p.kind in PROBLEM_RULE} - {None}
    assert planted and all(found[r] for r in planted)
    with Session(engine) as s:
        assert s.scalars(select(Clue).where(Clue.kind == "village_official_registered")).all()
        rows = village_sheet_rows(s, c.county_code)
        assert rows and project_sheet_rows(s, c.county_code)
        v = s.scalars(select(Village).order_by(Village.id)).first()
        assert village_view(s, v.id)["village"]["name"] == v.name
