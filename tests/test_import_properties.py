"""Property tests (hypothesis): header and ID normalisation never crash and are idempotent; the importer's fast ID
path agrees with the full normaliser; header location never crashes on arbitrary grids."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from fupin_tui.headers import ROSTER_LOOKUP, header_variants, match_field, normalize_header
from fupin_tui.idnumber import id_value_kind, normalize_id
from fupin_tui.importing.tables import find_header
from fupin_tui.importing.values import key_text, to_number, to_text

HEADERISH = st.text(alphabet=st.sampled_from(list("户编号人证件码（）()\n \u3000　、身份乡镇村组劳动能力页面技") + ["\t"]),
                    max_size=20)
ANY_TEXT = st.one_of(st.text(max_size=30), HEADERISH)
DIGITS = "0123456789"
ID_TEXT = st.one_of(
    st.text(alphabet=st.sampled_from(list(DIGITS + "xX ０１２３４５６７８９'-") + ["\u3000"]), min_size=0, max_size=24),
    st.builds(lambda d, last: d + last, st.text(alphabet=st.sampled_from(list(DIGITS)), min_size=17, max_size=17),
              st.sampled_from(list(DIGITS + "Xx"))),
)
CELL = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-10**20, max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True), ANY_TEXT, ID_TEXT,
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 1, 1)),
)


@given(ANY_TEXT)
def test_normalize_header_idempotent(x: str) -> None:
    once = normalize_header(x)
    assert normalize_header(once) == once
    header_variants(x)
    match_field(x, ROSTER_LOOKUP)


@given(CELL)
def test_normalize_header_any_cell(x: object) -> None:
    once = normalize_header(x)
    assert normalize_header(once) == once


@given(st.one_of(CELL, ID_TEXT))
def test_normalize_id_never_crashes_and_is_idempotent(x: object) -> None:
    info = normalize_id(x)
    if info.value is not None:
        again = normalize_id(info.value)
        assert again.value == info.value
        assert len(info.value) == 18


@given(st.one_of(CELL, ID_TEXT))
def test_fast_id_path_agrees_with_normalize_id(x: object) -> None:
    info = normalize_id(x)
    assert id_value_kind(x) == (info.raw, info.value, info.kind)


@given(CELL)
def test_value_conversions_never_crash(x: object) -> None:
    t = to_text(x)
    assert isinstance(t, str)
    k = key_text(x)
    assert key_text(k) == k
    to_number(x)


@settings(max_examples=60)
@given(st.lists(st.lists(CELL, max_size=8), max_size=18))
def test_find_header_never_crashes(grid: list[list[object]]) -> None:
    m = find_header(grid, ROSTER_LOOKUP, min_fields=1)
    if m is not None:
        assert 1 <= m.first_row <= m.row <= len(grid)
