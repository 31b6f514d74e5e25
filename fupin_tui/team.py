"""Inspection teams (issue 7): portable mark bundles, offline merge, double review (back-check) and its agreement.

A team is several inspectors on several laptops, often offline. Each exports a bundle (``fupin export-marks``): the
marks, verdicts on findings, clue statuses, review statuses, the action trail and the sample's frame hash. The lead
merges bundles (``fupin merge-marks``): marks are keyed by UUID (merging twice changes nothing), a bundle drawn on a
different sample (frame hash) is refused, and two inspectors' conflicting statuses or verdicts on one household are
listed in :class:`~fupin_tui.models.MergeConflict` for the lead to settle, never silently overwritten — and so are
two edits of the same mark made on both sides since the version they last shared.

Bundle format: UTF-8 JSON, ``{"format": "fupin-marks", "version": 1, ...}``, written with mode 0600 (it holds names
of households' heads in notes at most; no ID numbers are exported).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.engine import Engine

from fupin_tui.audit import append_action
from fupin_tui.glossary import CATEGORIES, ReviewStatus, category_label
from fupin_tui.models import (
    Action,
    Backcheck,
    Clue,
    FindingVerdict,
    ForeignAction,
    Household,
    Mark,
    MergeConflict,
    Sample,
    SampleItem,
    instance_id,
    resolve_county,
    session_scope,
)

BUNDLE_FORMAT = "fupin-marks"
BUNDLE_VERSION = 1


class TeamError(Exception):
    """A bundle cannot be exported or merged. ``str()`` is a Chinese message naming the file and the reason."""


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def _parse(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def active_sample(session, county_code: str) -> Sample | None:  # noqa: ANN001
    """The county's active (frozen) sample, or None."""
    return session.scalars(
        select(Sample).where(Sample.county_code == county_code, Sample.active.is_(True)).order_by(Sample.id.desc())
    ).first()


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, stat.S_IRUSR | stat.S_IWUSR)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)


def export_bundle(engine: Engine, out: Path, *, county: str | None = None) -> dict[str, int]:
    """Write this database's marks bundle for one county to ``out`` (JSON, mode 0600).

    Returns counts ``{"marks", "finding_verdicts", "clue_statuses", "statuses", "actions"}``. Raises
    :class:`TeamError` when the county has no active sample (a bundle is tied to a sample's frame hash).
    """
    with session_scope(engine) as s:
        c = resolve_county(s, county)
        sample = active_sample(s, c.code)
        if sample is None:
            raise TeamError(f"县 {c.code} 还没有抽样，无法导出核查结果（请先 fupin sample）")
        marks = s.scalars(select(Mark).where(Mark.county_code == c.code).order_by(Mark.created_at)).all()
        verdicts = s.scalars(select(FindingVerdict).where(FindingVerdict.county_code == c.code)).all()
        clues = s.scalars(select(Clue).where(Clue.county_code == c.code, Clue.status != "待核实")).all()
        items = s.scalars(select(SampleItem).where(SampleItem.sample_id == sample.id)).all()
        actions = s.scalars(select(Action).order_by(Action.id)).all()
        backchecks = s.scalars(select(Backcheck).where(
            Backcheck.sample_id == sample.id, Backcheck.second_status != ReviewStatus.PENDING)).all()
        bundle: dict[str, Any] = {
            "format": BUNDLE_FORMAT,
            "version": BUNDLE_VERSION,
            "instance_id": instance_id(s),
            "county_code": c.code,
            "frame_hash": sample.frame_hash,
            "sample_seed": sample.seed,
            "exported_at": dt.datetime.now(dt.timezone.utc).isoformat(),
            "marks": [
                {
                    "uuid": m.uuid, "household_no": m.household_no, "member_no": m.member_no, "field": m.field,
                    "category": m.category, "severity": m.severity, "note": m.note, "source": m.source,
                    "inspector": m.inspector, "deleted": m.deleted, "created_at": _iso(m.created_at),
                    "updated_at": _iso(m.updated_at),
                }
                for m in marks
            ],
            "finding_verdicts": [
                {
                    "rule_id": v.rule_id, "household_no": v.household_no, "member_no": v.member_no, "target": v.target,
                    "verdict": v.verdict, "note": v.note, "inspector": v.inspector, "mark_uuid": v.mark_uuid,
                    "decided_at": _iso(v.decided_at),
                }
                for v in verdicts
            ],
            "clue_statuses": [
                {"key": cl.key, "household_no": cl.household_no, "status": cl.status, "note": cl.note,
                 "verifier": cl.verifier, "mark_uuid": cl.mark_uuid, "updated_at": _iso(cl.updated_at)}
                for cl in clues
            ],
            "statuses": [
                {"household_no": it.household_no, "status": it.status, "reviewed_by": it.reviewed_by,
                 "reviewed_at": _iso(it.reviewed_at)}
                for it in items
                if it.status != ReviewStatus.PENDING
            ],
            "backchecks": [
                {"household_no": b.household_no, "first_inspector": b.first_inspector,
                 "second_inspector": b.second_inspector, "seed": b.seed, "second_status": b.second_status,
                 "second_categories": list(b.second_categories), "note": b.note, "reviewed_at": _iso(b.reviewed_at)}
                for b in backchecks
            ],
            "actions": [
                {"id": a.id, "ts": a.ts, "inspector": a.inspector, "action": a.action, "target": a.target,
                 "old_value": a.old_value, "new_value": a.new_value, "note": a.note, "prev_hash": a.prev_hash,
                 "hash": a.hash}
                for a in actions
            ],
        }
    _write_private(Path(out), json.dumps(bundle, ensure_ascii=False, indent=1))
    return {k: len(bundle[k]) for k in ("marks", "finding_verdicts", "clue_statuses", "statuses", "backchecks",
                                        "actions")}


@dataclass
class MergeReport:
    """What :func:`merge_bundles` did: counts per kind and the conflicts listed for the lead."""

    files: list[str] = field(default_factory=list)
    marks_added: int = 0
    marks_updated: int = 0
    verdicts_added: int = 0
    clues_updated: int = 0
    statuses_set: int = 0
    backchecks_set: int = 0
    actions_added: int = 0
    conflicts: list[MergeConflict] = field(default_factory=list)


def _load_bundle(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise TeamError(f"无法读取核查结果包 {Path(path).name}：{exc.__class__.__name__}") from exc
    if not isinstance(data, dict) or data.get("format") != BUNDLE_FORMAT:
        raise TeamError(f"{Path(path).name} 不是 fupin 核查结果包")
    if data.get("version", 0) > BUNDLE_VERSION:
        raise TeamError(f"{Path(path).name} 的格式版本 {data.get('version')} 比本程序新，请升级")
    return data


def merge_bundles(engine: Engine, paths: list[Path], *, lead: str = "") -> MergeReport:
    """Merge inspectors' bundles into the lead's database, all files in ONE transaction.

    Rules: marks by UUID (new → added; known → the later ``updated_at`` wins; merging twice changes nothing); a
    verdict or clue status the lead lacks is taken, a different one is a conflict; a review status is taken when the
    lead's is 未核查, a different reviewed status is a conflict (the lead's value stays). Raises :class:`TeamError`
    (nothing written) when a bundle is unreadable, of another county, or drawn on a different sample (frame hash).
    """
    report = MergeReport()
    bundles = [(Path(p), _load_bundle(Path(p))) for p in paths]
    with session_scope(engine) as s:
        own_instance = instance_id(s)
        for path, b in bundles:
            c = resolve_county(s, b.get("county_code"))
            sample = active_sample(s, c.code)
            if sample is None or sample.frame_hash != b.get("frame_hash"):
                raise TeamError(
                    f"{path.name} 的抽样框指纹与本库不同（本库：{sample.frame_hash[:12] if sample else '无抽样'}，"
                    f"结果包：{str(b.get('frame_hash'))[:12]}），拒绝合并：结果包来自不同的抽样"
                )
            hh_ids = dict(
                s.execute(select(Household.household_no, Household.id).where(Household.county_code == c.code)).all()
            )
            _merge_one(s, c.code, sample, path, b, hh_ids, report, own_instance)
            report.files.append(path.name)
        append_action(
            s, inspector=lead, action="marks.merge", target=",".join(report.files),
            new={"marks_added": report.marks_added, "marks_updated": report.marks_updated,
                 "conflicts": len(report.conflicts)},
        )
    return report


def _conflict(s, report: MergeReport, **kw: Any) -> None:  # noqa: ANN001
    exists = s.scalars(
        select(MergeConflict).where(
            MergeConflict.county_code == kw["county_code"], MergeConflict.kind == kw["kind"],
            MergeConflict.target == kw["target"], MergeConflict.bundle_value == kw["bundle_value"],
            MergeConflict.bundle_inspector == kw["bundle_inspector"],
        )
    ).first()
    if exists is None:
        row = MergeConflict(**kw)
        s.add(row)
        report.conflicts.append(row)


def _merge_one(s, county_code, sample, path, b, hh_ids, report, own_instance) -> None:  # noqa: ANN001, PLR0912, PLR0915
    merged_base = _merged_versions(s)
    for m in b.get("marks", []):
        hid = hh_ids.get(m["household_no"])
        if hid is None:
            raise TeamError(f"{path.name}：户编号 {m['household_no']} 不在本库中")
        row = s.get(Mark, m["uuid"])
        updated = _parse(m["updated_at"])
        if row is None:
            s.add(Mark(
                uuid=m["uuid"], county_code=county_code, household_id=hid, household_no=m["household_no"],
                member_no=m["member_no"], field=m["field"], category=m["category"], severity=m["severity"],
                note=m["note"], source=m["source"], inspector=m["inspector"], deleted=m["deleted"],
                created_at=_parse(m["created_at"]), updated_at=updated,
            ))
            _record_merged(s, m, path)
            report.marks_added += 1
            continue
        if all(getattr(row, key) == m[key] for key in MARK_FIELDS) or updated is None:
            continue
        # The common ancestor: the version last taken from a bundle, else the mark as created.
        base = merged_base.get(row.uuid)
        lead_changed = _naive(row.updated_at) > (base or _naive(row.created_at) + _EDIT_SLACK)
        bundle_changed = _naive(updated) > (base or _naive(row.created_at) + _EDIT_SLACK)
        if bundle_changed and not lead_changed:
            for key in MARK_FIELDS:
                setattr(row, key, m[key])
            row.updated_at = updated
            _record_merged(s, m, path)
            report.marks_updated += 1
        elif bundle_changed and lead_changed:  # both edited the same mark: the lead decides
            _conflict(s, report, county_code=county_code, kind="mark", household_no=m["household_no"],
                      target=f"mark:{m['uuid']}", lead_value=_mark_text(row.__dict__),
                      lead_inspector=row.inspector, bundle_value=_mark_text(m),
                      bundle_inspector=m["inspector"], bundle_file=path.name)
    s.flush()
    for v in b.get("finding_verdicts", []):
        row = s.scalars(select(FindingVerdict).where(
            FindingVerdict.county_code == county_code, FindingVerdict.rule_id == v["rule_id"],
            FindingVerdict.household_no == v["household_no"], FindingVerdict.member_no == v["member_no"],
            FindingVerdict.target == v["target"],
        )).first()
        if row is None:
            s.add(FindingVerdict(county_code=county_code, **{k: v[k] for k in (
                "rule_id", "household_no", "member_no", "target", "verdict", "note", "inspector", "mark_uuid")},
                decided_at=_parse(v["decided_at"])))
            report.verdicts_added += 1
        elif row.verdict != v["verdict"]:
            _conflict(s, report, county_code=county_code, kind="finding_verdict", household_no=v["household_no"],
                      target=f"{v['rule_id']}|{v['household_no']}|{v['member_no']}", lead_value=row.verdict,
                      lead_inspector=row.inspector, bundle_value=v["verdict"], bundle_inspector=v["inspector"],
                      bundle_file=path.name)
    for cl in b.get("clue_statuses", []):
        row = s.scalars(select(Clue).where(Clue.county_code == county_code, Clue.key == cl["key"])).first()
        if row is None:
            continue  # the lead has not run that comparison: nothing to attach the status to
        if row.status == "待核实":
            row.status, row.note, row.verifier, row.mark_uuid = cl["status"], cl["note"], cl["verifier"], cl["mark_uuid"]
            report.clues_updated += 1
        elif row.status != cl["status"]:
            _conflict(s, report, county_code=county_code, kind="clue_status", household_no=cl["household_no"] or "",
                      target=cl["key"], lead_value=row.status, lead_inspector=row.verifier,
                      bundle_value=cl["status"], bundle_inspector=cl["verifier"], bundle_file=path.name)
    items = {it.household_no: it for it in s.scalars(select(SampleItem).where(SampleItem.sample_id == sample.id))}
    for st in b.get("statuses", []):
        it = items.get(st["household_no"])
        if it is None:
            continue
        if it.status == ReviewStatus.PENDING:
            it.status, it.reviewed_by, it.reviewed_at = st["status"], st["reviewed_by"], _parse(st["reviewed_at"])
            report.statuses_set += 1
        elif it.status != st["status"]:
            _conflict(s, report, county_code=county_code, kind="status", household_no=st["household_no"],
                      target=f"household:{st['household_no']}", lead_value=it.status,
                      lead_inspector=it.reviewed_by or "", bundle_value=st["status"],
                      bundle_inspector=st["reviewed_by"] or "", bundle_file=path.name)
    for bc in b.get("backchecks", []):
        row = s.scalars(select(Backcheck).where(
            Backcheck.sample_id == sample.id, Backcheck.household_no == bc["household_no"],
            Backcheck.second_inspector == bc["second_inspector"])).first()
        if row is None:
            hid = hh_ids.get(bc["household_no"])
            if hid is None:
                raise TeamError(f"{path.name}：户编号 {bc['household_no']} 不在本库中")
            row = Backcheck(county_code=county_code, sample_id=sample.id, household_id=hid,
                            household_no=bc["household_no"], first_inspector=bc["first_inspector"],
                            second_inspector=bc["second_inspector"], seed=bc["seed"])
            s.add(row)
        same = (row.second_status == bc["second_status"]
                and sorted(row.second_categories) == sorted(bc["second_categories"]))
        if same:
            continue
        if row.second_status == ReviewStatus.PENDING:
            row.second_status, row.second_categories = bc["second_status"], sorted(bc["second_categories"])
            row.note, row.reviewed_at = bc["note"], _parse(bc["reviewed_at"])
            report.backchecks_set += 1
        else:
            _conflict(s, report, county_code=county_code, kind="backcheck", household_no=bc["household_no"],
                      target=f"backcheck:{bc['household_no']}:{bc['second_inspector']}",
                      lead_value=f"{row.second_status} {','.join(row.second_categories)}".strip(),
                      lead_inspector=row.second_inspector,
                      bundle_value=f"{bc['second_status']} {','.join(bc['second_categories'])}".strip(),
                      bundle_inspector=bc["second_inspector"], bundle_file=path.name)
    # A bundle exported from a copy of this database shares the beginning of its chain: keep only what is new.
    known = set(s.scalars(select(ForeignAction.hash).where(ForeignAction.instance_id == b["instance_id"])))
    if b.get("instance_id") == own_instance:
        known |= set(s.scalars(select(Action.hash)))
    for a in b.get("actions", []):
        if a["hash"] in known:
            continue
        s.add(ForeignAction(instance_id=b["instance_id"], source_id=a["id"], **{k: a[k] for k in (
            "ts", "inspector", "action", "target", "old_value", "new_value", "note", "prev_hash", "hash")}))
        report.actions_added += 1
    s.flush()


MARK_FIELDS = ("member_no", "field", "category", "severity", "note", "deleted")
_EDIT_SLACK = dt.timedelta(seconds=1)  # created_at and updated_at of a new mark are stamped microseconds apart


def _mark_text(m: dict[str, Any]) -> str:
    state = "（已删除）" if m.get("deleted") else ""
    return f"{category_label(m['category'])}/{m['severity']}{state}：{m.get('note') or ''}"


def _merged_versions(s) -> dict[str, dt.datetime]:  # noqa: ANN001
    """uuid → updated_at of the version last taken from a bundle (from the ``mark.merge`` trail rows)."""
    out: dict[str, dt.datetime] = {}
    for target, new in s.execute(select(Action.target, Action.new_value).where(Action.action == "mark.merge")):
        stamp = json.loads(new or "{}").get("updated_at")
        if stamp:
            value = _naive(dt.datetime.fromisoformat(stamp))
            key = target.removeprefix("mark:")
            out[key] = max(out.get(key, value), value)
    return out


def _record_merged(s, m: dict[str, Any], path: Path) -> None:  # noqa: ANN001
    append_action(s, inspector=m["inspector"], action="mark.merge", target=f"mark:{m['uuid']}",
                  new={k: m[k] for k in (*MARK_FIELDS, "updated_at")}, note=path.name)


def _naive(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=None) if value.tzinfo else value


# ------------------------------------------------------------------------------------------------------------------
# Double review (back-check, 复核)
# ------------------------------------------------------------------------------------------------------------------


def assign_backcheck(
    engine: Engine, *, second_inspector: str, share: float = 0.10, seed: int = 1, county: str | None = None,
    lead: str = "",
) -> list[str]:
    """Assign a seeded random ``share`` (default 10 %) of reviewed households to ``second_inspector`` for blind review.

    Households the second inspector reviewed themselves are excluded. Returns the household numbers assigned (at
    least one when any household is eligible). Raises :class:`TeamError` for a share outside (0, 1] or no sample.
    """
    if not 0 < share <= 1:
        raise TeamError("--share 应在 0 到 1 之间（例如 0.1 表示 10%）")
    with session_scope(engine) as s:
        c = resolve_county(s, county)
        sample = active_sample(s, c.code)
        if sample is None:
            raise TeamError("还没有抽样，无法分配复核")
        already = set(s.scalars(select(Backcheck.household_no).where(Backcheck.sample_id == sample.id)))
        eligible = [
            it for it in s.scalars(select(SampleItem).where(SampleItem.sample_id == sample.id).order_by(SampleItem.order))
            if it.status != ReviewStatus.PENDING and it.reviewed_by != second_inspector and it.household_no not in already
        ]
        if not eligible:
            return []
        k = max(1, round(share * len(eligible)))
        rng = np.random.Generator(np.random.PCG64(seed))
        picks = sorted(rng.choice(len(eligible), size=min(k, len(eligible)), replace=False).tolist())
        chosen = [eligible[i] for i in picks]
        for it in chosen:
            s.add(Backcheck(county_code=c.code, sample_id=sample.id, household_id=it.household_id,
                            household_no=it.household_no, first_inspector=it.reviewed_by or "",
                            second_inspector=second_inspector, seed=seed))
        append_action(s, inspector=lead, action="backcheck.assign", target=f"inspector:{second_inspector}",
                      new={"households": [it.household_no for it in chosen], "seed": seed, "share": share})
        return [it.household_no for it in chosen]


def record_backcheck(
    engine: Engine, *, household_no: str, inspector: str, status: str, categories: list[str], note: str = "",
    county: str | None = None,
) -> None:
    """Record the second inspector's blind verdict on an assigned household (status and the categories found).

    ``status`` 未核查 with no categories withdraws the verdict (the TUI does this when the last category is deleted).
    Commits with one ``backcheck.review`` trail row. Raises :class:`TeamError` when the household is not assigned to
    ``inspector``, the status is not a review status, or 未核查 comes with categories.
    """
    if status not in (ReviewStatus.ISSUES, ReviewStatus.CLEAN, ReviewStatus.PENDING):
        raise TeamError("复核结论应为“有问题”或“核查无误”")
    if status == ReviewStatus.PENDING and categories:
        raise TeamError("记录了问题类别的户，复核结论应为“有问题”")
    bad = [c for c in categories if c not in CATEGORIES]
    if bad:
        raise TeamError(f"未知的问题类别：{'、'.join(bad)}")
    with session_scope(engine) as s:
        c = resolve_county(s, county)
        row = s.scalars(select(Backcheck).where(
            Backcheck.county_code == c.code, Backcheck.household_no == household_no,
            Backcheck.second_inspector == inspector)).first()
        if row is None:
            raise TeamError(f"户 {household_no} 没有分配给 {inspector} 复核")
        old = {"status": row.second_status, "categories": row.second_categories}
        row.second_status, row.second_categories, row.note = status, sorted(set(categories)), note
        row.reviewed_at = None if status == ReviewStatus.PENDING else dt.datetime.now(dt.timezone.utc)
        append_action(s, inspector=inspector, action="backcheck.review", target=f"household:{household_no}",
                      old=old, new={"status": status, "categories": row.second_categories}, note=note)


def cohen_kappa(a: list[bool], b: list[bool]) -> float | None:
    """Cohen's kappa of two raters' yes/no ratings of the same items; None when undefined (no items, or both raters
    constant and equal so chance agreement is 1). Source: Cohen (1960), Educational and Psychological Measurement."""
    n = len(a)
    if n == 0 or n != len(b):
        return None
    po = sum(x == y for x, y in zip(a, b, strict=True)) / n
    pa, pb = sum(a) / n, sum(b) / n
    pe = pa * pb + (1 - pa) * (1 - pb)
    if pe >= 1.0:
        return None
    return (po - pe) / (1 - pe)


@dataclass
class Agreement:
    """Agreement of one inspector pair on one category (``"__verdict__"`` = 有问题 vs 核查无误)."""

    first: str
    second: str
    category: str
    households: int
    agree_share: float | None
    kappa: float | None


def backcheck_agreement(session, county_code: str) -> tuple[list[Agreement], list[dict[str, Any]]]:  # noqa: ANN001
    """Agreement per inspector pair and category over completed back-checks, and the households where they disagree.

    The first inspector's view of a household is its non-deleted marks by that inspector (categories) and its review
    status; the second's is the back-check record. Returns (agreements, disagreements) — disagreements as dicts with
    household_no, first, second, first_categories, second_categories.
    """
    rows = session.scalars(select(Backcheck).where(
        Backcheck.county_code == county_code, Backcheck.second_status != ReviewStatus.PENDING)).all()
    if not rows:
        return [], []
    marks = defaultdict(set)
    for hh, insp, cat in session.execute(select(Mark.household_no, Mark.inspector, Mark.category).where(
            Mark.county_code == county_code, Mark.deleted.is_(False),
            Mark.household_no.in_([r.household_no for r in rows]))):
        marks[(hh, insp)].add(cat)
    pairs: dict[tuple[str, str], list[tuple[set[str], set[str], str]]] = defaultdict(list)
    disagreements = []
    for r in rows:
        first_set = marks[(r.household_no, r.first_inspector)]
        second_set = set(r.second_categories)
        pairs[(r.first_inspector, r.second_inspector)].append((first_set, second_set, r.household_no))
        if first_set != second_set or bool(first_set) != (r.second_status == ReviewStatus.ISSUES):
            disagreements.append({"household_no": r.household_no, "first": r.first_inspector,
                                  "second": r.second_inspector, "first_categories": sorted(first_set),
                                  "second_categories": sorted(second_set)})
    out: list[Agreement] = []
    for (first, second), items in sorted(pairs.items()):
        for cat in ("__verdict__", *CATEGORIES):
            if cat == "__verdict__":
                a = [bool(f) for f, _, _ in items]
                b = [bool(sc) for _, sc, _ in items]
            else:
                a = [cat in f for f, _, _ in items]
                b = [cat in sc for _, sc, _ in items]
            if cat != "__verdict__" and not any(a) and not any(b):
                continue
            agree = sum(x == y for x, y in zip(a, b, strict=True)) / len(a)
            out.append(Agreement(first, second, cat, len(a), agree, cohen_kappa(a, b)))
    return out, disagreements
