"""Structured logs: every `logging` line through structlog, with the request's and turn's fields.

Development gets one human-readable line per record, production one JSON object per line. The
request id (bound by `ops.web.request_context`) and the turn's fields (`turn_fields`) are added to
every line logged while they hold, from any module's plain `logging.getLogger(...)`. Before a line
is written, the configured secrets and anything shaped like a phone number are masked
(`Redact`), in the message, the fields and a traceback alike.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import hmac
import logging
import re
import secrets
import sys
from collections.abc import Iterable, Iterator
from typing import Any

import structlog
from pydantic import SecretStr
from structlog.typing import EventDict, Processor, WrappedLogger

from settings import Settings

# Runs of 8-15 digits standing alone (E.164 numbers, WhatsApp ids, guest ids "guest-1555..."):
# never in a log line. A request id or a hex digest is never all digits, so it is left alone.
PHONE = re.compile(r"(?<![0-9A-Za-z])\+?\d{8,15}(?![0-9A-Za-z])")
# A MongoDB URI's credentials (`mongodb://user:password@host`).
URI_CREDENTIALS = re.compile(r"(mongodb(?:\+srv)?://)[^@/\s]+@")
MASK = "[redacted]"
HANDLER = "omnisales"
_UNMASKED = frozenset({"request_id", "session", "timestamp", "level", "logger"})

# The turn being answered: a dict shared by reference, so that a graph node (run by LangGraph in
# a copy of the context) can add `route` for the lines logged after it, in its task or another.
_turn: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar(
    "omnisales_turn", default=None)
_session_key = secrets.token_bytes(32)


class Redact:
    """A structlog processor that masks secrets, phone numbers and database credentials."""

    def __init__(self, secret_values: Iterable[str] = ()) -> None:
        values = sorted({v for v in secret_values if len(v) >= 6}, key=len, reverse=True)
        self.secrets = re.compile("|".join(map(re.escape, values))) if values else None

    def mask(self, text: str) -> str:
        """The text with every secret, phone-like number and URI password replaced."""
        if self.secrets is not None:
            text = self.secrets.sub(MASK, text)
        text = URI_CREDENTIALS.sub(rf"\1{MASK}@", text)
        return PHONE.sub(MASK, text)

    def __call__(self, logger: WrappedLogger, name: str, event: EventDict) -> EventDict:
        """Mask every string field but the ones the logger itself writes."""
        for key, value in event.items():
            if key in _UNMASKED:
                continue
            if isinstance(value, str):
                event[key] = self.mask(value)
            elif value is not None and not isinstance(value, bool | int | float):
                event[key] = self.mask(str(value))
        return event


def add_turn_fields(logger: WrappedLogger, name: str, event: EventDict) -> EventDict:
    """Add the current turn's `session`, `route`, `agent` and `answered_by`, when in a turn."""
    fields = _turn.get()
    if fields:
        for key, value in fields.items():
            event.setdefault(key, value)
    return event


def session_digest(thread: str) -> str:
    """The name a session goes by in logs: a keyed digest, never its customer or phone number.

    The key (`set_session_key`, from the API key) is the same in every worker of a shop, so one
    session's lines can be followed across them, and a phone number cannot be guessed back from it.
    """
    return hmac.new(_session_key, thread.encode(), hashlib.sha256).hexdigest()[:16]


def set_session_key(material: str) -> None:
    """Derive the session digests' key from a secret every process of the shop shares."""
    global _session_key
    _session_key = hashlib.sha256(b"omnisales-log-session:" + material.encode()).digest()


@contextlib.contextmanager
def turn_fields(thread: str) -> Iterator[dict[str, str]]:
    """Hold the turn's fields for every line logged inside; update the dict to add more."""
    fields = {"session": session_digest(thread)}
    token = _turn.set(fields)
    try:
        yield fields
    finally:
        try:
            _turn.reset(token)
        except ValueError:  # a streamed turn resumed in another context than it began in
            _turn.set(None)


def note_turn(**fields: str) -> None:
    """Add fields (`route`, `agent`, `answered_by`) to the current turn's, if there is one."""
    current = _turn.get()
    if current is not None:
        current.update({k: v for k, v in fields.items() if v})


def _drop_copies(logger: WrappedLogger, name: str, event: EventDict) -> EventDict:
    event.pop("color_message", None)  # uvicorn's copy of its message with terminal colours
    event.pop("message", None)  # the record's formatted message: `event` already holds it
    return event


def configure_logging(*, production: bool, secret_values: Iterable[str] = (),
                      level: int = logging.INFO, stream: Any = None) -> None:
    """Send every `logging` record through structlog to stderr; JSON lines in production.

    Args:
        production: JSON lines rather than human-readable ones.
        secret_values: Strings never to write (keys, tokens, passwords).
        level: The root logger's level.
        stream: Where lines go (stderr by default; tests pass a buffer).
    """
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        add_turn_fields,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.ExtraAdder(),
        _drop_copies,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: Processor = (structlog.processors.JSONRenderer() if production
                           else structlog.dev.ConsoleRenderer(colors=False))
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    structlog.processors.format_exc_info,  # a traceback is masked like the rest
                    Redact(secret_values), renderer])
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter)
    handler.set_name(HANDLER)
    root = logging.getLogger()
    for old in list(root.handlers):  # ours from before, or a `basicConfig`'s; a test's stays
        if old.get_name() == HANDLER or type(old) is logging.StreamHandler:
            root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error"):  # through ours, not uvicorn's own handlers
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    # uvicorn's access line (client address, query string) is replaced by `ops.web`'s; with no
    # handler anywhere up its chain, uvicorn does not even format it.
    access = logging.getLogger("uvicorn.access")
    access.handlers.clear()
    access.propagate = False
    # httpx writes every request's URL at INFO: noise here, and a URL may carry an id.
    logging.getLogger("httpx").setLevel(max(level, logging.WARNING))
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True)


def bind_request(request_id: str) -> None:
    """Start a request's context: its id on every line until the next request."""
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(request_id=request_id)


def secret_values(settings: Settings) -> list[str]:
    """Every secret the settings hold, the API key and the database URI among them."""
    values = [value.get_secret_value() for value in settings.model_dump().values()
              if isinstance(value, SecretStr)]
    key_file = settings.data_dir / "api_key"
    if settings.api_secret_key is None and key_file.exists():  # never made here: only read
        values.append(key_file.read_text().strip())
    if settings.mongo_uri:
        values.append(settings.mongo_uri)
    return values


def configure_for(settings: Settings, level: int = logging.INFO) -> None:
    """Configure logging for these settings: JSON in production, their secrets masked."""
    values = secret_values(settings)
    if values:
        set_session_key("\n".join(values))  # the same in every process of one shop
    configure_logging(production=settings.environment == "production", secret_values=values,
                      level=level)
