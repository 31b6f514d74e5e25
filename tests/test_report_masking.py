"""Report masking (fupin_tui.report.masking): structured columns and free text, household numbers left alone."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from fupin_tui.idnumber import mask_id, mask_phone
from fupin_tui.report.masking import Masker, looks_personal

ID = "422822195212036262"
PHONE = "18124229961"


class TestStructured:
    def test_id_keeps_first_6_and_last_4(self):
        assert Masker().id(ID) == "422822********6262" == mask_id(ID)
        assert Masker().id("42282219650509089X") == "422822********089X"

    def test_disability_and_15_digit(self):
        assert Masker().id("42282219670226727942") == "422822**********7942"
        assert Masker().id("422822360703635") == "422822*****3635"

    def test_corrupted_ids_never_shown_whole(self):
        assert "195212036" not in Masker().id("4.22822195212036E+17")
        assert Masker().id("422822195212036000") == "422822********6000"

    def test_phone_and_account(self):
        assert Masker().phone(PHONE) == "181****9961" == mask_phone(PHONE)
        assert Masker().phone("18124229961/0718-8123456") == "181****9961/071*****3456"
        assert Masker().account("6217000012345678") == "************5678"

    def test_blank(self):
        m = Masker()
        assert m.id(None) == m.id("") == m.phone(None) == m.account(None) == m.text(None) == ""

    def test_unmasked_passes_through(self):
        m = Masker(unmasked=True)
        assert m.id(ID) == ID and m.phone(PHONE) == PHONE and m.text(f"号码 {ID}") == f"号码 {ID}"


class TestFreeText:
    def test_ids_and_phones_inside_text(self):
        text = f"证件号码{ID}校验位错误，联系电话 {PHONE}，座机 0718-8123456"
        out = Masker().text(text)
        assert ID not in out and PHONE not in out and "8123456" not in out
        assert "422822********6262" in out and "181****9961" in out

    def test_household_and_member_numbers_kept(self):
        keep = {"42282200000001", "4228220000000101", "422822000000010199"}
        text = "户 42282200000001 成员 4228220000000101 与 422822000000010199"
        assert Masker(keep=keep).text(text) == text

    def test_unknown_long_run_masked_as_account(self):
        assert Masker().text("账号 6217000012345678 已停用") == "账号 ************5678 已停用"

    def test_scientific_notation(self):
        out = Masker().text("原值 4.22822195212036E+17")
        assert "195212036" not in out and out.endswith("E+17")

    def test_short_numbers_untouched(self):
        text = "人均纯收入 3200 元，低于 4000 元；2016-03-10，14 位户编号 42282200000001"
        assert Masker().text(text) == text

    def test_disability_number_with_x_and_letters_around(self):
        out = Masker().text("残疾人证号42282219520707095X14；IDno422822195212036262abc")
        assert "42282219520707095X14" not in out and ID not in out
        assert "422822**********5X14" in out and "422822********6262abc" in out

    @given(st.text(alphabet="0123456789Xx -:.E+，户号码ID", max_size=80))
    def test_no_long_digit_run_or_mobile_survives_and_idempotent(self, text):
        m = Masker()
        out = m.text(text)
        assert not re.search(r"\d{15}", out)
        assert not re.search(r"(?<!\d)1[3-9]\d{9}(?!\d)", out)
        assert m.text(out) == out
        assert not looks_personal(out)
