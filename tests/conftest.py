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
def _dispose_engines():
    """Close cached engines after each test so tmp files are released."""
    yield
    dispose_all()
