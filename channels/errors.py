"""Errors as the API answers them, and the security headers every response carries."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.types import Message, Scope
from pydantic import ValidationError
from pymongo.errors import ConnectionFailure, PyMongoError

log = logging.getLogger("omnisales.api")

RETRY_AFTER_S = "5"


class ApiError(HTTPException):
    """An error in the API's one shape (README, The API): a code, a detail and the request id."""

    def __init__(self, status: int, code: str, detail: str, retry_after: str | None = None):
        super().__init__(status_code=status, detail=detail)
        self.code = code
        self.retry_after = retry_after


def scope_request_id(scope: Any) -> str:
    """The request's correlation id, made on first use and kept in the scope's state."""
    return str(scope.setdefault("state", {}).setdefault("request_id", uuid.uuid4().hex))


def request_id(request: Request[Any, Any, Any]) -> str:
    """The correlation id of a request."""
    return scope_request_id(request.scope)


def error_response(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, str]]:
    """Every error as JSON; never a traceback, a URI, a key or a path."""
    rid = request_id(request)
    headers: dict[str, str] = {}
    if isinstance(exc, ApiError):
        status, code, detail = exc.status_code, exc.code, exc.detail
        if exc.retry_after:
            headers["Retry-After"] = exc.retry_after
    elif isinstance(exc, ValidationException | ValidationError):
        status, code, detail = 422, "invalid_request", "the request body is not valid"
        if isinstance(exc, ValidationException) and isinstance(exc.extra, list):
            fields = [str(e.get("key", "")) for e in exc.extra if isinstance(e, dict)]
            detail += ": " + ", ".join(f for f in fields if f) if any(fields) else ""
    elif isinstance(exc, ConnectionFailure | PyMongoError):
        status, code, detail = 503, "unavailable", "the database is unreachable; retry shortly"
        headers["Retry-After"] = RETRY_AFTER_S
        log.error("database error [%s]: %s", rid, type(exc).__name__)
    elif isinstance(exc, HTTPException):
        status = exc.status_code
        code = {400: "bad_request", 404: "not_found", 405: "method_not_allowed",
                413: "payload_too_large"}.get(status, "error")
        detail = {413: "the request body is too large"}.get(status, str(exc.detail))
    else:
        status, code, detail = 500, "internal_error", "something went wrong on our side"
        log.exception("unhandled error [%s]", rid, exc_info=exc)
    return Response({"error": code, "detail": detail, "request_id": rid}, status_code=status,
                    headers=headers)


def security_headers(production: bool) -> Any:
    """A `before_send` hook: it sees every response, a 404 or 405 of no route included."""

    async def add_headers(message: Message, scope: Scope) -> None:
        if scope["type"] != "http" or message["type"] != "http.response.start":
            return
        headers = list(message.get("headers", []))
        # A page with a policy of its own keeps it: the widget's frame may be framed by the
        # shop's origins (`channels.widget`); every other response is framed by nobody.
        own_policy = any(name.lower() == b"content-security-policy" for name, _ in headers)
        headers += [(b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"x-request-id", scope_request_id(scope).encode())]
        if not own_policy:
            headers.append((b"x-frame-options", b"DENY"))
        if not own_policy and not scope["path"].startswith("/docs"):  # the docs load a script
            headers.append((b"content-security-policy",
                            b"default-src 'none'; frame-ancestors 'none'"))
        if production:
            headers.append((b"strict-transport-security",
                            b"max-age=63072000; includeSubDomains"))
        message["headers"] = headers

    return add_headers
