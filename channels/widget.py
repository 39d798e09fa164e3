"""The web widget: customer tokens, the loader a shop embeds, and the chat frame it opens."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from litestar import Request, Response, Router, get, post
from litestar.datastructures import CacheControlHeader
from litestar.handlers import HTTPRouteHandler
from litestar.static_files import create_static_files_router
from pydantic import BaseModel, StringConstraints, ValidationError

from channels import tokens
from channels.auth import authenticate, holds_api_key, limit_address
from channels.errors import ApiError
from channels.web import Identifier

ASSETS = Path(__file__).with_name("widget_assets")
ASSETS_PATH = "/widget/assets"
SESSION_BODY_LIMIT = 4096
DEMO_CUSTOMERS = ("demo-alice", "demo-bob")
# The frame runs our own script and style only, talks to this origin only, and may be framed
# by the shop origins in WIDGET_ORIGINS (and our own demo page), by nobody else.
FRAME_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                "connect-src 'self'; base-uri 'none'; form-action 'none'; "
                "frame-ancestors 'self'{origins}")
DEMO_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
               "connect-src 'self'; frame-src 'self'; base-uri 'none'; form-action 'self'; "
               "frame-ancestors 'none'")
HexHash = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]


class SessionRequest(BaseModel):
    """`POST /widget/session`: a signed-in customer and the shop backend's hash, or nothing."""

    user_id: Identifier | None = None
    user_hash: HexHash | None = None


def _settings(request: Request[Any, Any, Any]) -> Any:
    return request.app.state.omnisales.settings


def session_for(user_id: str, settings: Any) -> dict[str, Any]:
    """The body `POST /widget/session` answers: a fresh token for `user_id`."""
    return {"token": tokens.issue(user_id, settings.token_secret), "user_id": user_id,
            "expires_in": tokens.TOKEN_TTL_S}


def exchange(user_id: str, user_hash: str, settings: Any) -> dict[str, Any]:
    """A token for a customer the shop's backend signed in; 401 when the hash is not its own."""
    if not tokens.identity_ok(user_id, user_hash, settings.identity_secret):
        raise ApiError(401, "unauthorized", "the user_hash does not match the user_id")
    return session_for(user_id, settings)


async def _guest(request: Request[Any, Any, Any]) -> str:
    """A new guest, or the same guest when the request holds that guest's valid token.

    A guest has no shop backend to sign it in again: its widget renews its token this way.
    """
    if holds_api_key(request):
        return tokens.new_guest()
    if not request.headers.get("authorization"):
        await limit_address(request)
        return tokens.new_guest()
    who = await authenticate(request)
    if who.customer is None or not who.customer.startswith(tokens.GUEST_PREFIX):
        raise ApiError(403, "forbidden", "only a guest's token renews itself; sign in again")
    return who.customer


@post("/widget/session", status_code=200, request_max_body_size=SESSION_BODY_LIMIT)
async def widget_session(request: Request[Any, Any, Any]) -> dict[str, Any]:
    """Exchange the shop backend's HMAC of a customer id for a customer token; `{}`: a guest."""
    settings = _settings(request)
    try:
        body = SessionRequest.model_validate_json(await request.body() or b"{}")
    except ValidationError as exc:
        fields = ", ".join(str(e["loc"][0]) for e in exc.errors() if e["loc"]) or "body"
        raise ApiError(422, "invalid_request", f"invalid fields: {fields}") from None
    if body.user_id is None and body.user_hash is None:
        return session_for(await _guest(request), settings)
    if body.user_id is None or body.user_hash is None:
        raise ApiError(422, "invalid_request", "user_id and user_hash go together")
    if not holds_api_key(request):  # a shop's backend that sends its key is not one address
        await limit_address(request)
    return exchange(body.user_id, body.user_hash, settings)


def _asset(name: str) -> str:
    return (ASSETS / name).read_text(encoding="utf-8")


@get("/widget.js", media_type="text/javascript; charset=utf-8")
async def loader() -> Response[str]:
    """The loader a shop puts on its pages: it opens the chat frame and passes it tokens."""
    return Response(_asset("loader.js"), media_type="text/javascript; charset=utf-8",
                    headers={"Cache-Control": "public, max-age=300"})


@get("/widget/frame", media_type="text/html; charset=utf-8")
async def frame(request: Request[Any, Any, Any]) -> Response[str]:
    """The chat itself, in a frame that only the shop's own origins may hold."""
    origins = "".join(f" {origin}" for origin in _settings(request).widget_origins)
    return Response(_asset("frame.html"), media_type="text/html; charset=utf-8",
                    headers={"Content-Security-Policy": FRAME_POLICY.format(origins=origins),
                             "Cache-Control": "no-store"})


@get("/", media_type="text/html; charset=utf-8", include_in_schema=False)
async def demo_shop(request: Request[Any, Any, Any]) -> Response[str]:
    """A demo shop page with the widget, signed in as `demo-alice`, `demo-bob` or a guest."""
    who = request.query_params.get("as", DEMO_CUSTOMERS[0])
    if who not in (*DEMO_CUSTOMERS, "guest"):
        who = DEMO_CUSTOMERS[0]
    token_url = "" if who == "guest" else f' data-token-url="/demo/token?as={who}"'
    page = _asset("demo.html").replace("{{who}}", who).replace("{{token_url}}", token_url)
    for name in (*DEMO_CUSTOMERS, "guest"):
        page = page.replace(f"{{{{current:{name}}}}}",
                            ' aria-current="page"' if name == who else "")
    return Response(page, media_type="text/html; charset=utf-8",
                    headers={"Content-Security-Policy": DEMO_POLICY, "Cache-Control": "no-store"})


@get("/demo/token", include_in_schema=False)
async def demo_token(request: Request[Any, Any, Any]) -> dict[str, Any]:
    """The demo shop's own backend: it signs its customer in, as a shop's backend would.

    It computes the identity hash on the server, where the secret lives, and exchanges it.
    """
    settings = _settings(request)
    who = request.query_params.get("as", "")
    if who not in DEMO_CUSTOMERS:
        raise ApiError(404, "not_found", "no such demo customer")
    # What a shop's backend sends to `POST /widget/session` after its own sign-in check.
    return exchange(who, tokens.identity_hash(who, settings.identity_secret), settings)


def routes(development: bool) -> list[HTTPRouteHandler | Router]:
    """The widget's routes; the demo shop and its token endpoint in development only."""
    assets = create_static_files_router(
        path=ASSETS_PATH, directories=[ASSETS], name="widget-assets", include_in_schema=False,
        cache_control=CacheControlHeader(max_age=300, public=True))
    served: list[HTTPRouteHandler | Router] = [widget_session, loader, frame, assets]
    return [*served, demo_shop, demo_token] if development else served
