"""Privacy (issue 7): database files and mark bundles are readable by their owner only; what import and compare say
about a bad row names it by file, row, 户编号 / 人编号 — never by the name, ID number or phone number it holds.

The message checks plant rows full of personal data (a name, an 18-digit ID, a mobile number, also inside numeric
cells) and grep everything the commands print, the rejected-row records and the failure messages for those values.
"""

from __future__ import annotations

import os
import re
import sqlite3
import stat
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from fupin_tui.cli import app as cli
from fupin_tui.idnumber import normalize_id
from fupin_tui.importing import ImportFailure, import_files
from fupin_tui.models import get_engine, session_scope
from fupin_tui.review import Reviewer

pytestmark = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")

# Planted personal data: synthetic, but shaped like the real thing (valid-checksum IDs, mobile numbers).
NAMES = ["欧阳无户", "欧阳文字", "欧阳收入", "欧阳丙", "司马改名", "上官部门", "诸葛号码"]
PHONES = ["13912345001", "13912345002", "13812345004", "13712345005", "13612345006"]


def _id(body17: str) -> str:
    from stdnum.cn import ric

    return body17 + ric.calc_check_digit(body17)


IDS = [_id("42282219900101123"), _id("42282219850505432"), _id("42282219770707111"), _id("42282219660606222")]
BAD_IDS = ["4228221990010112", "42282219900101123"]  # 16 and 17 digits: invalid, but personal all the same
PERSONAL = NAMES + PHONES + IDS + BAD_IDS


@pytest.fixture(autouse=True)
def _config_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    from fupin_tui.demo import generate_county

    return generate_county(tmp_path_factory.mktemp("privacy_county"), households=40, seed=3)


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def _leaks(text: str) -> list[str]:
    return [v for v in PERSONAL if v in text]


def _run(*args) -> tuple[int, str]:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    return result.exit_code, result.output


# ---------------------------------------------------------------------------------------------------------------------
# File modes
# ---------------------------------------------------------------------------------------------------------------------


def test_database_file_and_wal_are_owner_only(tmp_path):
    old = os.umask(0o022)  # the usual umask: would give 0644
    try:
        db = tmp_path / "new" / "county.db"
        engine = get_engine(db)
        with session_scope(engine) as s:
            s.execute(text("SELECT 1"))
        for p in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
            assert p.exists() and _mode(p) == 0o600, (p.name, oct(_mode(p)))
    finally:
        os.umask(old)


def test_import_creates_an_owner_only_database(tmp_path, county):
    old = os.umask(0o022)
    try:
        db = tmp_path / "import.db"
        code, out = _run("import", "--db", db, county.roster, county.income)
        assert code == 0, out
        assert _mode(db) == 0o600
        assert all(_mode(p) == 0o600 for p in tmp_path.glob("import.db-*"))
    finally:
        os.umask(old)


def test_existing_world_readable_database_is_tightened(tmp_path):
    db = tmp_path / "old.db"
    sqlite3.connect(db).close()
    os.chmod(db, 0o644)
    get_engine(db)
    assert _mode(db) == 0o600


def test_mark_bundle_is_owner_only(tmp_path, county):
    db = tmp_path / "b.db"
    assert _run("import", "--db", db, county.roster, county.income)[0] == 0
    assert _run("sample", "--db", db, "--n", "5", "--seed", "1")[0] == 0
    engine = get_engine(db)
    with session_scope(engine) as s:
        from fupin_tui.review import resume_position

        first = resume_position(s, county.county_code)
    Reviewer(engine, county.county_code, "甲@一组").add_mark(first, "income", "一般", "收入不符")
    old = os.umask(0o022)
    try:
        out = tmp_path / "bundles" / "甲.json"
        code, text = _run("export-marks", "--db", db, "--out", out)
        assert code == 0, text
        assert _mode(out) == 0o600
        out.chmod(0o644)  # exporting again over a world-readable file makes it private again
        assert _run("export-marks", "--db", db, "--out", out)[0] == 0
        assert _mode(out) == 0o600
    finally:
        os.umask(old)


def test_remembered_inspector_file_is_owner_only(tmp_path):
    from fupin_tui.review import remember_inspector

    remember_inspector("甲@一组")
    path = tmp_path / "config" / "fupin-tui" / "inspector.json"
    assert path.exists() and _mode(path) == 0o600


# ---------------------------------------------------------------------------------------------------------------------
# Messages about bad rows
# ---------------------------------------------------------------------------------------------------------------------


def _bad_exports(county, out: Path) -> dict:
    """Copies of the county's roster and income table with bad rows full of personal data; returns what was planted
    where (the 户编号 / 人编号 the messages may name)."""
    wb = openpyxl.load_workbook(county.roster)
    ws = wb.active
    header_row = next(r for r in range(1, 10) if ws.cell(row=r, column=1).value == "序号")
    hdr = [c.value for c in ws[header_row]]
    col = {h: i + 1 for i, h in enumerate(hdr)}
    first = header_row + 1
    # 1. a person with no 户编号 / 人编号 above every household: cannot be placed (rejected)
    ws.insert_rows(first)
    for h, v in (("姓名", NAMES[0]), ("证件号码", IDS[0]), ("联系电话", PHONES[0]), ("与户主关系", "户主")):
        ws.cell(row=first, column=col[h], value=v)
    # 2. personal data typed into numeric cells of a real member (kept as a bad value, never quoted in messages)
    row2 = first + 2
    member_no = str(ws.cell(row=row2, column=col["人编号"]).value)
    ws.cell(row=row2, column=col["务工时间（月）"], value=f"{NAMES[1]} {PHONES[1]}")
    ws.cell(row=row2, column=col["人数"], value=f"三口人 {IDS[1]}")
    # 3. an invalid ID number on another member
    ws.cell(row=first + 3, column=col["证件号码"], value=BAD_IDS[0])
    # 4. a row that is no data row at all but holds a phone number and a 17-digit ID
    ws.cell(row=ws.max_row + 2, column=col["联系电话"], value=PHONES[3])
    ws.cell(row=ws.max_row, column=col["备注"] if "备注" in col else col["民族"], value=BAD_IDS[1])
    roster = out / "花名册_问题行.xlsx"
    wb.save(roster)

    wb = openpyxl.load_workbook(county.income)
    ws = wb.active
    ih = [c.value for c in ws[1]]
    # 5. an income row with no 户编号 whose head ID matches nobody: rejected
    ws.append(["", NAMES[2], IDS[2]] + [None] * (len(ih) - 3))
    # 6. personal data in an income cell of a real household
    household_no = str(ws.cell(row=3, column=1).value)
    ws.cell(row=3, column=ih.index("年收入") + 1, value=f"约五千 {NAMES[3]} {PHONES[2]}")
    income = out / "户收入_问题行.xlsx"
    wb.save(income)
    return {"roster": roster, "income": income, "member_no": member_no, "household_no": household_no}


def test_import_messages_name_rows_not_people(tmp_path, county):
    bad = _bad_exports(county, tmp_path)
    db = tmp_path / "i.db"
    code, out = _run("import", "--db", db, bad["roster"], bad["income"])
    assert code == 0, out
    assert "拒收" in out and "第 " in out  # the rejected rows are reported, by file and row
    assert _leaks(out) == [], out
    # the same through the API: every reject message, every warning
    engine = get_engine(tmp_path / "api.db")
    report = import_files(engine, [bad["roster"], bad["income"]])
    messages = [r.message() for r in report.rejects] + list(report.warnings)
    assert len(report.rejects) >= 2
    assert _leaks("\n".join(messages)) == [], messages
    # and what is stored for the report's 拒收行 sheet
    con = sqlite3.connect(db)
    try:
        stored = "\n".join(str(v) for row in con.execute("SELECT * FROM rejected_row") for v in row)
    finally:
        con.close()
    assert stored and _leaks(stored) == [], stored


def test_reexport_changes_name_households_and_members_not_values(tmp_path, county):
    """A corrected re-export that changes a member's name, ID and phone: the change lines give 户编号 and 人编号
    and the changed fields' labels, not the old or new values."""
    db = tmp_path / "r.db"
    assert _run("import", "--db", db, county.roster, county.income)[0] == 0
    wb = openpyxl.load_workbook(county.roster)
    ws = wb.active
    header_row = next(r for r in range(1, 10) if ws.cell(row=r, column=1).value == "序号")
    col = {c.value: i + 1 for i, c in enumerate(ws[header_row])}
    row = header_row + 1
    household_no = str(ws.cell(row=row, column=col["户编号"]).value)
    member_no = str(ws.cell(row=row, column=col["人编号"]).value)
    old = [str(ws.cell(row=row, column=col[h]).value) for h in ("姓名", "证件号码", "联系电话")]
    ws.cell(row=row, column=col["姓名"], value=NAMES[4])
    ws.cell(row=row, column=col["证件号码"], value=IDS[3])
    ws.cell(row=row, column=col["联系电话"], value=PHONES[4])
    again = tmp_path / "花名册_整改后.xlsx"
    wb.save(again)
    code, out = _run("import", "--db", db, again, county.income)
    assert code == 0, out
    assert household_no in out and member_no in out  # the change is named by its numbers
    assert _leaks(out) == [], out
    assert not [v for v in old if v and v != "None" and v in out], out


def test_unreadable_file_message_quotes_no_cell(tmp_path):
    """A sheet without a recognisable header, full of personal data: refused, saying where, quoting nothing."""
    path = tmp_path / "名单.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["随便", "什么", "表头"])
    ws.append([NAMES[5], IDS[0], PHONES[0]])
    ws.append([NAMES[6], IDS[1], PHONES[1]])
    wb.save(path)
    code, out = _run("import", "--db", tmp_path / "u.db", path)
    assert code != 0 or "跳过" in out, out
    assert _leaks(out) == [], out
    try:
        import_files(get_engine(tmp_path / "u2.db"), [path])
    except ImportFailure as exc:
        assert _leaks(str(exc)) == [], str(exc)


def test_compare_messages_name_rows_not_people(tmp_path, county):
    """A department list with bad rows (invalid and truncated IDs, a name without an ID, a mobile number in the ID
    column) and a near-miss of a registered member's ID: the command's report counts and locates, quoting nobody."""
    db = tmp_path / "c.db"
    assert _run("import", "--db", db, county.roster, county.income)[0] == 0
    with session_scope(get_engine(db)) as s:
        from sqlalchemy import select

        from fupin_tui.models import Member

        member = s.scalars(select(Member).order_by(Member.member_no)).first()
        real_id, real_name = member.id_number, member.name
    # the registered member's ID with two digits swapped: a possible typo the comparison reports
    digits = list(real_id)
    digits[14], digits[15] = digits[15], digits[14]
    near = "".join(digits[:17])
    near = _id(near) if normalize_id(_id(near)).value else near
    path = tmp_path / "民政_低保特困人员名单.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["姓名", "身份证号", "保障类型", "乡镇", "村", "联系电话"])
    ws.append([NAMES[5], BAD_IDS[0], "农村低保", "业州镇", "一村", PHONES[3]])
    ws.append([NAMES[6], BAD_IDS[1], "农村低保", "业州镇", "一村", PHONES[4]])
    ws.append([NAMES[0], "", "农村低保", "业州镇", "一村", PHONES[0]])
    ws.append([NAMES[1], PHONES[1], "农村低保", "业州镇", "一村", ""])
    ws.append([NAMES[2], IDS[2], "农村特困", "业州镇", "一村", PHONES[2]])  # valid, nobody registered
    ws.append([real_name + "某", near, "农村低保", "业州镇", "一村", ""])
    ws.append([real_name, real_id, "农村低保", "业州镇", "一村", ""])  # a match
    wb.save(path)
    code, out = _run("compare", "--db", db, path)
    assert code == 0, out
    assert "无法比对" in out  # the bad rows are counted
    assert _leaks(out) == [], out
    assert real_id not in out and near not in out
    assert (real_name + "某") not in out
    # the clues the command prints are named by 户编号
    assert "线索明细" in out and re.search(rf"(?<!\d){county.county_code}\d{{8}}(?!\d)", out)
