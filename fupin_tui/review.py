"""The headless review service (逐户核查): marks, review statuses, verdicts on findings and clues, undo/redo, and the
queries the screens show. No Textual here: the TUI, the tests and the benchmarks call these plain functions.

Every change function takes a :class:`~sqlmodel.Session`, makes its change, appends ONE row to the hash-chained
action log (:func:`fupin_tui.audit.append_action`) with the old → new values of every row it touched, and commits
the session before returning (SQLite runs WAL + ``synchronous=FULL``: the commit is fsynced, so a mark the UI shows
as saved survives a power cut). A refused change raises :class:`ReviewError` (Chinese message) and leaves the
database unchanged (the caller's ``session_scope`` rolls back).

Review statuses of a sampled household (:class:`~fupin_tui.glossary.ReviewStatus`): 未核查; 有问题 — set
automatically while the household has at least one active mark (of any source: an inspector, a confirmed finding
``rule:<rule_id>``, a confirmed clue ``clue:<kind>``), and back to 未核查 when its last mark goes; 核查无误 — set by an
inspector, refused while marks exist (delete them first).

Undo and redo work on the inspector's OWN actions and are derived from the trail itself (so they survive a restart):
replaying the inspector's recent undoable actions, ``undo`` and ``redo`` rows gives the undo stack and the redo stack;
a new action clears the redo stack. Each undoable action stores, in ``old_value`` / ``new_value``, a snapshot of every
row it changed, keyed ``mark:<uuid>``, ``item:<sample item id>``, ``verdict:<rule>|<户编号>|<人编号>|<target>`` or
``clue:<id>`` (``null`` = the row did not exist / the mark was not active). Undo restores the old snapshot, redo the
new one; both are refused when the rows were changed since by someone else (the snapshot no longer matches).

Inspector identity: a label ``"姓名@单位"`` (or ``"姓名"``), the same text in marks, statuses and the trail; the
:class:`~fupin_tui.models.Inspector` table keeps name and unit.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
import json
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from fupin_tui.audit import append_action
from fupin_tui.glossary import (
    ACTION_LABELS,
    CATEGORIES,
    CLUE_CONFIRMED,
    CLUE_STATUSES,
    DEPARTMENTS,
    HOUSEHOLD_FIELDS,
    INCOME_PARTS,
    MEMBER_FIELDS,
    TRANSFER_PARTS,
    VERDICT_CONFIRMED,
    VERDICT_DISMISSED,
    ReviewStatus,
    Severity,
    category_key,
)
from fupin_tui.idnumber import age_on, mask_id, normalize_id
from fupin_tui.models import (
    Action,
    Backcheck,
    Clue,
    County,
    Finding,
    FindingVerdict,
    Household,
    Inspector,
    Mark,
    Member,
    Sample,
    SampleItem,
    Township,
    Village,
    session_scope,
    utcnow,
)

__all__ = [
    "UNDOABLE_ACTIONS", "active_sample", "add_mark", "backcheck_item", "backcheck_names", "backcheck_neighbour",
    "backcheck_page", "backcheck_resume", "BackcheckItem", "checks_ran", "confirm_finding", "delete_mark",
    "dismiss_finding", "edit_mark", "ensure_inspector", "find_household", "grade_summary", "household_detail",
    "HouseholdDetail", "IdentityCheck", "income_identities", "inspector_label", "MemberRow", "neighbour", "overview",
    "OverviewData", "parse_inspector", "redo", "remember_inspector", "remembered_inspector", "resume_position",
    "Reviewer", "ReviewError", "sample_page", "SamplePage", "SampleRow", "search_households", "SearchHit",
    "set_clue_status", "set_finding_verdict", "set_status", "undo", "undo_state", "UndoResult", "village_detail",
    "VillageDetail",
]

#: Actions undo/redo can reverse (the others in the trail — undo, redo, imports, reports — cannot).
UNDOABLE_ACTIONS = ("mark.add", "mark.edit", "mark.delete", "status.set", "finding.verdict", "clue.status")
#: How far back the undo stack reaches (the inspector's most recent actions).
UNDO_DEPTH = 500
#: Income identities hold within ±1 元 (issue 3's tolerance).
INCOME_TOLERANCE = 1.0
NOTE_MAX = 2000


class ReviewError(Exception):
    """A review change was refused (unknown household, 核查无误 with marks, missing note…). ``str()`` is Chinese."""


# ---------------------------------------------------------------------------------------------------------------------
# Inspectors
# ---------------------------------------------------------------------------------------------------------------------


def parse_inspector(text: str) -> tuple[str, str]:
    """``"张三@省扶贫办"`` → ``("张三", "省扶贫办")``; ``"张三"`` → ``("张三", "")``. Raises ReviewError when blank."""
    name, _, unit = (text or "").strip().partition("@")
    name, unit = name.strip(), unit.strip()
    if not name:
        raise ReviewError("核查人员姓名不能为空")
    return name, unit


def inspector_label(name: str, unit: str = "") -> str:
    """The identity text recorded in marks, statuses and the trail: ``"姓名@单位"``, or ``"姓名"`` without a unit."""
    return f"{name}@{unit}" if unit else name


def ensure_inspector(session: Session, name: str, unit: str = "") -> Inspector:
    """The :class:`Inspector` row for (name, unit), created and committed when new."""
    name, unit = name.strip(), unit.strip()
    if not name:
        raise ReviewError("核查人员姓名不能为空")
    row = session.scalars(select(Inspector).where(Inspector.name == name, Inspector.unit == unit)).first()
    if row is None:
        row = Inspector(name=name, unit=unit)
        session.add(row)
        session.commit()
    return row


def _config_file() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "fupin-tui" / "inspector.json"


def remembered_inspector() -> str | None:
    """The inspector label last used on this computer (``$XDG_CONFIG_HOME/fupin-tui/inspector.json``), or None."""
    try:
        data = json.loads(_config_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    label = data.get("inspector") if isinstance(data, dict) else None
    return label if isinstance(label, str) and label.strip() else None


def remember_inspector(label: str) -> None:
    """Remember ``label`` for the next start on this computer (file mode 0600). Errors are ignored."""
    path = _config_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"inspector": label}, fh, ensure_ascii=False)
    except OSError:
        pass


# ---------------------------------------------------------------------------------------------------------------------
# Lookups
# ---------------------------------------------------------------------------------------------------------------------


def find_household(session: Session, household_no: str, county: str | None = None) -> Household:
    """The household with 户编号 ``household_no`` (in ``county`` when given). Raises ReviewError when absent or when
    several counties in the file hold that number and no county was given."""
    q = select(Household).where(Household.household_no == str(household_no).strip())
    if county:
        q = q.where(Household.county_code == county)
    rows = session.scalars(q.limit(2)).all()
    if not rows:
        raise ReviewError(f"找不到户编号 {household_no}")
    if len(rows) > 1:
        raise ReviewError(f"户编号 {household_no} 在多个县中出现，请指定县代码")
    return rows[0]


def active_sample(session: Session, county_code: str) -> Sample | None:
    """The county's active (frozen) sample, or None."""
    return session.scalars(
        select(Sample).where(Sample.county_code == county_code, Sample.active.is_(True)).order_by(Sample.id.desc())
    ).first()


def _sample_item(session: Session, household: Household) -> SampleItem | None:
    return session.scalars(
        select(SampleItem)
        .join(Sample, Sample.id == SampleItem.sample_id)
        .where(SampleItem.household_id == household.id, Sample.active.is_(True))
        .order_by(Sample.id.desc())
    ).first()


def _active_mark_count(session: Session, household_id: int) -> int:
    return session.scalar(
        select(func.count()).select_from(Mark).where(Mark.household_id == household_id, Mark.deleted.is_(False))
    ) or 0


# ---------------------------------------------------------------------------------------------------------------------
# Snapshots (the old → new values of the trail, and what undo/redo restore)
# ---------------------------------------------------------------------------------------------------------------------

_MARK_FIELDS = ("household_no", "member_no", "field", "category", "severity", "note", "source")


def _iso(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return value.isoformat(timespec="microseconds")


def _from_iso(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    stamp = dt.datetime.fromisoformat(value)
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.timezone.utc)


def _mark_state(mark: Mark | None) -> dict[str, Any] | None:
    if mark is None or mark.deleted:
        return None
    return {k: getattr(mark, k) for k in _MARK_FIELDS}


def _item_state(item: SampleItem) -> dict[str, Any]:
    return {"household_no": item.household_no, "status": item.status, "reviewed_by": item.reviewed_by,
            "reviewed_at": _iso(item.reviewed_at)}


def _verdict_key(county: str, rule_id: str, household_no: str, member_no: str, target: str) -> str:
    return "verdict:" + "|".join((county, rule_id, household_no or "", member_no or "", target or ""))


def _verdict_state(v: FindingVerdict | None) -> dict[str, Any] | None:
    if v is None:
        return None
    return {"verdict": v.verdict, "note": v.note, "inspector": v.inspector, "mark_uuid": v.mark_uuid}


def _clue_state(c: Clue) -> dict[str, Any]:
    return {"household_no": c.household_no, "status": c.status, "note": c.note, "verifier": c.verifier,
            "mark_uuid": c.mark_uuid}


def _comparable(state: dict[str, Any] | None) -> dict[str, Any] | None:
    """A state without its timestamps (what undo compares: the substance, not when it was written)."""
    if state is None:
        return None
    return {k: v for k, v in state.items() if not k.endswith("_at")}


def _current_state(session: Session, key: str) -> dict[str, Any] | None:
    kind, _, ident = key.partition(":")
    if kind == "mark":
        return _mark_state(session.get(Mark, ident))
    if kind == "item":
        item = session.get(SampleItem, int(ident))
        return None if item is None else _item_state(item)
    if kind == "verdict":
        county, rule_id, hh, member, target = ident.split("|", 4)
        return _verdict_state(_get_verdict(session, county, rule_id, hh, member, target))
    if kind == "clue":
        clue = session.get(Clue, int(ident))
        return None if clue is None else _clue_state(clue)
    raise ReviewError(f"无法识别的记录 {key}")


def _get_verdict(session: Session, county: str, rule_id: str, hh: str, member: str, target: str):  # noqa: ANN202
    return session.scalars(select(FindingVerdict).where(
        FindingVerdict.county_code == county, FindingVerdict.rule_id == rule_id,
        FindingVerdict.household_no == (hh or ""), FindingVerdict.member_no == (member or ""),
        FindingVerdict.target == (target or ""))).first()


def _apply_state(session: Session, key: str, state: dict[str, Any] | None, inspector: str) -> None:
    """Make the row named ``key`` hold ``state`` (the inverse of the ``_*_state`` readers)."""
    kind, _, ident = key.partition(":")
    now = utcnow()
    if kind == "mark":
        mark = session.get(Mark, ident)
        if mark is None:
            raise ReviewError(f"标记 {ident} 已不存在，无法恢复")
        if state is None:
            mark.deleted = True
        else:
            for k in _MARK_FIELDS:
                if k in state:
                    setattr(mark, k, state[k])
            mark.deleted = False
        mark.updated_at = now
    elif kind == "item":
        item = session.get(SampleItem, int(ident))
        if item is None:
            raise ReviewError("样本户已不存在（样本被重新抽取？），无法恢复")
        if state is not None:
            item.status = state["status"]
            item.reviewed_by = state.get("reviewed_by")
            item.reviewed_at = _from_iso(state.get("reviewed_at"))
            item.updated_at = now
    elif kind == "verdict":
        county, rule_id, hh, member, target = ident.split("|", 4)
        row = _get_verdict(session, county, rule_id, hh, member, target)
        if state is None:
            if row is not None:
                session.delete(row)
        else:
            if row is None:
                row = FindingVerdict(county_code=county, rule_id=rule_id, household_no=hh, member_no=member,
                                     target=target, verdict=state["verdict"])
                session.add(row)
            row.verdict, row.note = state["verdict"], state.get("note", "")
            row.inspector, row.mark_uuid = state.get("inspector", inspector), state.get("mark_uuid")
            row.decided_at = now
    elif kind == "clue":
        clue = session.get(Clue, int(ident))
        if clue is None:
            raise ReviewError("线索已不存在，无法恢复")
        if state is not None:
            clue.status, clue.note = state["status"], state.get("note", "")
            clue.verifier, clue.mark_uuid = state.get("verifier", ""), state.get("mark_uuid")
            clue.updated_at = now
    else:
        raise ReviewError(f"无法识别的记录 {key}")
    session.flush()


class _Change:
    """Collects the old and new snapshots of the rows one action touches."""

    def __init__(self) -> None:
        self.old: dict[str, Any] = {}
        self.new: dict[str, Any] = {}

    def before(self, key: str, state: dict[str, Any] | None) -> None:
        self.old.setdefault(key, state)

    def after(self, key: str, state: dict[str, Any] | None) -> None:
        self.new[key] = state

    def changed(self) -> bool:
        return any(_comparable(self.old.get(k)) != _comparable(v) for k, v in self.new.items())


def _sync_status(session: Session, household: Household, inspector: str, change: _Change) -> None:
    """Keep the review status consistent with the marks: 有问题 while ≥ 1 active mark; 未核查 when the last goes."""
    item = _sample_item(session, household)
    if item is None:
        return
    session.flush()
    count = _active_mark_count(session, household.id)
    key = f"item:{item.id}"
    if count and item.status != ReviewStatus.ISSUES:
        change.before(key, _item_state(item))
        item.status = ReviewStatus.ISSUES.value
        item.reviewed_by, item.reviewed_at, item.updated_at = inspector, utcnow(), utcnow()
        change.after(key, _item_state(item))
    elif not count and item.status == ReviewStatus.ISSUES:
        change.before(key, _item_state(item))
        item.status = ReviewStatus.PENDING.value
        item.reviewed_by, item.reviewed_at, item.updated_at = None, None, utcnow()
        change.after(key, _item_state(item))


def _record(session: Session, inspector: str, action: str, target: str, change: _Change, note: str = "") -> Action:
    row = append_action(session, inspector=inspector, action=action, target=target, old=change.old or None,
                        new=change.new or None, note=note)
    session.commit()
    return row


# ---------------------------------------------------------------------------------------------------------------------
# Marks
# ---------------------------------------------------------------------------------------------------------------------


def _check_severity(severity: str) -> str:
    try:
        return Severity(severity).value
    except ValueError:
        raise ReviewError(f"严重程度应为“一般”或“严重”，而不是“{severity}”") from None


def _check_category(category: str) -> str:
    try:
        return category_key(category)
    except KeyError:
        raise ReviewError(f"未知的问题类别“{category}”，可选：{'、'.join(CATEGORIES.values())}") from None


def _check_field(field_name: str | None, member_no: str | None) -> str | None:
    """A field key (member fields first when a member is named) from a key or a Chinese label."""
    if not field_name:
        return None
    tables = (MEMBER_FIELDS, HOUSEHOLD_FIELDS) if member_no else (HOUSEHOLD_FIELDS, MEMBER_FIELDS)
    for fields in tables:
        if field_name in fields:
            return field_name
    for fields in tables:
        for key, label in fields.items():
            if label == field_name:
                return key
    raise ReviewError(f"未知的字段“{field_name}”")


def _check_member(session: Session, household: Household, member_no: str | None) -> str | None:
    if not member_no:
        return None
    found = session.scalar(select(func.count()).select_from(Member).where(
        Member.household_id == household.id, Member.member_no == member_no))
    if not found:
        raise ReviewError(f"户 {household.household_no} 中没有人编号 {member_no}")
    return member_no


def _check_note(note: str | None) -> str:
    text = (note or "").strip()
    if len(text) > NOTE_MAX:
        raise ReviewError(f"说明过长（{len(text)} 字，最多 {NOTE_MAX} 字）")
    return text


def add_mark(
    session: Session,
    inspector: str,
    household_no: str,
    category: str,
    severity: str,
    note: str = "",
    member_no: str | None = None,
    field: str | None = None,
    source: str = "inspector",
    *,
    county: str | None = None,
) -> Mark:
    """Record an issue (问题标记) on a household and commit it with its trail row (``mark.add``).

    ``category``: a key or Chinese label of :data:`~fupin_tui.glossary.CATEGORIES`; ``severity``: 一般 / 严重;
    ``member_no``: a member of this household or None; ``field``: a key or label of MEMBER_FIELDS /
    HOUSEHOLD_FIELDS or None; ``note``: free Chinese text (≤ 2000 characters). A sampled household's status
    becomes 有问题. Returns the committed :class:`Mark`. Raises ReviewError for an unknown household, category,
    severity, member or field.
    """
    household = find_household(session, household_no, county)
    mark = Mark(
        county_code=household.county_code, household_id=household.id, household_no=household.household_no,
        member_no=_check_member(session, household, member_no), field=_check_field(field, member_no),
        category=_check_category(category), severity=_check_severity(severity), note=_check_note(note),
        source=source or "inspector", inspector=inspector,
    )
    session.add(mark)
    change = _Change()
    key = f"mark:{mark.uuid}"
    change.before(key, None)
    change.after(key, _mark_state(mark))
    _sync_status(session, household, inspector, change)
    _record(session, inspector, "mark.add", key, change)
    return mark


_UNSET: Any = object()


def edit_mark(
    session: Session,
    inspector: str,
    mark_uuid: str,
    *,
    category: str | None = None,
    severity: str | None = None,
    note: str | None = None,
    member_no: str | None = _UNSET,
    field: str | None = _UNSET,
) -> Mark:
    """Change an active mark's category, severity, note, member or field (arguments left out stay); commits with a
    ``mark.edit`` trail row holding old → new. Raises ReviewError for an unknown or deleted mark or a bad value."""
    mark = session.get(Mark, mark_uuid)
    if mark is None or mark.deleted:
        raise ReviewError("该标记不存在或已删除")
    household = session.get(Household, mark.household_id)
    key = f"mark:{mark.uuid}"
    change = _Change()
    change.before(key, _mark_state(mark))
    if category is not None:
        mark.category = _check_category(category)
    if severity is not None:
        mark.severity = _check_severity(severity)
    if note is not None:
        mark.note = _check_note(note)
    if member_no is not _UNSET:
        mark.member_no = _check_member(session, household, member_no)
    if field is not _UNSET:
        mark.field = _check_field(field, mark.member_no)
    change.after(key, _mark_state(mark))
    if not change.changed():
        session.rollback()
        return mark
    mark.updated_at = utcnow()
    _record(session, inspector, "mark.edit", key, change)
    return mark


def _soft_delete_mark(session: Session, mark: Mark, household: Household, inspector: str, change: _Change) -> None:
    key = f"mark:{mark.uuid}"
    change.before(key, _mark_state(mark))
    mark.deleted = True
    mark.updated_at = utcnow()
    change.after(key, None)


def delete_mark(session: Session, inspector: str, mark_uuid: str, note: str = "") -> Mark:
    """Soft-delete a mark (``deleted`` set; the trail keeps it) and commit with a ``mark.delete`` row. When it was
    the household's last mark, its status goes back to 未核查. Raises ReviewError for an unknown/deleted mark."""
    mark = session.get(Mark, mark_uuid)
    if mark is None or mark.deleted:
        raise ReviewError("该标记不存在或已删除")
    household = session.get(Household, mark.household_id)
    change = _Change()
    _soft_delete_mark(session, mark, household, inspector, change)
    _sync_status(session, household, inspector, change)
    _record(session, inspector, "mark.delete", f"mark:{mark.uuid}", change, note=_check_note(note))
    return mark


# ---------------------------------------------------------------------------------------------------------------------
# Review status
# ---------------------------------------------------------------------------------------------------------------------


def set_status(
    session: Session, inspector: str, household_no: str, status: str, *, county: str | None = None
) -> SampleItem:
    """Set a sampled household's review status and commit with a ``status.set`` row.

    ``status``: 核查无误 (refused while the household has active marks: delete them first) or 未核查 (likewise
    refused with marks). 有问题 is never set by hand: it follows the marks. Setting the current status again changes
    nothing and records nothing. Raises ReviewError for a household outside the active sample or a refused status.
    """
    try:
        wanted = ReviewStatus(status)
    except ValueError:
        raise ReviewError(f"未知的核查状态“{status}”") from None
    household = find_household(session, household_no, county)
    item = _sample_item(session, household)
    if item is None:
        raise ReviewError(f"户 {household.household_no} 不在样本中，不能设置核查状态（可以添加问题标记）")
    if wanted is ReviewStatus.ISSUES:
        raise ReviewError("“有问题”由问题标记自动设置：请添加问题标记")
    count = _active_mark_count(session, household.id)
    if count:
        raise ReviewError(f"本户有 {count} 条问题标记，不能设为“{wanted.value}”（请先删除标记）")
    if item.status == wanted:
        return item
    key = f"item:{item.id}"
    change = _Change()
    change.before(key, _item_state(item))
    item.status = wanted.value
    if wanted is ReviewStatus.PENDING:
        item.reviewed_by, item.reviewed_at = None, None
    else:
        item.reviewed_by, item.reviewed_at = inspector, utcnow()
    item.updated_at = utcnow()
    change.after(key, _item_state(item))
    _record(session, inspector, "status.set", f"household:{household.household_no}", change)
    return item


# ---------------------------------------------------------------------------------------------------------------------
# Verdicts on findings (疑点) and clues (线索)
# ---------------------------------------------------------------------------------------------------------------------


def _rule_or_clue_mark(
    session: Session, existing_uuid: str | None, household: Household, *, member_no: str | None, category: str,
    severity: str, note: str, source: str, inspector: str, change: _Change,
) -> Mark:
    """Create (or revive) the mark a confirmed finding/clue turns into."""
    mark = session.get(Mark, existing_uuid) if existing_uuid else None
    try:
        category = category_key(category)
    except KeyError:
        category = "other"
    if severity not in (Severity.MINOR, Severity.SEVERE):
        severity = Severity.MINOR.value
    if mark is None:
        mark = Mark(county_code=household.county_code, household_id=household.id,
                    household_no=household.household_no, member_no=member_no or None, category=category,
                    severity=severity, note=note, source=source, inspector=inspector)
        session.add(mark)
        change.before(f"mark:{mark.uuid}", None)
    else:
        change.before(f"mark:{mark.uuid}", _mark_state(mark))
        mark.deleted = False
        mark.note = note or mark.note
        mark.updated_at = utcnow()
    change.after(f"mark:{mark.uuid}", _mark_state(mark))
    return mark


def set_finding_verdict(
    session: Session, inspector: str, finding_id: int, verdict: str, note: str = ""
) -> FindingVerdict:
    """Record 属实 / 不属实 on a finding and commit with a ``finding.verdict`` row.

    属实: the finding becomes a mark with the rule's category and severity, source ``rule:<rule_id>``, note = the
    inspector's note or the finding's message (a verdict changed back to 属实 revives the same mark). 不属实: a note
    is required; the finding's mark, if any, is soft-deleted. Verdicts are keyed by (county, rule, household, member,
    target), so they survive a re-run of the checks. Raises ReviewError for an unknown finding or a missing note.
    """
    finding = session.get(Finding, finding_id)
    if finding is None:
        raise ReviewError("该疑点不存在（自动核查可能已重新运行，请刷新）")
    if verdict not in (VERDICT_CONFIRMED, VERDICT_DISMISSED):
        raise ReviewError(f"疑点结论应为“属实”或“不属实”，而不是“{verdict}”")
    note = _check_note(note)
    if verdict == VERDICT_DISMISSED and not note:
        raise ReviewError("判定“不属实”必须填写说明")
    hh_no, member_no = finding.household_no or "", finding.member_no or ""
    vkey = _verdict_key(finding.county_code, finding.rule_id, hh_no, member_no, finding.target)
    row = _get_verdict(session, finding.county_code, finding.rule_id, hh_no, member_no, finding.target)
    change = _Change()
    change.before(vkey, _verdict_state(row))
    household = None
    if finding.household_id is not None:
        household = session.get(Household, finding.household_id)
    elif hh_no:
        household = session.scalars(select(Household).where(
            Household.county_code == finding.county_code, Household.household_no == hh_no)).first()
    if row is None:
        row = FindingVerdict(county_code=finding.county_code, rule_id=finding.rule_id, household_no=hh_no,
                             member_no=member_no, target=finding.target or "", verdict=verdict)
        session.add(row)
    mark_uuid = row.mark_uuid
    if verdict == VERDICT_CONFIRMED and household is not None:
        mark = _rule_or_clue_mark(
            session, mark_uuid, household, member_no=member_no, category=finding.category,
            severity=finding.severity, note=note or finding.message, source=f"rule:{finding.rule_id}",
            inspector=inspector, change=change)
        mark_uuid = mark.uuid
    elif verdict == VERDICT_DISMISSED and mark_uuid:
        mark = session.get(Mark, mark_uuid)
        if mark is not None and not mark.deleted:
            _soft_delete_mark(session, mark, household, inspector, change)
    row.verdict, row.note, row.inspector, row.mark_uuid, row.decided_at = verdict, note, inspector, mark_uuid, utcnow()
    change.after(vkey, _verdict_state(row))
    if not change.changed():
        session.rollback()
        return row
    if household is not None:
        _sync_status(session, household, inspector, change)
    _record(session, inspector, "finding.verdict", f"finding:{finding.rule_id}:{hh_no}:{member_no}", change,
            note=note)
    return row


def confirm_finding(session: Session, inspector: str, finding_id: int, note: str = "") -> FindingVerdict:
    """属实: see :func:`set_finding_verdict` (creates the FindingVerdict and a mark with source ``rule:<rule_id>``)."""
    return set_finding_verdict(session, inspector, finding_id, VERDICT_CONFIRMED, note)


def dismiss_finding(session: Session, inspector: str, finding_id: int, note: str) -> FindingVerdict:
    """不属实 with a required note: see :func:`set_finding_verdict`."""
    return set_finding_verdict(session, inspector, finding_id, VERDICT_DISMISSED, note)


def set_clue_status(session: Session, inspector: str, clue_id: int, status: str, note: str = "") -> Clue:
    """Set a clue's status (待核实 / 属实 / 不属实 / 已说明) with the verifier's note; commit with a ``clue.status`` row.

    属实: the clue becomes a mark with its category and severity, source ``clue:<kind>`` (reviving the clue's earlier
    mark if any); leaving 属实 soft-deletes that mark. 不属实 and 已说明 need a note. Raises ReviewError for an
    unknown clue or status, or a missing note.
    """
    clue = session.get(Clue, clue_id)
    if clue is None:
        raise ReviewError("该线索不存在（比对可能已重新运行，请刷新）")
    if status not in CLUE_STATUSES:
        raise ReviewError(f"线索状态应为 {'、'.join(CLUE_STATUSES)} 之一，而不是“{status}”")
    note = _check_note(note)
    if status in ("不属实", "已说明") and not note:
        raise ReviewError(f"线索判定“{status}”必须填写说明")
    key = f"clue:{clue.id}"
    change = _Change()
    change.before(key, _clue_state(clue))
    household = session.get(Household, clue.household_id) if clue.household_id is not None else None
    if household is None and clue.household_no:
        household = session.scalars(select(Household).where(
            Household.county_code == clue.county_code, Household.household_no == clue.household_no)).first()
    if status == CLUE_CONFIRMED and household is not None:
        mark = _rule_or_clue_mark(
            session, clue.mark_uuid, household, member_no=clue.member_no, category=clue.category,
            severity=clue.severity, note=note or clue.message, source=f"clue:{clue.kind}", inspector=inspector,
            change=change)
        clue.mark_uuid = mark.uuid
    elif status != CLUE_CONFIRMED and clue.mark_uuid:
        mark = session.get(Mark, clue.mark_uuid)
        if mark is not None and not mark.deleted:
            _soft_delete_mark(session, mark, household, inspector, change)
    clue.status, clue.note, clue.verifier, clue.updated_at = status, note, inspector, utcnow()
    change.after(key, _clue_state(clue))
    if not change.changed():
        session.rollback()
        return clue
    if household is not None:
        _sync_status(session, household, inspector, change)
    _record(session, inspector, "clue.status", key, change, note=note)
    return clue


# ---------------------------------------------------------------------------------------------------------------------
# Undo / redo
# ---------------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UndoResult:
    """What an undo or redo did: the trail row it reversed (id, action), the new trail row's id, the household
    concerned (户编号, or None) and a Chinese description."""

    action_id: int
    action: str
    trail_id: int
    household_no: str | None
    description: str


def _stacks(session: Session, inspector: str) -> tuple[list[int], list[int]]:
    """(undo stack, redo stack) of trail ids for ``inspector``, replayed from the most recent trail rows."""
    rows = session.execute(
        select(Action.id, Action.action, Action.target)
        .where(Action.inspector == inspector, Action.action.in_((*UNDOABLE_ACTIONS, "undo", "redo")))
        .order_by(Action.id.desc()).limit(UNDO_DEPTH)
    ).all()
    undo_stack: list[int] = []
    redo_stack: list[int] = []
    for row_id, action, target in reversed(rows):
        if action in UNDOABLE_ACTIONS:
            undo_stack.append(row_id)
            redo_stack.clear()
        else:
            ref = int(target.partition(":")[2] or 0)
            if action == "undo" and undo_stack and undo_stack[-1] == ref:
                redo_stack.append(undo_stack.pop())
            elif action == "redo" and redo_stack and redo_stack[-1] == ref:
                undo_stack.append(redo_stack.pop())
    return undo_stack, redo_stack


def undo_state(session: Session, inspector: str) -> tuple[str | None, str | None]:
    """Chinese names of the action an undo and a redo would reverse/re-apply now (None when nothing to do)."""
    undo_stack, redo_stack = _stacks(session, inspector)

    def label(stack: list[int]) -> str | None:
        if not stack:
            return None
        action = session.get(Action, stack[-1])
        return ACTION_LABELS.get(action.action, action.action) if action else None

    return label(undo_stack), label(redo_stack)


def _household_of(states: Iterable[dict[str, Any] | None], target: str) -> str | None:
    for state in states:
        if state and state.get("household_no"):
            return state["household_no"]
    if target.startswith("household:"):
        return target.partition(":")[2]
    if target.startswith("finding:"):
        parts = target.split(":")
        return parts[2] if len(parts) > 2 and parts[2] else None
    return None


def _load(text: str) -> dict[str, Any]:
    if not text:
        return {}
    value = json.loads(text)
    return value if isinstance(value, dict) else {}


def _replay(session: Session, inspector: str, kind: str) -> UndoResult | None:
    undo_stack, redo_stack = _stacks(session, inspector)
    stack = undo_stack if kind == "undo" else redo_stack
    if not stack:
        return None
    original = session.get(Action, stack[-1])
    old, new = _load(original.old_value), _load(original.new_value)
    # undo: the rows must still hold what the action wrote; redo: what the undo restored.
    expect, target_state = (new, old) if kind == "undo" else (old, new)
    for key in set(expect) | set(target_state):
        if _comparable(_current_state(session, key)) != _comparable(expect.get(key)):
            raise ReviewError(
                f"无法{ACTION_LABELS[kind]}“{ACTION_LABELS.get(original.action, original.action)}”：相关记录之后已被修改")
    change = _Change()
    households: set[int] = set()
    for key in sorted(target_state, key=lambda k: k.startswith("item:")):  # items last: marks decide the status
        change.before(key, _current_state(session, key))
        _apply_state(session, key, target_state[key], inspector)
        change.after(key, _current_state(session, key))
        if key.startswith("mark:"):
            mark = session.get(Mark, key.partition(":")[2])
            if mark is not None:
                households.add(mark.household_id)
    for hh_id in households:
        household = session.get(Household, hh_id)
        if household is not None:
            _sync_status(session, household, inspector, change)
    row = _record(session, inspector, kind, f"action:{original.id}", change,
                  note=ACTION_LABELS.get(original.action, original.action))
    hh = _household_of([*target_state.values(), *expect.values()], original.target)
    verb = ACTION_LABELS[kind]
    what = ACTION_LABELS.get(original.action, original.action)
    return UndoResult(original.id, original.action, row.id, hh, f"已{verb}：{what}" + (f"（户 {hh}）" if hh else ""))


def undo(session: Session, inspector: str) -> UndoResult | None:
    """Reverse ``inspector``'s most recent not-yet-undone action; commit with an ``undo`` trail row (target
    ``action:<id>``). Returns None when there is nothing to undo. Raises ReviewError when the rows were changed since
    (e.g. by another inspector)."""
    return _replay(session, inspector, "undo")


def redo(session: Session, inspector: str) -> UndoResult | None:
    """Re-apply ``inspector``'s most recently undone action (cleared by any new action); commit with a ``redo``
    trail row. Returns None when there is nothing to redo. Raises ReviewError like :func:`undo`."""
    return _replay(session, inspector, "redo")


# ---------------------------------------------------------------------------------------------------------------------
# Navigation
# ---------------------------------------------------------------------------------------------------------------------


def resume_position(session: Session, county: str) -> str | None:
    """户编号 of the first sampled household (in review order) still 未核查, else the first sampled household, else
    None (no sample)."""
    sample = active_sample(session, county)
    if sample is None:
        return None
    base = select(SampleItem.household_no).where(SampleItem.sample_id == sample.id)
    first = session.scalar(base.where(SampleItem.status == ReviewStatus.PENDING.value)
                           .order_by(SampleItem.order, SampleItem.id).limit(1))
    return first or session.scalar(base.order_by(SampleItem.order, SampleItem.id).limit(1))


def neighbour(session: Session, county: str, household_no: str | None, step: int, status: str | None = None) -> str | None:
    """户编号 of the next (``step`` = +1) or previous (-1) sampled household in review order, optionally only those
    with review status ``status``; None at either end. From a household outside the sample, +1 goes to
    :func:`resume_position` and -1 to nothing."""
    sample = active_sample(session, county)
    if sample is None:
        return None
    cur = None
    if household_no:
        cur = session.execute(select(SampleItem.order, SampleItem.id).where(
            SampleItem.sample_id == sample.id, SampleItem.household_no == household_no)).first()
    if cur is None:
        return resume_position(session, county) if step > 0 else None
    order, item_id = cur
    q = select(SampleItem.household_no).where(SampleItem.sample_id == sample.id)
    if status:
        q = q.where(SampleItem.status == status)
    if step > 0:
        q = q.where(or_(SampleItem.order > order, and_(SampleItem.order == order, SampleItem.id > item_id)))
        q = q.order_by(SampleItem.order, SampleItem.id)
    else:
        q = q.where(or_(SampleItem.order < order, and_(SampleItem.order == order, SampleItem.id < item_id)))
        q = q.order_by(SampleItem.order.desc(), SampleItem.id.desc())
    return session.scalar(q.limit(1))


@dataclass(frozen=True)
class SearchHit:
    """One household found by :func:`search_households`: 户编号, 户主, the member matched (name, masked ID), 乡镇 /
    行政村, whether it is in the sample, and what matched (户编号 / 证件号码 / 姓名)."""

    household_no: str
    head_name: str
    member_name: str
    masked_id: str
    township: str
    village: str
    sampled: bool
    matched: str


def search_households(session: Session, county: str, query: str, limit: int = 20) -> list[SearchHit]:
    """Households of ``county`` whose 户编号 starts with ``query``, or with a member whose 证件号码 starts with it (or
    ends with it, for the last digits), or whose 姓名 contains it. At most ``limit`` hits; IDs masked."""
    text = (query or "").strip()
    if not text:
        return []
    hits: dict[str, SearchHit] = {}
    sample = active_sample(session, county)
    sampled: set[str] = set()

    def add(rows, matched: str) -> None:  # noqa: ANN001
        for hh_no, head, name, id_number, town, village in rows:
            if hh_no not in hits and len(hits) < limit:
                hits[hh_no] = SearchHit(hh_no, head or "", name or "", mask_id(id_number), town or "", village or "",
                                        False, matched)

    def member_query(cond):  # noqa: ANN001, ANN202
        return (select(Household.household_no, Household.head_name, Member.name, Member.id_number, Township.name,
                       Village.name)
                .join(Member, Member.household_id == Household.id)
                .outerjoin(Township, Township.id == Household.township_id)
                .outerjoin(Village, Village.id == Household.village_id)
                .where(Household.county_code == county, cond).limit(limit))

    upper = text.upper()
    if text.isdigit() or upper[:-1].isdigit():
        rows = session.execute(
            select(Household.household_no, Household.head_name, Household.head_name, Household.head_id_number,
                   Township.name, Village.name)
            .outerjoin(Township, Township.id == Household.township_id)
            .outerjoin(Village, Village.id == Household.village_id)
            .where(Household.county_code == county, Household.household_no >= text,
                   Household.household_no < text + "\uffff")
            .order_by(Household.household_no).limit(limit)).all()
        add(rows, "户编号")
        if len(hits) < limit and len(text) >= 4:
            add(session.execute(member_query(or_(
                and_(Member.id_norm >= upper, Member.id_norm < upper + "\uffff"),
                Member.id_number.like(f"{text}%"),
                Member.id_norm.like(f"%{upper}"),
            ))).all(), "证件号码")
    else:
        add(session.execute(member_query(Member.name.like(f"%{text}%"))).all(), "姓名")
        if len(hits) < limit:
            add(session.execute(
                select(Household.household_no, Household.head_name, Household.head_name, Household.head_id_number,
                       Township.name, Village.name)
                .outerjoin(Township, Township.id == Household.township_id)
                .outerjoin(Village, Village.id == Household.village_id)
                .where(Household.county_code == county, Household.head_name.like(f"%{text}%")).limit(limit)).all(),
                "姓名")
    if sample is not None and hits:
        sampled = set(session.scalars(select(SampleItem.household_no).where(
            SampleItem.sample_id == sample.id, SampleItem.household_no.in_(list(hits)))))
    return [SearchHit(**{**h.__dict__, "sampled": h.household_no in sampled}) for h in hits.values()]


# ---------------------------------------------------------------------------------------------------------------------
# Screen queries
# ---------------------------------------------------------------------------------------------------------------------


def _optional(module: str, name: str, *, load: bool = True):  # noqa: ANN202
    """``module.name`` when that module (written by another part of the project) exists, else None. With ``load``
    False only a module already imported is used (a UI's first screen must not wait for NumPy and the importer:
    the plain-table fallbacks answer until a worker has imported them, see :meth:`Reviewer.preload`)."""
    if not load and module not in sys.modules:
        return None
    try:
        mod = importlib.import_module(module)
    except ImportError:
        return None
    return getattr(mod, name, None)


@dataclass
class OverviewData:
    """Everything the overview screen shows (counts in 户 / 人 / 个).

    ``sample``: {"n", "pending", "issues", "clean", "method", "seed"} or None without a sample;
    ``findings_by_rule``: rows {"rule_id", "title", "severity", "category", "findings", "households", …} (rules with
    findings) or None when the checks never ran; ``severe_households``/``severe_share``: households with a 严重
    finding and their share of all households; ``clues``: rows {"dept", "dept_label", "total", "待核实", "属实",
    "不属实", "已说明"} or None when no comparison ran;
    ``grade``: the grading module's result as a dict (keys of ``fupin grade --json``) or None; ``grade_error``: why
    not; ``marks_outside_sample``: active marks on households outside the sample (reported, not graded).
    """

    county_code: str
    county_name: str
    data_year: int | None
    townships: int = 0
    villages: int = 0
    households: int = 0
    people: int = 0
    sample: dict[str, Any] | None = None
    findings_by_rule: list[dict[str, Any]] | None = None
    severe_households: int = 0
    severe_share: float | None = None
    clues: list[dict[str, Any]] | None = None
    grade: dict[str, Any] | None = None
    grade_error: str = ""
    marks_outside_sample: int = 0


def checks_ran(session: Session, county: str, *, load: bool = True) -> bool:
    """True when the automatic checks have run on ``county`` (``fupin_tui.checks.last_run``, else any finding)."""
    last_run = _optional("fupin_tui.checks", "last_run", load=load)
    if last_run is not None:
        try:
            if last_run(session, county) is not None:
                return True
        except Exception:  # noqa: BLE001 - a sibling module's API changing must not break the screen
            pass
    return session.scalar(select(Finding.id).where(Finding.county_code == county).limit(1)) is not None


def grade_summary(session: Session, county: str) -> tuple[dict[str, Any] | None, str]:
    """(``fupin_tui.grading.grade_county(...).to_json()``, "") or (None, the Chinese reason there is no grade)."""
    grade_county = _optional("fupin_tui.grading", "grade_county")
    if grade_county is None:
        return None, "评分模块尚未就绪"
    try:
        result = grade_county(session, county)
    except Exception as exc:  # noqa: BLE001 - GradingError and anything unexpected become a message
        return None, f"无法计算等级：{exc}"
    if result is None:
        return None, "尚无已核查的样本户"
    if hasattr(result, "to_json"):
        return result.to_json(), ""
    return (dict(result), "") if isinstance(result, dict) else (None, "评分结果格式未知")


def _as_dict(row: Any) -> dict[str, Any]:
    if isinstance(row, dict):
        return dict(row)
    if dataclasses.is_dataclass(row):
        return dataclasses.asdict(row)
    return dict(vars(row))


def overview(session: Session, county: str, *, with_grade: bool = True) -> OverviewData:
    """The overview screen's figures for ``county`` (a handful of COUNT queries; tens of ms on 40,000 households).

    Findings by rule come from ``fupin_tui.checks.summary_by_rule`` (rules with findings only), the share of
    households with a 严重 finding from ``fupin_tui.checks.overview``, clues from ``fupin_tui.compare.clue_summary``
    (rows {"dept", "dept_label", "total", "待核实", "属实", "不属实", "已说明"}); each falls back to a direct count.
    """
    c = session.get(County, county)
    if c is None:
        raise ReviewError(f"数据库中没有县代码 {county}")
    data = OverviewData(county_code=c.code, county_name=c.name, data_year=c.data_year)
    data.townships = session.scalar(select(func.count()).select_from(Township).where(Township.county_code == county)) or 0
    data.villages = session.scalar(select(func.count()).select_from(Village).where(Village.county_code == county)) or 0
    data.households = session.scalar(
        select(func.count()).select_from(Household).where(Household.county_code == county)) or 0
    data.people = session.scalar(select(func.count()).select_from(Member).where(Member.county_code == county)) or 0
    sample = active_sample(session, county)
    if sample is not None:
        counts = dict(session.execute(select(SampleItem.status, func.count()).where(
            SampleItem.sample_id == sample.id).group_by(SampleItem.status)).all())
        data.sample = {
            "n": sum(counts.values()), "pending": counts.get(ReviewStatus.PENDING.value, 0),
            "issues": counts.get(ReviewStatus.ISSUES.value, 0), "clean": counts.get(ReviewStatus.CLEAN.value, 0),
            "method": sample.method, "by": sample.by, "seed": sample.seed,
        }
        data.marks_outside_sample = session.scalar(
            select(func.count()).select_from(Mark).where(
                Mark.county_code == county, Mark.deleted.is_(False),
                Mark.household_id.not_in(select(SampleItem.household_id).where(SampleItem.sample_id == sample.id)))
        ) or 0
    if checks_ran(session, county):
        rows: list[dict[str, Any]] | None = None
        summary = _optional("fupin_tui.checks", "summary_by_rule")
        if summary is not None:
            try:
                rows = [_as_dict(r) for r in summary(session, county, include_zero=False)]
            except Exception:  # noqa: BLE001
                rows = None
        if rows is None:
            rows = [
                {"rule_id": rule, "title": rule, "severity": sev, "category": cat, "findings": n, "households": hh}
                for rule, sev, cat, n, hh in session.execute(
                    select(Finding.rule_id, func.max(Finding.severity), func.max(Finding.category), func.count(),
                           func.count(Finding.household_no.distinct()))
                    .where(Finding.county_code == county).group_by(Finding.rule_id).order_by(func.count().desc()))
            ]
        data.findings_by_rule = rows
        data.severe_households = session.scalar(
            select(func.count(Finding.household_no.distinct())).where(
                Finding.county_code == county, Finding.severity == Severity.SEVERE.value,
                Finding.household_no.is_not(None))) or 0
        data.severe_share = data.severe_households / data.households if data.households else None
    summary_c = _optional("fupin_tui.compare", "clue_summary")
    clue_rows = None
    if summary_c is not None:
        try:
            clue_rows = [_as_dict(r) for r in summary_c(session, county)]
        except Exception:  # noqa: BLE001
            clue_rows = None
    if clue_rows is None:
        table: dict[str, dict[str, Any]] = {}
        for d, st, n in session.execute(
                select(Clue.dept, Clue.status, func.count()).where(Clue.county_code == county, Clue.active.is_(True))
                .group_by(Clue.dept, Clue.status)):
            entry = table.setdefault(d, {"dept": d, "dept_label": DEPARTMENTS.get(d, d), "total": 0,
                                         **{x: 0 for x in CLUE_STATUSES}})
            entry["total"] += n
            entry[st] = entry.get(st, 0) + n
        clue_rows = list(table.values())
    data.clues = clue_rows or None
    if with_grade:
        data.grade, data.grade_error = grade_summary(session, county)
    return data


@dataclass(frozen=True)
class SampleRow:
    """One row of the sample list: review order, 乡镇, 行政村, 户编号, 户主, 人数, 贫困户属性, 脱贫属性, status, marks."""

    order: int
    township: str
    village: str
    household_no: str
    head_name: str
    size: int | None
    household_type: str
    poverty_status: str
    status: str
    marks: int
    stratum: str


@dataclass(frozen=True)
class SamplePage:
    """A page of the sample list: ``rows``, ``total`` rows under the filter, ``offset``, and counts by status."""

    rows: list[SampleRow]
    total: int
    offset: int
    counts: dict[str, int]


def sample_page(
    session: Session, county: str, *, status: str | None = None, offset: int = 0, limit: int = 100
) -> SamplePage:
    """One page of the active sample in review order, optionally only ``status`` households (paged: a screen never
    loads the whole sample, let alone the county)."""
    sample = active_sample(session, county)
    if sample is None:
        return SamplePage([], 0, 0, {})
    counts = dict(session.execute(select(SampleItem.status, func.count()).where(
        SampleItem.sample_id == sample.id).group_by(SampleItem.status)).all())
    marks = (select(Mark.household_id, func.count().label("n")).where(Mark.deleted.is_(False))
             .group_by(Mark.household_id).subquery())
    q = (select(SampleItem.order, Township.name, Village.name, Household.household_no, Household.head_name,
                Household.size, Household.household_type, Household.poverty_status, SampleItem.status,
                func.coalesce(marks.c.n, 0), SampleItem.stratum)
         .join(Household, Household.id == SampleItem.household_id)
         .outerjoin(Township, Township.id == Household.township_id)
         .outerjoin(Village, Village.id == Household.village_id)
         .outerjoin(marks, marks.c.household_id == Household.id)
         .where(SampleItem.sample_id == sample.id))
    if status:
        q = q.where(SampleItem.status == status)
        total = counts.get(status, 0)
    else:
        total = sum(counts.values())
    rows = session.execute(q.order_by(SampleItem.order, SampleItem.id).offset(max(offset, 0)).limit(limit)).all()
    return SamplePage(
        [SampleRow(o, t or "", v or "", hh, head or "", size, ht or "", ps or "", st, m, stratum or "")
         for o, t, v, hh, head, size, ht, ps, st, m, stratum in rows],
        total, max(offset, 0), counts)


@dataclass(frozen=True)
class MemberRow:
    """A member as the household screen shows it: the row, plus 性别 and 年龄 derived from the ID (年龄 in completed
    years on 31 December of the data year), whether the ID's check digit holds, and the 性别 column when it
    disagrees with the ID."""

    member: Member
    id_sex: str | None
    age: int | None
    id_ok: bool
    sex_conflict: str | None


@dataclass(frozen=True)
class IdentityCheck:
    """One income identity on a household: its Chinese formula, the left side (stored), the right side (computed),
    whether it holds within ±1 元 (None when a value is missing)."""

    label: str
    stored: float | None
    computed: float | None
    holds: bool | None


def income_identities(h: Household, member_rows: int) -> list[IdentityCheck]:
    """The four income identities of the glossary on one household (元 per year; 人均纯收入 in 元 per person, divided
    by the member rows). Display helper for the income card; the rulebook's checks are what count."""

    def total(keys: Iterable[str]) -> float | None:
        values = [getattr(h, k) for k in keys]
        return None if any(v is None for v in values) else float(sum(values))

    def check(label: str, stored: float | None, computed: float | None) -> IdentityCheck:
        holds = None if stored is None or computed is None else abs(stored - computed) <= INCOME_TOLERANCE
        return IdentityCheck(label, stored, computed, holds)

    net = None
    if h.annual_income is not None and h.business_expense is not None:
        net = h.annual_income - h.business_expense
    per_capita = None
    if h.net_income is not None and member_rows:
        per_capita = round(h.net_income / member_rows, 2)
    return [
        check("年收入 = 工资性+经营性+财产性+转移性", h.annual_income, total(INCOME_PARTS)),
        check("转移性收入 = 六项转移收入之和", h.transfer_income, total(TRANSFER_PARTS)),
        check("纯收入 = 年收入 − 生产经营性支出", h.net_income, net),
        check(f"人均纯收入 = 纯收入 ÷ {member_rows} 人", h.per_capita_net_income, per_capita),
    ]


@dataclass
class HouseholdDetail:
    """Everything the household screen shows for one household (ORM rows detached from the session).

    ``findings``: finding views (attributes id, rule_id, title, household_no, member_no, target, severity, category,
    message, values, verdict, verdict_note — ``fupin_tui.checks.FindingView``), or None when the checks never ran;
    ``clues``: [Clue] (empty when no comparison ran); ``status``: review status or None outside the sample;
    ``position``/``sample_size``: 1-based place in review order; ``reviewed``: a status other than 未核查 or an
    active mark (blind mode shows findings only then); ``village_info``: village context phrases; ``projects``:
    assistance projects that reached the household ({"project_no", "name", "category", "year", "total"}; 万元).

    In back-check mode (:attr:`Reviewer.backcheck`) the detail is the second inspector's view: ``marks``,
    ``findings`` and ``clues`` are empty, ``status`` / ``position`` / ``sample_size`` / ``reviewed`` are the second
    inspector's own (place in their assignment list), and ``backcheck`` holds their :class:`BackcheckItem`.
    """

    household: Household
    county: County
    township: str
    village: Village | None
    members: list[MemberRow]
    marks: list[Mark]
    findings: list[Any] | None
    clues: list[Clue]
    status: str | None
    position: int | None
    sample_size: int
    stratum: str
    reviewed: bool
    identities: list[IdentityCheck]
    projects: list[dict[str, Any]] = field(default_factory=list)
    village_info: list[str] = field(default_factory=list)
    backcheck: BackcheckItem | None = None

    @property
    def sampled(self) -> bool:
        """True when the household is in the active sample."""
        return self.status is not None


def _member_row(m: Member, data_year: int | None) -> MemberRow:
    info = normalize_id(m.id_number)
    age = age_on(info.birth_date, data_year) if data_year else None
    conflict = m.sex if m.sex and info.sex and m.sex != info.sex else None
    return MemberRow(m, info.sex, age, info.checksum_ok, conflict)


def _village_lines(v: Village | None) -> list[str]:
    if v is None or v.is_poor_village is None:
        return []
    if not v.is_poor_village:
        return ["非贫困村"]
    if v.delisted:
        return [f"贫困村，{v.delisted_year or ''}{'年' if v.delisted_year else ''}已摘帽"]
    return ["贫困村，未摘帽"]


def _household_projects(session: Session, household: Household, load: bool = True) -> list[dict[str, Any]]:
    """Projects listing the household as a beneficiary (by 户编号, its resolved household id, or a member's ID)."""
    fetch = _optional("fupin_tui.villages", "projects_for_household", load=load)  # issue 8 integration point
    if fetch is not None:
        return fetch(session, household)[:50]
    from fupin_tui.models.tables import Project, ProjectBeneficiary

    rows = session.execute(
        select(Project.project_no, Project.name, Project.category, Project.year, Project.total)
        .join(ProjectBeneficiary, ProjectBeneficiary.project_id == Project.id)
        .where(ProjectBeneficiary.county_code == household.county_code,
               or_(ProjectBeneficiary.household_no == household.household_no,
                   ProjectBeneficiary.household_id == household.id))
        .distinct().order_by(Project.year, Project.project_no).limit(50)).all()
    return [{"project_no": no, "name": name, "category": cat, "year": year, "total": total}
            for no, name, cat, year, total in rows]


def _findings(session: Session, county: str, household_no: str, load: bool = True) -> list[Any]:
    fetch = _optional("fupin_tui.checks", "findings_for_household", load=load)
    last_run = _optional("fupin_tui.checks", "last_run", load=load)
    # checks' views carry the rule titles of the last run; without a run (findings written by other means) they would
    # parse the rulebook on every call: then read the tables directly.
    if fetch is not None and last_run is not None and last_run(session, county) is not None:
        try:
            return list(fetch(session, county, household_no))
        except Exception:  # noqa: BLE001 - fall back to the plain tables
            pass
    verdicts = {(v.rule_id, v.member_no, v.target): v for v in session.scalars(select(FindingVerdict).where(
        FindingVerdict.county_code == county, FindingVerdict.household_no == household_no))}
    out = []
    for f in session.scalars(select(Finding).where(Finding.county_code == county, Finding.household_no == household_no)
                             .order_by(Finding.severity.desc(), Finding.rule_id, Finding.member_no)):
        v = verdicts.get((f.rule_id, f.member_no or "", f.target or ""))
        out.append(SimpleNamespace(
            id=f.id, rule_id=f.rule_id, title=f.rule_id, level=f.level, household_no=f.household_no,
            member_no=f.member_no, target=f.target, severity=f.severity, category=f.category, message=f.message,
            values=f.values, verdict=v.verdict if v else None, verdict_note=v.note if v else ""))
    return out


def _clues(session: Session, county: str, household_no: str, load: bool = True) -> list[Clue]:
    fetch = _optional("fupin_tui.compare", "clues_for_household", load=load)
    if fetch is not None:
        try:
            return list(fetch(session, county, household_no))
        except Exception:  # noqa: BLE001
            pass
    return list(session.scalars(select(Clue).where(
        Clue.county_code == county, Clue.household_no == household_no,
        or_(Clue.active.is_(True), Clue.status != CLUE_STATUSES[0])).order_by(Clue.dept, Clue.kind, Clue.member_no)))


def household_detail(session: Session, county: str, household_no: str, *, load_siblings: bool = True) -> HouseholdDetail:
    """The household screen's data for 户编号 ``household_no`` (~2–4 ms: one query per section, rows detached).
    ``load_siblings`` False: see :attr:`Reviewer.load_siblings`. Raises ReviewError when the household does not
    exist."""
    row = session.execute(
        select(Household, County, Township.name, Village)
        .join(County, County.code == Household.county_code)
        .outerjoin(Township, Township.id == Household.township_id)
        .outerjoin(Village, Village.id == Household.village_id)
        .where(Household.county_code == county, Household.household_no == str(household_no).strip())
    ).first()
    if row is None:
        raise ReviewError(f"找不到户编号 {household_no}")
    h, c, township, village = row
    members = session.scalars(
        select(Member).where(Member.household_id == h.id).order_by(Member.position, Member.id)).all()
    marks = session.scalars(select(Mark).where(Mark.household_id == h.id, Mark.deleted.is_(False))
                            .order_by(Mark.created_at)).all()
    findings = _findings(session, county, h.household_no, load_siblings)
    if not findings and not checks_ran(session, county, load=load_siblings):
        findings = None
    clues = _clues(session, county, h.household_no, load_siblings)
    item = _sample_item(session, h)
    position, size = None, 0
    if item is not None:
        size = session.scalar(select(func.count()).select_from(SampleItem).where(
            SampleItem.sample_id == item.sample_id)) or 0
        position = (session.scalar(select(func.count()).select_from(SampleItem).where(
            SampleItem.sample_id == item.sample_id,
            or_(SampleItem.order < item.order, and_(SampleItem.order == item.order, SampleItem.id < item.id))))
            or 0) + 1
    status = item.status if item is not None else None
    projects = _household_projects(session, h, load_siblings)
    session.expunge_all()
    return HouseholdDetail(
        household=h, county=c, township=township or "", village=village,
        members=[_member_row(m, c.data_year) for m in members], marks=list(marks), findings=findings, clues=clues,
        status=status, position=position, sample_size=size, stratum=item.stratum if item is not None else "",
        reviewed=bool(marks) or (status is not None and status != ReviewStatus.PENDING),
        identities=income_identities(h, len(members)), projects=projects, village_info=_village_lines(village),
    )


@dataclass
class VillageDetail:
    """The village view: the village record (None when the household has no village), its natural villages and
    projects (lists of dicts; empty when none were imported), its sampled households (SampleRow) and the number
    of registered households in it."""

    village: Village | None
    township: str
    hamlets: list[dict[str, Any]]
    projects: list[dict[str, Any]]
    sampled: list[SampleRow]
    households: int


def village_detail(session: Session, county: str, household_no: str) -> VillageDetail:
    """The village view for the administrative village of household ``household_no``."""
    from fupin_tui.models.tables import Hamlet, Project

    h = find_household(session, household_no, county)
    village = session.get(Village, h.village_id) if h.village_id else None
    township = session.get(Township, h.township_id) if h.township_id else None
    town_name = township.name if township else ""
    hamlets: list[dict[str, Any]] = []
    projects: list[dict[str, Any]] = []
    sampled: list[SampleRow] = []
    count = 0
    if village is not None:
        hamlets = [
            {"自然村": x.name, "户数": x.households, "人口": x.population, "通硬化路": x.road, "通电": x.electricity,
             "通自来水": x.tap_water, "通宽带": x.broadband}
            for x in session.scalars(select(Hamlet).where(Hamlet.village_id == village.id).order_by(Hamlet.id).limit(200))]
        projects = [
            {"项目编号": x.project_no, "项目名称": x.name, "类别": x.category, "年度": x.year, "总投资(万元)": x.total,
             "受益户数": x.beneficiary_count}
            for x in session.scalars(select(Project).where(Project.village_id == village.id)
                                     .order_by(Project.year, Project.project_no).limit(200))]
        view = _optional("fupin_tui.villages", "village_view")  # issue 8 integration point
        if view is not None:
            # also projects reaching the village through their beneficiaries; 受益户 counted from the listed households
            from fupin_tui.villages.queries import project_display_rows

            projects = project_display_rows(view(session, village.id).get("projects", []))[:200]
        count = session.scalar(select(func.count()).select_from(Household).where(Household.village_id == village.id)) or 0
        sample = active_sample(session, county)
        if sample is not None:
            rows = session.execute(
                select(SampleItem.order, Household.household_no, Household.head_name, Household.size,
                       Household.household_type, Household.poverty_status, SampleItem.status, SampleItem.stratum)
                .join(Household, Household.id == SampleItem.household_id)
                .where(SampleItem.sample_id == sample.id, Household.village_id == village.id)
                .order_by(SampleItem.order).limit(500)).all()
            sampled = [SampleRow(o, town_name, village.name, hh, head or "", size, ht or "", ps or "", st, 0,
                                 stratum or "") for o, hh, head, size, ht, ps, st, stratum in rows]
    session.expunge_all()
    return VillageDetail(village, town_name, hamlets, projects, sampled, count)


# ---------------------------------------------------------------------------------------------------------------------
# Back-check (复核, issue 7): the second inspector's view — the households assigned to them and their own results,
# nothing of the first review (marks, statuses, verdicts). Assignment and recording live in fupin_tui.team.
# ---------------------------------------------------------------------------------------------------------------------


def backcheck_names(inspector: str) -> set[str]:
    """The names an assignment may carry for inspector label ``inspector``: ``fupin backcheck assign --to`` takes
    the label ``"姓名@单位"`` or the bare name, so ``"李四@县扶贫办"`` → {"李四@县扶贫办", "李四"}."""
    label = (inspector or "").strip()
    return {x for x in (label, label.partition("@")[0].strip()) if x}


@dataclass(frozen=True)
class BackcheckItem:
    """One household assigned to the second inspector: ``assigned_to`` (the name on the assignment), their own
    ``status`` (未核查 / 有问题 / 核查无误), ``categories`` (category keys), ``note``; ``position`` (1-based) in their
    assignment list of ``total`` households, ``done`` of which have a result."""

    household_no: str
    assigned_to: str
    status: str
    categories: tuple[str, ...]
    note: str
    position: int
    total: int
    done: int


def _backcheck_rows(session: Session, county: str, inspector: str) -> list[Backcheck]:
    """The inspector's assignments on the active sample, in assignment order (a few hundred at most: 10 % of the
    reviewed households)."""
    sample = active_sample(session, county)
    names = backcheck_names(inspector)
    if sample is None or not names:
        return []
    return list(session.scalars(select(Backcheck).where(
        Backcheck.county_code == county, Backcheck.sample_id == sample.id,
        Backcheck.second_inspector.in_(sorted(names))).order_by(Backcheck.id)))


def backcheck_item(session: Session, county: str, inspector: str, household_no: str) -> BackcheckItem | None:
    """The assignment of household ``household_no`` to ``inspector`` (None when it is not assigned to them)."""
    rows = _backcheck_rows(session, county, inspector)
    done = sum(1 for r in rows if r.second_status != ReviewStatus.PENDING)
    for i, r in enumerate(rows):
        if r.household_no == str(household_no).strip():
            return BackcheckItem(r.household_no, r.second_inspector, r.second_status,
                                 tuple(r.second_categories or ()), r.note or "", i + 1, len(rows), done)
    return None


def backcheck_resume(session: Session, county: str, inspector: str) -> str | None:
    """户编号 of the inspector's first assigned household without a result, else their first one, else None."""
    rows = _backcheck_rows(session, county, inspector)
    pending = [r for r in rows if r.second_status == ReviewStatus.PENDING]
    return (pending or rows)[0].household_no if rows else None


def backcheck_neighbour(session: Session, county: str, inspector: str, household_no: str | None,
                        step: int) -> str | None:
    """户编号 of the next (+1) / previous (-1) assigned household; None at either end. From a household not in the
    list, +1 goes to :func:`backcheck_resume` and -1 to nothing."""
    nos = [r.household_no for r in _backcheck_rows(session, county, inspector)]
    if household_no not in nos:
        return backcheck_resume(session, county, inspector) if step > 0 else None
    i = nos.index(household_no) + step
    return nos[i] if 0 <= i < len(nos) else None


def backcheck_page(session: Session, county: str, inspector: str, *, status: str | None = None, offset: int = 0,
                   limit: int = 100) -> SamplePage:
    """The inspector's assignment list as a :class:`SamplePage` (the sample list screen shows it in back-check
    mode): ``status`` and ``counts`` are the second inspector's own results, ``marks`` the number of categories they
    recorded; nothing of the first review."""
    rows = _backcheck_rows(session, county, inspector)
    counts: dict[str, int] = {}
    for r in rows:
        counts[r.second_status] = counts.get(r.second_status, 0) + 1
    chosen = [(i + 1, r) for i, r in enumerate(rows) if not status or r.second_status == status]
    page = chosen[max(offset, 0):max(offset, 0) + limit]
    info = {}
    if page:
        info = {hid: rest for hid, *rest in session.execute(
            select(Household.id, Township.name, Village.name, Household.head_name, Household.size,
                   Household.household_type, Household.poverty_status)
            .outerjoin(Township, Township.id == Household.township_id)
            .outerjoin(Village, Village.id == Household.village_id)
            .where(Household.id.in_([r.household_id for _, r in page])))}
    out = []
    for order, r in page:
        town, village, head, size, ht, ps = info.get(r.household_id, ("", "", "", None, "", ""))
        out.append(SampleRow(order, town or "", village or "", r.household_no, head or "", size, ht or "", ps or "",
                             r.second_status, len(r.second_categories or ()), ""))
    return SamplePage(out, len(chosen), max(offset, 0), counts)


def _backcheck_view(detail: HouseholdDetail, item: BackcheckItem) -> HouseholdDetail:
    """``detail`` as the second inspector may see it: no marks, findings, clues or first-review status."""
    return dataclasses.replace(
        detail, marks=[], findings=[], clues=[], status=item.status, position=item.position,
        sample_size=item.total, stratum="", reviewed=item.status != ReviewStatus.PENDING, backcheck=item)


# ---------------------------------------------------------------------------------------------------------------------
# One object for a UI: engine + county + inspector, one short session per call
# ---------------------------------------------------------------------------------------------------------------------


class Reviewer:
    """The review service bound to an engine, a county and an inspector label: each method opens one short
    session (committed before it returns, see the module docstring) and calls the function of the same name.
    Thread-safe in the sense that each call has its own session (workers may call the read methods).

    With :attr:`backcheck` set (``fupin inspect --backcheck``) it serves the second inspector of a back-check:
    :meth:`detail`, :meth:`neighbour`, :meth:`resume` and :meth:`page` cover only the households assigned to them and
    show none of the first review; :meth:`village` shows no review statuses; :meth:`record_backcheck` records their
    result; every mark, status, verdict, undo and redo change is refused (the back-check never changes the grade)."""

    def __init__(self, engine, county: str, inspector: str = "") -> None:  # noqa: ANN001
        self.engine = engine
        self.county = county
        self.inspector = inspector
        self._scope = session_scope

    #: True: back-check mode, the second inspector's view (see the class docstring).
    backcheck = False

    #: False: :meth:`detail` uses the checks / compare / villages modules only once imported (a UI's fast first
    #: screen; call :meth:`preload` in a worker thread), the plain-table fallbacks meanwhile.
    load_siblings = True

    @staticmethod
    def preload() -> None:
        """Import the sibling modules the screens use (checks, compare, villages, grading), ignoring absent ones."""
        for name in ("fupin_tui.checks", "fupin_tui.compare", "fupin_tui.villages", "fupin_tui.grading"):
            try:
                importlib.import_module(name)
            except ImportError:
                pass

    # reads
    def detail(self, household_no: str) -> HouseholdDetail:
        """:func:`household_detail`."""
        with self._scope(self.engine) as s:
            detail = household_detail(s, self.county, household_no, load_siblings=self.load_siblings)
            if not self.backcheck:
                return detail
            item = backcheck_item(s, self.county, self.inspector, household_no)
            if item is None:
                raise ReviewError(f"户 {household_no} 不在 {self.inspector} 的复核名单中")
            return _backcheck_view(detail, item)

    def neighbour(self, household_no: str | None, step: int, status: str | None = None) -> str | None:
        """:func:`neighbour`."""
        with self._scope(self.engine) as s:
            if self.backcheck:
                return backcheck_neighbour(s, self.county, self.inspector, household_no, step)
            return neighbour(s, self.county, household_no, step, status)

    def resume(self) -> str | None:
        """:func:`resume_position`."""
        with self._scope(self.engine) as s:
            if self.backcheck:
                return backcheck_resume(s, self.county, self.inspector)
            return resume_position(s, self.county)

    def page(self, status: str | None = None, offset: int = 0, limit: int = 100) -> SamplePage:
        """:func:`sample_page`."""
        with self._scope(self.engine) as s:
            if self.backcheck:
                return backcheck_page(s, self.county, self.inspector, status=status, offset=offset, limit=limit)
            return sample_page(s, self.county, status=status, offset=offset, limit=limit)

    def overview(self, with_grade: bool = True) -> OverviewData:
        """:func:`overview`."""
        with self._scope(self.engine) as s:
            return overview(s, self.county, with_grade=with_grade)

    def grade(self) -> tuple[dict[str, Any] | None, str]:
        """:func:`grade_summary`."""
        with self._scope(self.engine) as s:
            return grade_summary(s, self.county)

    def search(self, query: str, limit: int = 20) -> list[SearchHit]:
        """:func:`search_households`."""
        with self._scope(self.engine) as s:
            return search_households(s, self.county, query, limit)

    def village(self, household_no: str) -> VillageDetail:
        """:func:`village_detail`."""
        with self._scope(self.engine) as s:
            detail = village_detail(s, self.county, household_no)
        if self.backcheck:  # the village's sampled households without the first review's statuses
            detail.sampled = [dataclasses.replace(r, status="", marks=0) for r in detail.sampled]
        return detail

    def backcheck_item(self, household_no: str) -> BackcheckItem | None:
        """:func:`backcheck_item` for this inspector (None when ``household_no`` is not assigned to them)."""
        with self._scope(self.engine) as s:
            return backcheck_item(s, self.county, self.inspector, household_no)

    def record_backcheck(self, household_no: str, status: str, categories: Iterable[str], note: str = "") -> None:
        """Record this (second) inspector's result on an assigned household through
        :func:`fupin_tui.team.record_backcheck` (committed with its trail row before returning). Raises ReviewError
        (Chinese) when the household is not assigned to them or the result is refused."""
        from fupin_tui.team import TeamError, record_backcheck  # NumPy: only in back-check mode

        item = self.backcheck_item(household_no)
        if item is None:
            raise ReviewError(f"户 {household_no} 不在 {self.inspector} 的复核名单中")
        try:
            record_backcheck(self.engine, household_no=item.household_no, inspector=item.assigned_to,
                             status=status, categories=list(categories), note=_check_note(note), county=self.county)
        except TeamError as exc:
            raise ReviewError(str(exc)) from exc

    def _no_backcheck(self) -> None:
        if self.backcheck:
            raise ReviewError("复核模式只记录复核结论，不能修改标记、核查状态或疑点结论")

    def undo_state(self) -> tuple[str | None, str | None]:
        """:func:`undo_state` for this inspector."""
        with self._scope(self.engine) as s:
            return undo_state(s, self.inspector)

    # changes (each committed before returning)
    def add_mark(self, household_no: str, category: str, severity: str, note: str = "",
                 member_no: str | None = None, field: str | None = None) -> Mark:
        """:func:`add_mark` by this inspector."""
        self._no_backcheck()
        with self._scope(self.engine) as s:
            return add_mark(s, self.inspector, household_no, category, severity, note, member_no, field,
                            county=self.county)

    def edit_mark(self, mark_uuid: str, **changes: Any) -> Mark:
        """:func:`edit_mark` by this inspector."""
        self._no_backcheck()
        with self._scope(self.engine) as s:
            return edit_mark(s, self.inspector, mark_uuid, **changes)

    def delete_mark(self, mark_uuid: str, note: str = "") -> Mark:
        """:func:`delete_mark` by this inspector."""
        self._no_backcheck()
        with self._scope(self.engine) as s:
            return delete_mark(s, self.inspector, mark_uuid, note)

    def set_status(self, household_no: str, status: str) -> SampleItem:
        """:func:`set_status` by this inspector."""
        self._no_backcheck()
        with self._scope(self.engine) as s:
            return set_status(s, self.inspector, household_no, status, county=self.county)

    def finding_verdict(self, finding_id: int, verdict: str, note: str = "") -> FindingVerdict:
        """:func:`set_finding_verdict` by this inspector."""
        self._no_backcheck()
        with self._scope(self.engine) as s:
            return set_finding_verdict(s, self.inspector, finding_id, verdict, note)

    def clue_status(self, clue_id: int, status: str, note: str = "") -> Clue:
        """:func:`set_clue_status` by this inspector."""
        self._no_backcheck()
        with self._scope(self.engine) as s:
            return set_clue_status(s, self.inspector, clue_id, status, note)

    def undo(self) -> UndoResult | None:
        """:func:`undo` of this inspector's last action."""
        self._no_backcheck()
        with self._scope(self.engine) as s:
            return undo(s, self.inspector)

    def redo(self) -> UndoResult | None:
        """:func:`redo` of this inspector's last undone action."""
        self._no_backcheck()
        with self._scope(self.engine) as s:
            return redo(s, self.inspector)
