"""The table kinds of issue 8 and how a sheet is recognised as one of them, by its header names (never by position).

Kinds (also the ``ImportFile.kind`` of their sheets):

- ``village`` — 行政村信息: one row per administrative village (12-digit code, 贫困村, 摘帽 and year, 党员数, 大学生村官数,
  total and poor households / people);
- ``hamlet`` — 自然村信息: one row per natural village (name, parent village, households, population, road /
  electricity / tap water / broadband flags);
- ``county`` — 贫困县信息: one row per county attribute with the values of two years (2014 and 2015);
- ``project`` — 帮扶项目: one row per assistance project (money in 万元), optionally with its beneficiary 户编号 in one
  cell;
- ``project_beneficiary`` — a separate list of beneficiaries (项目编号 + 户编号 and/or 证件号码);
- ``organization`` — the 组织部 list of party members and 大学生村官.

Synonyms live in :mod:`fupin_tui.headers` (``VILLAGE_SYNONYMS`` …); header location is the importer's
:func:`fupin_tui.importing.tables.find_header`. A sheet is given the kind whose lookup maps the most fields among the
kinds whose markers it has (see :data:`SPECS`); a county export (roster, income table) or a department list has none
of them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from fupin_tui import headers as H
from fupin_tui.glossary import IMPORT_KINDS
from fupin_tui.headers import build_lookup, normalize_header
from fupin_tui.importing.tables import HeaderMatch, find_header, is_blank

VILLAGE, HAMLET, COUNTY, PROJECT, BENEFICIARY, ORGANIZATION = (
    "village", "hamlet", "county", "project", "project_beneficiary", "organization",
)
#: Every kind, in the order a run writes them (villages before what refers to them).
KINDS: tuple[str, ...] = (VILLAGE, HAMLET, COUNTY, PROJECT, BENEFICIARY, ORGANIZATION)
#: Chinese names of the kinds (CLI output, report).
KIND_LABELS: dict[str, str] = {k: IMPORT_KINDS[k] for k in KINDS}

LOOKUPS: dict[str, dict[str, str]] = {
    VILLAGE: build_lookup(H.VILLAGE_SYNONYMS),
    HAMLET: build_lookup(H.HAMLET_SYNONYMS),
    COUNTY: build_lookup(H.COUNTY_TABLE_SYNONYMS),
    PROJECT: build_lookup(H.PROJECT_SYNONYMS),
    BENEFICIARY: build_lookup(H.BENEFICIARY_SYNONYMS),
    ORGANIZATION: build_lookup(H.ORGANIZATION_SYNONYMS),
}

#: Project money columns (万元): the total and its parts, in the order of the form.
MONEY_PARTS: tuple[str, ...] = (
    "central_special", "provincial_special", "local_special", "industry", "social", "credit", "self_raised", "other",
)
SPECIAL_PARTS: tuple[str, ...] = ("central_special", "provincial_special", "local_special")
MONEY_FIELDS: tuple[str, ...] = ("total", *MONEY_PARTS)

_YEAR = re.compile(r"^((?:19|20)\d\d)(?:年|年度|年值|年数值|年数据|值)?$")


def year_columns(match: HeaderMatch) -> dict[int, int]:
    """Column position → year for the unmapped columns labelled by a year (``2014年``, ``2015``, ``2014年值``)."""
    out: dict[int, int] = {}
    for pos, label in match.unmapped.items():
        key = normalize_header(label.replace("/", ""))
        key = re.sub(r"\([^()]*\)", "", key)  # 2015年(数值) → 2015年
        m = _YEAR.match(key)
        if m:
            out[pos] = int(m.group(1))
    return out


@dataclass(frozen=True)
class KindSpec:
    """How a kind is recognised: fields the header must have, the least number of mapped fields, and a test."""

    kind: str
    required: tuple[str, ...]
    min_fields: int
    accept: Callable[[HeaderMatch], bool]


def _any(fields: set[str], names: Sequence[str]) -> bool:
    return any(n in fields for n in names)


SPECS: tuple[KindSpec, ...] = (
    KindSpec(VILLAGE, ("village",), 3, lambda m: sum(
        f in m.field_set for f in ("code", "is_poor_village", "delisted", "delisted_year", "party_members",
                                   "college_officials", "poor_households", "poor_population")) >= 2),
    KindSpec(HAMLET, ("name", "village"), 3, lambda m: _any(
        m.field_set, ("households", "road", "electricity", "tap_water", "broadband"))),
    KindSpec(COUNTY, ("indicator",), 1, lambda m: bool(year_columns(m))),
    KindSpec(PROJECT, ("project_no",), 3, lambda m: _any(m.field_set, MONEY_FIELDS)),
    KindSpec(PROJECT, ("name",), 3, lambda m: "total" in m.field_set and _any(m.field_set, MONEY_PARTS)),
    KindSpec(BENEFICIARY, ("project_no",), 2, lambda m: _any(m.field_set, ("household_no", "id_number"))),
    KindSpec(ORGANIZATION, ("name", "id_number"), 3, lambda m: _any(
        m.field_set, ("kind", "party_member", "college_official")) or (
        "position" in m.field_set and "village" in m.field_set)),
)


def classify(
    head: Sequence[Sequence[object]], merged: Sequence = (), first_col: int = 0,
) -> tuple[str | None, HeaderMatch | None]:
    """(kind, header) of a sheet from its first rows, or ``(None, None)`` when it is none of the kinds.

    The kind whose lookup maps the most fields wins among those whose :class:`KindSpec` accepts the header.
    """
    if all(is_blank(r) for r in head):
        return None, None
    best: tuple[int, str, HeaderMatch] | None = None
    for spec in SPECS:
        m = find_header(head, LOOKUPS[spec.kind], required=spec.required, min_fields=spec.min_fields,
                        merged=merged, first_col=first_col)
        if m is None or not spec.accept(m):
            continue
        score = len(m.field_set) + (len(year_columns(m)) if spec.kind == COUNTY else 0)
        if best is None or score > best[0]:
            best = (score, spec.kind, m)
    if best is None:
        return None, None
    return best[1], best[2]
