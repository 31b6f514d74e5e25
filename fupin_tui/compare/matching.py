"""Matching department records to registered members: set-based, on the normalised ID (dict lookups, no query per row).

- Exact: the record's normalised ID (:func:`fupin_tui.idnumber.normalize_id`) equals a member's ``id_norm``.
- Old 15-digit IDs carry no check digit: a record upgraded from 15 digits also matches a member whose first 17
  characters agree (and the other way round), since the computed check digit may differ from a mistyped one.
- Corrupted (Excel-number) and invalid IDs are never matched; they are reported as rejected rows.
- No ID match: members with the same name (or, as a suggestion, the same pinyin) in the same village — in the county
  when the list has no village column or its village is unknown — whose ID differs in 1–2 positions are
  "possible ID typo" candidates (department data often hold the right number).
- Names are compared after normalisation (NFKC, no blanks, one kind of middle dot); pinyin (pypinyin, tones
  dropped, per character) only ever produces suggestions, never a match.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from fupin_tui.idnumber import mask_id

_DOTS = str.maketrans({c: "·" for c in "・•‧．.。･∙⋅"})


@lru_cache(maxsize=262144)
def name_key(name: object) -> str:
    """Comparable form of a person's name: NFKC, no blanks, every middle-dot variant → ``·``; None → ``""``."""
    if name is None:
        return ""
    text = unicodedata.normalize("NFKC", str(name)).translate(_DOTS)
    return "".join(text.split())


@lru_cache(maxsize=65536)
def _char_pinyin(ch: str) -> str:
    from pypinyin import Style, lazy_pinyin

    out = lazy_pinyin(ch, style=Style.NORMAL, errors="default")
    return out[0] if out else ch


@lru_cache(maxsize=262144)
def name_pinyin(name: object) -> str:
    """Pinyin of a name without tones, character by character (``"张伟"`` → ``"zhang wei"``); homophones agree."""
    return " ".join(_char_pinyin(ch) for ch in name_key(name) if ch != "·")


def id_distance(a: str, b: str) -> tuple[int, list[int]]:
    """Hamming distance between two IDs and the 1-based positions that differ (extra length counts as differing)."""
    positions = [i + 1 for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y]
    positions += list(range(min(len(a), len(b)) + 1, max(len(a), len(b)) + 1))
    return len(positions), positions


_LOW_BITS = int.from_bytes(b"\x01" * 18, "big")


def _as_int(idn: str) -> int:
    return int.from_bytes(idn.encode("ascii", "replace"), "big")


def name_suggestion(theirs: object, ours: object) -> str:
    """A Chinese hint on why two names differ (no names in it): homophones, one character, order, or unrelated."""
    a, b = name_key(theirs), name_key(ours)
    if not a or not b:
        return ""
    if name_pinyin(a) == name_pinyin(b):
        return "两个姓名拼音相同（同音字），可能是录入错字，证件号码应是同一人"
    if len(a) == len(b) and sum(x != y for x, y in zip(a, b, strict=True)) == 1:
        return "两个姓名只差一个字，可能是错字、异体字或简繁不同"
    if sorted(a) == sorted(b):
        return "两个姓名用字相同、顺序不同，可能是录入颠倒"
    if a[0] == b[0]:
        return "姓相同、名不同：可能是曾用名或改名，也可能证件号码录错为家人的号码"
    return "姓名完全不同：可能证件号码录入错误或被他人冒用，请核对身份证原件"


@dataclass(slots=True)
class Record:
    """One department record in memory (a row of a list, or a stored :class:`~fupin_tui.models.DeptRecord`).

    ``fields``: dept field → value (see ``DEPT_FIELD_SYNONYMS``); ``village_ids``: villages the record's 乡镇/村 resolve
    to (empty: county-wide); ``import_file_id``: the stored ImportFile.
    """

    dept: str
    file_name: str
    sheet: str
    row: int
    name: str | None
    id_number: str
    id_norm: str | None
    id_kind: str
    fields: dict[str, Any] = field(default_factory=dict)
    import_file_id: int | None = None
    village_ids: tuple[int, ...] = ()
    has_village: bool = False

    _values: dict[str, Any] | None = None

    def values(self) -> dict[str, Any]:
        """Template values (computed once): the fields plus ``name``, ``id_masked`` and a ``summary`` (no names/IDs)."""
        if self._values is None:
            out = dict(self.fields)
            out["name"] = self.name or ""
            out["id_masked"] = mask_id(self.id_norm or self.id_number)
            out["summary"] = record_summary(self.fields)
            self._values = out
        return self._values


_SUMMARY_FIELDS = (
    "person_status", "change_date", "benefit_type", "staffing_type", "vehicle_type", "price", "scheme",
    "benefit_status", "disability_category", "disability_grade", "dilapidation_level", "renovation_status",
    "subsidy_type", "subsidy_amount", "position", "registration_status",
)


def record_summary(fields: dict[str, Any]) -> str:
    """The record's telling values, e.g. ``"死亡 2015-08-12"``, for a clue message (never a name or an ID)."""
    parts: list[str] = []
    for f in _SUMMARY_FIELDS:
        v = fields.get(f)
        if v is None or (isinstance(v, str) and not v.strip()):
            continue
        parts.append(str(int(v)) if isinstance(v, float) and v.is_integer() else str(v).strip())
    return " ".join(parts) if parts else "无其他信息"


@dataclass(slots=True)
class Typo:
    """A possible-ID-typo candidate: the member, how many positions differ and which, and whether only pinyin agrees."""

    member: dict[str, Any]
    distance: int
    positions: list[int]
    homophone: bool


class MemberIndex:
    """Registered members of one county, indexed for set-based matching.

    ``members``: dicts with at least ``id``, ``household_id``, ``household_no``, ``member_no``, ``name``, ``id_norm``,
    ``id_kind``, ``village_id``. The ID index is built at once (O(members)); the 17-character-body, name and pinyin
    indexes only when first needed. Every lookup is a dict access.
    """

    def __init__(self, members: list[dict[str, Any]]) -> None:
        self.members = members
        self.by_id: dict[str, list[dict[str, Any]]] = {}
        has_id15 = False
        for m in members:
            idn = m.get("id_norm")
            if idn:
                lst = self.by_id.get(idn)
                if lst is None:
                    self.by_id[idn] = [m]
                else:
                    lst.append(m)
                if m.get("id_kind") == "id15":
                    has_id15 = True
        self._has_id15 = has_id15
        self._by_body: dict[str, list[dict[str, Any]]] | None = None
        self._by_name: dict[str, list[tuple[int, Any, str, dict[str, Any]]]] | None = None
        self._by_pinyin: dict[str, list[tuple[int, Any, str, dict[str, Any]]]] | None = None
        self._by_name_v: dict[tuple[Any, str], list[tuple[int, Any, str, dict[str, Any]]]] | None = None
        self._by_pinyin_v: dict[tuple[Any, str], list[tuple[int, Any, str, dict[str, Any]]]] | None = None
        self._ints: dict[str, int] = {}

    def _body_index(self) -> dict[str, list[dict[str, Any]]]:
        if self._by_body is None:
            idx: dict[str, list[dict[str, Any]]] = {}
            for idn, ms in self.by_id.items():
                idx.setdefault(idn[:17], []).extend(ms)
            self._by_body = idx
        return self._by_body

    def _name_indexes(self) -> None:
        """Build, in one pass, the name-key and pinyin indexes of members with an 18-character ID.

        Entries are tuples ``(ID as int, village_id, name key, member)``; the scope (village) is checked at lookup.
        """
        by_name: dict[str, list[tuple[int, Any, str, dict[str, Any]]]] = {}
        by_pinyin: dict[str, list[tuple[int, Any, str, dict[str, Any]]]] = {}
        ints = self._ints
        for m in self.members:
            idn = m["id_norm"]
            if not idn or len(idn) != 18:
                continue
            nk = name_key(m["name"])
            if not nk:
                continue
            v = ints.get(idn)
            if v is None:
                v = ints[idn] = _as_int(idn)
            entry = (v, m["village_id"], nk, m)
            lst = by_name.get(nk)
            if lst is None:
                by_name[nk] = [entry]
            else:
                lst.append(entry)
        for nk, entries in by_name.items():  # pinyin once per distinct name
            py = name_pinyin(nk)
            lst = by_pinyin.get(py)
            if lst is None:
                by_pinyin[py] = list(entries)
            else:
                lst.extend(entries)
        self._by_name, self._by_pinyin = by_name, by_pinyin

    def _village_indexes(self) -> None:
        """The name and pinyin indexes split by village, for lists with a 村 column (one dict access per lookup)."""
        assert self._by_name is not None and self._by_pinyin is not None
        for src, attr in ((self._by_name, "_by_name_v"), (self._by_pinyin, "_by_pinyin_v")):
            idx: dict[tuple[Any, str], list[tuple[int, Any, str, dict[str, Any]]]] = {}
            for key, entries in src.items():
                for e in entries:
                    k = (e[1], key)
                    lst = idx.get(k)
                    if lst is None:
                        idx[k] = [e]
                    else:
                        lst.append(e)
            setattr(self, attr, idx)

    def match(self, rec: Record) -> tuple[list[dict[str, Any]], str]:
        """Members the record's ID matches, and how: ``"exact"``, ``"id15"`` (17-character body) or ``""`` (none)."""
        if not rec.id_norm:
            return [], ""
        found = self.by_id.get(rec.id_norm)
        if found:
            return found, "exact"
        if rec.id_kind == "id15" or self._has_id15:
            body = self._body_index().get(rec.id_norm[:17])
            if body:
                hits = [m for m in body if rec.id_kind == "id15" or m.get("id_kind") == "id15"]
                if hits:
                    return hits, "id15"
        return [], ""

    def typo_candidates(self, rec: Record, max_distance: int = 2, homophones: bool = True) -> list[Typo]:
        """Members that may be the record's person with a mistyped ID (see the module docstring)."""
        idn_rec = rec.id_norm
        if not idn_rec or len(idn_rec) != 18:
            return []
        key = name_key(rec.name)
        if not key:
            return []
        if self._by_name is None:
            self._name_indexes()
        assert self._by_name is not None and self._by_pinyin is not None
        villages = rec.village_ids
        if villages and self._by_name_v is None:
            self._village_indexes()
        out: list[Typo] = []
        mine = 0
        low = _LOW_BITS
        for homophone in (False, True):
            if homophone:
                if out or not homophones:
                    break
                look, split, k = self._by_pinyin, self._by_pinyin_v, name_pinyin(key)
            else:
                look, split, k = self._by_name, self._by_name_v, key
            if villages:
                assert split is not None
                if len(villages) == 1:
                    cands = split.get((villages[0], k))
                else:
                    cands = [e for vid in villages for e in split.get((vid, k), ())]
            else:
                cands = look.get(k)
            if not cands:
                continue
            for v, _vid, nk, m in cands:
                if homophone and nk == key:
                    continue
                if not mine:
                    mine = _as_int(idn_rec)
                # At most ``max_distance`` differing bytes: fold each byte of the XOR into its lowest bit, count.
                d = mine ^ v
                d |= d >> 4
                d |= d >> 2
                d |= d >> 1
                if (d & low).bit_count() > max_distance:
                    continue
                dist, pos = id_distance(idn_rec, m["id_norm"])
                if 0 < dist <= max_distance and all(t.member is not m for t in out):
                    out.append(Typo(m, dist, pos, homophone))
        return out
