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

_CLICK_ZH = {
    "Show this message and exit.": "显示本帮助并退出。",
    "Missing option {param_hint}": "缺少选项 {param_hint}",
    "Missing argument {param_hint}": "缺少参数 {param_hint}",
    "Missing parameter: {param_name}": "缺少参数：{param_name}",
    "No such option: {name}": "没有这个选项：{name}",
    "No such command {name!r}.": "没有这个命令 {name!r}。",
    "Invalid value for {param_hint}": "{param_hint} 的值无效",
    "Try {command!r} for help.": "运行 {command!r} 查看帮助。",
    "Got unexpected extra argument ({args})": "多余的参数（{args}）",
    "Got unexpected extra arguments ({args})": "多余的参数（{args}）",
    "Error": "错误",
    "Usage:": "用法：",
}


def _zh(message: str) -> str:
    return _CLICK_ZH.get(message, message)


def _patch_click_messages() -> None:
    """Chinese usage/error messages: click (vendored by typer as ``typer._click``) looks ``_`` up at call time."""
    for name in ("typer.core", "typer._click.core", "typer._click.exceptions", "typer._click.parser"):
        try:
            mod = importlib.import_module(name)
        except ImportError:
            continue
        if hasattr(mod, "_"):
            mod._ = _zh  # type: ignore[attr-defined]
    try:
        from typer._click.core import Command
    except ImportError:  # another typer layout: keep click's English help line
        return
    original = Command.get_help_option

    def get_help_option(self, ctx):  # noqa: ANN001, ANN202
        option = original(self, ctx)
        if option is not None:
            option.help = "显示本帮助并退出。"
        return option

    Command.get_help_option = get_help_option  # type: ignore[method-assign]


_patch_click_messages()

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
