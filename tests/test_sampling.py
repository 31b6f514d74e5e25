"""Sampling (issues 2 and 6): frame, reproducible draws, systematic / stratified / Neyman / certainty, extension,
refusal to replace a sample with work, verification, and ``fupin plan`` reference figures."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from sqlalchemy import insert, select, update
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent))
from builders import COUNTY, build_county  # noqa: E402

from fupin_tui.cli import app  # noqa: E402
from fupin_tui.models import (  # noqa: E402
    Action,
    Clue,
    Finding,
    Household,
    Mark,
    Sample,
    SampleItem,
    get_engine,
    session_scope,
)
from fupin_tui.sampling import (  # noqa: E402
    CERTAINTY_STRATUM,
    WHOLE_COUNTY,
    Design,
    SampleRequest,
    SamplingError,
    SelectionError,
    Stream,
    Unit,
    allocate,
    draw_sample,
    extend_sample,
    load_frame,
    select as select_units,
    verify_sample,
)

runner = CliRunner()


@pytest.fixture
def county_db(db_path: Path) -> str:
    """A 300-household county (城关镇 150, 河口乡 100, 高山乡 50) in a file database; returns ``--db``."""
    build_county(get_engine(db_path), 300)
    return str(db_path)


def _items(db: str) -> list[tuple[str, str, bool, int]]:
    with session_scope(get_engine(db)) as s:
        sample = s.scalars(select(Sample).where(Sample.active.is_(True))).one()
        return [tuple(r) for r in s.execute(
            select(SampleItem.household_no, SampleItem.stratum, SampleItem.certainty, SampleItem.order)
            .where(SampleItem.sample_id == sample.id).order_by(SampleItem.order))]


def _active(db: str) -> Sample:
    with session_scope(get_engine(db)) as s:
        return s.scalars(select(Sample).where(Sample.active.is_(True))).one()


def _frame_positions(db: str) -> dict[str, int]:
    with session_scope(get_engine(db)) as s:
        return {r.household_no: i for i, r in enumerate(load_frame(s, COUNTY).rows)}


def has(result, text: str) -> bool:  # noqa: ANN001
    """``text`` in the command's output, ignoring whitespace (rich wraps lines at the console width)."""
    return "".join(text.split()) in "".join(result.output.split())


def _sample(db: str, *args: str):  # noqa: ANN202
    return runner.invoke(app, ["sample", "--db", db, *args])


# --------------------------------------------------------------------------------------------------------------------
# Random streams and pure selection
# --------------------------------------------------------------------------------------------------------------------


class TestStream:
    def test_pinned_values(self):
        # Pinned: a change here means existing samples no longer verify (bump GENERATOR's version instead).
        assert Stream(1).prefix_shuffle(100, 8) == [27, 28, 13, 17, 45, 59, 38, 89]
        assert Stream(20160101, "stratum", "城关镇").prefix_shuffle(50, 5) == [15, 29, 44, 2, 10]

    def test_prefix_consistent_and_distinct(self):
        long = Stream(9).prefix_shuffle(500, 120)
        assert Stream(9).prefix_shuffle(500, 40) == long[:40]
        assert len(set(long)) == 120 and all(0 <= i < 500 for i in long)
        assert sorted(Stream(3).prefix_shuffle(30, 30)) == list(range(30))

    def test_below_is_roughly_uniform(self):
        s = Stream(5)
        counts = [0] * 6
        for _ in range(6000):
            counts[s.below(6)] += 1
        assert all(850 < c < 1150 for c in counts)


def _units(n: int, strata: dict[str, int] | None = None) -> list[Unit]:
    if strata is None:
        return [Unit(i + 1, f"{i:05d}", WHOLE_COUNTY) for i in range(n)]
    out = []
    for name, size in strata.items():
        out.extend(Unit(len(out) + 1, f"{len(out):05d}", name) for _ in range(size))
    return out


class TestAllocate:
    def test_proportional_sums_to_n(self):
        sizes = {"a": 150, "b": 100, "c": 50}
        assert allocate(60, sizes, sizes) == {"a": 30, "b": 20, "c": 10}
        alloc = allocate(7, sizes, sizes)
        assert sum(alloc.values()) == 7 and alloc == {"a": 4, "b": 2, "c": 1}  # largest remainder: 3.5, 2.33, 1.17

    def test_min_per_stratum_and_caps(self):
        sizes = {"a": 500, "b": 30, "c": 3}
        alloc = allocate(20, sizes, sizes, {h: min(5, n) for h, n in sizes.items()})
        assert alloc["c"] == 3 and alloc["b"] >= 5 and sum(alloc.values()) == 20
        assert allocate(533, sizes, sizes) == sizes  # everything
        with pytest.raises(SelectionError, match="小于各层最少抽取数之和"):
            allocate(10, sizes, sizes, {"a": 5, "b": 5, "c": 3})
        with pytest.raises(SelectionError, match="大于可抽户数"):
            allocate(600, sizes, sizes)

    def test_upper_bound_binds(self):
        sizes = {"a": 4, "b": 96}
        weights = {"a": 1000.0, "b": 1.0}  # a wants almost everything but holds only 4
        assert allocate(20, sizes, weights) == {"a": 4, "b": 16}


class TestSelect:
    def test_systematic_every_kth_from_seeded_start(self):
        units = _units(120)
        starts = set()
        for seed in range(40):
            sel = select_units(units, Design("systematic", seed, 20))
            pos = [p.unit.household_id - 1 for p in sel.picks]
            assert [b - a for a, b in zip(pos, pos[1:])] == [6] * 19
            assert 0 <= pos[0] < 6
            starts.add(pos[0])
        assert len(starts) == 6  # the start really varies with the seed

    def test_systematic_fractional_interval_equal_probability(self):
        # k = 10/3: positions ⌊(r + i·N)/n⌋; over all r every unit is picked for exactly n of the N starts.
        from fupin_tui.sampling.select import _systematic

        class Fixed:
            def __init__(self, r):
                self.r = r

            def below(self, m):
                return self.r

        hits = [0] * 10
        for r in range(10):
            pos = _systematic(Fixed(r), 10, 3)  # type: ignore[arg-type]
            assert len(set(pos)) == 3
            for p in pos:
                hits[p] += 1
        assert hits == [3] * 10

    def test_random_extension_equals_fresh_draw(self):
        units = _units(200)
        extended = select_units(units, Design("random", 11, 30, extends=(10, 5)))
        fresh = select_units(units, Design("random", 11, 45))
        assert {p.unit.household_id for p in extended.picks} == {p.unit.household_id for p in fresh.picks}
        first = select_units(units, Design("random", 11, 30))
        assert [p.unit for p in extended.picks if p.step == 0] == [p.unit for p in first.picks]

    def test_stratified_extension_keeps_picks(self):
        units = _units(0, {"a": 70, "b": 20, "c": 10})
        base = select_units(units, Design("stratified", 3, 10, by="x", allocation="proportional", min_per_stratum=2))
        ext = select_units(units, Design("stratified", 3, 10, by="x", allocation="proportional", min_per_stratum=2,
                                         extends=(20,)))
        assert {p.unit for p in base.picks} <= {p.unit for p in ext.picks}
        assert [s.n for s in base.strata] == [6, 2, 2] and [s.n for s in ext.strata] == [21, 6, 3]


# --------------------------------------------------------------------------------------------------------------------
# The frozen sample in the database
# --------------------------------------------------------------------------------------------------------------------


class TestFrame:
    def test_order_and_hash(self, county_db):
        with session_scope(get_engine(county_db)) as s:
            frame = load_frame(s, COUNTY, "household_type")
            keys = [(r.township, r.village, r.household_no) for r in frame.rows]
            assert keys == sorted(keys) and len(frame) == 300
            assert {r.value for r in frame.rows} == {"一般贫困户", "低保贫困户", "五保贫困户"}  # 五保户 normalised
            assert frame.hash == load_frame(s, COUNTY, "household_type").hash
            assert frame.hash != load_frame(s, COUNTY, "poverty_status").hash
            assert load_frame(s, COUNTY, "village").rows[0].value == "城关镇/城关一村"


class TestDraw:
    def test_same_seed_same_households(self, tmp_path):
        got = []
        for name in ("a.db", "b.db"):
            db = str(tmp_path / name)
            build_county(get_engine(db), 300)
            result = _sample(db, "--n", "60", "--method", "stratified", "--by", "township", "--seed", "1")
            assert result.exit_code == 0, result.output
            got.append(_items(db))
        assert got[0] == got[1] and len(got[0]) == 60
        strata = {}
        for _, stratum, _, _ in got[0]:
            strata[stratum] = strata.get(stratum, 0) + 1
        assert strata == {"城关镇": 30, "河口乡": 20, "高山乡": 10}

    def test_different_seed_differs_and_record(self, county_db):
        assert _sample(county_db, "--n", "30", "--seed", "1").exit_code == 0
        first = _items(county_db)
        sample = _active(county_db)
        assert sample.seed == 1 and sample.method == "random" and "PCG64" in sample.generator
        assert "numpy-" in sample.generator and sample.population == 300 and len(sample.frame_hash) == 64
        assert sample.strata == [{"name": WHOLE_COUNTY, "N": 300, "n": 30}] and sample.created_at is not None
        assert sample.params["design"]["seed"] == 1
        assert _sample(county_db, "--n", "30", "--seed", "2").exit_code == 0
        assert {r[0] for r in _items(county_db)} != {r[0] for r in first}

    def test_same_command_twice_changes_nothing(self, county_db):
        args = ["--n", "20", "--method", "systematic"]  # no --seed: the default comes from the frame hash
        assert _sample(county_db, *args).exit_code == 0
        first, sid = _items(county_db), _active(county_db).id
        again = _sample(county_db, *args)
        assert again.exit_code == 0 and has(again, "样本未变")
        assert _items(county_db) == first and _active(county_db).id == sid

    def test_records_draw_in_audit_trail(self, county_db):
        assert _sample(county_db, "--n", "10", "--seed", "4", "--inspector", "张核查").exit_code == 0
        with session_scope(get_engine(county_db)) as s:
            actions = s.scalars(select(Action).where(Action.action == "sample.draw")).all()
            assert len(actions) == 1 and actions[0].inspector == "张核查"
            assert json.loads(actions[0].new_value)["seed"] == 4

    def test_systematic_from_ordered_frame(self, county_db):
        assert _sample(county_db, "--n", "30", "--method", "systematic", "--seed", "8").exit_code == 0
        pos = sorted(_frame_positions(county_db)[no] for no, *_ in _items(county_db))
        assert [b - a for a, b in zip(pos, pos[1:])] == [10] * 29 and 0 <= pos[0] < 10

    def test_stratified_min_per_stratum(self, county_db):
        r = _sample(county_db, "--n", "20", "--by", "township", "--min-per-stratum", "5", "--seed", "2")
        assert r.exit_code == 0, r.output
        strata = {s["name"]: (s["N"], s["n"]) for s in _active(county_db).strata}
        # proportional shares 10 / 6.67 / 3.33: 高山乡 raised to 5, the other 15 shared 150 : 100
        assert strata == {"城关镇": (150, 9), "河口乡": (100, 6), "高山乡": (50, 5)}
        too_small = _sample(county_db, "--n", "12", "--by", "township", "--min-per-stratum", "5", "--force")
        assert too_small.exit_code == 1 and has(too_small, "最少抽取数")

    def test_stratified_by_any_column(self, county_db):
        r = _sample(county_db, "--n", "30", "--method", "stratified", "--by", "household_type", "--seed", "3")
        assert r.exit_code == 0, r.output
        strata = {s["name"]: s["n"] for s in _active(county_db).strata}
        assert strata == {"一般贫困户": 10, "低保贫困户": 10, "五保贫困户": 10}
        bad = _sample(county_db, "--n", "30", "--by", "head_name", "--force")
        assert bad.exit_code == 1 and has(bad, "不能按")

    def test_usage_errors(self, county_db):
        assert _sample(county_db).exit_code == 2  # neither --n nor --size-from-plan
        assert _sample(county_db, "--n", "5", "--size-from-plan").exit_code == 2
        assert _sample(county_db, "--n", "5", "--method", "random", "--by", "township").exit_code == 1
        assert _sample(county_db, "--n", "400").exit_code == 1


class TestNeyman:
    def _findings(self, db: str, township: str, count: int) -> None:
        with session_scope(get_engine(db)) as s:
            hits = [r for r in load_frame(s, COUNTY, "township").rows if r.value == township][:count]
            s.execute(insert(Finding), [dict(county_code=COUNTY, rule_id="dead_member", household_id=r.household_id,
                                             household_no=r.household_no, severity="严重", values={})
                                        for r in hits])

    def test_neyman_moves_sample_to_risky_stratum(self, county_db):
        self._findings(county_db, "高山乡", 20)  # 40 % of 高山乡, none elsewhere
        r = _sample(county_db, "--n", "60", "--by", "township", "--allocation", "neyman", "--seed", "1")
        assert r.exit_code == 0, r.output
        s = _active(county_db)
        strata = {x["name"]: x["n"] for x in s.strata}
        assert s.allocation == "neyman" and sum(strata.values()) == 60
        assert strata["高山乡"] > 10  # proportional would give 10
        guess = s.params["design"]["neyman_guess"]
        assert guess["高山乡"] == pytest.approx(20.5 / 51) and guess["城关镇"] == pytest.approx(0.5 / 151)
        assert verify_ok(county_db)

    def test_neyman_without_findings_falls_back(self, county_db):
        r = _sample(county_db, "--n", "60", "--by", "township", "--allocation", "neyman", "--seed", "1")
        assert r.exit_code == 0 and has(r, "改用按比例分配")
        s = _active(county_db)
        assert s.allocation == "proportional" and [x["n"] for x in s.strata] == [30, 20, 10]


def verify_ok(db: str) -> bool:
    result = _sample(db, "--verify")
    return result.exit_code == 0 and has(result, "核验通过")


class TestCertainty:
    def test_severe_findings_stratum(self, county_db, monkeypatch):
        import fupin_tui.checks as checks

        nos = ["42282200000000", "42282200007919"]
        monkeypatch.setattr(checks, "severe_households", lambda session, county, **kw: set(nos), raising=False)
        r = _sample(county_db, "--n", "20", "--certainty", "severe-findings", "--seed", "5")
        assert r.exit_code == 0, r.output
        items = _items(county_db)
        cert = [no for no, stratum, c, _ in items if c]
        assert sorted(cert) == sorted(nos) and all(st == CERTAINTY_STRATUM for _, st, c, _ in items if c)
        assert sum(1 for *_, c, _ in items if not c) == 20
        s = _active(county_db)
        assert sorted(s.certainty) == sorted(nos)
        assert s.strata[0] == {"name": WHOLE_COUNTY, "N": 298, "n": 20}
        assert s.strata[-1]["name"] == CERTAINTY_STRATUM and s.strata[-1]["N"] == 2
        assert verify_ok(county_db)

    def test_confirmed_clues_stratum(self, county_db):
        pytest.importorskip("fupin_tui.compare")
        from fupin_tui.compare import confirmed_clue_households  # noqa: F401

        with session_scope(get_engine(county_db)) as s:
            s.add(Clue(county_code=COUNTY, key="k1", dept="civil_affairs", kind="dead_registered",
                       household_no="42282200005838", status="属实"))
            s.add(Clue(county_code=COUNTY, key="k2", dept="civil_affairs", kind="dead_registered",
                       household_no="42282200001676", status="待核实"))
        r = _sample(county_db, "--n", "10", "--certainty", "confirmed-clues", "--seed", "5")
        assert r.exit_code == 0, r.output
        assert _active(county_db).certainty == ["42282200005838"]

    def test_missing_source_is_a_clear_error(self, county_db, monkeypatch):
        import fupin_tui.checks as checks

        monkeypatch.delattr(checks, "severe_households", raising=False)
        monkeypatch.setitem(sys.modules, "fupin_tui.checks", checks)
        r = _sample(county_db, "--n", "10", "--certainty", "both")
        assert r.exit_code == 1 and has(r, "不可用")


class TestExtend:
    @pytest.mark.parametrize("args", [
        ["--method", "random"], ["--method", "systematic"], ["--by", "township", "--min-per-stratum", "3"],
    ])
    def test_extend_keeps_earlier_picks(self, county_db, args):
        assert _sample(county_db, "--n", "30", "--seed", "6", *args).exit_code == 0
        with session_scope(get_engine(county_db)) as s:  # a reviewed household must keep its status
            s.execute(update(SampleItem).where(SampleItem.order == 1).values(status="核查无误"))
        before = _items(county_db)
        r = _sample(county_db, "--extend", "15")
        assert r.exit_code == 0, r.output
        after = _items(county_db)
        assert after[:30] == before and len(after) == 45 and len({a[0] for a in after}) == 45
        assert _active(county_db).n == 45 and _active(county_db).params["design"]["extends"] == [15]
        assert sum(s["n"] for s in _active(county_db).strata) == 45
        with session_scope(get_engine(county_db)) as s:
            assert s.scalar(select(SampleItem.status).where(SampleItem.order == 1)) == "核查无误"
        assert verify_ok(county_db)

    def test_extend_refuses_other_design(self, county_db):
        assert _sample(county_db, "--n", "30", "--seed", "6").exit_code == 0
        r = _sample(county_db, "--extend", "5", "--seed", "7")
        assert r.exit_code == 1 and has(r, "不能改变")

    def test_extend_without_sample(self, county_db):
        r = _sample(county_db, "--extend", "5")
        assert r.exit_code == 1 and has(r, "还没有样本")


class TestFrozen:
    def test_refuses_replacement_with_marks(self, county_db):
        assert _sample(county_db, "--n", "20", "--seed", "1").exit_code == 0
        old = _active(county_db)
        no = _items(county_db)[0][0]
        with session_scope(get_engine(county_db)) as s:
            hid = s.scalar(select(Household.id).where(Household.household_no == no))
            s.add(Mark(county_code=COUNTY, household_id=hid, household_no=no, category="income", severity="一般"))
        refused = _sample(county_db, "--n", "20", "--seed", "2")
        assert refused.exit_code == 1 and has(refused, "--force") and has(refused, "1 条问题标记")
        assert _active(county_db).id == old.id
        forced = _sample(county_db, "--n", "20", "--seed", "2", "--force")
        assert forced.exit_code == 0
        with session_scope(get_engine(county_db)) as s:
            samples = s.scalars(select(Sample).order_by(Sample.id)).all()
            assert [x.active for x in samples] == [False, True]
            assert s.scalar(select(SampleItem.id).where(SampleItem.sample_id == old.id)) is not None  # kept

    def test_refuses_replacement_with_status(self, county_db):
        assert _sample(county_db, "--n", "20", "--seed", "1").exit_code == 0
        with session_scope(get_engine(county_db)) as s:
            s.execute(update(SampleItem).where(SampleItem.order == 3).values(status="核查无误"))
        assert _sample(county_db, "--n", "25", "--seed", "1").exit_code == 1
        # Without work a sample is replaced freely (the old one kept inactive).
        with session_scope(get_engine(county_db)) as s:
            s.execute(update(SampleItem).values(status="未核查"))
        assert _sample(county_db, "--n", "25", "--seed", "1").exit_code == 0
        assert _active(county_db).n == 25


class TestVerify:
    def test_passes(self, county_db):
        assert _sample(county_db, "--n", "40", "--by", "village", "--seed", "3").exit_code == 0
        assert verify_ok(county_db)

    def test_tampered_item_fails_naming_households(self, county_db):
        assert _sample(county_db, "--n", "40", "--seed", "3").exit_code == 0
        sampled = {r[0] for r in _items(county_db)}
        with session_scope(get_engine(county_db)) as s:
            other = s.execute(select(Household.id, Household.household_no)
                              .where(Household.household_no.not_in(sampled)).limit(1)).one()
            first = s.scalars(select(SampleItem).where(SampleItem.order == 1)).one()
            replaced = first.household_no
            first.household_id, first.household_no = other.id, other.household_no
        r = _sample(county_db, "--verify")
        assert r.exit_code == 1 and has(r, "核验未通过")
        assert has(r, replaced) and has(r, other.household_no)
        with session_scope(get_engine(county_db)) as s:
            report = verify_sample(s, COUNTY)
        assert report.missing == [replaced] and report.extra == [other.household_no] and not report.frame_changed

    def test_frame_change_fails(self, county_db):
        assert _sample(county_db, "--n", "40", "--seed", "3").exit_code == 0
        with session_scope(get_engine(county_db)) as s:
            town = s.scalar(select(Household.township_id).limit(1))
            s.add(Household(county_code=COUNTY, household_no="42282299999999", township_id=town))
        r = _sample(county_db, "--verify")
        assert r.exit_code == 1 and has(r, "抽样框已变化")
        assert _sample(county_db, "--extend", "5").exit_code == 1  # extension refused on a changed frame

    def test_api_errors(self, county_db):
        with session_scope(get_engine(county_db)) as s:
            with pytest.raises(SamplingError, match="还没有样本"):
                verify_sample(s, COUNTY)
            with pytest.raises(SamplingError, match="还没有样本"):
                extend_sample(s, COUNTY, 3)
            outcome = draw_sample(s, COUNTY, SampleRequest(n=5, seed=1))
            assert outcome.action == "drawn" and len(outcome.selection.picks) == 5


class TestSizeFromPlan:
    def test_plan_gives_size(self, county_db):
        r = _sample(county_db, "--size-from-plan", "--tolerable", "0.05", "--seed", "1")
        assert r.exit_code == 0, r.output
        s = _active(county_db)
        assert s.n == 59 and s.params["plan"]["n"] == 59 and s.params["plan"]["likelihood"] == "binomial"

    def test_hypergeometric_defaults_to_frame(self, county_db):
        r = _sample(county_db, "--size-from-plan", "--likelihood", "hypergeometric", "--method", "systematic")
        assert r.exit_code == 0, r.output
        s = _active(county_db)
        assert s.params["plan"]["population"] == 300 and s.n == s.params["plan"]["n"] < 59


class TestPlanCli:
    @pytest.mark.parametrize("args,n,k", [
        ([], 59, 0),
        (["--expected-errors", "1"], 93, 1),
        (["--likelihood", "poisson"], 60, 0),
        (["--likelihood", "hypergeometric", "--population", "1000"], 57, 0),
        (["--tolerable", "0.02"], 149, 0),
        (["--tolerable", "0.10"], 29, 0),
    ])
    def test_reference_figures(self, args, n, k):
        r = runner.invoke(app, ["plan", "--tolerable", "0.05", "--confidence", "0.95", *args, "--json"]
                          if "--tolerable" not in args else ["plan", "--confidence", "0.95", *args, "--json"])
        assert r.exit_code == 0, r.output
        data = json.loads(r.stdout)
        assert (data["n"], data["expected_errors"]) == (n, k)
        assert data["upper_bound"] < data["tolerable"]

    def test_93_bound_is_just_below(self):
        data = json.loads(runner.invoke(app, ["plan", "--expected-errors", "1", "--json"]).stdout)
        assert 0.0499 < data["upper_bound"] < 0.05

    def test_human_output_and_errors(self):
        r = runner.invoke(app, ["plan"])
        assert r.exit_code == 0 and has(r, "需复核 59 户")
        assert runner.invoke(app, ["plan", "--expected-errors", "1", "--expected-rate", "0.01"]).exit_code == 2
        bad = runner.invoke(app, ["plan", "--tolerable", "5"])
        assert bad.exit_code == 1 and has(bad, "可容忍错误率")


class TestSharedSampleCounty:
    """Issue 2's "done means" line on the real export layout: import the shared sample, draw, verify, redraw."""

    def test_stratified_by_township_on_the_sample(self, sample_dir, db_url):
        importing = pytest.importorskip("fupin_tui.importing")
        if not hasattr(importing, "import_files"):
            pytest.skip("fupin_tui.importing.import_files not available in this checkout")
        importing.import_files(get_engine(db_url), sorted(sample_dir.glob("*.xlsx")))
        args = ["--n", "60", "--method", "stratified", "--by", "township", "--seed", "1"]
        r = _sample(db_url, *args)
        assert r.exit_code == 0, r.output
        first = _items(db_url)
        sample = _active(db_url)
        assert len(first) == 60 and sample.population == 300
        assert sum(s["N"] for s in sample.strata) == 300 and sum(s["n"] for s in sample.strata) == 60
        assert verify_ok(db_url)
        assert _sample(db_url, *args).exit_code == 0 and _items(db_url) == first


@pytest.mark.postgres
def test_draw_verify_extend_on_both_backends(storage_db):
    """The same draw on SQLite and PostgreSQL (frame order is computed in Python, not by the database's collation)."""
    build_county(get_engine(storage_db), 120)
    assert _sample(storage_db, "--n", "20", "--by", "village", "--seed", "3").exit_code == 0
    assert _sample(storage_db, "--extend", "6").exit_code == 0
    assert verify_ok(storage_db)
    nos = sorted(no for no, *_ in _items(storage_db))
    assert len(nos) == 26
    # Pinned: identical on both backends (and on any NumPy).
    assert nos[:4] == ["42282200000112", "42282200000517", "42282200000573", "42282200000866"]
    with session_scope(get_engine(storage_db)) as s:
        s.execute(update(SampleItem).where(SampleItem.order <= 10).values(status="核查无误"))
    graded = runner.invoke(app, ["grade", "--db", storage_db, "--json"])
    assert graded.exit_code == 0, graded.output
    assert json.loads(graded.stdout)["reviewed"] == 10
    refused = _sample(storage_db, "--n", "20", "--by", "village", "--seed", "4")
    assert refused.exit_code == 1
    again = _sample(storage_db, "--n", "20", "--by", "village", "--seed", "4", "--force")
    assert again.exit_code == 0 and len(_items(storage_db)) == 20
