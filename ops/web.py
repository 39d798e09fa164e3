"""The API's side of operations: each request's log context and counts, and `GET /metrics`."""

from __future__ import annotations

import hmac
import logging
import time
from typing import Any

from litestar import Request, Response, get
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from channels.errors import ApiError, scope_request_id
from ops import metrics
from ops.logs import bind_request

log = logging.getLogger("omnisales.http")

# Routes too frequent or too dull for a line each (the status still counts in the metrics).
_QUIET = frozenset({"/health", "/metrics"})
# A webhook's delivery answered 200 is acknowledged: the provider will not send it again.
_COUNTED = "omnisales_counted"  # set in a request's scope state by `request_context`
_WEBHOOKS = {"/webhook/whatsapp": "whatsapp", "/webhook/superu": "voice"}


def request_context(app: ASGIApp) -> ASGIApp:
    """Litestar middleware: bind the request id for every line logged while it is answered.

    When the request ends it is counted by route template and status, timed, and logged in one
    line: method, route template, status, milliseconds. Never its query string (a verify token
    may be in it), its body or the client's address. A request that matches no route (Litestar's
    404 or 405 before any handler) is answered before middleware runs: `count_unrouted` counts
    and logs it.
    """

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        bind_request(scope_request_id(scope))
        scope.setdefault("state", {})[_COUNTED] = True  # not `count_unrouted`'s to count
        method = str(scope.get("method", ""))
        started = time.perf_counter()
        status = 500  # unless a response starts: an exception that escaped every handler

        async def counted_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                if method == "OPTIONS" and status == 204:
                    message["headers"] = _allow_all(scope, message.get("headers", []))
            await send(message)

        try:
            await app(scope, receive, counted_send)
        finally:
            route = scope.get("path_template") or "unmatched"
            elapsed = time.perf_counter() - started
            metrics.HTTP_REQUESTS.labels(method, route, str(status)).inc()
            metrics.HTTP_SECONDS.labels(route).observe(elapsed)
            if method == "POST" and status == 200 and route in _WEBHOOKS:
                metrics.WEBHOOK_ACKS.labels(_WEBHOOKS[route]).inc()
            if route not in _QUIET or status >= 500:
                log.info("request", extra={"method": method, "route": route,
                                           "status": status,
                                           "duration_ms": round(elapsed * 1000, 1)})

    return middleware


async def count_unrouted(message: Message, scope: Scope) -> None:
    """A `before_send` hook: count and log the answers no route's middleware saw (404, 405)."""
    if scope["type"] != "http" or message["type"] != "http.response.start":
        return
    if scope.setdefault("state", {}).get(_COUNTED):
        return
    method, status = str(scope.get("method", "")), message["status"]
    metrics.HTTP_REQUESTS.labels(method, "unmatched", str(status)).inc()
    log.info("request", extra={"request_id": scope_request_id(scope), "method": method,
                               "route": "unmatched", "status": status})


def _allow_all(scope: Scope, headers: Any) -> list[tuple[bytes, bytes]]:
    """`Allow` naming every method of the path.

    Litestar's own OPTIONS answer names only the methods of the first handler registered on a
    path (GET of /webhook/whatsapp, not its POST).
    """
    route = next((r for r in scope["litestar_app"].routes
                  if getattr(r, "path_format", None) == scope.get("path_template")), None)
    methods = getattr(route, "methods", None)
    if not methods:
        return list(headers)
    kept = [(k, v) for k, v in headers if k.lower() != b"allow"]
    return [*kept, (b"allow", ", ".join(sorted(methods)).encode())]


@get("/metrics", media_type=metrics.CONTENT_TYPE, include_in_schema=False)
async def metrics_endpoint(request: Request[Any, Any, Any]) -> Response[bytes]:
    """Prometheus text; 404 unless `METRICS_TOKEN` is set, 401 without it as the bearer."""
    settings = request.app.state.omnisales.settings
    expected = settings.metrics_token
    if expected is None or not expected.get_secret_value():  # `METRICS_TOKEN=` is unset too
        raise ApiError(404, "not_found", "Not Found")
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
            token.encode(), expected.get_secret_value().encode()):
        limits = request.app.state.limits
        address = request.client.host if request.client else "unknown"
        wait = await limits.hit(f"address:{address}", settings.rate_limit_per_address)
        if wait is not None:
            raise ApiError(429, "rate_limited", "too many requests; slow down", str(wait))
        raise ApiError(401, "unauthorized", "a valid metrics token is required")
    figures = await metrics.database_figures(request.app.state.omnisales.store.db)
    return Response(metrics.exposition(figures), media_type=metrics.CONTENT_TYPE)
