"""The checks machinery: rulebook loading and merging, the runner (replace findings, keep verdicts), the queries the
screens, sampling and the report use, the CLI (`fupin check`, `fupin county`), cross-county duplicates, PostgreSQL."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from builders import COUNTY, insert_county, make_household, make_id, set_income
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from stdnum.cn import ric
from typer.testing import CliRunner

from fupin_tui.checks import (
    RulebookError,
    finding_counts_by_household,
    findings_for_household,
    findings_with_verdicts,
    last_run,
    load_rulebook,
    overview,
    run_checks,
    severe_households,
    summary_by_rule,
)
from fupin_tui.checks.frame import checksums_ok
from fupin_tui.checks.predicates import PREDICATES, phone_valid, split_phones
from fupin_tui.checks.rulebook import resolve_year
from fupin_tui.checks.runner import CheckError, render_message
from fupin_tui.cli import app
from fupin_tui.glossary import CATEGORIES
from fupin_tui.idnumber import check_digit
from fupin_tui.models import County, FindingVerdict, get_engine, session_scope

runner = CliRunner()


def _problem_county(engine, **county):
    """Three households: 0 clean, 1 with a 严重 finding (relocation), 2 with a 一般 one (sex column)."""
    hs = [make_household(), make_household(relocation="是"), make_household()]
    hs[2]["members"][0]["sex"] = "女"
    insert_county(engine, hs, **county)
    return hs


# ------------------------------------------------------------------------------------------------------- rulebook


class TestRulebook:
    def test_shipped_book_is_valid_and_complete(self):
        book = load_rulebook()
        ids = {r.id for r in book}
        assert "duplicate_id_across_households" in ids  # the rubric caps grades on this id
        assert len(book.enabled) == len(book)
        for rule in book:
            assert rule.category in CATEGORIES and rule.severity in ("一般", "严重")
            assert rule.title and rule.message and rule.source
            assert PREDICATES[rule.predicate].level == rule.level
        assert book["exit_below_line"].params_for(2015)["exit_line"] == 4000
        assert book["ordinary_above_line"].params_for(2015)["ordinary_line"] == 3000

    def test_year_tables(self):
        table = {"2015": 4000, "2017": 4500}
        assert resolve_year(table, 2015) == 4000
        assert resolve_year(table, 2016) == 4000
        assert resolve_year(table, 2018) == 4500
        assert resolve_year(table, 2014) == 4000  # earliest when every year is later
        assert resolve_year(table, None) == 4500
        assert resolve_year({"小学": [6, 14]}, 2015) == {"小学": [6, 14]}  # not a year table

    def test_merge_changes_params_disables_and_adds(self, tmp_path):
        rules = tmp_path / "my.toml"
        rules.write_text("""
[rules.exit_below_line.params]
exit_line = { 2016 = 4500 }

[rules.phone_shared]
enabled = false

[rules.lifted_without_land]
title = "脱贫户无耕地"
level = "household"
category = "living_conditions"
severity = "一般"
predicate = "household_where"
message = "脱贫属性为“{poverty_status}”，耕地面积为空"
source = "本省补充规则"
params = { where = { poverty_status = ["已脱贫"] } }
""", encoding="utf-8")
        book = load_rulebook(rules)
        assert book.sources == [*load_rulebook().sources, "my.toml"]
        assert book["exit_below_line"].params["exit_line"] == {"2015": 4000, "2016": 4500}
        assert book["exit_below_line"].params["statuses"] == ["已脱贫", "预脱贫"]  # untouched keys kept
        assert book["exit_below_line"].params_for(2016)["exit_line"] == 4500
        assert book["exit_below_line"].params_for(2015)["exit_line"] == 4000
        assert not book["phone_shared"].enabled and "phone_shared" not in {r.id for r in book.enabled}
        assert book["lifted_without_land"].category == "living_conditions"
        assert book.digest != load_rulebook().digest

    @pytest.mark.parametrize("text, words", [
        ("[rules.x_rule]\ntitle = 't'", "缺少必填项"),
        ("[rules.id_checksum]\nenable = false", "无法识别的项"),
        ("[rules.id_checksum]\ncategory = 'nonsense'", "类别"),
        ("[rules.id_checksum]\nseverity = '很严重'", "严重程度"),
        ("[rules.id_checksum]\npredicate = 'no_such'", "未注册的判定函数"),
        ("[rules.id_checksum]\nlevel = 'household'", "层级"),
        ("[rules.BadId]\ntitle = 't'", "snake_case"),
        ("[rules.size_mismatch]\nparams = 3", "params"),
        ("rules = [1, 2", "不是有效的 TOML"),
        ("[somethingelse]\nx = 1", "顶层"),
    ])
    def test_bad_files_name_file_and_rule(self, tmp_path, text, words):
        path = tmp_path / "bad.toml"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(RulebookError) as err:
            load_rulebook(path)
        assert words in str(err.value) and "bad.toml" in str(err.value)

    def test_missing_parameter_of_new_rule(self, tmp_path):
        path = tmp_path / "bad.toml"
        path.write_text("""[rules.my_rule]
title = "t"
level = "household"
category = "income"
severity = "一般"
predicate = "sum_identity"
message = "m"
source = "s"
params = { total = "annual_income" }
""", encoding="utf-8")
        with pytest.raises(RulebookError, match="parts"):
            load_rulebook(path)

    def test_missing_file(self, tmp_path):
        with pytest.raises(RulebookError, match="不存在"):
            load_rulebook(tmp_path / "none.toml")

    def test_array_of_tables_form(self, tmp_path):
        path = tmp_path / "arr.toml"
        path.write_text('[[rule]]\nid = "phone_shared"\nparams = { min_households = 2 }\n', encoding="utf-8")
        assert load_rulebook(path)["phone_shared"].params["min_households"] == 2


def test_message_rendering_masks_and_formats():
    text, missing = render_message(
        "证件号码 {id_number}、电话 {phone}、{fields}、{members}、{x}、{amount:.1f}、{missing}",
        {"id_number": "422822195212036262", "phone": "18124229961", "fields": {"education": "中专"},
         "members": ["01", "02"], "x": None, "amount": 3.25})
    assert "422822********6262" in text and "181****9961" in text
    assert "文化程度“中专”" in text and "01、02" in text and "空" in text and "3.2" in text
    assert missing == {"missing"} and "？" in text


# --------------------------------------------------------------------------------------------------------- runner


class TestRunner:
    def test_rerun_replaces_findings_and_keeps_verdicts(self, db_url):
        engine = get_engine(db_url)
        hs = _problem_county(engine)
        first = run_checks(engine)
        assert {f["rule_id"] for f in first.findings} == {"relocation_without_task", "sex_id_mismatch"}
        sex = next(f for f in first.findings if f["rule_id"] == "sex_id_mismatch")
        with session_scope(engine) as s:
            s.add(FindingVerdict(county_code=COUNTY, rule_id="sex_id_mismatch", household_no=sex["household_no"],
                                 member_no=sex["member_no"], verdict="不属实", note="户籍已更正", inspector="张三"))
            s.add(FindingVerdict(county_code=COUNTY, rule_id="relocation_without_task",
                                 household_no=hs[1]["household_no"], verdict="属实", inspector="张三"))
        second = run_checks(engine)
        assert len(second.findings) == 2
        with session_scope(engine) as s:
            views = findings_for_household(s, COUNTY, hs[2]["household_no"])
            assert [(v.rule_id, v.verdict, v.verdict_note) for v in views] == [
                ("sex_id_mismatch", "不属实", "户籍已更正")]
            assert views[0].member_no == hs[2]["household_no"] + "01" and views[0].title == "性别与证件号码不符"
            assert views[0].values == {"sex": "女", "id_sex": "男"} and views[0].judged
            assert findings_for_household(s, COUNTY, hs[0]["household_no"]) == []
            assert len(s.execute(select(FindingVerdict)).all()) == 2
        # fix the data: the finding disappears, the verdict stays (it would re-attach if the finding came back)
        with session_scope(engine) as s:
            county = s.get(County, COUNTY)
            county.relocation_task = True
            s.add(county)
        third = run_checks(engine)
        assert [f["rule_id"] for f in third.findings] == ["sex_id_mismatch"]
        with session_scope(engine) as s:
            assert len(s.execute(select(FindingVerdict)).all()) == 2
            summary = {r.rule_id: r for r in summary_by_rule(s, COUNTY)}
            assert summary["sex_id_mismatch"].findings == 1 and summary["sex_id_mismatch"].dismissed == 1
            assert summary["relocation_without_task"].findings == 0  # zero rows listed from the last run
            assert summary["id_checksum"].findings == 0 and summary["id_checksum"].title == "证件号码校验位错误"

    def test_summary_severe_households_and_overview(self, db_url):
        engine = get_engine(db_url)
        hs = _problem_county(engine)
        report = run_checks(engine)
        summary = report.summary()
        assert summary["households"] == 3 and summary["members"] == 12
        assert summary["households_with_findings"] == 2 and summary["households_with_severe"] == 1
        assert summary["severe_share"] == round(1 / 3, 4)
        with session_scope(engine) as s:
            rows = summary_by_rule(s, COUNTY, include_zero=False)
            assert [(r.rule_id, r.severity, r.findings, r.households, r.pending) for r in rows] == [
                ("relocation_without_task", "严重", 1, 1, 1), ("sex_id_mismatch", "一般", 1, 1, 1)]
            assert rows[0].category_label == "属性标识错误"
            assert severe_households(s, COUNTY) == {hs[1]["household_no"]}
            s.add(FindingVerdict(county_code=COUNTY, rule_id="relocation_without_task",
                                 household_no=hs[1]["household_no"], verdict="不属实"))
            s.flush()
            assert severe_households(s, COUNTY, exclude_dismissed=True) == set()
            assert severe_households(s, COUNTY) == {hs[1]["household_no"]}
            assert finding_counts_by_household(s, COUNTY) == {hs[1]["household_no"]: (1, 1),
                                                             hs[2]["household_no"]: (1, 0)}
            ov = overview(s, COUNTY)
            assert ov["households"] == 3 and ov["households_with_severe"] == 1 and ov["run_at"]
            assert abs(ov["severe_share"] - 1 / 3) < 1e-9
            run = last_run(s, COUNTY)
            assert run["findings"] == 2 and run["counts"] == {"relocation_without_task": 1, "sex_id_mismatch": 1}
            sampled = findings_with_verdicts(s, COUNTY, household_nos=[hs[2]["household_no"]])
            assert [v.rule_id for v in sampled] == ["sex_id_mismatch"]
            assert findings_with_verdicts(s, COUNTY, household_nos=[]) == []

    def test_county_not_found_and_empty(self, db_url):
        from fupin_tui.models import DatabaseError

        engine = get_engine(db_url)
        with pytest.raises(DatabaseError, match="还没有任何县"):
            run_checks(engine)
        insert_county(engine, [make_household()])
        with pytest.raises(DatabaseError, match="999999"):
            run_checks(engine, "999999")

    def test_failing_rule_names_itself_and_keeps_old_findings(self, db_url, tmp_path):
        engine = get_engine(db_url)
        _problem_county(engine)
        run_checks(engine)
        bad = tmp_path / "bad.toml"
        bad.write_text('[rules.lifted_dilapidated_house.params]\nwhere = { no_such_field = ["是"] }\n',
                       encoding="utf-8")
        with pytest.raises(CheckError, match="lifted_dilapidated_house"):
            run_checks(engine, rules_path=bad)
        with session_scope(engine) as s:
            assert sum(r.findings for r in summary_by_rule(s, COUNTY)) == 2

    def test_added_rule_from_user_file_runs(self, db_url, tmp_path):
        engine = get_engine(db_url)
        hs = [make_household(lifted=True, arable_land=None), make_household(lifted=True)]
        insert_county(engine, hs)
        path = tmp_path / "extra.toml"
        path.write_text("""[rules.lifted_without_land]
title = "脱贫户无耕地"
level = "household"
category = "living_conditions"
severity = "一般"
predicate = "household_where"
message = "脱贫属性为“{poverty_status}”"
source = "本省补充规则"
params = { where = { poverty_status = ["已脱贫"], road_type = ["水泥路"] } }
[rules.exit_below_line.params]
exit_line = { 2015 = 4500 }
""", encoding="utf-8")
        report = run_checks(engine, rules_path=path)
        by_rule = {}
        for f in report.findings:
            by_rule.setdefault(f["rule_id"], set()).add(f["household_no"])
        assert by_rule["lifted_without_land"] == {hs[0]["household_no"], hs[1]["household_no"]}
        assert by_rule["exit_below_line"] == {hs[0]["household_no"], hs[1]["household_no"]}  # 4400 < 4500

    def test_disabled_rule_does_not_run(self, db_url, tmp_path):
        engine = get_engine(db_url)
        _problem_county(engine)
        path = tmp_path / "off.toml"
        path.write_text("[rules.relocation_without_task]\nenabled = false\n", encoding="utf-8")
        report = run_checks(engine, rules_path=path)
        assert {f["rule_id"] for f in report.findings} == {"sex_id_mismatch"}
        assert "relocation_without_task" not in report.results

    def test_ages_use_the_data_year_not_today(self, db_url):
        # born 2000: 15 on 31 Dec 2015 (a child, 普通劳动力 flagged); 16 in 2016 data (not flagged)
        for year, expected in ((2015, 1), (2016, 0)):
            url = db_url.replace(".db", f"{year}.db")
            engine = get_engine(url)
            hh = make_household()
            hh["members"][3].update(id_number=make_id("2000-06-01", "女"), labour_skill="普通劳动力",
                                    school_status="高中一年级")
            insert_county(engine, [hh], data_year=year)
            report = run_checks(engine)
            assert sum(f["rule_id"] == "child_able_labour" for f in report.findings) == expected

    def test_rows_without_importer_id_kind_are_normalised(self, db_url):
        engine = get_engine(db_url)
        hh = make_household()
        for m in hh["members"]:
            m["id_kind"] = None  # as if inserted by another tool
        hh["members"][1]["id_number"] = hh["members"][1]["id_number"][:17] + (
            "0" if hh["members"][1]["id_number"][17] != "0" else "1")
        insert_county(engine, [hh])
        report = run_checks(engine)
        assert [(f["rule_id"], f["member_no"]) for f in report.findings] == [
            ("id_checksum", hh["household_no"] + "02")]

    def test_15_and_18_digit_forms_are_one_person(self, db_url):
        engine = get_engine(db_url)
        a, b = make_household(), make_household()
        id18 = make_id("1965-03-10", "男")
        a["members"][0]["id_number"] = id18
        a["head_id_number"] = id18
        b["members"][2]["id_number"] = id18[:6] + id18[8:17]  # the same person's old 15-digit number
        insert_county(engine, [a, b])
        report = run_checks(engine)
        dup = {(f["household_no"], f["member_no"]) for f in report.findings
               if f["rule_id"] == "duplicate_id_across_households"}
        assert dup == {(a["household_no"], a["household_no"] + "01"), (b["household_no"], b["household_no"] + "03")}

    def test_disability_card_id_part_is_checked(self, db_url):
        engine = get_engine(db_url)
        hh = make_household()
        m = hh["members"][0]
        m["id_number"] = m["id_number"][:17] + ("0" if m["id_number"][17] != "0" else "1") + "42"
        m["health"] = "残疾"
        insert_county(engine, [hh])
        report = run_checks(engine)
        assert {f["rule_id"] for f in report.findings} == {"id_checksum", "head_id_mismatch"}

    def test_income_table_head_id_recorded_by_the_importer(self, db_url):
        engine = get_engine(db_url)
        hh = make_household()
        other = make_id("1966-01-01", "男")
        hh["extra"] = {"income_conflicts": {"head_id_number": [{"value": hh["head_id_number"]},
                                                               {"value": other}]}}
        insert_county(engine, [hh])
        report = run_checks(engine)
        assert [f["rule_id"] for f in report.findings] == ["head_id_mismatch"]
        assert report.findings[0]["values"]["head_id_number"] == other

    def test_removed_households_are_not_checked(self, db_url):
        engine = get_engine(db_url)
        hh = make_household(relocation="是", extra={"removed": {"file": "old.xlsx", "import_file_id": 1}})
        insert_county(engine, [hh, make_household()])
        report = run_checks(engine)
        assert report.findings == [] and report.households == 1

    def test_per_capita_uses_member_rows_not_size(self, db_url):
        engine = get_engine(db_url)
        hh = set_income(make_household(), wage_income=7000.0)
        hh["size"] = hh["declared_size"] = 5  # says 5, 4 rows: per capita = net ÷ 4 is right
        insert_county(engine, [hh])
        rules = {f["rule_id"] for f in run_checks(engine).findings}
        assert rules == {"size_mismatch", "declared_size_mismatch"}


def test_cross_county_duplicates(db_url):
    engine = get_engine(db_url)
    a = make_household()
    insert_county(engine, [a], code="422822", name="甲县")
    b = make_household(household_no="42282300000001")
    b["members"][2]["id_number"] = a["members"][2]["id_number"]
    insert_county(engine, [b], code="422823", name="乙县")
    report = run_checks(engine)
    found = {(f["county_code"], f["member_no"]) for f in report.findings
             if f["rule_id"] == "duplicate_id_across_counties"}
    assert found == {("422822", a["household_no"] + "03"), ("422823", "4228230000000103")}
    assert report.counties == ["422822", "422823"]
    assert not any(f["rule_id"] == "duplicate_id_across_households" for f in report.findings)
    # one county at a time sees the other county too
    only = run_checks(engine, "422823")
    assert [f["rule_id"] for f in only.findings] == ["duplicate_id_across_counties"]
    # negative: different people
    clean = get_engine(db_url.replace(".db", "2.db"))
    insert_county(clean, [make_household()], code="422822")
    insert_county(clean, [make_household(household_no="42282300000001")], code="422823")
    assert run_checks(clean).findings == []


# ------------------------------------------------------------------------------------------------ small functions


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_check_digit_agrees_with_stdnum_validation(body):
    number = body + check_digit(body)
    assert ric.calc_check_digit(number) == number[17]  # stdnum takes the full number


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.text(alphabet="0123456789", min_size=17, max_size=17),
                          st.sampled_from("0123456789X")), min_size=1, max_size=50))
def test_vectorised_checksums_agree_with_stdnum(items):
    values = [body + last for body, last in items]
    got = checksums_ok(values).tolist()
    assert got == [ric.calc_check_digit(v) == v[17] for v in values]


@pytest.mark.parametrize("cell, phones", [
    ("18124229961", ["18124229961"]),
    ("(0718)3322123 / 18124229961", ["07183322123", "18124229961"]),
    ("+86 181 2422 9961", ["18124229961"]),
    ("0718-3322123、13912345678", ["0718-3322123", "13912345678"]),
])
def test_split_phones(cell, phones):
    assert split_phones(cell) == phones


@pytest.mark.parametrize("phone, ok", [
    ("18124229961", True), ("0718-3322123", True), ("07183322123", True), ("010-12345678", True),
    ("1812422996", False), ("12812345678", False), ("3322123", False), ("181242299611", False),
])
def test_phone_valid(phone, ok):
    assert phone_valid(phone) is ok


# --------------------------------------------------------------------------------------------------------- CLI


class TestCli:
    def test_check_table_and_json(self, db_url):
        engine = get_engine(db_url)
        hs = _problem_county(engine)
        result = runner.invoke(app, ["check", "--db", db_url])
        assert result.exit_code == 0, result.output
        assert "无搬迁任务的县有易地搬迁户" in result.output and "严重" in result.output
        result = runner.invoke(app, ["check", "--db", db_url, "--json"])
        assert result.exit_code == 0
        data = json.loads(result.output)
        assert set(data) == {"findings", "summary"}
        items = data["findings"]
        assert {k for item in items for k in item} >= {"rule", "household_no", "member_no", "severity", "category",
                                                        "message"}
        assert {(i["rule"], i["household_no"], i["member_no"]) for i in items} == {
            ("relocation_without_task", hs[1]["household_no"], None),
            ("sex_id_mismatch", hs[2]["household_no"], hs[2]["household_no"] + "01")}
        assert data["summary"]["findings"] == 2 and data["summary"]["households_with_severe"] == 1
        assert "422822195" not in result.output  # IDs are masked in messages, values are not printed

    def test_check_with_rules_file_and_errors(self, db_url, tmp_path):
        engine = get_engine(db_url)
        _problem_county(engine)
        off = tmp_path / "off.toml"
        off.write_text("[rules.sex_id_mismatch]\nenabled = false\n", encoding="utf-8")
        data = json.loads(runner.invoke(app, ["check", "--db", db_url, "--rules", str(off), "--json"]).output)
        assert [i["rule"] for i in data["findings"]] == ["relocation_without_task"]
        bad = tmp_path / "bad.toml"
        bad.write_text("[rules.sex_id_mismatch]\nseverity = 'x'\n", encoding="utf-8")
        result = runner.invoke(app, ["check", "--db", db_url, "--rules", str(bad)])
        assert result.exit_code == 1 and "sex_id_mismatch" in result.output
        result = runner.invoke(app, ["check", "--db", str(tmp_path / "none.db")])
        assert result.exit_code == 1 and "不存在" in result.output
        result = runner.invoke(app, ["check", "--db", db_url, "--county", "999999"])
        assert result.exit_code == 1 and "999999" in result.output

    def test_county_relocation_task(self, db_url):
        engine = get_engine(db_url)
        _problem_county(engine)
        result = runner.invoke(app, ["county", "--db", db_url])
        assert result.exit_code == 0 and "无" in result.output and "2015" in result.output
        result = runner.invoke(app, ["county", "--db", db_url, "--relocation-task", "yes"])
        assert result.exit_code == 0 and "已保存" in result.output
        with session_scope(engine) as s:
            assert s.get(County, COUNTY).relocation_task is True
            from fupin_tui.models import Action

            actions = s.execute(select(Action)).scalars().all()
            assert [a.action for a in actions] == ["county.settings"]
        data = json.loads(runner.invoke(app, ["check", "--db", db_url, "--json"]).output)
        assert [i["rule"] for i in data["findings"]] == ["sex_id_mismatch"]
        assert runner.invoke(app, ["county", "--db", db_url, "--relocation-task", "no"]).exit_code == 0
        with session_scope(engine) as s:
            assert s.get(County, COUNTY).relocation_task is False
        result = runner.invoke(app, ["county", "--db", db_url, "--relocation-task", "maybe"])
        assert result.exit_code == 2


# --------------------------------------------------------------------------------------------------- hygiene, PG


def test_checks_do_not_import_textual():
    code = "import sys, fupin_tui.checks, fupin_tui.cli.checks; sys.exit('textual' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).parent.parent).returncode == 0


@pytest.mark.postgres
def test_same_rulebook_on_both_backends(storage_db):
    """The whole rulebook gives the same findings on SQLite and PostgreSQL (no dialect-specific SQL)."""
    engine = get_engine(storage_db)
    hs = [make_household(relocation="是"), make_household(lifted=True, dilapidated_house="是"), make_household()]
    hs[2]["members"][1]["id_number"] = hs[0]["members"][1]["id_number"]
    hs[2]["extra"] = {"conflicts": {"main_cause": [{"value": "缺技术"}, {"value": "因病"}]}}
    insert_county(engine, hs)
    report = run_checks(engine)
    got = sorted((f["rule_id"], f["household_no"], f["member_no"] or "") for f in report.findings)
    assert got == sorted([
        ("relocation_without_task", hs[0]["household_no"], ""),
        ("lifted_dilapidated_house", hs[1]["household_no"], ""),
        ("duplicate_id_across_households", hs[0]["household_no"], hs[0]["household_no"] + "02"),
        ("duplicate_id_across_households", hs[2]["household_no"], hs[2]["household_no"] + "02"),
        ("household_value_conflict", hs[2]["household_no"], ""),
    ])
    with session_scope(engine) as s:
        s.add(FindingVerdict(county_code=COUNTY, rule_id="relocation_without_task",
                             household_no=hs[0]["household_no"], verdict="属实"))
    run_checks(engine)
    with session_scope(engine) as s:
        views = findings_for_household(s, COUNTY, hs[0]["household_no"])
        assert [(v.rule_id, v.verdict) for v in views] == [
            ("duplicate_id_across_households", None), ("relocation_without_task", "属实")]
        assert len(summary_by_rule(s, COUNTY)) >= 5
        assert severe_households(s, COUNTY) == {h["household_no"] for h in hs}
    assert np.isfinite(report.seconds)
