"""Integration: generated counties (fupin_tui.demo.generator) imported (fupin_tui.importing) and checked.

A clean county yields no finding at all; every deliberate problem the generator plants (``Problem.kind``) is found
by the rule(s) mapped to it below, on the record it names; and nothing else is found.
"""

from __future__ import annotations

from collections import Counter

import pytest

from fupin_tui.checks import load_rulebook, run_checks
from fupin_tui.models import get_engine

generator = pytest.importorskip("fupin_tui.demo.generator")
importing = pytest.importorskip("fupin_tui.importing")

#: Problem kind (fupin_tui.demo.problems.PROBLEM_KINDS, rulebook families) → rule ids that must find it.
PROBLEM_RULES: dict[str, tuple[str, ...]] = {
    "lifted_below_line": ("exit_below_line",),
    "ordinary_above_line": ("ordinary_above_line",),
    "subsistence_without_allowance": ("subsistence_without_allowance",),
    "five_guarantee_without_allowance": ("five_guarantee_without_allowance",),
    "five_guarantee_able_member": ("five_guarantee_able_member",),
    "five_guarantee_too_many": ("five_guarantee_too_large",),
    "school_age_out_of_school_lifted": ("lifted_school_dropout",),
    "bad_check_digit": ("id_checksum",),
    "bad_birth_date": ("id_birth_date",),
    "birth_after_data_year": ("id_birth_date",),
    "implausible_age": ("id_age_implausible",),
    "duplicate_id_across_households": ("duplicate_id_across_households",),
    "duplicate_id_within_household": ("duplicate_id_within_household",),
    "id_15_digit": ("id_old_15_digit",),
    "id_excel_corrupted": ("id_excel_corrupted",),
    "duplicate_id_across_counties": ("duplicate_id_across_counties",),
    "two_heads": ("head_not_unique",),
    "no_head": ("head_not_unique",),
    "two_spouses": ("spouse_multiple",),
    "spouse_same_sex": ("head_spouse_same_sex",),
    "relation_sex": ("relation_sex_mismatch",),
    "size_mismatch": ("size_mismatch",),
    "generation_gap": ("generation_gap",),
    "household_without_members": ("household_without_members",),
    "preschool_too_old": ("preschool_too_old",),
    "school_status_age": ("school_status_age",),
    "child_labour": ("child_able_labour",),
    "child_migrant_work": ("child_working",),
    "work_months_range": ("work_months_range",),
    "able_no_labour": ("working_age_no_labour",),
    "income_identity": ("income_annual_identity",),
    "transfer_identity": ("income_transfer_identity",),
    "net_identity": ("income_net_identity",),
    "per_capita_identity": ("income_per_capita_identity",),
    "declared_size_mismatch": ("declared_size_mismatch",),
    "negative_amount": ("income_negative",),
    "roster_income_mismatch": ("roster_income_mismatch",),
    "disability_cause_no_disabled": ("cause_disability_without_disabled",),
    "illness_cause_no_sick": ("cause_illness_without_sick",),
    "missing_cause": ("main_cause_missing",),
    "unknown_label": ("member_label_invalid", "household_label_invalid"),
    "lifted_dilapidated": ("lifted_dilapidated_house",),
    "lifted_unsafe_water": ("lifted_unsafe_water",),
    "lifted_no_medical": ("lifted_no_medical_insurance",),
    "relocation_no_task": ("relocation_without_task",),
    "bad_phone": ("phone_invalid",),
    "shared_phone": ("phone_shared",),
}
#: Families of problem kinds that other modules find (department clues, village and project checks).
OTHER_FAMILIES = {"clue", "village", "project"}
OUR_LEVELS = ("household", "member", "county")


def _county(tmp_path, name: str, **kwargs):
    county = generator.generate_county(tmp_path / name, departments=False, villages=False, **kwargs)
    return county


def _import(engine, *counties) -> None:
    importing.import_files(engine, [p for c in counties for p in (c.roster, c.income)])


def _found(report) -> dict[str, set[tuple[str | None, str | None]]]:
    out: dict[str, set] = {}
    for f in report.findings:
        out.setdefault(f["rule_id"], set()).add((f["household_no"], f["member_no"]))
    return out


def test_every_rule_family_kind_is_mapped_to_existing_rules():
    from fupin_tui.demo.problems import PROBLEM_KINDS

    ids = {r.id for r in load_rulebook()}
    ours = {kind for kind, (family, _) in PROBLEM_KINDS.items() if family not in OTHER_FAMILIES}
    assert ours == set(PROBLEM_RULES)
    assert {rule for rules in PROBLEM_RULES.values() for rule in rules} <= ids


def test_clean_generated_county_has_no_findings(tmp_path):
    county = _county(tmp_path, "clean", households=600, seed=11, problems=False)
    engine = get_engine(tmp_path / "clean.db")
    _import(engine, county)
    report = run_checks(engine)
    assert report.households == county.households and report.members == county.members
    assert [(f["rule_id"], f["household_no"], f["member_no"], f["message"]) for f in report.findings] == []


def test_demo_problems_are_all_found_and_nothing_else(tmp_path):
    county = _county(tmp_path, "demo", households=600, seed=5, problems=True)
    engine = get_engine(tmp_path / "demo.db")
    _import(engine, county)
    report = run_checks(engine)
    found = _found(report)
    ours = [p for p in county.problems if p.kind in PROBLEM_RULES]
    assert {p.kind for p in ours} == set(PROBLEM_RULES) - {"duplicate_id_across_counties"}
    missed = []
    for p in ours:
        hits = [
            (rule, key) for rule in PROBLEM_RULES[p.kind] for key in found.get(rule, ())
            if key[0] == p.household_no and (key[1] is None or p.member_no is None or key[1] == p.member_no)
        ]
        if not hits:
            missed.append((p.kind, p.household_no, p.member_no, p.description))
    assert missed == []
    # precision: every finding is on a household the generator made a problem on
    problem_households = {p.household_no for p in ours}
    stray = [(f["rule_id"], f["household_no"], f["member_no"], f["message"]) for f in report.findings
             if f["household_no"] not in problem_households and f["level"] in OUR_LEVELS]
    assert stray == []
    counts = Counter(f["rule_id"] for f in report.findings if f["level"] in OUR_LEVELS)
    assert sum(counts.values()) >= len(ours)


def test_ids_registered_in_two_counties(tmp_path):
    first = _county(tmp_path, "a", households=150, seed=3, problems=False, county_code="422822")
    assert first.emigrants, "the generator offers people who may also be registered elsewhere"
    second = _county(tmp_path, "b", households=150, seed=4, problems=False, county_code="422823",
                     shared_people=first.emigrants[:2])
    engine = get_engine(tmp_path / "province.db")
    _import(engine, first, second)
    report = run_checks(engine)
    planted = [p for p in second.problems if p.kind == "duplicate_id_across_counties"]
    assert len(planted) == 2
    found = {(f["county_code"], f["household_no"], f["member_no"]) for f in report.findings
             if f["rule_id"] == "duplicate_id_across_counties"}
    for p in planted:
        assert ("422823", p.household_no, p.member_no) in found
    for person in first.emigrants[:2]:
        assert ("422822", person.household_no, person.member_no) in found
    assert {f["rule_id"] for f in report.findings} == {"duplicate_id_across_counties"}
