"""Scoring: household error rates, confidence bounds, sample-size planning, the rubric, the grade and the ranking.

Pure functions and dataclasses — numbers in, numbers out: no SQL, no UI, no Textual. Rates are fractions 0..1,
counts are households. Used by ``fupin plan`` / ``fupin grade`` / ``fupin rank``, the grade screen and the report.

Typical use::

    from fupin_tui.scoring import HouseholdOutcome, evaluate_households, load_rubric, plan_sample_size

    plan_sample_size(0.05, 0.95).n                       # 59 households
    result = evaluate_households(outcomes, {"城关镇": 820, "河口乡": 410}, load_rubric(None), county="422822")
    result.grade, result.guaranteed_grade, result.settled, result.to_json()

Sources: Clopper & Pearson (1934), Biometrika 26(4); AICPA Audit Guide *Audit Sampling* (attribute tables);
Korn & Graubard (1998), Survey Methodology 24(2).
"""

from .grade import (
    GradeDecision,
    GradeResult,
    HouseholdOutcome,
    evaluate,
    evaluate_households,
    format_pct,
    grade,
    households_to_settle,
)
from .intervals import (
    LIKELIHOODS,
    RATE_TOLERANCE,
    RateInterval,
    clopper_pearson,
    clopper_pearson_lower,
    clopper_pearson_upper,
    error_rate,
    hypergeometric_interval,
    hypergeometric_lower,
    hypergeometric_upper,
    poisson_upper,
    rate_with_interval,
    upper_bound,
)
from .plan import PlanResult, plan_sample_size
from .rank import CountyResult, RankSummary, rank_counties, summary_row
from .rubric import Band, Rubric, RubricError, cap_key_of, default_rubric, load_rubric
from .stratified import DEFAULT_SEED, METHODS, StratifiedEstimate, StratumCounts, stratified_estimate

__all__ = [
    "DEFAULT_SEED",
    "LIKELIHOODS",
    "METHODS",
    "RATE_TOLERANCE",
    "Band",
    "CountyResult",
    "GradeDecision",
    "GradeResult",
    "HouseholdOutcome",
    "PlanResult",
    "RankSummary",
    "RateInterval",
    "Rubric",
    "RubricError",
    "StratifiedEstimate",
    "StratumCounts",
    "cap_key_of",
    "clopper_pearson",
    "clopper_pearson_lower",
    "clopper_pearson_upper",
    "default_rubric",
    "error_rate",
    "evaluate",
    "evaluate_households",
    "format_pct",
    "grade",
    "households_to_settle",
    "hypergeometric_interval",
    "hypergeometric_lower",
    "hypergeometric_upper",
    "load_rubric",
    "plan_sample_size",
    "poisson_upper",
    "rank_counties",
    "rate_with_interval",
    "stratified_estimate",
    "summary_row",
    "upper_bound",
]
