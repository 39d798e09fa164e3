"""The replay's period and version, from the command line's words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pydantic import SecretStr

from settings import Settings

PROVIDERS = ("openrouter", "ollama")


def _instant(text: str, name: str) -> datetime:
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"--{name} is not a date or time: {text[:40]!r}") from None
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def period(since: str | None, until: str | None, days: int,
           now: datetime | None = None) -> tuple[datetime, datetime]:
    """The period [start, end) asked for: from `since` (or `days` back) to `until` (or now)."""
    end = _instant(until, "until") if until else (now or datetime.now(UTC))
    if since:
        start = _instant(since, "since")
    elif days > 0:
        start = end - timedelta(days=days)
    else:
        raise ValueError("--days must be at least 1")
    if start >= end:
        raise ValueError("the period ends before it starts")
    return start, end


def version_settings(settings: Settings, model: str | None, offline: bool
                     ) -> tuple[Settings, str]:
    """The settings the replay runs with, and the version's name for the report.

    `--model openrouter/<name>` asks that model through OpenRouter (its key from the settings),
    `--model ollama/<name>` that model on the configured Ollama; `--offline` asks none.
    """
    if offline:
        return settings.model_copy(update={"openrouter_api_key": None,
                                           "ollama_base_url": None}), "offline"
    if model is None:
        return settings, f"current ({settings.llm_mode})"
    provider, _, name = model.partition("/")
    if provider not in PROVIDERS or not name:
        raise ValueError("--model is openrouter/<model> or ollama/<model>")
    if provider == "openrouter":
        key: SecretStr | None = settings.openrouter_api_key
        if key is None:
            raise ValueError("--model openrouter/... needs OPENROUTER_API_KEY")
        return settings.model_copy(update={"openrouter_model": name,
                                           "ollama_base_url": None}), model
    if not settings.ollama_base_url:
        raise ValueError("--model ollama/... needs OLLAMA_BASE_URL")
    return settings.model_copy(update={"ollama_model": name, "openrouter_api_key": None}), model
