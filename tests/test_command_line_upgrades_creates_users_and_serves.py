"""The command line, run as an operator would: `python main.py ...` in a subprocess against
a fresh SQLite file — db upgrade, create-user, configuration errors, and serve."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from crm.auth import verify_password

ROOT = Path(__file__).resolve().parent.parent
MAIN = ROOT / "main.py"
COMMAND_TIMEOUT = 120  # seconds; a cold start imports a lot on a loaded machine


@pytest.fixture
def db_file(tmp_path: Path) -> Path:
    return tmp_path / "crm.db"


@pytest.fixture
def env(tmp_path: Path, db_file: Path) -> dict[str, str]:
    """The caller's environment without CRM_/TWILIO_ settings, on a fresh SQLite file."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("CRM_", "TWILIO_"))}
    clean.update({"CRM_DATABASE_URL": f"sqlite+aiosqlite:///{db_file}", "CRM_SMS_BACKEND": "local"})
    return clean


def run(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(MAIN), *args], env=env, cwd=cwd, capture_output=True, text=True,
        timeout=COMMAND_TIMEOUT, stdin=subprocess.DEVNULL,
    )


def query(db_file: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db_file) as conn:
        return conn.execute(sql, params).fetchall()


def test_db_upgrade_creates_the_schema_in_a_fresh_database(env, tmp_path, db_file):
    result = run(env, tmp_path, "db", "upgrade")
    assert result.returncode == 0, result.stderr
    assert "Database is up to date." in result.stdout
    tables = {name for (name,) in query(db_file, "SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"alembic_version", "agency", "tenant", "lease", "user"} <= tables
    assert query(db_file, "SELECT count(*) FROM alembic_version") == [(1,)]


def test_create_user_saves_an_admin_with_a_hashed_password(env, tmp_path, db_file):
    result = run(env, tmp_path, "create-user", "--email", "Admin@Bailleur.fr",
                 "--password", "un-mot-de-passe", "--role", "admin")
    assert result.returncode == 0, result.stderr
    assert "admin@bailleur.fr (admin) saved" in result.stdout
    [(role, agency_id, password_hash)] = query(
        db_file, 'SELECT role, agency_id, password_hash FROM "user" WHERE email = ?', "admin@bailleur.fr")
    assert (role, agency_id) == ("admin", None)
    assert "un-mot-de-passe" not in password_hash
    assert verify_password(password_hash, "un-mot-de-passe")


def test_create_user_needs_an_existing_agency_for_an_adviser(env, tmp_path, db_file):
    refused = run(env, tmp_path, "create-user", "--email", "conseil@bailleur.fr",
                  "--password", "un-mot-de-passe", "--role", "adviser", "--agency", "Blois")
    assert refused.returncode == 2
    assert "no agency named 'Blois'" in refused.stdout + refused.stderr
    assert query(db_file, 'SELECT count(*) FROM "user"') == [(0,)]

    with sqlite3.connect(db_file) as conn:
        conn.execute("INSERT INTO agency (name) VALUES ('Blois')")
    saved = run(env, tmp_path, "create-user", "--email", "conseil@bailleur.fr",
                "--password", "un-mot-de-passe", "--role", "adviser", "--agency", "blois")
    assert saved.returncode == 0, saved.stderr
    assert query(db_file, 'SELECT u.role, a.name FROM "user" u JOIN agency a ON a.id = u.agency_id') == [
        ("adviser", "Blois")]


def test_create_user_refuses_a_short_password(env, tmp_path, db_file):
    result = run(env, tmp_path, "create-user", "--email", "a@bailleur.fr", "--password", "court",
                 "--role", "admin")
    assert result.returncode == 2
    assert "at least 8 characters" in result.stdout + result.stderr
    assert query(db_file, 'SELECT count(*) FROM "user"') == [(0,)]


def test_a_bad_configuration_stops_the_command_with_a_clear_message(env, tmp_path, db_file):
    env["CRM_TIMEZONE"] = "Mars/Olympus"
    result = run(env, tmp_path, "db", "upgrade")
    assert result.returncode == 2
    assert "Configuration error" in result.stderr and "CRM_TIMEZONE" in result.stderr
    assert not db_file.exists()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _healthz(url: str) -> tuple[int, dict[str, Any]] | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return resp.status, json.load(resp)
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


def test_serve_starts_on_the_configured_port_and_answers_healthz(env, tmp_path, db_file):
    port = _free_port()
    env.update({"CRM_HOST": "127.0.0.1", "CRM_PORT": str(port)})
    proc = subprocess.Popen(
        [sys.executable, str(MAIN)], env=env, cwd=tmp_path, stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        answer = None
        deadline = time.monotonic() + COMMAND_TIMEOUT
        while answer is None and proc.poll() is None and time.monotonic() < deadline:
            answer = _healthz(f"http://127.0.0.1:{port}/healthz")
            if answer is None:
                time.sleep(0.2)  # polling a real process, not waiting for app time
        assert answer == (200, {"status": "ok", "database": "ok"}), proc.poll()
    finally:
        proc.terminate()
        try:
            output, _ = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            output, _ = proc.communicate()
    assert proc.returncode == 0, output
    assert f"CRM HLM on http://127.0.0.1:{port}" in output
    # serve applied the migrations to the embedded SQLite database itself.
    assert query(db_file, "SELECT count(*) FROM alembic_version") == [(1,)]
