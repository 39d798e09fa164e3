"""Who a request acts for on the conversation routes: the API key's holder, naming a customer."""

from __future__ import annotations

import hmac
from typing import Any

from litestar import Request

from channels.auth import caller
from channels.errors import ApiError
from channels.limits import RateLimits, retry_after
from channels.web import IDENTIFIER_PATTERN

Req = Request[Any, Any, Any]
IDENTIFIER_MAX = 64


def _address(request: Req) -> str:
    return f"address:{request.client.host if request.client else 'unknown'}"


async def api_key(request: Req) -> None:
    """Check the bearer API key; a failure counts against the client's address, as on `/chat`.

    An address past its limit is refused before its key is read, so that a guesser cannot tell
    a right guess from a wrong one by the answer.
    """
    app = request.app.state.omnisales
    limits: RateLimits = request.app.state.limits
    per_address = app.settings.rate_limit_per_address
    if await limits.count(_address(request)) >= per_address:
        raise ApiError(429, "rate_limited", "too many requests; slow down", str(retry_after()))
    scheme, _, key = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(key.encode(),
                                                             app.settings.api_key.encode()):
        wait = await limits.hit(_address(request), per_address)
        if wait is not None:
            raise ApiError(429, "rate_limited", "too many requests; slow down", str(wait))
        raise ApiError(401, "unauthorized", "a valid API key is required")


def identifier(request: Req, name: str) -> str:
    """A required id from the query string, checked as `/chat` checks its ids; else 422."""
    value = request.query_params.get(name)
    if not value or len(value) > IDENTIFIER_MAX or not IDENTIFIER_PATTERN.fullmatch(value):
        raise ApiError(422, "invalid_request", f"invalid fields: {name}")
    return value


async def customer_of(request: Req) -> str:
    """The customer the caller acts as on `/chat/history` and `/chat/events`.

    The API key's holder names the customer in `user_id` (as `/chat` does in its body); a
    customer token acts for its own customer, and a `user_id` naming another is 403
    (`channels.auth.caller`).
    """
    named = request.query_params.get("user_id")
    customer, _ = await caller(request, None if named is None else identifier(request, "user_id"))
    return customer
