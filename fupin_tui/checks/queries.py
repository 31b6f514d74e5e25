"""Read findings for screens, sampling and the report: by household (with verdicts), counts by rule, severe households.

Verdicts (:class:`FindingVerdict`) attach to findings by (county, rule, 户编号, 人编号, target); a finding's empty
member number matches the verdict's ``""``. All queries are plain SQLAlchemy (SQLite and PostgreSQL alike) and touch
only the rows asked for.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, case, distinct, func, select
from sqlalchemy.orm import Session

from fupin_tui import glossary as g
from fupin_tui.checks.runner import META_PREFIX
from fupin_tui.models.tables import Finding, FindingVerdict, Household, Meta

_SEVERE = g.Severity.SEVERE.value


@dataclass(frozen=True)
class FindingView:
    """A finding with its rule title and the inspector's verdict (None when not yet judged).

    ``values``: the values involved as stored (IDs unmasked: mask before printing); ``message``: rendered, masked.
    """

    id: int
    county_code: str
    rule_id: str
    title: str
    level: str
    household_no: str | None
    member_no: str | None
    target: str
    severity: str
    category: str
    message: str
    values: dict[str, Any]
    verdict: str | None = None
    verdict_note: str = ""
    verdict_inspector: str = ""
    verdict_at: dt.datetime | None = None
    mark_uuid: str | None = None

    @property
    def category_label(self) -> str:
        """Chinese label of the category."""
        return g.category_label(self.category)

    @property
    def judged(self) -> bool:
        """True when an inspector recorded a verdict (属实 / 不属实)."""
        return self.verdict is not None


@dataclass(frozen=True)
class RuleSummary:
    """Counts of one rule's findings in a county: findings, households, and verdicts (属实 / 不属实 / pending)."""

    rule_id: str
    title: str
    level: str
    category: str
    severity: str
    findings: int
    households: int
    confirmed: int
    dismissed: int

    @property
    def pending(self) -> int:
        """Findings without a verdict."""
        return self.findings - self.confirmed - self.dismissed

    @property
    def category_label(self) -> str:
        """Chinese label of the category."""
        return g.category_label(self.category)


def last_run(session: Session, county_code: str) -> dict[str, Any] | None:
    """The record of the county's last ``fupin check`` (run_at, digest, sources, households, members, findings,
    counts by rule, the rules run with title/level/category/severity), or None when checks never ran."""
    meta = session.get(Meta, META_PREFIX + county_code)
    if meta is None:
        return None
    try:
        return json.loads(meta.value)
    except ValueError:
        return None


def _rule_info(session: Session, county_code: str) -> dict[str, dict[str, Any]]:
    run = last_run(session, county_code)
    if run and isinstance(run.get("rules"), dict):
        return run["rules"]
    from fupin_tui.checks.rulebook import load_rulebook

    return {r.id: {"title": r.title, "level": r.level, "category": r.category, "severity": r.severity}
            for r in load_rulebook().enabled}


def _join():
    f, v = Finding.__table__.c, FindingVerdict.__table__.c
    return Finding.__table__.outerjoin(FindingVerdict.__table__, and_(
        v.county_code == f.county_code, v.rule_id == f.rule_id,
        v.household_no == func.coalesce(f.household_no, ""), v.member_no == func.coalesce(f.member_no, ""),
        v.target == f.target,
    ))


def findings_with_verdicts(session: Session, county_code: str, *, household_nos: Iterable[str] | None = None,
                           rule_id: str | None = None, severity: str | None = None) -> list[FindingView]:
    """The county's findings joined with their verdicts, ordered by 户编号, severity (严重 first), rule, 人编号.

    ``household_nos`` limits to those households (e.g. the sampled ones for the report); ``rule_id`` / ``severity``
    filter further.
    """
    f, v = Finding.__table__.c, FindingVerdict.__table__.c
    query = (select(f.id, f.county_code, f.rule_id, f.level, f.household_no, f.member_no, f.target, f.severity,
                    f.category, f.message, f["values"], v.verdict, v.note, v.inspector, v.decided_at, v.mark_uuid)
             .select_from(_join()).where(f.county_code == county_code))
    if household_nos is not None:
        wanted = list(dict.fromkeys(household_nos))
        if not wanted:
            return []
        query = query.where(f.household_no.in_(wanted))
    if rule_id:
        query = query.where(f.rule_id == rule_id)
    if severity:
        query = query.where(f.severity == severity)
    query = query.order_by(f.household_no, case((f.severity == _SEVERE, 0), else_=1), f.rule_id, f.member_no, f.id)
    info = _rule_info(session, county_code)
    out = []
    for r in session.execute(query):
        out.append(FindingView(
            id=r.id, county_code=r.county_code, rule_id=r.rule_id,
            title=info.get(r.rule_id, {}).get("title", r.rule_id), level=r.level, household_no=r.household_no,
            member_no=r.member_no, target=r.target or "", severity=r.severity, category=r.category,
            message=r.message, values=r[10] or {}, verdict=r.verdict, verdict_note=r.note or "",
            verdict_inspector=r.inspector or "", verdict_at=r.decided_at, mark_uuid=r.mark_uuid,
        ))
    return out


def findings_for_household(session: Session, county_code: str, household_no: str) -> list[FindingView]:
    """One household's findings (household- and member-level) with their verdicts, 严重 first (household screen)."""
    return findings_with_verdicts(session, county_code, household_nos=[household_no])


def summary_by_rule(session: Session, county_code: str, *, include_zero: bool = True) -> list[RuleSummary]:
    """Counts by rule for a county (overview, report sheet 自动核查): findings, households, verdicts.

    Ordered 严重 first, then by findings (most first), then rule id. With ``include_zero`` the rules of the last
    run that found nothing are listed with zero counts.
    """
    f, v = Finding.__table__.c, FindingVerdict.__table__.c
    query = (select(f.rule_id, func.max(f.level), func.max(f.category), func.max(f.severity), func.count(),
                    func.count(distinct(f.household_no)),
                    func.sum(case((v.verdict == g.VERDICT_CONFIRMED, 1), else_=0)),
                    func.sum(case((v.verdict == g.VERDICT_DISMISSED, 1), else_=0)))
             .select_from(_join()).where(f.county_code == county_code).group_by(f.rule_id))
    info = _rule_info(session, county_code)
    out: dict[str, RuleSummary] = {}
    for rule_id, level, category, severity, n, households, confirmed, dismissed in session.execute(query):
        meta = info.get(rule_id, {})
        out[rule_id] = RuleSummary(rule_id, meta.get("title", rule_id), level, category, severity, int(n),
                                   int(households), int(confirmed or 0), int(dismissed or 0))
    if include_zero:
        for rule_id, meta in info.items():
            if rule_id not in out:
                out[rule_id] = RuleSummary(rule_id, meta.get("title", rule_id), meta.get("level", ""),
                                           meta.get("category", "other"), meta.get("severity", "一般"), 0, 0, 0, 0)
    return sorted(out.values(), key=lambda s: (s.severity != _SEVERE, -s.findings, s.rule_id))


def severe_households(session: Session, county_code: str, *, exclude_dismissed: bool = False) -> set[str]:
    """户编号 of the county's households with at least one 严重 finding (certainty stratum for sampling).

    With ``exclude_dismissed`` a finding an inspector judged 不属实 does not count.
    """
    f, v = Finding.__table__.c, FindingVerdict.__table__.c
    query = (select(f.household_no).distinct().select_from(_join())
             .where(f.county_code == county_code, f.severity == _SEVERE, f.household_no.is_not(None)))
    if exclude_dismissed:
        query = query.where(func.coalesce(v.verdict, "") != g.VERDICT_DISMISSED)
    return {r[0] for r in session.execute(query)}


def finding_counts_by_household(session: Session, county_code: str) -> dict[str, tuple[int, int]]:
    """户编号 → (findings, 严重 findings) for every household with findings (lists of households, sample view)."""
    f = Finding.__table__.c
    query = (select(f.household_no, func.count(), func.sum(case((f.severity == _SEVERE, 1), else_=0)))
             .where(f.county_code == county_code, f.household_no.is_not(None)).group_by(f.household_no))
    return {hn: (int(n), int(s or 0)) for hn, n, s in session.execute(query)}


def overview(session: Session, county_code: str) -> dict[str, Any]:
    """Headline numbers for the overview screen: households, findings, households with findings and with a 严重
    finding, the share of households with a 严重 finding (0–1), and when checks last ran (None if never)."""
    f, h = Finding.__table__.c, Household.__table__.c
    households = session.execute(select(func.count()).where(h.county_code == county_code)).scalar_one()
    findings = session.execute(select(func.count()).where(f.county_code == county_code)).scalar_one()
    with_any = session.execute(select(func.count(distinct(f.household_no))).where(
        f.county_code == county_code, f.household_no.is_not(None))).scalar_one()
    severe = len(severe_households(session, county_code))
    run = last_run(session, county_code)
    return {
        "households": households, "findings": findings, "households_with_findings": with_any,
        "households_with_severe": severe, "severe_share": (severe / households) if households else 0.0,
        "run_at": run.get("run_at") if run else None,
    }
