"""The CLI speaks Chinese: help texts, usage errors, exit codes (0 done, 1 refused or data error, 2 usage)."""

from __future__ import annotations

import subprocess
import sys

from typer.testing import CliRunner

from fupin_tui.cli import app

runner = CliRunner()


def test_every_command_has_chinese_help():
    for args in (["--help"], ["import", "--help"], ["check", "--help"], ["compare", "--help"], ["sample", "--help"],
                 ["plan", "--help"], ["inspect", "--help"], ["grade", "--help"], ["report", "--help"],
                 ["rank", "--help"], ["demo", "--help"], ["audit", "verify", "--help"], ["export-marks", "--help"],
                 ["merge-marks", "--help"], ["backcheck", "assign", "--help"], ["county", "--help"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, args
        assert "显示本帮助并退出" in result.output and "选项" in result.output, args


def test_usage_errors_are_chinese_and_exit_2():
    missing = runner.invoke(app, ["grade"])
    assert missing.exit_code == 2 and "缺少选项 --db" in missing.output
    bogus = runner.invoke(app, ["grade", "--db", "x.db", "--bogus"])
    assert bogus.exit_code == 2 and "没有这个选项" in bogus.output
    bad = runner.invoke(app, ["sample", "--db", "x.db", "--n", "abc"])
    assert bad.exit_code == 2 and "应为整数" in bad.output
    no_value = runner.invoke(app, ["grade", "--db"])
    assert no_value.exit_code == 2 and "需要一个值" in no_value.output


def test_not_a_database_is_a_chinese_data_error(tmp_path):
    junk = tmp_path / "x.db"
    junk.write_text("hello")
    result = runner.invoke(app, ["grade", "--db", str(junk)])
    assert result.exit_code == 1 and "不是有效的数据库文件" in result.output
    assert "Traceback" not in result.output and "sqlalche" not in result.output


def test_real_subprocess_plan_json():
    """Once as a real process: the installed entry point's module runs and prints the plan as JSON."""
    out = subprocess.run([sys.executable, "-m", "fupin_tui", "plan", "--tolerable", "0.05", "--json"],
                         capture_output=True, text=True, check=True)
    assert '"n": 59' in out.stdout
