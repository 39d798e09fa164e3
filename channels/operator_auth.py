"""Operators' sign-in at `/admin/login`: session cookies, CSRF tokens, limited attempts, logout.

The session cookie is HttpOnly, SameSite=Strict and, in production, Secure; the session itself
is on the server (`tools.operators`). Every POST made with the cookie carries the session's
CSRF token, in the form's `_csrf` field or the `X-CSRF-Token` header (htmx sends the header);
the login form, made before there is a session, carries a token of its own cookie's.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from typing import Any

from litestar import Request, get, post
from litestar.datastructures import Cookie
from litestar.response import Redirect, Template

from channels.auth import authenticated, client_address
from channels.errors import ApiError
from channels.limits import RateLimits, retry_after
from tools import operators
from tools.operators import Operator
from tools.store import Store

log = logging.getLogger(__name__)

Req = Request[Any, Any, Any]
COOKIE = "omnisales_admin"
LOGIN_COOKIE = "omnisales_login"  # the login form's own CSRF token, before any session
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "_csrf"
# Failed logins a minute: from one address, and for one email from anywhere.
FAILS_PER_ADDRESS = 20
FAILS_PER_EMAIL = 5
LOGIN_BODY_LIMIT = 4 * 1024
# The dashboard's own policy: its scripts and styles from this origin only, framed by nobody.
POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
          "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
HEADERS = {"Content-Security-Policy": POLICY, "Cache-Control": "no-store"}


def store_of(request: Req) -> Store:
    """The shop's database."""
    return request.app.state.omnisales.store  # type: ignore[no-any-return]


def _production(request: Req) -> bool:
    return bool(request.app.state.omnisales.settings.environment == "production")


def _cookie(request: Req, key: str, value: str, max_age: int) -> Cookie:
    return Cookie(key=key, value=value, path="/admin", max_age=max_age, httponly=True,
                  samesite="strict", secure=_production(request))


async def operator_of(request: Req) -> Operator | None:
    """The operator signed in with this request's cookie, if any."""
    return await operators.session(store_of(request), request.cookies.get(COOKIE))


def check_csrf(operator: Operator, sent: str | None) -> None:
    """403 unless `sent` is the session's CSRF token."""
    if not sent or not hmac.compare_digest(sent.encode(), operator.csrf.encode()):
        raise ApiError(403, "csrf", "the form's security token is missing or wrong; reload")


async def page_operator(request: Req) -> Operator | None:
    """The operator of a dashboard request; a POST must carry the session's CSRF token."""
    operator = await operator_of(request)
    if operator is not None and request.method == "POST":
        sent = request.headers.get(CSRF_HEADER)
        if sent is None and request.headers.get("content-type", "").startswith(
                "application/x-www-form-urlencoded"):
            sent = (await request.form()).get(CSRF_FIELD)
        check_csrf(operator, sent)
    return operator


async def api_caller(request: Req) -> Operator | None:
    """Who calls the operator API: a signed-in operator, or None for the API key's holder.

    A request with an `Authorization` header is checked as the API key; one without, as an
    operator's session (POSTs with its CSRF token in `X-CSRF-Token`).
    """
    if request.headers.get("authorization"):
        await authenticated(request)
        return None
    operator = await operator_of(request)
    if operator is None:
        await authenticated(request)  # 401 (counted against the address) with the API's answer
        return None
    if request.method == "POST":
        check_csrf(operator, request.headers.get(CSRF_HEADER))
    return operator


def _login_page(request: Req, *, error: str = "", email: str = "", status: int = 200,
                headers: dict[str, str] | None = None) -> Template:
    token = secrets.token_urlsafe(32)
    return Template("login.html", context={"csrf": token, "error": error, "email": email},
                    status_code=status, headers=HEADERS | (headers or {}),
                    cookies=[_cookie(request, LOGIN_COOKIE, token, 3600)])


@get("/admin/login", include_in_schema=False)
async def login_form(request: Req) -> Template | Redirect:
    """The sign-in form (or the dashboard, for an operator already signed in)."""
    if await operator_of(request) is not None:
        return Redirect("/admin")
    return _login_page(request)


@post("/admin/login", include_in_schema=False, request_max_body_size=LOGIN_BODY_LIMIT)
async def login(request: Req) -> Template | Redirect:
    """Check the email and password; a session cookie and the dashboard, or the form again.

    Failed attempts count per address and per email (`channels.limits`); past either limit the
    form answers 429 before the password is even checked.
    """
    form = await request.form()
    email = str(form.get("email") or "")[:operators.EMAIL_MAX].strip().lower()
    password = str(form.get("password") or "")[:1024]
    sent, expected = str(form.get(CSRF_FIELD) or ""), request.cookies.get(LOGIN_COOKIE, "")
    if not expected or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise ApiError(403, "csrf", "the form's security token is missing or wrong; reload")
    limits: RateLimits = request.app.state.limits
    keys = [(f"login:address:{client_address(request)}", FAILS_PER_ADDRESS),
            (f"login:email:{email}", FAILS_PER_EMAIL)]
    # Each attempt is counted before its password is checked, and given back if it was right:
    # attempts sent all at once then meet the limit too, not only attempts one after another.
    over = [await limits.hit(key, most) for key, most in keys]
    if any(wait is not None for wait in over):
        wait = str(retry_after())
        return _login_page(request, error="Too many attempts. Wait a minute and try again.",
                           email=email, status=429, headers={"Retry-After": wait})
    settings = request.app.state.omnisales.settings
    found = await operators.check_password(
        store_of(request), email, password,
        settings.data_dir if settings.environment == "development" else None)
    if found is None:
        log.warning("operator login refused from %s", client_address(request))
        return _login_page(request, error="Wrong email or password.", email=email, status=401)
    for key, _ in keys:
        await limits.give_back(key)
    token, _ = await operators.open_session(store_of(request), found)
    return Redirect("/admin", status_code=303, cookies=[
        _cookie(request, COOKIE, token, operators.SESSION_HOURS * 3600),
        _cookie(request, LOGIN_COOKIE, "", 0)])


@post("/admin/logout", include_in_schema=False)
async def logout(request: Req) -> Redirect:
    """End the session; its cookie is cleared and opens nothing any more."""
    operator = await page_operator(request)
    if operator is not None:
        await operators.close_session(store_of(request), operator)
    return Redirect("/admin/login", status_code=303, cookies=[_cookie(request, COOKIE, "", 0)])


ROUTES = [login_form, login, logout]
