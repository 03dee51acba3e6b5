"""One Settings object (TENANTSIM_ prefix). Built inside create_app(), never at import."""

from __future__ import annotations

import ipaddress
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_ANTHROPIC_MODEL = "claude-sonnet-4-5"
MIN_API_KEY_LENGTH = 16


class UnsafeConfig(Exception):
    """The server refuses to start with this configuration; the message says why."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TENANTSIM_", env_file=None, extra="ignore")

    host: str = "127.0.0.1"
    port: int = 5001
    var_dir: Path = Path("var")
    database_url: str = ""  # empty: sqlite:///<var_dir>/tenantsim.db
    sandbox: bool = True  # embedded Okta and Asana emulators under /sandbox/*
    sandbox_users: int = 25  # pre-existing people in each sandbox tenant
    sandbox_rate_limit: int = 0  # 0: the vendor's documented limits
    sandbox_window_seconds: float = 60.0

    api_key: SecretStr | None = None  # when set, /api/* wants "Authorization: Bearer <key>"
    auth_exempt_stream: bool = True  # the live stream may be read without the key
    auth_exempt_metrics: bool = True
    secret_key: SecretStr | None = None  # Fernet key; generated once into var/secret.key otherwise

    okta_allowed_hosts: list[str] = Field(default_factory=list)
    anthropic_api_key: SecretStr | None = None
    anthropic_model: str = DEFAULT_ANTHROPIC_MODEL
    anthropic_base_url: str | None = None  # tests point the SDK at a loopback fake

    server_id: str = ""  # empty: hostname:pid
    lease_seconds: float = 30.0  # a dead server's jobs are taken over after this
    heartbeat_seconds: float = 5.0
    resume_on_start: bool = True
    log_level: str = "info"
    max_body_bytes: int = 1024 * 1024

    @field_validator("okta_allowed_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: object) -> object:
        if isinstance(value, str):
            return [h.strip().lower() for h in value.split(",") if h.strip()]
        return value

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.var_dir / 'tenantsim.db').as_posix()}"

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")

    def check_safe(self) -> None:
        """Fail fast on configurations that would expose tokens to a network."""
        if self.api_key is not None and len(self.api_key.get_secret_value().strip()) < MIN_API_KEY_LENGTH:
            raise UnsafeConfig(f"TENANTSIM_API_KEY is too short: use at least {MIN_API_KEY_LENGTH} random "
                               "characters (for example: "
                               "python -c 'import secrets; print(secrets.token_urlsafe())')")
        if not _is_loopback(self.host) and self.api_key is None:
            raise UnsafeConfig(
                f"Refusing to listen on {self.host} without an API key: set TENANTSIM_API_KEY "
                "(clients then send 'Authorization: Bearer <key>'), or bind to 127.0.0.1."
            )


def _is_loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
