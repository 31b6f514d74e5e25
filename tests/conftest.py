"""Shared fixtures: the shared sample county (skipped with a reason when absent), file databases in tmp dirs."""

from __future__ import annotations

from pathlib import Path

import pytest

from fupin_tui.models import dispose_all

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DIR = ROOT.parent / "shared" / "samples" / "county-422822"


@pytest.fixture
def sample_dir() -> Path:
    """``../shared/samples/county-422822`` relative to the repo root; skips when absent (fresh clone without shared/)."""
    if not (SAMPLE_DIR / "贫困人口花名册.xlsx").exists():
        pytest.skip(f"shared sample county not found at {SAMPLE_DIR} (expected ../shared/samples beside the repo)")
    return SAMPLE_DIR


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A fresh SQLite file path in a tmp dir (never :memory:: worker threads must see the same database)."""
    return tmp_path / "test.db"


@pytest.fixture
def db_url(db_path: Path) -> str:
    """``--db`` value for a fresh SQLite file."""
    return str(db_path)


@pytest.fixture(autouse=True)
def _private_config_home(tmp_path_factory, monkeypatch):
    """Every test gets its own config dir: nothing a test remembers (the last inspector) reaches the user's home."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("config")))


@pytest.fixture(autouse=True)
def _dispose_engines():
    """Close cached engines after each test so tmp files are released."""
    yield
    dispose_all()


def _pg_admin_url() -> str | None:
    import os

    return os.environ.get("FUPIN_TEST_PG")


@pytest.fixture(params=["sqlite", "postgresql"])
def storage_db(request, tmp_path: Path) -> str:
    """``--db`` for the storage tests, once on a SQLite file and once on a fresh PostgreSQL database.

    PostgreSQL runs when ``FUPIN_TEST_PG`` holds a server URL (``.ci/run`` starts one with ``.ci/postgres.sh``);
    otherwise that half is skipped with the reason.
    """
    if request.param == "sqlite":
        yield str(tmp_path / "storage.db")
        return
    admin = _pg_admin_url()
    if not admin:
        pytest.skip("PostgreSQL not available: set FUPIN_TEST_PG (started by .ci/run via .ci/postgres.sh)")
    import uuid

    import sqlalchemy as sa

    from fupin_tui.models import db_url

    name = f"fupin_t_{uuid.uuid4().hex[:12]}"
    admin_engine = sa.create_engine(db_url(admin), isolation_level="AUTOCOMMIT")
    with admin_engine.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = admin.rsplit("/", 1)[0] + "/" + name
    yield url
    dispose_all()
    _drop_pg_database(admin_engine, name)
    admin_engine.dispose()


def _drop_pg_database(admin_engine, name: str) -> None:  # noqa: ANN001
    """DROP the test database, retrying: ``WITH (FORCE)`` refuses while an autovacuum worker (a process of no role
    the test user may signal) is on it, which happens after bulk inserts; after a few tries leave it with a warning
    (a stray test database is harmless)."""
    import time
    import warnings

    import sqlalchemy as sa

    for attempt in range(20):
        try:
            with admin_engine.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            return
        except sa.exc.DBAPIError as exc:
            last = exc
            time.sleep(0.1 * (attempt + 1))
    warnings.warn(f"could not drop test database {name}: {last}", stacklevel=2)
