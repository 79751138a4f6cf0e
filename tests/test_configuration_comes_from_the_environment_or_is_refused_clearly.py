"""Configuration from the environment: API.md's defaults, secrets from *_FILE paths, and
refusals with a message that says what to set."""

from __future__ import annotations

import os

import pytest

from crm.config import ConfigError, load_settings


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """No CRM_/TWILIO_ variable from the caller's shell, and no stray .env file."""
    for name in list(os.environ):
        if name.startswith(("CRM_", "TWILIO_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def test_the_defaults_are_those_of_the_api_contract():
    s = load_settings()
    assert s.database_url == "sqlite+aiosqlite:///./crm.db"
    assert (s.host, s.port) == ("127.0.0.1", 8080)
    assert s.public_url == "http://127.0.0.1:8080"
    assert s.timezone == "Europe/Paris" and str(s.tz) == "Europe/Paris"
    assert s.sms_backend == "local"
    assert s.twilio_api_base_url == "https://api.twilio.com"
    assert s.sms_rate == 10
    assert s.sms_cost_per_segment == 0.0725
    assert s.scheduler_enabled is True
    assert s.alerts_ignore_opt_out is False
    assert s.retention_years == 3
    assert s.is_sqlite


def test_the_public_url_follows_host_and_port_unless_given(monkeypatch):
    monkeypatch.setenv("CRM_HOST", "0.0.0.0")
    monkeypatch.setenv("CRM_PORT", "9000")
    assert load_settings().public_url == "http://0.0.0.0:9000"
    monkeypatch.setenv("CRM_PUBLIC_URL", "https://crm.example-hlm.fr/")
    assert load_settings().public_url == "https://crm.example-hlm.fr"


def test_environment_variables_override_the_defaults(monkeypatch):
    monkeypatch.setenv("CRM_DATABASE_URL", "postgresql+asyncpg://crm@db/crm")
    monkeypatch.setenv("CRM_SMS_RATE", "0")
    monkeypatch.setenv("CRM_SMS_COST_PER_SEGMENT", "0.05")
    monkeypatch.setenv("CRM_SCHEDULER", "false")
    monkeypatch.setenv("CRM_ALERTS_IGNORE_OPT_OUT", "true")
    monkeypatch.setenv("CRM_RETENTION_YEARS", "5")
    s = load_settings()
    assert s.database_url == "postgresql+asyncpg://crm@db/crm" and not s.is_sqlite
    assert s.sms_rate == 0 and s.sms_cost_per_segment == 0.05
    assert s.scheduler_enabled is False and s.alerts_ignore_opt_out is True
    assert s.retention_years == 5


def test_a_dotenv_file_is_read_and_the_environment_wins_over_it(monkeypatch, tmp_path):
    (tmp_path / ".env").write_text("CRM_PORT=8181\nCRM_TIMEZONE=America/Cayenne\n", encoding="utf-8")
    monkeypatch.setenv("CRM_PORT", "8282")
    s = load_settings()
    assert s.timezone == "America/Cayenne"
    assert s.port == 8282


def test_the_twilio_backend_without_credentials_is_refused_with_what_to_set(monkeypatch):
    monkeypatch.setenv("CRM_SMS_BACKEND", "twilio")
    with pytest.raises(ConfigError) as exc:
        load_settings()
    message = str(exc.value)
    assert "TWILIO_ACCOUNT_SID" in message and "TWILIO_AUTH_TOKEN" in message
    assert "TWILIO_MESSAGING_SERVICE_SID or TWILIO_FROM" in message
    assert "CRM_SMS_BACKEND=local" in message


def test_a_twilio_account_without_a_sender_is_refused(monkeypatch):
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", "AC" + "1" * 32)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "secret")
    with pytest.raises(ConfigError, match="TWILIO_MESSAGING_SERVICE_SID or TWILIO_FROM"):
        load_settings()


def test_the_twilio_backend_is_chosen_when_an_account_sid_is_set(monkeypatch):
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", "AC" + "1" * 32)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "secret")
    monkeypatch.setenv("TWILIO_FROM", "BAILLEUR")
    s = load_settings()
    assert s.sms_backend == "twilio"
    assert s.twilio_from == "BAILLEUR"


def test_an_explicit_local_backend_wins_over_twilio_credentials(monkeypatch):
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", "AC" + "1" * 32)
    monkeypatch.setenv("CRM_SMS_BACKEND", "local")
    assert load_settings().sms_backend == "local"


def test_the_auth_token_is_read_from_a_file_and_never_shown(monkeypatch, tmp_path):
    secret = tmp_path / "twilio_token"
    secret.write_text("s3cr3t-token\n", encoding="utf-8")
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", "AC" + "1" * 32)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN_FILE", str(secret))
    monkeypatch.setenv("TWILIO_MESSAGING_SERVICE_SID", "MG" + "2" * 32)
    s = load_settings()
    assert s.twilio_auth_token is not None
    assert s.twilio_auth_token.get_secret_value() == "s3cr3t-token"
    assert "s3cr3t" not in repr(s)


def test_a_secret_file_that_cannot_be_read_is_refused(monkeypatch, tmp_path):
    monkeypatch.setenv("TWILIO_AUTH_TOKEN_FILE", str(tmp_path / "missing"))
    with pytest.raises(ConfigError, match="TWILIO_AUTH_TOKEN_FILE"):
        load_settings()


def test_an_unknown_time_zone_is_refused(monkeypatch):
    monkeypatch.setenv("CRM_TIMEZONE", "Europe/Pariss")
    with pytest.raises(ConfigError) as exc:
        load_settings()
    assert "CRM_TIMEZONE" in str(exc.value)
    assert "Europe/Pariss" in str(exc.value)


def test_an_unknown_sms_backend_is_refused(monkeypatch):
    monkeypatch.setenv("CRM_SMS_BACKEND", "carrier-pigeon")
    with pytest.raises(ConfigError, match="CRM_SMS_BACKEND"):
        load_settings()
