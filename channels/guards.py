"""Who a request acts for on the conversation routes: the customer it names or its token's."""

from __future__ import annotations

from typing import Any

from litestar import Request

from channels.auth import caller
from channels.errors import ApiError
from channels.web import IDENTIFIER_PATTERN

Req = Request[Any, Any, Any]
IDENTIFIER_MAX = 64


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
