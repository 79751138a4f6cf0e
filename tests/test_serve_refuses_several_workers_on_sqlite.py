"""`serve --workers N` (or CRM_WORKERS) on SQLite is refused with a message saying why (one
writer) and what to do, exit code 2, before anything is created."""

from __future__ import annotations

from pathlib import Path

import pytest

import main


@pytest.fixture
def sqlite_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db_file = tmp_path / "crm.db"
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    monkeypatch.delenv("CRM_WORKERS", raising=False)
    monkeypatch.setenv("CRM_DATABASE_URL", f"sqlite+aiosqlite:///{db_file}")
    monkeypatch.setenv("CRM_SMS_BACKEND", "local")
    return db_file


def test_serve_with_two_workers_on_sqlite_is_refused(sqlite_env: Path, capsys) -> None:
    assert main.main(["serve", "--workers", "2"]) == 2
    err = capsys.readouterr().err
    assert "2 workers need PostgreSQL" in err
    assert "one writer" in err
    assert "CRM_DATABASE_URL=postgresql+asyncpg://" in err and "CRM_WORKERS=1" in err
    assert not sqlite_env.exists()  # refused before migrating anything


def test_crm_workers_in_the_environment_is_refused_the_same_way(
        sqlite_env: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setenv("CRM_WORKERS", "3")
    assert main.main(["serve"]) == 2
    assert "3 workers need PostgreSQL" in capsys.readouterr().err
    assert not sqlite_env.exists()


def test_zero_workers_is_a_usage_error(sqlite_env: Path, capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        main.main(["serve", "--workers", "0"])
    assert exit_.value.code == 2
    assert "must be 1 or more" in capsys.readouterr().err
