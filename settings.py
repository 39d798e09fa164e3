"""Read OmniSales settings from the environment and an optional `.env` file."""

from __future__ import annotations

import re
import secrets
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

MIN_API_KEY_LENGTH = 32
ORIGIN = re.compile(r"https?://(\*\.)?[A-Za-z0-9.-]+(:[0-9]{1,5})?/?")


class Settings(BaseSettings):
    """Every knob of the product; `.env.example` lists them all."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    # It may carry the database password: never in a repr, a log or an error message.
    mongo_uri: str | None = Field(default=None, repr=False)
    db_name: str = "omnisales"
    data_dir: Path = Path(".data")
    environment: Literal["development", "production"] = "development"
    api_secret_key: SecretStr | None = None

    openrouter_api_key: SecretStr | None = None
    openrouter_base_url: str = "https://openrouter.ai/api/v1"
    openrouter_model: str = "openai/gpt-4o-mini"
    ollama_base_url: str | None = None
    ollama_model: str = "llama3.1"
    llm_timeout_s: float = Field(default=20.0, gt=0)
    llm_max_tokens: int = Field(default=512, gt=0)
    llm_daily_tokens_per_customer: int = Field(default=50_000, gt=0)
    # The same for all the turns that come through one API key (or one channel's webhook).
    llm_daily_tokens_per_key: int = Field(default=2_000_000, gt=0)

    whatsapp_verify_token: SecretStr | None = None
    whatsapp_app_secret: SecretStr | None = None
    whatsapp_access_token: SecretStr | None = None
    whatsapp_phone_number_id: str | None = None
    whatsapp_api_base_url: str = "https://graph.facebook.com/v21.0"
    whatsapp_send_retry_hours: float = Field(default=24.0, gt=0)  # then a reply is `failed`

    superu_api_key: SecretStr | None = None
    superu_webhook_secret: SecretStr | None = None
    superu_api_base_url: str | None = None

    pos_api_url: str | None = None
    # The till's bearer key for `/pos/*`; unset, every till request is refused (fail closed).
    pos_api_key: SecretStr | None = None
    # What one customer may set in motion a day (by the customer's UTC day).
    daily_calls_per_customer: int = Field(default=3, gt=0)
    daily_tickets_per_customer: int = Field(default=5, gt=0)
    # Days the conversation archive (`transcripts`) keeps an entry; a TTL index deletes it then.
    transcript_retention_days: int = Field(default=90, gt=0)
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # The web widget: the HMAC key the shop's backend signs customer ids with, the key customer
    # tokens are signed with (both generated under DATA_DIR in development, required in
    # production), and the shop origins whose pages may frame the widget.
    widget_identity_secret: SecretStr | None = None
    widget_token_secret: SecretStr | None = None
    widget_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Turns a minute for one API key across the customers it names, and requests a minute from
    # one client address that does not hold the key (failed authentications among them).
    rate_limit_per_key: int = Field(default=1200, gt=0)
    rate_limit_per_address: int = Field(default=300, gt=0)
    # Seconds a client has to send a request's headers and body before it is cut off.
    request_read_timeout_s: float = Field(default=10.0, gt=0)
    # How the processes serving one shop coordinate rate limits and session turns: `process` (one
    # server process: in its memory) or `database` (several: in MongoDB).
    coordination: Literal["process", "database"] = "process"
    # The bearer token of `GET /metrics`; unset, the route answers 404 (ops.web).
    metrics_token: SecretStr | None = None

    @model_validator(mode="before")
    @classmethod
    def _split_lists(cls, data: dict[str, object]) -> dict[str, object]:
        for key in ("cors_origins", "trusted_proxies", "widget_origins"):
            for name in (key, key.upper()):
                value = data.get(name)
                if isinstance(value, str):
                    data[name] = [item.strip() for item in value.split(",") if item.strip()]
        return data

    @field_validator("widget_origins")
    @classmethod
    def _origins_only(cls, origins: list[str]) -> list[str]:
        """Each an origin, such as `https://shop.example` or `https://*.shop.example:8443`.

        They go into the frame's Content-Security-Policy as they are, so nothing else may.
        """
        for origin in origins:
            if not ORIGIN.fullmatch(origin):
                raise ValueError(f"WIDGET_ORIGINS: {origin!r} is not an origin like "
                                 "https://shop.example")
        return [origin.rstrip("/") for origin in origins]

    @model_validator(mode="after")
    def _production_needs_a_strong_key(self) -> Settings:
        if self.environment == "production":
            key = self.api_secret_key.get_secret_value() if self.api_secret_key else ""
            if len(key) < MIN_API_KEY_LENGTH:
                raise ValueError(
                    f"API_SECRET_KEY must be set to {MIN_API_KEY_LENGTH}+ characters in production"
                )
            if not self.mongo_uri:  # the embedded database is for development only
                raise ValueError("MONGO_URI must be set in production")
            for name in ("widget_identity_secret", "widget_token_secret"):
                secret = getattr(self, name)
                if len(secret.get_secret_value() if secret else "") < MIN_API_KEY_LENGTH:
                    raise ValueError(f"{name.upper()} must be set to {MIN_API_KEY_LENGTH}+ "
                                     "characters in production")
        return self

    @cached_property
    def api_key(self) -> str:
        """The bearer key for `/chat`: configured, or generated once and kept in DATA_DIR."""
        return self._kept(self.api_secret_key, "api_key")

    @cached_property
    def identity_secret(self) -> str:
        """The key of the shop backend's HMAC of a customer id (`POST /widget/session`)."""
        return self._kept(self.widget_identity_secret, "widget_identity_secret")

    @cached_property
    def token_secret(self) -> str:
        """The key customer tokens are signed with (HS256)."""
        return self._kept(self.widget_token_secret, "widget_token_secret")

    def _kept(self, configured: SecretStr | None, name: str) -> str:
        """A configured secret, or one generated once and kept in DATA_DIR (development)."""
        if configured is not None:
            return configured.get_secret_value()
        return kept_secret(self.data_dir, name)

    @property
    def llm_mode(self) -> Literal["openrouter", "ollama", "offline"]:
        """The first model the product will ask: the one /health reports."""
        if self.openrouter_api_key is not None:
            return "openrouter"
        if self.ollama_base_url:
            return "ollama"
        return "offline"


def kept_secret(data_dir: Path, name: str, size: int = 32) -> str:
    """A secret generated once into `data_dir/name` (readable by its owner alone), then reused."""
    path = data_dir / name
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(size)
    path.write_text(secret)
    path.chmod(0o600)
    return secret
