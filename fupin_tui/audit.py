"""The append-only, hash-chained action log (操作日志).

Every change an inspector makes (a mark added, edited or deleted, a review status, a verdict on a finding or a clue,
an undo, a redo, an unmasked report) is appended here inside the same transaction as the change itself, so the
trail and the data can never disagree. Each row carries the hash of the previous row; ``fupin audit verify`` walks
the chain and reports the first broken link. Values are stored as JSON text.

Personal data: ``target`` names households and marks by number (``household:<户编号>``, ``mark:<uuid>``);
``old_value`` / ``new_value`` hold mark fields (category, severity, note), never ID numbers or phone numbers.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from fupin_tui.models.tables import Action, Meta

HEAD_KEY = "audit_head"


def _json(value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def action_hash(prev_hash: str, ts: str, inspector: str, action: str, target: str, old: str, new: str, note: str) -> str:
    """sha256 (hex) of one action row's content chained to the previous row's hash (fields joined by U+001F)."""
    payload = "\x1f".join((prev_hash, ts, inspector, action, target, old, new, note))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _lock_chain(session: Session) -> None:
    # SQLite: the session runs in BEGIN IMMEDIATE (see models.db), which already serialises writers.
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(727274)"))


def append_action(
    session: Session,
    *,
    inspector: str,
    action: str,
    target: str = "",
    old: Any = None,
    new: Any = None,
    note: str = "",
    ts: str | None = None,
) -> Action:
    """Append one row to the chain in ``session``'s transaction (the caller commits with its change).

    ``old`` / ``new`` may be dicts (stored as sorted JSON) or text. Returns the new :class:`Action` (flushed, with id).
    """
    _lock_chain(session)
    last = session.execute(select(Action.hash).order_by(Action.id.desc()).limit(1)).scalar_one_or_none()
    prev = last or ""
    stamp = ts or dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds")
    old_s, new_s = _json(old), _json(new)
    row = Action(
        ts=stamp, inspector=inspector, action=action, target=target, old_value=old_s, new_value=new_s, note=note,
        prev_hash=prev, hash=action_hash(prev, stamp, inspector, action, target, old_s, new_s, note),
    )
    session.add(row)
    session.flush()
    # The chain's head (last id and hash) lives in ``meta``, written in the same transaction: removing rows from the
    # END of the log, which leaves every remaining link intact, is then detected too.
    head = session.get(Meta, HEAD_KEY)
    if head is None:
        session.add(Meta(key=HEAD_KEY, value=f"{row.id}:{row.hash}"))
    else:
        head.value = f"{row.id}:{row.hash}"
    session.flush()
    return row


def _check_head(session: Session, count: int, last_id: int, last_hash: str) -> ChainReport:
    head = session.get(Meta, HEAD_KEY)
    if head is None:
        if count:
            return ChainReport(count, last_id, "缺少链尾记录（meta 中的 audit_head 被删除）")
        return ChainReport(rows=0)
    head_id, _, head_hash = head.value.partition(":")
    if int(head_id) != last_id or head_hash != last_hash:
        if int(head_id) > last_id:
            return ChainReport(count, int(head_id), f"日志末尾的行被删除（最后一条应为 id {head_id}，现在是 id {last_id}）")
        return ChainReport(count, last_id, "链尾与记录不符（末尾有行被改动或添加）")
    return ChainReport(rows=count)


@dataclass(frozen=True)
class ChainReport:
    """Result of :func:`verify_chain`: rows checked and the first broken link (None when intact)."""

    rows: int
    broken_id: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        """True when every link holds."""
        return self.broken_id is None


def verify_chain(session: Session, batch: int = 5000) -> ChainReport:
    """Walk the action log in id order; report the first row whose hash or back-link does not hold.

    A row is broken when its ``prev_hash`` is not the previous row's ``hash`` (a row removed or inserted) or its
    ``hash`` does not match its content (a row edited). The last row must be the head recorded in ``meta`` (rows cut
    from the end; ``broken_id`` is then the id the head names).
    """
    prev = ""
    count = 0
    last_id = 0
    while True:
        rows = session.execute(
            select(Action).where(Action.id > last_id).order_by(Action.id).limit(batch)
        ).scalars().all()
        if not rows:
            return _check_head(session, count, last_id, prev)
        for row in rows:
            count += 1
            if row.prev_hash != prev:
                return ChainReport(count, row.id, "前一行的哈希不符（有行被删除或插入）")
            expected = action_hash(
                row.prev_hash, row.ts, row.inspector, row.action, row.target, row.old_value, row.new_value, row.note
            )
            if expected != row.hash:
                return ChainReport(count, row.id, "本行内容与哈希不符（被修改过）")
            prev = row.hash
            last_id = row.id
        session.expunge_all()
