"""Foundation: ID normalisation, header normalisation, the audit chain, storage pragmas, import hygiene."""

from __future__ import annotations

import datetime as dt
import os
import stat
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text, update

from fupin_tui.audit import append_action, verify_chain
from fupin_tui.headers import ROSTER_LOOKUP, header_variants, match_field, normalize_header
from fupin_tui.idnumber import IdKind, age_on, mask_id, mask_phone, normalize_id, upgrade15
from fupin_tui.models import Action, County, get_engine, resolve_county, session_scope


class TestIdNumber:
    def test_valid_18(self):
        info = normalize_id("422822195212036262")
        assert info.kind is IdKind.ID18 and info.checksum_ok
        assert info.birth_date == dt.date(1952, 12, 3) and info.sex == "女"

    def test_wrong_check_digit_is_kept_but_flagged(self):
        info = normalize_id("422822195212036263")
        assert info.kind is IdKind.ID18 and info.value == "422822195212036263" and not info.checksum_ok

    def test_lowercase_x_fullwidth_and_spaces(self):
        assert normalize_id("42282219650509089x").value == "42282219650509089X"
        assert normalize_id("４２２８２２ １９５２１２０３６２６２").value == "422822195212036262"
        assert normalize_id("'422822195212036262").value == "422822195212036262"

    def test_15_digit_upgrade(self):
        assert upgrade15("422822360703635") == "422822193607036356"
        info = normalize_id("422822360703635")
        assert info.kind is IdKind.ID15 and info.value == "422822193607036356" and info.checksum_ok

    def test_disability_certificate(self):
        info = normalize_id("42282219670226727942")
        assert info.kind is IdKind.DISABILITY and info.value == "422822196702267279"
        assert (info.disability_category, info.disability_grade) == ("4", "2")

    # (text "422822195212036000" would be a valid ID by its check digit: text ending in zeros is only corrupted when
    # its check digit fails, so the text example here is one whose check digit fails)
    @pytest.mark.parametrize("value", [4.22822195212036e17, "4.22822E+17", "422822195403164000", 422822195212036000.0])
    def test_excel_corruption_never_matched(self, value):
        info = normalize_id(value)
        assert info.kind is IdKind.CORRUPTED and info.value is None and not info.matchable

    def test_empty_and_invalid(self):
        assert normalize_id(None).kind is IdKind.EMPTY
        assert normalize_id("  ").kind is IdKind.EMPTY
        assert normalize_id("12345").kind is IdKind.INVALID

    def test_age_on_31_december_of_data_year(self):
        assert age_on(dt.date(2005, 12, 31), 2015) == 10
        assert age_on(None, 2015) is None

    def test_masks(self):
        assert mask_id("422822195212036262") == "422822********6262"
        assert mask_phone("18124229961") == "181****9961"
        assert mask_phone("18536785") == "******85"  # a malformed 8-digit number: at least half hidden

    @given(st.one_of(st.text(max_size=30), st.integers(), st.floats(allow_nan=True), st.none()))
    def test_never_crashes_and_idempotent(self, value):
        info = normalize_id(value)
        if info.value is not None:
            assert normalize_id(info.value).value == info.value


class TestHeaders:
    def test_line_breaks_spaces_fullwidth(self):
        assert normalize_header("务工时间\n（月）") == "务工时间(月)"
        assert match_field("务工时间\n（月）", ROSTER_LOOKUP) == "work_months"
        assert match_field("身份证号", ROSTER_LOOKUP) == "id_number"
        assert match_field("镇（乡）", ROSTER_LOOKUP) == "township"
        assert match_field("社、组", ROSTER_LOOKUP) == "hamlet"
        assert match_field("家庭成员数", ROSTER_LOOKUP) == "size"

    def test_two_label_header(self):
        assert "劳动技能" in header_variants("劳动能力\n页面（劳动技能）")
        assert match_field("劳动能力\n页面（劳动技能）", ROSTER_LOOKUP) == "labour_skill"

    @given(st.text(max_size=40))
    def test_normalize_header_idempotent(self, value):
        once = normalize_header(value)
        assert normalize_header(once) == once


class TestStorage:
    def test_pragmas_and_private_file(self, db_path):
        engine = get_engine(db_path)
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert stat.S_IMODE(os.stat(db_path).st_mode) == 0o600

    def test_resolve_county(self, db_path):
        engine = get_engine(db_path)
        with session_scope(engine) as s:
            with pytest.raises(Exception, match="还没有"):
                resolve_county(s, None)
            s.add(County(code="422822", name="建始县"))
            s.add(County(code="422823", name="巴东县"))
        with session_scope(engine) as s:
            with pytest.raises(Exception, match="--county"):
                resolve_county(s, None)
            assert resolve_county(s, "422823").name == "巴东县"

    def test_missing_file_not_created_on_read(self, tmp_path):
        from fupin_tui.models import DatabaseError

        with pytest.raises(DatabaseError):
            get_engine(tmp_path / "nope.db", create=False)
        assert not (tmp_path / "nope.db").exists()


class TestAuditChain:
    def test_chain_verifies_and_detects_edit_and_removal(self, db_path):
        engine = get_engine(db_path)
        for i in range(5):
            with session_scope(engine) as s:
                append_action(s, inspector="张三@某局", action="mark.add", target=f"household:{i}", new={"note": f"第{i}条"})
        with session_scope(engine) as s:
            report = verify_chain(s)
            assert report.ok and report.rows == 5
        with session_scope(engine) as s:
            s.execute(update(Action).where(Action.id == 3).values(note="改过"))
        with session_scope(engine) as s:
            report = verify_chain(s)
            assert not report.ok and report.broken_id == 3
        with session_scope(engine) as s:
            s.execute(update(Action).where(Action.id == 3).values(note=""))
            s.execute(text("DELETE FROM action WHERE id = 2"))
        with session_scope(engine) as s:
            report = verify_chain(s)
            assert not report.ok and report.broken_id == 3

    def test_chain_detects_rows_cut_from_the_end(self, db_path):
        engine = get_engine(db_path)
        for i in range(3):
            with session_scope(engine) as s:
                append_action(s, inspector="甲", action="mark.add", target=f"household:{i}")
        with session_scope(engine) as s:
            s.execute(text("DELETE FROM action WHERE id = 3"))
        with session_scope(engine) as s:
            report = verify_chain(s)
            assert not report.ok and report.broken_id == 3 and "末尾" in report.reason


CORE_MODULES = [
    "fupin_tui.models", "fupin_tui.glossary", "fupin_tui.idnumber", "fupin_tui.headers", "fupin_tui.audit",
    "fupin_tui.importing", "fupin_tui.checks", "fupin_tui.compare", "fupin_tui.sampling", "fupin_tui.scoring",
    "fupin_tui.grading", "fupin_tui.ranking", "fupin_tui.report", "fupin_tui.review", "fupin_tui.demo", "fupin_tui.team",
]


def test_import_hygiene_core_without_textual():
    """Importing the headless core (models, import, checks, sampling, scoring, report...) must not import textual."""
    code = (
        "import importlib, sys\n"
        f"for name in {CORE_MODULES!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"textual imported by the core: {out.stdout.strip()[:200]}"


def test_read_session_does_not_block_writers(tmp_path):
    """Long read-only work (report, grade) begins with a deferred BEGIN: while it holds its snapshot, another
    connection commits a write within a short busy timeout; ordinary transactions still begin IMMEDIATE."""
    import sqlite3

    from builders import begin_statements
    from sqlalchemy import select

    from fupin_tui.models import read_connection, read_session

    path = tmp_path / "rw.db"
    engine = get_engine(path)
    with session_scope(engine) as s:
        s.add(County(code="422822", name="建始县", data_year=2015))
    with begin_statements(engine) as begins:
        with read_session(engine) as s:
            assert s.scalar(select(County.name)) == "建始县"  # the read transaction is open, its snapshot taken
            other = sqlite3.connect(path, timeout=0.5, isolation_level=None)
            other.execute("BEGIN IMMEDIATE")
            other.execute("UPDATE county SET name = '建始' WHERE code = '422822'")
            other.execute("COMMIT")  # did not wait for the reader
            other.close()
            assert s.scalar(select(County.name)) == "建始县"  # still its own snapshot
        with read_connection(engine) as conn:
            assert conn.execute(select(County.name)).scalar() == "建始"
        with session_scope(engine) as s:
            s.get(County, "422822").name = "建始县"
    assert begins == ["BEGIN", "BEGIN", "BEGIN IMMEDIATE"]  # the begin listener fires for the read engine too
