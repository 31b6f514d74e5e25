"""The comparison against the demo generator's planted department problems (issue 5 × the demo county).

Every ``clue_*`` problem the generator plants must come out as a clue of the matching kind on the same household (and
member, for member-level kinds), and nothing else; a county generated without problems gives no clue at all.
"""

from __future__ import annotations

import pytest

generator = pytest.importorskip("fupin_tui.demo.generator", reason="demo generator not present in this checkout")
importing = pytest.importorskip("fupin_tui.importing", reason="importer not present in this checkout")

from fupin_tui.compare import compare_files  # noqa: E402
from fupin_tui.models import get_engine  # noqa: E402

#: Planted problem kind → clue kind.
PLANTED = {
    "clue_dead_registered": "dead_registered",
    "clue_moved_out_registered": "moved_out",
    "clue_public_employee": "public_employee",
    "clue_vehicle_owner": "vehicle_owner",
    "clue_company_owner": "company_owner",
    "clue_urban_pension": "urban_pension",
    "clue_subsistence_in_ordinary": "subsistence_type_mismatch",
    "clue_subsistence_missing": "subsistence_not_on_list",
    "clue_disabled_no_certificate": "disabled_without_certificate",
    "clue_certificate_healthy": "certificate_but_healthy",
    "clue_housing_not_listed": "dilapidated_mismatch",
    "clue_housing_not_flagged": "dilapidated_mismatch",
    "clue_name_mismatch": "name_mismatch",
    "clue_id_typo": "possible_id_typo",
}
HOUSEHOLD_LEVEL = {"subsistence_not_on_list", "dilapidated_mismatch"}


def _compare(tmp_path, problems: bool, seed: int):
    county = generator.generate_county(tmp_path / "county", households=300, seed=seed, problems=problems)
    engine = get_engine(str(tmp_path / "demo.db"))
    importing.import_files(engine, [county.roster, county.income])
    return county, compare_files(engine, list(county.departments.values()))


@pytest.mark.parametrize("seed", [3, 12])
def test_every_planted_department_problem_is_a_clue_and_nothing_else(tmp_path, seed):
    county, result = _compare(tmp_path, True, seed)
    assert {r.dept for r in result.lists} == set(county.departments)
    assert all(r.inferred_from == "headers" for r in result.lists)
    planted = [p for p in county.problems if p.kind in PLANTED]
    assert {PLANTED[p.kind] for p in planted} == set(PLANTED.values())
    got = {(c["kind"], c["household_no"], c["member_no"]) for c in result.clues}
    for p in planted:
        kind = PLANTED[p.kind]
        member = None if kind in HOUSEHOLD_LEVEL else p.member_no
        assert (kind, p.household_no, member) in got, p
    expected = {(PLANTED[p.kind], p.household_no) for p in planted}
    extra = [(c["kind"], c["household_no"]) for c in result.clues if (c["kind"], c["household_no"]) not in expected]
    assert extra == []


def test_clean_demo_county_gives_no_clue(tmp_path):
    _county, result = _compare(tmp_path, False, 4)
    assert result.clues == []
    assert sum(r.matched for r in result.lists) > 0
