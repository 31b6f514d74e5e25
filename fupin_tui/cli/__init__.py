"""The ``fupin`` command line: one typer app; each area registers its commands from its own module.

Help texts are Chinese (inspectors type these commands); option names stay English. Exit codes everywhere: 0 done;
1 refused or data error, with a Chinese message naming what and where; 2 usage error (typer/click's own).
"""

from __future__ import annotations

import importlib

import typer
import typer.rich_utils as _rich_utils

# Chinese panel titles in --help.
_rich_utils.OPTIONS_PANEL_TITLE = "选项"
_rich_utils.COMMANDS_PANEL_TITLE = "命令"
_rich_utils.ARGUMENTS_PANEL_TITLE = "参数"
_rich_utils.ERRORS_PANEL_TITLE = "错误"
_rich_utils.ABORTED_TEXT = "已中止。"
_rich_utils.REQUIRED_LONG_STRING = "[必填]"
_rich_utils.DEFAULT_STRING = "[默认：{}]"

app = typer.Typer(
    name="fupin",
    help="扶贫建档立卡数据交叉检查工作台：导入县级导出数据、自动核查、部门比对、抽样、逐户核查、评分与通报。",
    no_args_is_help=True,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode="rich",
)

audit_app = typer.Typer(help="操作日志（哈希链）校验。", no_args_is_help=True)
app.add_typer(audit_app, name="audit")

# Each area's module registers its commands on ``app`` (or ``audit_app``) when imported.
_AREAS = ("demo", "imports", "checks", "compare", "sampling", "inspect", "grading", "report", "team")
for _area in _AREAS:
    try:
        importlib.import_module(f"fupin_tui.cli.{_area}")
    except ModuleNotFoundError as exc:  # an area not built yet in this checkout
        if exc.name != f"fupin_tui.cli.{_area}":
            raise


def main() -> None:
    """Console-script entry point (``fupin``)."""
    app()
