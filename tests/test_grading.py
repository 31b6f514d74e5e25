"""Grading from the database (issues 2 and 6): exact figures on constructed counties, caps, the certainty stratum,
outside-sample marks, status/mark disagreements, ``fupin grade`` output and the ``fupin rank`` workbook."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import openpyxl
import pytest
from scipy.stats import beta
from sqlalchemy import select
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent))
from builders import COUNTY, build_county  # noqa: E402

from fupin_tui.cli import app  # noqa: E402
from fupin_tui.grading import CountyGrade, GradingError, grade_county  # noqa: E402
from fupin_tui.models import County, Household, Mark, SampleItem, get_engine, session_scope  # noqa: E402
from fupin_tui.sampling import SampleRequest, draw_sample  # noqa: E402
from fupin_tui.scoring import GradeResult  # noqa: E402

runner = CliRunner()

REQUIRED_KEYS = {"county", "reviewed", "with_issues", "rate", "ci_low", "ci_high", "grade", "upper_bound",
                 "guaranteed_grade", "method", "settled", "strata", "by_category", "by_township", "weighted_rate",
                 "outside_sample", "certainty"}


def has(result, text: str) -> bool:  # noqa: ANN001
    """``text`` in the command's output, ignoring whitespace (rich wraps lines at the console width)."""
    return "".join(text.split()) in "".join(result.output.split())


def make_county(db: str, *, code: str = COUNTY, households: int = 300, n: int = 60, method: str = "systematic",
                by: str | None = None, name: str = "测试县", **request) -> None:  # noqa: ANN003
    engine = get_engine(db)
    build_county(engine, households, county=code)
    with session_scope(engine) as s:
        s.get(County, code).name = name
        draw_sample(s, code, SampleRequest(n=n, method=method, by=by, seed=7, **request))


def review(db: str, code: str = COUNTY, *, clean: int = 0, issues: dict[int, list[tuple[str, str, str]]] | None = None,
           status: dict[int, str] | None = None) -> None:
    """Mark the active sample: ``issues`` order → [(category, severity, source)] with status 有问题; the next ``clean``
    items (in order, after the issue ones) 核查无误; ``status`` order → a status set as is (no marks)."""
    issues = issues or {}
    with session_scope(get_engine(db)) as s:
        items = s.scalars(select(SampleItem).where(SampleItem.certainty.is_(False)).order_by(SampleItem.order)).all()
        by_order = {it.order: it for it in items}
        for order, marks in issues.items():
            it = by_order[order]
            it.status = "有问题"
            for cat, sev, src in marks:
                s.add(Mark(county_code=code, household_id=it.household_id, household_no=it.household_no,
                           category=cat, severity=sev, source=src))
        rest = [it for it in items if it.order not in issues and it.order not in (status or {})]
        for it in rest[:clean]:
            it.status = "核查无误"
        for order, st in (status or {}).items():
            by_order[order].status = st


def grade_json(db: str, *args: str) -> dict:
    r = runner.invoke(app, ["grade", "--db", db, "--json", *args])
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


class TestExactFigures:
    def test_simple_random_example(self, db_url):
        make_county(db_url)
        review(db_url, issues={
            1: [("income", "严重", "inspector"), ("identity", "一般", "rule:id_checksum")],
            2: [("income", "一般", "inspector")],
            3: [("member_info", "一般", "inspector")],
        }, clean=47)
        g = grade_json(db_url)
        assert REQUIRED_KEYS <= set(g)
        assert (g["county"], g["county_name"], g["reviewed"], g["with_issues"]) == (COUNTY, "测试县", 50, 3)
        assert g["rate"] == pytest.approx(0.06)
        assert g["ci_low"] == pytest.approx(beta.ppf(0.025, 3, 48), rel=1e-9)
        assert g["ci_high"] == pytest.approx(beta.ppf(0.975, 4, 47), rel=1e-9)
        assert g["upper_bound"] == pytest.approx(beta.ppf(0.95, 4, 47), rel=1e-9)
        assert g["weighted_rate"] == pytest.approx((1 + 0.5 + 0.5) / 50)
        assert (g["grade"], g["guaranteed_grade"], g["settled"], g["method"]) == ("合格", "不合格", False, "clopper_pearson")
        assert [(s["name"], s["N"], s["n"], s["x"]) for s in g["strata"]] == [("全县", 300, 50, 3)]
        cats = {c["category"]: (c["x"], c["label"]) for c in g["by_category"]}
        assert cats == {"income": (2, "收入数据不实或不符逻辑"), "identity": (1, "身份信息错误"),
                        "member_info": (1, "家庭成员信息错误")}
        assert sum(t["n"] for t in g["by_township"]) == 50 and sum(t["x"] for t in g["by_township"]) == 3
        assert g["pending"] == 10 and g["sample_n"] == 60 and g["certainty"] is None
        assert g["outside_sample"] == {"marks": 0, "households": 0}
        assert g["sample"]["seed"] == 7 and g["sample"]["method"] == "systematic"

    def test_no_errors_in_60_is_not_settled_and_says_how_many_more(self, db_url):
        make_county(db_url)
        review(db_url, clean=60)
        g = grade_json(db_url)
        assert g["rate"] == 0 and g["upper_bound"] == pytest.approx(1 - 0.05 ** (1 / 60))
        assert (g["grade"], g["guaranteed_grade"], g["settled"]) == ("优秀", "良好", False)
        assert g["extra_to_settle"] == 89  # 149 households without an error settle 优秀
        r = runner.invoke(app, ["grade", "--db", db_url])
        assert r.exit_code == 0 and has(r, "再复核 89 户") and has(r, "等级：优秀（待定）")

    def test_one_of_sixty_with_an_issue_is_not_settled(self, db_url):
        # QA: 1 of 60 households checked, with an issue → 不合格, but the one-sided 95 % lower bound is 5 %, so the
        # county may still be 良好: pending (待定), not 确定; a second household with an issue would settle it
        make_county(db_url)
        review(db_url, issues={1: [("income", "严重", "inspector")]})
        g = grade_json(db_url)
        assert (g["reviewed"], g["with_issues"], g["rate"]) == (1, 1, 1.0)
        assert g["ci_low"] == pytest.approx(0.025) and g["ci_high"] == 1.0
        assert g["lower_bound"] == pytest.approx(0.05) and g["upper_bound"] == 1.0
        assert (g["grade"], g["guaranteed_grade"], g["best_grade"], g["settled"], g["status"]) == (
            "不合格", "不合格", "良好", False, "待定")
        assert g["extra_to_settle"] == 1
        r = runner.invoke(app, ["grade", "--db", db_url])
        assert r.exit_code == 0 and has(r, "等级：不合格（待定）") and not has(r, "不合格（确定）")
        assert has(r, "错误率下限只有 5%，不高于合格的上限 10%，还不能排除良好")

    def test_nothing_reviewed(self, db_url):
        make_county(db_url)
        g = grade_json(db_url)
        assert g["reviewed"] == 0 and g["rate"] is None and g["grade"] is None and g["ci_low"] is None
        assert g["pending"] == 60

    def test_stratified_uses_strata_sizes(self, db_url):
        make_county(db_url, method="stratified", by="township")
        with session_scope(get_engine(db_url)) as s:
            strata = dict(s.execute(select(SampleItem.order, SampleItem.stratum)).all())
        first = {}
        for order, stratum in sorted(strata.items()):
            first.setdefault(stratum, order)
        review(db_url, issues={first["高山乡"]: [("income", "一般", "inspector")]}, clean=59)
        g = grade_json(db_url)
        got = {s["name"]: (s["N"], s["n"], s["x"]) for s in g["strata"]}
        assert got == {"城关镇": (150, 30, 0), "河口乡": (100, 20, 0), "高山乡": (50, 10, 1)}
        assert g["rate"] == pytest.approx(50 / 300 * 1 / 10)  # Σ W_h p_h
        assert g["method"] and g["method_name"]


class TestWhatCounts:
    def test_outside_marks_reported_not_graded_but_cap(self, db_url):
        make_county(db_url)
        review(db_url, clean=60)
        with session_scope(get_engine(db_url)) as s:
            sampled = set(s.scalars(select(SampleItem.household_id)))
            hh = s.scalars(select(Household).where(Household.id.not_in(sampled)).limit(1)).one()
            s.add(Mark(county_code=COUNTY, household_id=hh.id, household_no=hh.household_no, category="exit",
                       severity="严重", source="clue:dead_registered"))
        g = grade_json(db_url)
        assert g["rate"] == 0 and g["with_issues"] == 0
        assert g["outside_sample"] == {"marks": 1, "households": 1}
        assert g["grade"] == "合格" and g["caps_applied"][0]["key"] == "dead_registered"
        assert g["caps_applied"][0]["found_in"] == ["样本外"]

    def test_deleted_marks_do_not_count(self, db_url):
        make_county(db_url)
        review(db_url, issues={1: [("income", "一般", "inspector")]}, clean=59)
        with session_scope(get_engine(db_url)) as s:
            for m in s.scalars(select(Mark)):
                m.deleted = True
        g = grade_json(db_url)
        assert g["with_issues"] == 0 and g["reviewed"] == 59  # 有问题 without a live mark: left out, with a note
        assert any("没有有效标记" in n for n in g["notes"])

    def test_clean_status_with_marks_counts_as_issue(self, db_url):
        make_county(db_url)
        review(db_url, issues={1: [("income", "一般", "inspector")]}, clean=59)
        with session_scope(get_engine(db_url)) as s:
            s.scalars(select(SampleItem).where(SampleItem.order == 1)).one().status = "核查无误"
        g = grade_json(db_url)
        assert (g["reviewed"], g["with_issues"]) == (60, 1) and any("按有问题计" in n for n in g["notes"])

    def test_certainty_stratum_reported_apart(self, db_url, monkeypatch):
        import fupin_tui.checks as checks

        certain = ["42282200000000", "42282200007919"]
        monkeypatch.setattr(checks, "severe_households", lambda session, county, **kw: set(certain), raising=False)
        make_county(db_url, certainty="severe-findings")
        review(db_url, clean=60)
        with session_scope(get_engine(db_url)) as s:
            it = s.scalars(select(SampleItem).where(SampleItem.household_no == certain[0])).one()
            it.status = "有问题"
            s.add(Mark(county_code=COUNTY, household_id=it.household_id, household_no=it.household_no,
                       category="eligibility", severity="严重", source="rule:public_employee"))
        g = grade_json(db_url)
        assert g["rate"] == 0 and g["reviewed"] == 60 and g["strata"][0]["N"] == 298
        assert g["certainty"] == {"N": 2, "reviewed": 1, "with_issues": 1, "pending": 1, "rate": 1.0,
                                  "households_with_issues": [certain[0]]}
        assert g["grade"] == "合格" and g["caps_applied"][0]["found_in"] == ["必查层"]
        r = runner.invoke(app, ["grade", "--db", db_url])
        assert r.exit_code == 0 and has(r, "必查层（全查，单独报告")


class TestApi:
    def test_engine_or_session_and_type(self, db_url):
        make_county(db_url)
        review(db_url, clean=10)
        engine = get_engine(db_url)
        g1 = grade_county(engine)
        with session_scope(engine) as s:
            g2 = grade_county(s, COUNTY)
        assert isinstance(g1, CountyGrade) and isinstance(g1, GradeResult)
        assert g1.to_json() == g2.to_json() and g1.reviewed == 10 and g1.grade == "优秀"

    def test_rubric_override(self, db_url, tmp_path):
        make_county(db_url)
        review(db_url, issues={1: [("income", "一般", "inspector")], 2: [("income", "一般", "inspector")],
                               3: [("income", "一般", "inspector")]}, clean=47)
        rubric = tmp_path / "r.toml"
        rubric.write_text('[bands]\n"优秀" = 0.07\n"良好" = 0.12\n"合格" = 0.2\n"不合格" = inf\n', encoding="utf-8")
        assert grade_json(db_url, "--rubric", str(rubric))["grade"] == "优秀"
        assert grade_county(get_engine(db_url), rubric_path=rubric).grade == "优秀"
        bad = tmp_path / "bad.toml"
        bad.write_text("bands = 3", encoding="utf-8")
        r = runner.invoke(app, ["grade", "--db", db_url, "--rubric", str(bad)])
        assert r.exit_code == 1

    def test_no_sample(self, db_url):
        build_county(get_engine(db_url), 20)
        with pytest.raises(GradingError, match="还没有样本"):
            grade_county(get_engine(db_url))
        r = runner.invoke(app, ["grade", "--db", db_url])
        assert r.exit_code == 1 and has(r, "还没有样本")


class TestRank:
    def test_workbook(self, tmp_path):
        dbs = {}
        for code, name, bad in (("422801", "恩施市", 0), ("422802", "利川市", 3), ("422823", "巴东县", 12),
                                ("422825", "宣恩县", 3)):
            db = str(tmp_path / f"{code}.db")
            make_county(db, code=code, name=name)
            review(db, code, issues={i + 1: [("income", "一般", "inspector")] for i in range(bad)}, clean=60 - bad)
            dbs[code] = db
        # 宣恩 goes in as a `fupin grade --json` file; a second database holds two counties, one without a sample.
        result = tmp_path / "422825.json"
        result.write_text(json.dumps(grade_json(dbs["422825"]), ensure_ascii=False), encoding="utf-8")
        two = str(tmp_path / "two.db")
        make_county(two, code="422822", name="建始县")
        review(two, "422822", issues={i + 1: [("income", "一般", "inspector")] for i in range(6)}, clean=54)
        build_county(get_engine(two), 30, county="422826")
        out = tmp_path / "通报.xlsx"
        r = runner.invoke(app, ["rank", dbs["422801"], dbs["422802"], dbs["422823"], str(result), two,
                                "--out", str(out)])
        assert r.exit_code == 0, r.output

        wb = openpyxl.load_workbook(out)
        ws = wb["通报"]
        header = [c.value for c in ws[3]]
        assert header[:7] == ["名次", "县代码", "县名", "样本户数", "已核查户数", "有问题户数", "户错误率"]
        rows = {row[1]: row for row in ws.iter_rows(min_row=4, values_only=True) if row[1]}
        # Intervals: 恩施 0/60 [0, 5.96 %], 利川 & 宣恩 3/60 [1.04, 13.9 %], 建始 6/60 [3.76, 20.5 %],
        # 巴东 12/60 [10.8, 32.3 %]: only 恩施 lies wholly below 巴东, so 巴东 is 2nd and the others share 1st.
        ranks = {code: row[0] for code, row in rows.items()}
        assert ranks == {"422801": 1, "422802": 1, "422825": 1, "422822": 1, "422823": 2, "422826": None}
        assert rows["422823"][6] == pytest.approx(0.2) and rows["422823"][7] == pytest.approx(beta.ppf(0.025, 12, 49))
        assert rows["422825"][2] == "宣恩县" and rows["422825"][3] == 60 and rows["422826"][10] is None
        total = next(row for row in ws.iter_rows(min_row=4, values_only=True) if row[0] == "合计")
        assert total[4] == 300 and total[5] == 24 and total[6] == pytest.approx(24 / 300)
        assert ws.freeze_panes == "A4"
        assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9
        assert ws.column_dimensions["C"].width >= 8 and ws["G4"].number_format == "0.00%"
        charts = ws._charts
        assert len(charts) == 1
        bars = charts[0].series[0].errBars
        assert bars is not None and bars.errValType == "cust"
        assert "图表数据" in bars.plus.numRef.f and "图表数据" in bars.minus.numRef.f
        data = wb["图表数据"]
        assert data.max_row == 6  # header + 5 graded counties

    def test_bad_inputs(self, tmp_path):
        r = runner.invoke(app, ["rank", str(tmp_path / "none.db"), "--out", str(tmp_path / "x.xlsx")])
        assert r.exit_code == 1 and has(r, "找不到文件")
        bad = tmp_path / "bad.json"
        bad.write_text('{"county": "422801"}', encoding="utf-8")
        r = runner.invoke(app, ["rank", str(bad), "--out", str(tmp_path / "x.xlsx")])
        assert r.exit_code == 1 and has(r, "缺少评分结果的键")
        dup = tmp_path / "dup.json"
        one = {"county": "422801", "reviewed": 10, "with_issues": 0, "rate": 0, "ci_low": 0, "ci_high": 0.3,
               "grade": "优秀"}
        dup.write_text(json.dumps([one, one]), encoding="utf-8")
        r = runner.invoke(app, ["rank", str(dup), "--out", str(tmp_path / "x.xlsx")])
        assert r.exit_code == 1 and has(r, "县代码重复") and has(r, f"县 422801 在 {dup} 中出现了两次")
        # the same county in two inputs: both files are named
        other = tmp_path / "again.json"
        other.write_text(json.dumps(one), encoding="utf-8")
        single = tmp_path / "one.json"
        single.write_text(json.dumps(one), encoding="utf-8")
        r = runner.invoke(app, ["rank", str(single), str(other), "--out", str(tmp_path / "x.xlsx")])
        assert r.exit_code == 1 and has(r, f"县代码重复：县 422801 同时出现在 {single} 和 {other} 中")
        # a file that is not a database: a Chinese reason, no exception class name
        junk = tmp_path / "junk.db"
        junk.write_bytes(b"not a database at all" * 100)
        r = runner.invoke(app, ["rank", str(junk), "--out", str(tmp_path / "x.xlsx")])
        assert r.exit_code == 1 and has(r, "不是 fupin 数据库文件") and "Error" not in r.output
