"""The scoring package stays pure: importing it pulls in no UI, database or spreadsheet library."""

from __future__ import annotations

import subprocess
import sys


def test_scoring_imports_no_textual_sql_or_excel():
    code = (
        "import sys, fupin_tui.scoring\n"
        "bad = [m for m in ('textual', 'sqlalchemy', 'sqlmodel', 'openpyxl', 'typer', 'rich') if m in sys.modules]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_default_rubric_ships_as_package_data():
    from importlib import resources

    assert resources.files("fupin_tui.scoring").joinpath("default_rubric.toml").is_file()
