"""Who is calling: the API key (the shop's backend) or a customer token (the web widget)."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Any

from litestar import Request

from channels import tokens
from channels.errors import ApiError
from channels.limits import RateLimits, retry_after

WIDGET_SOURCE = "channel/widget"  # what widget turns come through: their shared daily budget


@dataclass(frozen=True)
class Caller:
    """An authenticated caller.

    Attributes:
        source: What the request came through: `key/<digest of the API key>`, or
            `channel/widget` for a customer token.
        customer: The token's customer; None for the API key, which may name any customer.
    """

    source: str
    customer: str | None = None

    def acting_as(self, user_id: str | None) -> str:
        """The customer this request acts for; 403 when a token's holder names another."""
        if self.customer is None:
            if not user_id:
                raise ApiError(422, "invalid_request", "invalid fields: user_id")
            return user_id
        if user_id is not None and user_id != self.customer:
            raise ApiError(403, "forbidden", "this token acts only for its own customer")
        return self.customer


def _settings(request: Request[Any, Any, Any]) -> Any:
    return request.app.state.omnisales.settings


def client_address(request: Request[Any, Any, Any]) -> str:
    """The client's address: the connecting one, or the one a proxy in `TRUSTED_PROXIES` forwarded.

    uvicorn rewrites the ASGI client from `X-Forwarded-For` for those proxies only
    (`channels.serving.uvicorn_options`); a header from anyone else changes nothing.
    """
    return request.client.host if request.client else "unknown"


async def limit(request: Request[Any, Any, Any], key: str, most: int) -> None:
    """Count one request against `key`; 429 with `Retry-After` past `most` a minute."""
    limits: RateLimits = request.app.state.limits
    wait = await limits.hit(key, most)
    if wait is not None:
        raise ApiError(429, "rate_limited", "too many requests; slow down", str(wait))


async def limit_address(request: Request[Any, Any, Any]) -> None:
    """Count a request from an address that does not hold the API key; 429 past the limit."""
    await limit(request, f"address:{client_address(request)}",
                _settings(request).rate_limit_per_address)


async def _refuse_a_busy_address(request: Request[Any, Any, Any]) -> None:
    """429 for an address past its limit, before its credential is even read.

    So that a guesser cannot tell a right guess from a wrong one by the answer.
    """
    limits: RateLimits = request.app.state.limits
    if await limits.count(f"address:{client_address(request)}") >= _settings(
            request).rate_limit_per_address:
        raise ApiError(429, "rate_limited", "too many requests; slow down", str(retry_after()))


def _bearer(request: Request[Any, Any, Any]) -> str | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def _is_api_key(value: str, request: Request[Any, Any, Any]) -> bool:
    return hmac.compare_digest(value.encode(), _settings(request).api_key.encode())


def holds_api_key(request: Request[Any, Any, Any]) -> bool:
    """Whether the request carries the API key (the shop's backend, server to server)."""
    value = _bearer(request)
    return value is not None and _is_api_key(value, request)


def key_source(key: str) -> str:
    """The source an API key's requests come through: a digest, never the key itself."""
    return "key/" + hmac.new(b"omnisales-rate", key.encode(), "sha256").hexdigest()[:16]


async def authenticated(request: Request[Any, Any, Any]) -> str:
    """The API key, checked (server to server only); a failure counts against the address."""
    await _refuse_a_busy_address(request)
    value = _bearer(request)
    if value is None or not _is_api_key(value, request):
        await limit_address(request)
        raise ApiError(401, "unauthorized", "a valid API key is required")
    return value


async def authenticate(request: Request[Any, Any, Any]) -> Caller:
    """The API key or a customer token from `POST /widget/session`; 401 for anything else.

    Every request that does not hold the API key counts against its client's address
    (`RATE_LIMIT_PER_ADDRESS`): widget customers and failed authentications alike.
    """
    await _refuse_a_busy_address(request)
    value = _bearer(request)
    if value is not None and _is_api_key(value, request):
        return Caller(key_source(value))
    await limit_address(request)
    customer = tokens.customer_of(value, _settings(request).token_secret) if value else None
    if customer is None:
        raise ApiError(401, "unauthorized", "a valid API key or customer token is required")
    return Caller(WIDGET_SOURCE, customer)


async def caller(request: Request[Any, Any, Any], user_id: str | None) -> tuple[str, str]:
    """The customer a request acts for and what it came through, for `/chat/*` handlers.

    With the API key, the customer is the `user_id` the shop's backend names (required); with
    a customer token, the token's customer, and a `user_id` naming anyone else is 403.

    Returns:
        `(user_id, source)`: `source` as `run_turn` takes it (`Caller.source`).
    """
    who = await authenticate(request)
    return who.acting_as(user_id), who.source
