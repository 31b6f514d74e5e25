"""Engine and session factory: SQLite by default (a file path), PostgreSQL with a ``postgresql://`` URL.

SQLite pragmas on every connection: ``foreign_keys=ON``, ``journal_mode=WAL``, ``synchronous=FULL`` and a busy
timeout. Durability choice (issue 7): marks and status changes are few and human-paced, so every commit is fsynced
(WAL + synchronous=FULL survives a power cut, not only a killed process); bulk import switches its own connection to
``synchronous=NORMAL`` for the duration of its single transaction (:func:`bulk_connection`), which can lose at most
that unfinished import, never a mark. Database files are created readable by their owner only (0600).

Transactions begin with ``BEGIN IMMEDIATE`` (writers queue on the busy timeout), except those of
:func:`read_session` / :func:`read_connection`: long read-only work (report, grade, check and comparison queries)
begins with a plain deferred ``BEGIN``, so in WAL mode it reads a snapshot and never makes a writer (an inspector
saving a mark) wait.
"""

from __future__ import annotations

import contextlib
import os
import stat
import uuid
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import event, select
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, SQLModel, create_engine

from fupin_tui.models.tables import SCHEMA_VERSION, County, Meta

_ENGINES: dict[str, Engine] = {}

#: Execution option marking a read-only engine/connection: its transactions begin with a deferred ``BEGIN`` on SQLite.
READ_ONLY = "fupin_read_only"

NETWORK_FS_TYPES = {"nfs", "nfs4", "cifs", "smbfs", "smb3", "fuse.sshfs", "9p", "afs", "davfs", "fuse.davfs2"}


class DatabaseError(Exception):
    """A database could not be opened or holds no usable data. ``str()`` is a Chinese message for the user."""


def db_url(db: str | os.PathLike[str]) -> str:
    """SQLAlchemy URL for ``--db``: a ``postgresql://`` (or any ``scheme://``) URL as is, else a SQLite file path."""
    text = str(db)
    if "://" in text:
        if text.startswith("postgresql://"):
            text = "postgresql+psycopg://" + text[len("postgresql://"):]
        return text
    return f"sqlite:///{Path(text).expanduser().resolve()}"


def is_sqlite(engine: Engine) -> bool:
    """True when ``engine`` talks to SQLite."""
    return engine.dialect.name == "sqlite"


def _sqlite_path(url: str) -> Path | None:
    u = make_url(url)
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return None
    return Path(u.database)


def _create_private(path: Path) -> None:
    """Create ``path`` (and the WAL side files SQLite will create) with mode 0600 if absent."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        if not p.exists():
            fd = os.open(p, os.O_CREAT | os.O_WRONLY, stat.S_IRUSR | stat.S_IWUSR)
            os.close(fd)
        else:
            with contextlib.suppress(OSError):
                os.chmod(p, stat.S_IRUSR | stat.S_IWUSR)


def filesystem_type(path: Path) -> str | None:
    """The file-system type (``/proc/mounts``) holding ``path``, or None when unknown (non-Linux)."""
    try:
        mounts = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        return None
    target = str(path.resolve())
    best, best_type = "", None
    for line in mounts:
        parts = line.split()
        if len(parts) >= 3:
            mnt = parts[1].replace("\\040", " ")
            if (target == mnt or target.startswith(mnt.rstrip("/") + "/")) and len(mnt) >= len(best):
                best, best_type = mnt, parts[2]
    return best_type


def network_share_warning(db: str | os.PathLike[str]) -> str | None:
    """A Chinese warning when a SQLite file lies on a network share (NFS/SMB), where SQLite's locking is unsafe."""
    path = _sqlite_path(db_url(db))
    if path is None:
        return None
    fstype = filesystem_type(path.parent if not path.exists() else path)
    if fstype and fstype.lower() in NETWORK_FS_TYPES:
        return (f"警告：数据库文件位于网络共享（{fstype}）上，SQLite 在网络文件系统上的文件锁不可靠，多人同时使用可能损坏数据。"
                "请把数据库放在本机磁盘上，或使用 PostgreSQL（--db postgresql://…）。")
    return None


def get_engine(db: str | os.PathLike[str], *, create: bool = True) -> Engine:
    """Engine for ``--db`` (cached per URL), with the pragmas above and the schema created/checked.

    ``create=False`` raises :class:`DatabaseError` when a SQLite file does not exist (commands that read a database
    should not silently create an empty one).
    """
    url = db_url(db)
    if url in _ENGINES:
        return _ENGINES[url]
    path = _sqlite_path(url)
    if path is not None:
        if not path.exists() and not create:
            raise DatabaseError(f"数据库文件不存在：{path}（请先用 fupin import 导入数据）")
        _create_private(path)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    else:
        engine = create_engine(url, pool_pre_ping=True)
    init_db(engine)
    _ENGINES[url] = engine
    return engine


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # noqa: ANN001
    # Let SQLAlchemy not emit its own BEGIN: we emit BEGIN IMMEDIATE in _sqlite_begin so writers queue on the busy
    # timeout instead of failing with "database is locked" when two TUIs share a file.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def _sqlite_begin(conn) -> None:  # noqa: ANN001
    # The listener is registered on the engine; option engines (engine.execution_options(...)) share its events, so
    # it fires for read_engine()'s connections too and sees their options.
    conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(READ_ONLY) else "BEGIN IMMEDIATE")


def init_db(engine: Engine) -> None:
    """Create missing tables and record the schema version (idempotent)."""
    import fupin_tui.models.tables  # noqa: F401  (register every table)

    SQLModel.metadata.create_all(engine)
    with Session(engine) as session:
        meta = session.get(Meta, "schema_version")
        if meta is None:
            session.add(Meta(key="schema_version", value=str(SCHEMA_VERSION)))
            session.add(Meta(key="instance_id", value=str(uuid.uuid4())))
            session.commit()
        elif int(meta.value) > SCHEMA_VERSION:
            raise DatabaseError(f"数据库结构版本 {meta.value} 比本程序（{SCHEMA_VERSION}）新，请升级 fupin-tui")


@contextlib.contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on any exception (re-raised)."""
    session = Session(engine, expire_on_commit=False)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def read_engine(engine: Engine) -> Engine:
    """A view of ``engine`` (same pool, same events) whose transactions are read-only work: on SQLite they begin with
    a deferred ``BEGIN`` instead of ``BEGIN IMMEDIATE``, so they take no write lock and never block a writer."""
    if engine.get_execution_options().get(READ_ONLY):
        return engine
    return engine.execution_options(**{READ_ONLY: True})


@contextlib.contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    """A session for read-only work (report, grade, overview, check and comparison queries): one snapshot, no write
    lock (see :func:`read_engine`); ended with a rollback. Writing through it is a programming error (on SQLite the
    first write would have to wait for, or fail against, other writers)."""
    session = Session(read_engine(engine), expire_on_commit=False)
    try:
        yield session
    finally:
        session.rollback()
        session.close()


@contextlib.contextmanager
def read_connection(engine: Engine) -> Iterator:
    """A Core connection in one read-only transaction (see :func:`read_session`), rolled back at the end."""
    with read_engine(engine).connect() as conn, conn.begin() as tx:
        try:
            yield conn
        finally:
            tx.rollback()


@contextlib.contextmanager
def bulk_connection(engine: Engine) -> Iterator:
    """One connection and ONE transaction for a bulk job (import, check, compare): all or nothing.

    On SQLite the connection runs with ``synchronous=NORMAL`` (WAL) while the job lasts: an interrupted import is
    rolled back as a whole, marks committed by others stay fsynced.
    """
    with engine.connect() as conn:
        # The pragma must run outside a transaction: on the raw driver connection (autocommit, see _sqlite_pragmas),
        # since SQLAlchemy's own execute would first emit BEGIN IMMEDIATE.
        raw = conn.connection.driver_connection if is_sqlite(engine) else None
        if raw is not None:
            raw.execute("PRAGMA synchronous=NORMAL")
        try:
            with conn.begin():
                yield conn
        finally:
            if raw is not None:
                raw.execute("PRAGMA synchronous=FULL")


def resolve_county(session: Session, county: str | None) -> County:
    """The county a command works on: ``county`` when given, else the only county in the file.

    Raises :class:`DatabaseError` (Chinese message) when the file holds no county, several without ``--county``,
    or not the one asked for.
    """
    if county:
        row = session.get(County, county)
        if row is None:
            raise DatabaseError(f"数据库中没有县代码 {county}")
        return row
    rows = list(session.scalars(select(County).order_by(County.code)))
    if not rows:
        raise DatabaseError("数据库中还没有任何县的数据（请先用 fupin import 导入）")
    if len(rows) > 1:
        codes = "、".join(r.code for r in rows)
        raise DatabaseError(f"数据库中有多个县（{codes}），请用 --county 指定")
    return rows[0]


def instance_id(session: Session) -> str:
    """This database's random instance id (set at creation): tells bundles from different databases apart."""
    meta = session.get(Meta, "instance_id")
    if meta is None:
        meta = Meta(key="instance_id", value=str(uuid.uuid4()))
        session.add(meta)
        session.flush()
    return meta.value


def dispose_all() -> None:
    """Dispose every cached engine (tests, and before a process hands a file to another)."""
    for engine in _ENGINES.values():
        engine.dispose()
    _ENGINES.clear()


def sqlite_file(db: str | os.PathLike[str]) -> Path | None:
    """The SQLite file of ``--db`` (resolved), or None for a server URL / an in-memory database."""
    return _sqlite_path(db_url(db))


def discard_sqlite_file(db: str | os.PathLike[str]) -> None:
    """Close the cached engine of ``--db`` and delete its SQLite file with the ``-wal``/``-shm``/``-journal`` side
    files: for a command that created a NEW database and then wrote nothing to it (a failed first import), so no
    empty database is left behind. A server URL is left alone."""
    url = db_url(db)
    engine = _ENGINES.pop(url, None)
    if engine is not None:
        engine.dispose()
    path = _sqlite_path(url)
    if path is None:
        return
    for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
        try:
            p.unlink()
        except FileNotFoundError:
            pass
