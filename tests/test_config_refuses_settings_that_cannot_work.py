"""Settings that cannot work are refused at start, with what to set: Twilio signs its
callbacks with the URL it calls, so a guessed public URL would fail every signature."""

from __future__ import annotations

import os

import pytest

from crm.config import ConfigError, load_settings


@pytest.fixture(autouse=True)
def twilio_environment(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    for name in list(os.environ):
        if name.startswith(("CRM_", "TWILIO_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", "AC" + "1" * 32)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "secret")
    monkeypatch.setenv("TWILIO_FROM", "BAILLEUR")


def test_twilio_with_the_default_public_url_is_refused(monkeypatch):
    with pytest.raises(ConfigError, match="CRM_PUBLIC_URL"):
        load_settings()


def test_twilio_with_a_plain_http_public_url_is_refused(monkeypatch):
    monkeypatch.setenv("CRM_PUBLIC_URL", "http://crm.example.fr")
    with pytest.raises(ConfigError, match="https"):
        load_settings()


def test_twilio_with_an_https_public_url_starts(monkeypatch):
    monkeypatch.setenv("CRM_PUBLIC_URL", "https://crm.example.fr/")
    assert load_settings().public_url == "https://crm.example.fr"


def test_the_development_flag_allows_plain_http(monkeypatch):
    monkeypatch.setenv("CRM_DEVELOPMENT", "true")
    assert load_settings().public_url == "http://127.0.0.1:8080"


def test_the_local_backend_needs_no_public_url(monkeypatch):
    monkeypatch.setenv("CRM_SMS_BACKEND", "local")
    assert load_settings().sms_backend == "local"


@pytest.mark.parametrize("name", ["CRM_TRUSTED_PROXIES", "CRM_METRICS_NETWORKS"])
def test_a_network_list_with_a_typo_is_refused(monkeypatch, name):
    monkeypatch.setenv("CRM_SMS_BACKEND", "local")
    monkeypatch.setenv(name, "10.0.0.0/8, 192.168.1.300")
    with pytest.raises(ConfigError, match="192.168.1.300"):
        load_settings()
