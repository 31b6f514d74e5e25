"""Issue 8 imports: village, natural-village, county, project (+ beneficiaries) tables and the 组织部 list."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from builders import begin_statements, counts, demo, xlsx
from python_calamine import CalamineWorkbook
from sqlalchemy import func, select
from sqlmodel import Session

from fupin_tui.importing import ImportFailure, import_files
from fupin_tui.models import (
    County,
    CountyIndicator,
    Hamlet,
    Household,
    ImportFile,
    Member,
    OrgPerson,
    Project,
    ProjectBeneficiary,
    RejectedRow,
    Township,
    Village,
    get_engine,
)
from fupin_tui.villages import (
    classify,
    import_village_tables,
    import_with_tables,
    recognise,
    split_beneficiaries,
)
from fupin_tui.villages.importer import REASON_HAMLET_NO_NAME, REASON_HAMLET_UNKNOWN_VILLAGE


def data_rows(path: Path) -> int:
    """Data rows of a one-sheet demo table (header on row 1)."""
    return len(CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()) - 1


def test_recognises_every_demo_table_and_nothing_else(tmp_path):
    from fupin_tui.demo import generate_county

    c = generate_county(tmp_path, households=60, seed=1)
    kinds = {p.name: recognise(p) for p in c.files}
    assert kinds[c.villages.name] == "village"
    assert kinds[c.hamlets.name] == "hamlet"
    assert kinds[c.county_record.name] == "county"
    assert kinds[c.projects.name] == "project"
    assert kinds[c.organization.name] == "organization"
    for p in (c.roster, c.income, *c.departments.values()):
        assert kinds[p.name] is None, p.name


def test_import_demo_tables(tmp_path):
    engine, c, rep = demo(tmp_path)
    assert rep.rows_rejected == 0 and not rep.rejects
    assert rep.rows_total == rep.rows_imported + rep.rows_rejected + rep.rows_skipped
    with Session(engine) as s:
        n_villages = data_rows(c.villages)
        villages = s.scalars(select(Village)).all()
        # every village of the table matched the roster's village (none created twice), codes and flags set
        assert len(villages) == n_villages
        assert rep.counts["villages_matched"] == n_villages and "villages_created" not in rep.counts
        assert all(v.code and len(v.code) == 12 and v.code.startswith("422822") for v in villages)
        assert all(v.is_poor_village is not None and v.poor_households is not None for v in villages)
        assert all(v.extra["village_table"]["row"] >= 2 for v in villages)
        assert s.scalar(select(func.count()).select_from(Hamlet)) == data_rows(c.hamlets)
        assert s.scalar(select(func.count()).select_from(CountyIndicator)) == data_rows(c.county_record)
        assert s.scalar(select(func.count()).select_from(Project)) == data_rows(c.projects)
        assert s.scalar(select(func.count()).select_from(OrgPerson)) == data_rows(c.organization)
        # provenance on every row
        files = {f.id: f for f in s.scalars(select(ImportFile))}
        for h in s.scalars(select(Hamlet)):
            assert files[h.source_file_id].kind == "hamlet" and h.source_row >= 2 and h.village_id is not None
        for p in s.scalars(select(Project)):
            assert files[p.source_file_id].name == c.projects.name
            assert p.total is not None and p.year == 2015 and p.village_id is not None
        kinds = {f.kind for f in files.values()}
        assert {"village", "hamlet", "county", "project", "organization"} <= kinds
        for f in files.values():
            if f.kind in ("village", "hamlet", "county", "project", "organization"):
                assert f.rows_total == f.rows_imported + f.rows_rejected + f.rows_skipped
                assert f.county_code == "422822" and f.header_row == 1
        # beneficiaries resolve to registered households (the clean ones all do)
        bens = s.scalars(select(ProjectBeneficiary)).all()
        assert bens and sum(b.household_id is not None for b in bens) >= len(bens) - 3
        # the county record
        county = s.get(County, "422822")
        assert county.is_poor_county is True
        people = s.scalars(select(CountyIndicator).where(CountyIndicator.indicator == "贫困人口")).one()
        assert people.unit == "人" and people.value_2015 == c.members and people.value_2014 > people.value_2015


def test_reimport_same_files_adds_nothing(tmp_path):
    engine, c, _rep = demo(tmp_path)
    before = counts(engine)
    again = import_village_tables(engine, c.files)
    assert all(f.status == "already" for f in again.files)
    assert again.rows_imported == 0
    assert counts(engine) == before
    # and through the combined import (roster and income already imported too)
    report, tables = import_with_tables(engine, c.files)
    assert all(f.status == "already" for f in tables.files)
    assert counts(engine) == before


def test_new_version_of_a_file_replaces_its_rows(tmp_path):
    engine, c, _rep = demo(tmp_path)
    with Session(engine) as s:
        n_projects = s.scalar(select(func.count()).select_from(Project))
        hh = s.scalars(select(Household.household_no).order_by(Household.id)).first()
    folder = tmp_path / "v2"
    folder.mkdir()
    path = xlsx(folder / c.projects.name, [
        ("项目编号", "项目类别", "项目名称", "年度", "总投资（万元）", "财政专项扶贫资金（中央）", "受益户编号"),
        ("XM-NEW-1", "产业扶贫", "新项目", 2015, 10.0, 10.0, hh),
    ], sheet="帮扶项目")
    rep = import_village_tables(engine, [path])
    assert rep.rows_imported == 1
    with Session(engine) as s:
        projects = s.scalars(select(Project)).all()
        assert [p.project_no for p in projects] == ["XM-NEW-1"], n_projects
        assert s.scalar(select(func.count()).select_from(ProjectBeneficiary)) == 1
        old = s.scalars(select(ImportFile).where(ImportFile.kind == "project").order_by(ImportFile.id)).first()
        assert old.details["superseded"] is True


def test_unreadable_file_leaves_database_unchanged(tmp_path):
    engine, c, _rep = demo(tmp_path, tables=False)
    before = counts(engine)
    bad = tmp_path / "bad"
    bad.mkdir()
    broken = bad / "帮扶项目.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a zip file at all")
    with pytest.raises(ImportFailure) as exc:
        import_village_tables(engine, [c.villages, c.hamlets, broken])
    assert "帮扶项目.xlsx" in str(exc.value)
    assert counts(engine) == before
    with pytest.raises(ImportFailure):
        import_with_tables(engine, [c.villages, broken, c.projects])
    assert counts(engine) == before


def test_rejected_rows_name_file_sheet_row_column(tmp_path):
    engine, c, _rep = demo(tmp_path)
    with Session(engine) as s:
        village = s.scalars(select(Village).order_by(Village.id)).first().name
    path = xlsx(tmp_path / "自然村补充.xlsx", [
        ("自然村信息（补充）",),
        ("自然村", "所属行政村", "户数", "人口数", "是否通路"),
        ("新一组", village, 30, 100, "是"),
        ("", village, 12, 40, "否"),
        ("新二组", "不存在村", 8, 20, "是"),
        (None,),
        ("合计", None, 50, 160, None),
    ], sheet="自然村")
    rep = import_village_tables(engine, [path])
    sheet = rep.files[0].sheets[0]
    assert sheet.kind == "hamlet" and sheet.header_row == 2
    c = sheet.counts
    assert (c.total, c.imported, c.rejected, c.skipped) == (5, 1, 2, 2)
    reasons = {(r.row, r.column, r.reason) for r in rep.rejects}
    assert (4, "A（自然村）", REASON_HAMLET_NO_NAME) in reasons
    assert (5, "B（所属行政村）", REASON_HAMLET_UNKNOWN_VILLAGE) in reasons
    with Session(engine) as s:
        stored = s.scalars(select(RejectedRow).where(RejectedRow.file == "自然村补充.xlsx")).all()
        assert sorted(r.row for r in stored) == [4, 5]
        assert all(r.sheet == "自然村" for r in stored)


def test_village_table_before_roster_then_roster_reuses_villages(tmp_path):
    from fupin_tui.demo import generate_county

    c = generate_county(tmp_path / "demo", households=60, seed=1)
    engine = get_engine(tmp_path / "v.db")
    rep = import_village_tables(engine, [c.villages])  # county from the 12-digit codes
    assert rep.counties == ["422822"] and rep.counts["villages_created"] == data_rows(c.villages)
    import_files(engine, [c.roster, c.income])
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Village)) == data_rows(c.villages)
        # every roster household landed in one of those villages (income-only households have no village)
        unplaced = select(func.count()).select_from(Household).where(
            Household.village_id.is_(None), Household.id.in_(select(Member.household_id)))
        assert s.scalar(unplaced) == 0


def test_synonyms_title_rows_and_two_row_header(tmp_path):
    engine, c, _rep = demo(tmp_path, tables=False)
    with Session(engine) as s:
        v = s.scalars(select(Village).order_by(Village.id)).first()
        town = s.get(Township, v.township_id).name
        hh = s.scalars(select(Household).where(Household.village_id == v.id)).first()
    villages = xlsx(tmp_path / "村表.xlsx", [
        ("2015年行政村基本情况表",),
        ("乡镇", "行政村名称", "村代码", "贫困村", "出列年度", "是否出列", "党员人数", "全村总户数", "建档立卡贫困户数"),
        (town, v.name, "422822999999", "贫困村", "2015年", "已出列", "31人", 300, 12),
    ])
    projects = xlsx(tmp_path / "项目.xlsx", [
        ("项目编码", "项目名称", "项目类型", "投资总额", "财政专项扶贫资金", None, None, "群众自筹资金", "行政村"),
        (None, None, None, None, "中央", "省", "市县", None, None),
        ("P1", "修路", "基础设施", 30, 10, 5, 5, 10, v.name),
    ])
    benef = xlsx(tmp_path / "受益户.xlsx", [
        ("项目编号", "户编号", "户主证件号码"),
        ("P1", hh.household_no, None),
        ("P1", None, hh.head_id_number),
        ("P9", hh.household_no, None),
    ])
    rep = import_village_tables(engine, [villages, projects, benef])
    kinds = {f.name: f.sheets[0].kind for f in rep.files}
    assert kinds == {"村表.xlsx": "village", "项目.xlsx": "project", "受益户.xlsx": "project_beneficiary"}
    with Session(engine) as s:
        v2 = s.get(Village, v.id)
        assert (v2.code, v2.is_poor_village, v2.delisted, v2.delisted_year, v2.party_members) == (
            "422822999999", True, True, 2015, 31)
        assert (v2.total_households, v2.poor_households) == (300, 12)
        p = s.scalars(select(Project)).one()
        assert (p.project_no, p.total, p.central_special, p.provincial_special, p.local_special, p.self_raised) == (
            "P1", 30, 10, 5, 5, 10)
        assert p.village_id == v.id
        bens = s.scalars(select(ProjectBeneficiary).order_by(ProjectBeneficiary.row)).all()
        assert [b.household_id for b in bens] == [hh.id, hh.id]  # by 户编号, then by the head's ID
    assert [(r.row, r.reason) for r in rep.rejects] == [(4, "项目编号不在帮扶项目表中")]


def test_county_that_cannot_be_resolved_is_refused(tmp_path):
    engine = get_engine(tmp_path / "empty.db")
    path = xlsx(tmp_path / "自然村.xlsx", [("自然村", "所属行政村", "户数"), ("一组", "某村", 10)])
    with pytest.raises(ImportFailure) as exc:
        import_village_tables(engine, [path])
    assert "--county" in str(exc.value) and "自然村.xlsx" in str(exc.value)
    assert counts(engine)["import_file"] == 0


def test_import_with_tables_imports_a_whole_folder(tmp_path):
    from fupin_tui.demo import generate_county

    c = generate_county(tmp_path / "demo", households=60, seed=1)
    engine = get_engine(tmp_path / "v.db")
    report, tables = import_with_tables(engine, sorted(c.dir.glob("*.xlsx"), reverse=True))
    assert report.rows_imported > 0
    assert {s.kind for f in tables.files for s in f.sheets} == {"village", "hamlet", "county", "project",
                                                                  "organization"}
    assert tables.counts["villages_matched"] == data_rows(c.villages)
    # dry run writes nothing
    engine2 = get_engine(tmp_path / "dry.db")
    report2, tables2 = import_with_tables(engine2, c.files, dry_run=True)
    assert tables2.dry_run and counts(engine2)["project"] == 0


def test_split_beneficiaries():
    from fupin_tui.idnumber import check_digit

    idn = "42282219800101001" + check_digit("42282219800101001")
    assert split_beneficiaries(f"42282200000001, 42282200000002、{idn};") == [
        ("42282200000001", None), ("42282200000002", None), (None, idn)]
    assert split_beneficiaries("") == []


def test_classify_ignores_rosters_and_department_lists(sample_dir):
    from fupin_tui.importing.readers import open_workbook
    from fupin_tui.importing.tables import scan_sheet

    for p in sorted(sample_dir.glob("*.xlsx")):
        wb = open_workbook(p)
        sheet = wb.load(0)
        head, _rest = scan_sheet(sheet)
        assert classify(head, sheet.merged, sheet.first_col) == (None, None), p.name


def test_copy_of_same_file_in_one_run_is_imported_once(tmp_path):
    from fupin_tui.demo import generate_county

    c = generate_county(tmp_path / "demo", households=60, seed=1)
    engine = get_engine(tmp_path / "v.db")
    import_files(engine, [c.roster, c.income])
    copy = tmp_path / "副本.xlsx"
    shutil.copy(c.hamlets, copy)
    rep = import_village_tables(engine, [c.hamlets, copy])
    assert [f.status for f in rep.files] == ["imported", "duplicate"]
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Hamlet)) == data_rows(c.hamlets)


def test_fupin_import_command_imports_the_tables_of_a_folder(tmp_path):
    from typer.testing import CliRunner

    from fupin_tui.cli import app
    from fupin_tui.demo import generate_county

    c = generate_county(tmp_path / "demo", households=60, seed=1)
    db = str(tmp_path / "cli.db")
    runner = CliRunner()
    result = runner.invoke(app, ["import", *map(str, c.files), "--db", db])
    assert result.exit_code == 0, result.output
    assert "行政村信息表" in result.output and "帮扶项目表" in result.output
    engine = get_engine(db)
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Project)) == data_rows(c.projects)
    # only issue-8 tables, imported before: exit 0 (already imported), nothing added
    before = counts(engine)
    result = runner.invoke(app, ["import", str(c.hamlets), str(c.projects), "--db", db])
    assert result.exit_code == 0, result.output
    assert "已导入过" in result.output and counts(engine) == before
    # a damaged table: exit 1, file named, nothing written
    broken = tmp_path / "组织部名单.xlsx"
    broken.write_bytes(b"PK\x03\x04garbage")
    result = runner.invoke(app, ["import", str(broken), "--db", db])
    assert result.exit_code == 1 and "组织部名单.xlsx" in result.output
    assert counts(engine) == before


def test_same_village_name_in_two_townships(tmp_path):
    engine, c, _rep = demo(tmp_path, tables=False)
    with Session(engine) as s:
        v = s.scalars(select(Village).order_by(Village.id)).first()
        town = s.get(Township, v.township_id).name
        other_town = s.scalars(select(Township).where(Township.id != v.township_id)).first().name
    villages = xlsx(tmp_path / "村.xlsx", [
        ("乡(镇)", "行政村", "是否贫困村", "贫困户数", "党员数"),
        (town, v.name, "是", 1, 10),
        (other_town, v.name, "否", 0, 20),  # same name, other township: a new village there
    ])
    rep = import_village_tables(engine, [villages])
    assert (rep.counts["villages_matched"], rep.counts["villages_created"]) == (1, 1)
    hamlets = xlsx(tmp_path / "组.xlsx", [
        ("乡镇", "所属行政村", "自然村", "户数"),
        (other_town, v.name, "一组", 10),
        (None, v.name, "二组", 10),  # ambiguous without the township
    ])
    rep = import_village_tables(engine, [hamlets])
    assert [(r.row, r.reason) for r in rep.rejects] == [(3, REASON_HAMLET_UNKNOWN_VILLAGE)]
    with Session(engine) as s:
        h = s.scalars(select(Hamlet)).one()
        placed = s.get(Village, h.village_id)
        assert placed.id != v.id and placed.name == v.name and placed.party_members == 20


def test_roster_and_table_that_cannot_be_placed_roll_back_together(tmp_path):
    """One transaction per run: a table failing while it is written takes the roster written before it back too."""
    from fupin_tui.demo import generate_county

    c = generate_county(tmp_path / "demo", households=30, seed=1, departments=False, villages=False)
    engine = get_engine(tmp_path / "v.db")
    before = counts(engine)
    # a village table of another county (its 12-digit codes) makes the run two counties wide, so a natural-village
    # table without codes cannot be placed: refused when the tables are written, after the roster
    other = xlsx(tmp_path / "行政村.xlsx", [("乡(镇)", "行政村", "行政区划代码", "是否贫困村"),
                                            ("某镇", "某村", "422801100001", "是")])
    hamlets = xlsx(tmp_path / "自然村.xlsx", [("自然村", "所属行政村", "户数"), ("一组", "某村", 10)])
    with pytest.raises(ImportFailure) as exc:
        import_with_tables(engine, [c.roster, c.income, other, hamlets])
    assert "--county" in str(exc.value) and "自然村.xlsx" in str(exc.value)
    assert counts(engine) == before
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Household)) == 0
        assert s.scalar(select(func.count()).select_from(County)) == 0
    # a damaged village table beside the roster: refused, nothing written
    broken = tmp_path / "行政村信息.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a zip file at all")
    with pytest.raises(ImportFailure) as exc:
        import_with_tables(engine, [c.roster, broken])
    assert "行政村信息.xlsx" in str(exc.value)
    assert counts(engine) == before
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Member)) == 0


def test_roster_and_tables_in_one_run_read_once_one_transaction(tmp_path, monkeypatch):
    """Roster, income table and the village tables: one write transaction, each file opened once, and the printed
    row accounting (ImportReport) covers every sheet of every file."""
    from fupin_tui.demo import generate_county
    from fupin_tui.importing import pipeline, readers

    c = generate_county(tmp_path / "demo", households=60, seed=1, departments=False)
    engine = get_engine(tmp_path / "v.db")
    opened: list[str] = []
    real_open = readers.open_workbook

    def counting_open(path, *args, **kwargs):  # noqa: ANN001, ANN202
        opened.append(Path(path).name)
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(pipeline, "open_workbook", counting_open)
    with begin_statements(engine) as begins:
        report, tables = import_with_tables(engine, c.files, parallel=False)
    assert sorted(opened) == sorted(p.name for p in c.files)  # every file opened exactly once
    assert begins.count("BEGIN IMMEDIATE") == 1  # one write transaction (reads begin deferred)
    kinds = {s.kind for f in report.files for s in f.sheets}
    assert {"roster", "income", "village", "hamlet", "county", "project", "organization"} <= kinds
    sheets = [s for f in report.files if f.status == "imported" for s in f.sheets if s.kind not in ("other", "empty")]
    assert report.rows_total == sum(s.counts.total for s in sheets)
    assert report.rows_total == report.rows_imported + report.rows_rejected + report.rows_skipped
    assert report.rows_imported == sum(s.counts.imported for s in sheets)
    assert tables.rows_imported > 0 and report.rows_imported > tables.rows_imported
    assert len(report.rejects) == report.rows_rejected
    with Session(engine) as s:
        files = s.scalars(select(ImportFile)).all()
        assert {f.kind for f in files} >= {"roster", "income", "village", "hamlet", "project"}
        for f in files:
            assert f.rows_total == f.rows_imported + f.rows_rejected + f.rows_skipped
        assert sum(f.rows_total for f in files) == report.rows_total
        assert sum(f.rows_imported for f in files) == report.rows_imported
        assert s.scalar(select(func.count()).select_from(Village)) == data_rows(c.villages)
        assert s.scalar(select(func.count()).select_from(Project)) == data_rows(c.projects)
        assert s.scalar(select(func.count()).select_from(Member)) == report.members


def test_tables_read_in_the_reader_process_give_the_same_result(tmp_path):
    """The village tables parsed in the importer's reader process (pickled back) import exactly as in one process."""
    from fupin_tui.demo import generate_county

    c = generate_county(tmp_path / "demo", households=60, seed=1, departments=False)
    results = {}
    for parallel in (False, True):
        engine = get_engine(tmp_path / f"p{parallel}.db")
        report, tables = import_with_tables(engine, c.files, parallel=parallel)
        results[parallel] = (report.rows_total, report.rows_imported, tables.rows_imported, dict(tables.counts),
                             counts(engine))
    assert results[True] == results[False]
