"""Settings: environment variables (or a .env file), secrets also from ``*_FILE`` paths.

Validated once at start; an unsafe or incomplete configuration refuses to start with a
message that says what to set.
"""

from __future__ import annotations

import os
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict


class ConfigError(ValueError):
    """The configuration cannot work; the message says what to change."""


def networks(value: str) -> list[IPv4Network | IPv6Network]:
    """``"10.0.0.0/8, 192.168.1.10"`` → networks (a bare address is a network of one)."""
    found = []
    for item in value.split(","):
        if item.strip():
            try:
                found.append(ip_network(item.strip(), strict=False))
            except ValueError:
                raise ValueError(f"not an address or network: {item.strip()!r}") from None
    return found


def _env(name: str) -> AliasChoices:
    return AliasChoices(name)


class FileSecretsSource(PydanticBaseSettingsSource):
    """Reads ``NAME_FILE`` for every setting ``NAME`` (Docker/Kubernetes secrets style)."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name, field in self.settings_cls.model_fields.items():
            alias = _alias(field, name)
            path = os.environ.get(f"{alias}_FILE")
            if path:
                try:
                    values[alias] = Path(path).read_text(encoding="utf-8").strip()
                except OSError as exc:
                    raise ConfigError(f"{alias}_FILE: cannot read {path}: {exc}") from exc
        return values


def _alias(field: FieldInfo, name: str) -> str:
    va = field.validation_alias
    if isinstance(va, AliasChoices):
        return str(va.choices[0])
    if isinstance(va, str):
        return va
    return name.upper()


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", extra="ignore", populate_by_name=True, case_sensitive=True
    )

    database_url: str = Field(
        "sqlite+aiosqlite:///./crm.db", validation_alias=_env("CRM_DATABASE_URL")
    )
    host: str = Field("127.0.0.1", validation_alias=_env("CRM_HOST"))
    port: int = Field(8080, validation_alias=_env("CRM_PORT"))
    public_url: str | None = Field(None, validation_alias=_env("CRM_PUBLIC_URL"))
    timezone: str = Field("Europe/Paris", validation_alias=_env("CRM_TIMEZONE"))

    sms_backend: Literal["local", "twilio"] | None = Field(
        None, validation_alias=_env("CRM_SMS_BACKEND")
    )
    twilio_account_sid: str | None = Field(None, validation_alias=_env("TWILIO_ACCOUNT_SID"))
    twilio_auth_token: SecretStr | None = Field(
        None, validation_alias=_env("TWILIO_AUTH_TOKEN")
    )
    twilio_messaging_service_sid: str | None = Field(
        None, validation_alias=_env("TWILIO_MESSAGING_SERVICE_SID")
    )
    twilio_from: str | None = Field(None, validation_alias=_env("TWILIO_FROM"))
    twilio_api_base_url: str = Field(
        "https://api.twilio.com", validation_alias=_env("TWILIO_API_BASE_URL")
    )
    sms_rate: float = Field(10, ge=0, validation_alias=_env("CRM_SMS_RATE"))
    sms_cost_per_segment: float = Field(
        0.0725, ge=0, validation_alias=_env("CRM_SMS_COST_PER_SEGMENT")
    )
    alerts_ignore_opt_out: bool = Field(
        False, validation_alias=_env("CRM_ALERTS_IGNORE_OPT_OUT")
    )
    # The local backend reports each SMS delivered after this many seconds (0 = never), so a
    # trial shows deliveries coming in as production does.
    local_delivery_seconds: float = Field(
        2.0, ge=0, validation_alias=_env("CRM_LOCAL_DELIVERY_SECONDS")
    )
    # Off in tests and in one-shot CLI commands; on for `serve`.
    scheduler_enabled: bool = Field(True, validation_alias=_env("CRM_SCHEDULER"))
    retention_years: int = Field(3, ge=1, validation_alias=_env("CRM_RETENTION_YEARS"))
    # Development only: allows the Twilio backend with a plain-http CRM_PUBLIC_URL (a tunnel,
    # a stand-in). Production needs the https address Twilio really calls.
    development: bool = Field(False, validation_alias=_env("CRM_DEVELOPMENT"))
    # Reverse proxies whose X-Forwarded-For is believed (addresses or networks, comma
    # separated). Empty: the client address is the TCP peer, whatever the headers say.
    trusted_proxies: str = Field("", validation_alias=_env("CRM_TRUSTED_PROXIES"))
    # Who may read /metrics: a bearer token, or else these networks.
    metrics_token: SecretStr | None = Field(None, validation_alias=_env("CRM_METRICS_TOKEN"))
    metrics_networks: str = Field("127.0.0.1/32,::1/128", validation_alias=_env("CRM_METRICS_NETWORKS"))
    # Reconciliation of SMS whose fate is unknown (a timeout after the request left): how
    # long the provider may take to list a message it accepted, before "absent" is believed.
    provider_listing_delay_seconds: float = Field(
        300, ge=0, validation_alias=_env("CRM_PROVIDER_LISTING_DELAY_SECONDS"))
    # Messages still "sent" this long after being handed over are asked about (a delivery
    # report lost, e.g. during a database outage).
    status_refresh_after_minutes: float = Field(
        60, ge=1, validation_alias=_env("CRM_STATUS_REFRESH_AFTER_MINUTES"))
    # Web processes `serve` starts on one port (PostgreSQL only: SQLite has one writer).
    workers: int = Field(1, ge=1, le=64, validation_alias=_env("CRM_WORKERS"))
    # A tenant file larger than this (bytes) is imported as a background job with a progress
    # page; a smaller one is imported within the request (about 5,000 rows: a few seconds).
    import_inline_max_bytes: int = Field(
        1024 * 1024, ge=0, validation_alias=_env("CRM_IMPORT_INLINE_MAX_BYTES"))
    # One line per HTTP request on the console (`serve`); off when a proxy already logs them.
    access_log: bool = Field(True, validation_alias=_env("CRM_ACCESS_LOG"))

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, FileSecretsSource(settings_cls), dotenv_settings)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("trusted_proxies", "metrics_networks")
    @classmethod
    def _networks(cls, value: str) -> str:
        networks(value)  # raises ValueError naming the bad entry
        return value

    @model_validator(mode="after")
    def _derive_and_check(self) -> "Settings":
        explicit_url = self.public_url is not None
        if self.public_url is None:
            self.public_url = f"http://{self.host}:{self.port}"
        self.public_url = self.public_url.rstrip("/")
        if self.sms_backend is None:
            self.sms_backend = "twilio" if self.twilio_account_sid else "local"
        if self.sms_backend == "twilio":
            missing = [
                name
                for name, value in (
                    ("TWILIO_ACCOUNT_SID", self.twilio_account_sid),
                    ("TWILIO_AUTH_TOKEN", self.twilio_auth_token),
                )
                if not value
            ]
            if not (self.twilio_messaging_service_sid or self.twilio_from):
                missing.append("TWILIO_MESSAGING_SERVICE_SID or TWILIO_FROM")
            # Twilio signs its callbacks with the URL it calls: a guessed one (the default
            # http://host:port) fails every signature and loses every reply and report.
            if not self.development and not (explicit_url and self.public_url.startswith("https://")):
                missing.append("CRM_PUBLIC_URL (the https address Twilio calls, e.g. "
                               "https://crm.example.fr; CRM_DEVELOPMENT=true allows http for trials)")
            if missing:
                raise ValueError(
                    "CRM_SMS_BACKEND=twilio needs " + ", ".join(missing)
                    + " (or set CRM_SMS_BACKEND=local to keep SMS on this machine)"
                )
        return self

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def trusted_proxy_networks(self) -> list[IPv4Network | IPv6Network]:
        return networks(self.trusted_proxies)

    @property
    def metrics_allowed_networks(self) -> list[IPv4Network | IPv6Network]:
        return networks(self.metrics_networks)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def load_settings(**overrides: Any) -> Settings:
    """Build the settings, turning validation errors into one readable ConfigError."""
    from pydantic import ValidationError

    try:
        return Settings(**overrides)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err.get("loc", ())) or "settings"
            lines.append(f"  {where}: {err['msg']}")
        raise ConfigError("invalid configuration:\n" + "\n".join(lines)) from None
