"""Helpers shared by the CLI modules: the ``--db`` / ``--county`` options, Chinese error exits, the console."""

from __future__ import annotations

import sys
from typing import Annotated, NoReturn

import typer
from sqlalchemy import exc as sa_exc
from rich.console import Console

from fupin_tui.models import DatabaseError, get_engine, network_share_warning

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)

DbOption = Annotated[str, typer.Option("--db", help="数据库：SQLite 文件路径，或 postgresql://… 地址。")]
CountyOption = Annotated[
    str | None, typer.Option("--county", help="县代码（6位）；数据库只有一个县时可省略。")
]
JsonOption = Annotated[bool, typer.Option("--json", help="以 JSON 输出（供程序读取）。")]
InspectorOption = Annotated[str | None, typer.Option("--inspector", help="核查人员姓名（可写成“姓名@单位”）。")]


def fail(message: str, code: int = 1) -> NoReturn:
    """Print a Chinese error message to stderr and exit with ``code`` (1: refused or data error)."""
    err_console.print(f"[bold red]错误：[/]{message}")
    raise typer.Exit(code)


def open_engine(db: str, *, create: bool = False):  # noqa: ANN201
    """Engine for ``--db``; exits 1 with a Chinese message when it cannot be opened. Warns about network shares."""
    warning = network_share_warning(db)
    if warning:
        err_console.print(f"[yellow]{warning}[/]")
    try:
        return get_engine(db, create=create)
    except DatabaseError as exc:
        fail(str(exc))
    except sa_exc.DatabaseError as exc:
        text = str(exc.orig) if getattr(exc, "orig", None) is not None else str(exc)
        if "not a database" in text or "malformed" in text:
            fail(f"{db} 不是有效的数据库文件（或已损坏）：请检查 --db 参数是否指向 fupin 的数据库")
        fail(f"无法打开数据库 {db}：数据库服务器拒绝或无法连接（{_first_line(text)}）")
    except Exception as exc:  # noqa: BLE001 - any driver error becomes a message, not a traceback
        fail(f"无法打开数据库 {db}：{_first_line(str(exc))}")


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0][:200] if text.strip() else "未知原因"


def is_interactive() -> bool:
    """True when stdin and stdout are terminals (the TUI can run)."""
    return sys.stdin.isatty() and sys.stdout.isatty()


def actor(inspector: str | None) -> str:
    """Who a command acts as, for the action log: ``--inspector``, else the inspector last used on this computer
    (remembered by the TUI), else the login name marked 未署名 (so the trail never holds an empty name)."""
    if inspector and inspector.strip():
        return inspector.strip()
    from fupin_tui.review import remembered_inspector

    remembered = remembered_inspector()
    if remembered:
        return remembered
    import getpass

    try:
        user = getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some containers
        user = "unknown"
    return f"{user}（未署名）"
