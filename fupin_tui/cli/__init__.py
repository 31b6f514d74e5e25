"""The ``fupin`` command line: one typer app; each area registers its commands from its own module.

Help texts are Chinese (inspectors type these commands); option names stay English. Exit codes everywhere: 0 done;
1 refused or data error, with a Chinese message naming what and where; 2 usage error (typer/click's own).
"""

from __future__ import annotations

import importlib
import re

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
_rich_utils.RICH_HELP = "运行 [blue]'{command_path} {help_option}'[/] 查看帮助。"

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
    _patch_usage_errors()


_USAGE_ERRORS = (
    (re.compile(r"^Missing option '?([^'.]+)'?\.?\s*(.*)$", re.S), "缺少选项 {0}。{1}"),
    (re.compile(r"^Missing argument '?([^'.]+)'?\.?\s*(.*)$", re.S), "缺少参数 {0}。{1}"),
    (re.compile(r"^Missing parameter: (.+)$", re.S), "缺少参数：{0}"),
    (re.compile(r"^No such option: (\S+)\s*(?:Did you mean (.+?)\?)?\s*$", re.S), "没有这个选项：{0}{1}"),
    (re.compile(r"^Invalid value for '?([^':]+)'?: (.*)$", re.S), "{0} 的值无效：{1}"),
    (re.compile(r"^Got unexpected extra arguments? \((.*)\)$", re.S), "多余的参数（{0}）"),
    (re.compile(r"^Option '?([^']+)'? requires an argument\.?$", re.S), "选项 {0} 需要一个值"),
)
_VALUE_HINTS = (
    ("valid integer", "应为整数"),
    ("valid number", "应为数字"),
    ("is not one of", "不是可选值之一"),
    ("is not a valid", "不是有效的取值"),
    ("does not exist", "不存在"),
    ("is a directory", "是一个目录"),
)


def _zh_usage(message: str) -> str:
    """Chinese text for a click usage error (typer's vendored click has no gettext hooks for these)."""
    for pattern, template in _USAGE_ERRORS:
        m = pattern.match(message.strip())
        if m:
            groups = [g or "" for g in m.groups()]
            if template.startswith("没有这个选项") and groups[1]:
                groups[1] = f"（是不是 {groups[1]}？）"
            if template.endswith("{1}") and "的值无效" in template:
                for needle, hint in _VALUE_HINTS:
                    if needle in groups[1]:
                        groups[1] = f"{hint}（{groups[1]}）"
                        break
            return template.format(*groups)
    return message


def _patch_usage_errors() -> None:
    try:
        from typer._click import exceptions as click_exc
        from typer._click import formatting as click_fmt
    except ImportError:  # another typer layout: keep click's English messages
        return
    from typer import exceptions as typer_exc

    for cls in (typer_exc.TyperException, click_exc.ClickException, click_exc.UsageError, click_exc.BadParameter, click_exc.MissingParameter, click_exc.NoSuchOption,
                click_exc.BadOptionUsage, click_exc.BadArgumentUsage):
        original = cls.__dict__.get("format_message")
        if original is None:
            continue

        def format_message(self, _original=original):  # noqa: ANN001, ANN202
            return _zh_usage(_original(self))

        cls.format_message = format_message  # type: ignore[method-assign]
    write_usage = click_fmt.HelpFormatter.write_usage

    def zh_write_usage(self, prog, args="", prefix=None):  # noqa: ANN001, ANN202
        return write_usage(self, prog, args, "用法：" if prefix is None else prefix)

    click_fmt.HelpFormatter.write_usage = zh_write_usage  # type: ignore[method-assign]


_patch_click_messages()

app = typer.Typer(
    name="fupin",
    help="扶贫建档立卡数据交叉检查工作台：导入县级导出数据、自动核查、部门比对、抽样、逐户核查、评分与通报。",
    no_args_is_help=True,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode="rich",
)

def _version(value: bool) -> None:
    if value:
        from fupin_tui import __version__

        typer.echo(f"fupin-tui {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="显示版本号并退出。"),
) -> None:
    """扶贫建档立卡数据交叉检查工作台：导入县级导出数据、自动核查、部门比对、抽样、逐户核查、评分与通报。"""


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
