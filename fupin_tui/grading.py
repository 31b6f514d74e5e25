"""The county grade from the database (headless): gather the reviewed sample households and their marks, then score.

:func:`grade_county` reads the county's active sample and calls :func:`fupin_tui.scoring.evaluate_households`
(the statistics live in :mod:`fupin_tui.scoring`; nothing here computes a bound). What is gathered:

- **Graded (the random part).** Sampled households outside the certainty stratum whose review status is 有问题 or
  核查无误, with their non-deleted marks (every mark is a confirmed issue: marks from rules and clues are created only
  when an inspector confirms them). A household has an issue when it has at least one such mark; its weight is its
  heaviest mark's severity; its categories are its marks' categories; its stratum and the strata's N_h come from the
  frozen sample (``SampleItem.stratum``, ``Sample.strata``).
- **Not graded, reported apart.** The certainty stratum (必查层: reviewed in full; its rate is a count, not an
  estimate), sampled households not reviewed yet (未核查, their marks wait), and marks on households outside the
  sample (样本外标记).
- **Caps.** Hard-error caps look at every non-deleted mark of the county — random part, certainty stratum and outside
  the sample alike — because a cap records that such an error exists in the county, not how often: the key is the
  part of ``Mark.source`` after the colon (``rule:<id>`` / ``clue:<kind>``), see :func:`fupin_tui.scoring.cap_key_of`.
- **Disagreements** between status and marks are named in ``notes``: 有问题 without any mark is left out of the
  grade (as not reviewed); 核查无误 with marks counts as with issues (the marks are the record).

The result is a :class:`CountyGrade` — a :class:`fupin_tui.scoring.GradeResult` with the sample design, the
certainty part and the outside-sample marks added; ``to_json()`` gives the keys of ``fupin grade --json``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from fupin_tui.glossary import ReviewStatus, Severity, category_label
from fupin_tui.models.db import DatabaseError, read_session, resolve_county
from fupin_tui.models.tables import County, Household, Mark, SampleItem, Township
from fupin_tui.sampling import CERTAINTY_STRATUM, METHODS as SAMPLING_METHODS, active_sample
from fupin_tui.scoring import (
    GradeResult,
    HouseholdOutcome,
    Rubric,
    RubricError,
    cap_key_of,
    evaluate_households,
    load_rubric,
)

__all__ = ["CountyGrade", "GradingError", "grade_county"]

_SEVERITY_ORDER = {Severity.MINOR.value: 1, Severity.SEVERE.value: 2}


class GradingError(Exception):
    """A county that cannot be graded (no county, no sample, unusable rubric or data). ``str()`` is Chinese."""


@dataclass(frozen=True)
class CountyGrade(GradeResult):
    """A county's grade (a :class:`~fupin_tui.scoring.GradeResult`) with what the database adds.

    ``county_name``; ``sample``: the frozen sample's design (id, method, by, allocation, seed, generator, n,
    population, frame_hash, created_by, created_at, certainty count) or None; ``sample_n``: households drawn in
    the random part; ``pending``: random-part households not reviewed yet; ``certainty``: the certainty stratum
    {N, reviewed, with_issues, pending, rate, households_with_issues} or None; ``outside_sample``: {marks,
    households} for marks on households outside the sample (reported, not graded); ``cap_sources``: cap key →
    where it was found (样本, 必查层, 样本外); ``notes``: Chinese sentences on disagreements between statuses and marks.
    """

    county_name: str = ""
    sample: Mapping[str, Any] | None = None
    sample_n: int = 0
    pending: int = 0
    certainty: Mapping[str, Any] | None = None
    outside_sample: Mapping[str, int] = field(default_factory=lambda: {"marks": 0, "households": 0})
    cap_sources: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The scoring result's dict (see :meth:`GradeResult.to_json`) plus: county_name, sample, sample_n,
        pending, certainty, outside_sample {marks, households}, cap_sources, notes; by_category rows gain
        ``label`` (Chinese) and ``weighted_rate`` is the severity-weighted figure."""
        out = super().to_json()
        for row in out.get("by_category", []):
            row["label"] = category_label(row.get("category", ""))
        for cap in out.get("caps_applied", []):
            cap["found_in"] = list(self.cap_sources.get(cap.get("key", ""), ()))
        out.update(
            county_name=self.county_name,
            sample=dict(self.sample) if self.sample is not None else None,
            sample_n=self.sample_n,
            pending=self.pending,
            certainty=dict(self.certainty) if self.certainty is not None else None,
            outside_sample=dict(self.outside_sample),
            cap_sources={k: list(v) for k, v in self.cap_sources.items()},
            notes=list(self.notes),
        )
        return out


def _rubric(rubric_path: str | os.PathLike[str] | None, rubric: Rubric | str | os.PathLike[str] | None) -> Rubric:
    if isinstance(rubric, Rubric):
        return rubric
    path = rubric if rubric is not None else rubric_path
    try:
        return load_rubric(Path(path) if path is not None else None)
    except RubricError as exc:
        raise GradingError(str(exc)) from None


def grade_county(
    engine_or_session: Engine | Session,
    county: str | None = None,
    rubric_path: str | os.PathLike[str] | None = None,
    *,
    rubric: Rubric | str | os.PathLike[str] | None = None,
) -> CountyGrade:
    """Grade ``county`` (None: the only county in the database) from its active sample.

    ``rubric_path``: a TOML file merged over the default rubric (``--rubric``); ``rubric``: a :class:`Rubric` or a
    path (takes precedence). Accepts an engine (opens its own read-only session, :func:`read_session`: no write
    lock) or a session (read only; nothing is written). Raises :class:`GradingError` (Chinese) when the county is missing or ambiguous, has no sample, the
    rubric cannot be used, or a mark carries an unknown severity.
    """
    r = _rubric(rubric_path, rubric)
    if isinstance(engine_or_session, Session):
        return _grade(engine_or_session, county, r)
    with read_session(engine_or_session) as s:
        return _grade(s, county, r)


def _grade(s: Session, county: str | None, rubric: Rubric) -> CountyGrade:
    try:
        c = resolve_county(s, county)
    except DatabaseError as exc:
        raise GradingError(str(exc)) from None
    code = c.code
    sample = active_sample(s, code)
    if sample is None:
        raise GradingError(f"县 {code} 还没有样本，无法评分（请先用 fupin sample 抽样）")

    items = s.execute(
        select(SampleItem.household_id, SampleItem.household_no, SampleItem.stratum, SampleItem.certainty,
               SampleItem.status, Township.name)
        .join(Household, Household.id == SampleItem.household_id)
        .outerjoin(Township, Township.id == Household.township_id)
        .where(SampleItem.sample_id == sample.id)
        .order_by(SampleItem.order)
    ).all()
    marks_by_hh: dict[int, list[tuple[str, str, str]]] = {}
    for hid, cat, sev, src in s.execute(
        select(Mark.household_id, Mark.category, Mark.severity, Mark.source)
        .where(Mark.county_code == code, Mark.deleted.is_(False))
    ):
        marks_by_hh.setdefault(int(hid), []).append((cat, sev, src or ""))

    notes: list[str] = []
    outcomes: list[HouseholdOutcome] = []
    cap_sources: dict[str, set[str]] = {}
    pending = pending_marks = 0
    status_no_mark: list[str] = []
    clean_with_marks: list[str] = []
    cert = {"N": 0, "reviewed": 0, "with_issues": 0, "pending": 0, "rate": None, "households_with_issues": []}
    sampled: set[int] = set()
    for hid, no, stratum, is_cert, status, township in items:
        sampled.add(int(hid))
        marks = marks_by_hh.get(int(hid), [])
        for _, _, src in marks:
            key = cap_key_of(src)
            if key:
                cap_sources.setdefault(key, set()).add(CERTAINTY_STRATUM if is_cert else "样本")
        if is_cert:
            cert["N"] += 1
            if status == ReviewStatus.PENDING.value:
                cert["pending"] += 1
                continue
            cert["reviewed"] += 1
            if marks:
                cert["with_issues"] += 1
                cert["households_with_issues"].append(no)
            continue
        if status == ReviewStatus.PENDING.value:
            pending += 1
            pending_marks += len(marks)
            continue
        if status == ReviewStatus.ISSUES.value and not marks:
            status_no_mark.append(no)
            continue
        if status == ReviewStatus.CLEAN.value and marks:
            clean_with_marks.append(no)
        has_issue = bool(marks)
        severity = None
        if has_issue:
            unknown = sorted({sev for _, sev, _ in marks if sev not in _SEVERITY_ORDER})
            if unknown:
                raise GradingError(f"户 {no} 的标记有未知的严重程度：{'、'.join(unknown)}（应为 一般 或 严重）")
            severity = max((sev for _, sev, _ in marks), key=_SEVERITY_ORDER.__getitem__)
        outcomes.append(HouseholdOutcome(
            stratum=stratum or "", has_issue=has_issue, max_severity=severity,
            categories=frozenset(cat for cat, _, _ in marks), township=township or None,
            cap_keys=frozenset(k for k in (cap_key_of(src) for _, _, src in marks) if k), household_no=no,
        ))
    if cert["N"]:
        cert["rate"] = cert["with_issues"] / cert["reviewed"] if cert["reviewed"] else None
    outside_marks = outside_hh = 0
    for hid, marks in marks_by_hh.items():
        if hid in sampled:
            continue
        outside_marks += len(marks)
        outside_hh += 1
        for _, _, src in marks:
            key = cap_key_of(src)
            if key:
                cap_sources.setdefault(key, set()).add("样本外")

    if pending:
        notes.append(f"随机部分还有 {pending} 户未核查" + (f"（其上 {pending_marks} 条标记待核查完成后计入）" if pending_marks else ""))
    if status_no_mark:
        notes.append(f"这些户状态为“有问题”却没有有效标记，暂不计入评分：{'、'.join(status_no_mark)}")
    if clean_with_marks:
        notes.append(f"这些户状态为“核查无误”却有标记，按有问题计：{'、'.join(clean_with_marks)}")
    if outside_marks:
        notes.append(f"样本外有 {outside_marks} 条标记（{outside_hh} 户），只报告，不计入错误率")

    populations = {str(st.get("name")): int(st.get("N") or 0) for st in sample.strata or [] if not st.get("certainty")}
    try:
        result = evaluate_households(outcomes, populations or None, rubric, caps=set(cap_sources), county=code)
    except ValueError as exc:
        raise GradingError(f"县 {code} 无法评分：{exc}") from None
    design = {
        "id": sample.id, "method": sample.method, "method_name": SAMPLING_METHODS.get(sample.method, sample.method),
        "by": sample.by, "allocation": sample.allocation, "seed": sample.seed, "generator": sample.generator,
        "n": sample.n, "population": sample.population, "frame_hash": sample.frame_hash,
        "certainty": len(sample.certainty or []), "certainty_mode": (sample.params or {}).get("certainty_mode"),
        "created_by": sample.created_by,
        "created_at": sample.created_at.isoformat() if sample.created_at is not None else None,
    }
    base = {f.name: getattr(result, f.name) for f in fields(GradeResult)}
    return CountyGrade(
        **base, county_name=c.name or "", sample=design, sample_n=sum(1 for it in items if not it[3]),
        pending=pending, certainty=cert if cert["N"] else None,
        outside_sample={"marks": outside_marks, "households": outside_hh},
        cap_sources={k: tuple(sorted(v)) for k, v in sorted(cap_sources.items())}, notes=tuple(notes),
    )


def counties_in(engine_or_session: Engine | Session) -> list[tuple[str, str]]:
    """(code, name) of every county in the database, by code."""
    if isinstance(engine_or_session, Session):
        return [(c, n or "") for c, n in engine_or_session.execute(select(County.code, County.name).order_by(County.code))]
    with read_session(engine_or_session) as s:
        return counties_in(s)
