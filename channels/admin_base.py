"""What every dashboard page shares: templates, security headers and the signed-in check."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar import Request, Response
from litestar.contrib.jinja import JinjaTemplateEngine
from litestar.response import Redirect, Template
from litestar.template.config import TemplateConfig

from channels.operator_auth import HEADERS, page_operator
from tools.operators import Operator

Req = Request[Any, Any, Any]
ASSETS = Path(__file__).with_name("admin_assets")


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    """The dashboard's templates (autoescaped HTML)."""
    return TemplateConfig(directory=ASSETS / "templates", engine=JinjaTemplateEngine)


class SignIn(Exception):
    """The request has no signed-in operator: the dashboard answers with the login form."""


def to_login(request: Req, exc: Exception) -> Response[str]:
    """The answer to `SignIn`: the login form (the whole page, when htmx was polling a part)."""
    if request.headers.get("hx-request"):
        return Response("", headers={"HX-Redirect": "/admin/login"})
    return Redirect("/admin/login", status_code=303)


def page(name: str, operator: Operator, status: int = 200, **context: Any) -> Template:
    """A dashboard page for `operator`, with its security headers."""
    return Template(name, context={"me": operator, **context}, status_code=status,
                    headers=HEADERS)


async def signed_in(request: Req) -> Operator:
    """The signed-in operator (a POST's CSRF token checked); `SignIn` without one."""
    operator = await page_operator(request)
    if operator is None:
        raise SignIn
    return operator
