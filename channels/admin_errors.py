"""The dashboard's errors as pages: its look, the status kept, a way back, nothing internal.

`/admin/api/*` keeps the API's JSON errors (the contract); an htmx request, which swaps a part
of a page, gets a one-line fragment instead of a whole page (and a reload when the page is stale).
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get
from litestar.response import Template
from markupsafe import escape

from channels.errors import ApiError, error_response
from channels.operator_auth import HEADERS

Req = Request[Any, Any, Any]
STALE = ("This page was out of date: it was opened before you last signed in. "
         "Go back, reload the page and try again.")
TITLES = {403: "Not allowed", 404: "Not found", 409: "Already changed", 429: "Too many requests",
          503: "Try again shortly"}
SAYS = {404: "There is nothing at this address: the link may be wrong or the item gone.",
        500: "Something went wrong on our side. Try again in a moment."}


def _text(status: int, code: str, detail: str) -> str:
    if code == "csrf":
        return STALE
    if status == 500 or not detail or detail == "Not Found":
        return SAYS.get(status, SAYS[500])
    return f"{detail[:1].upper()}{detail[1:]}."


def html_error(request: Req, exc: Exception) -> Response[Any]:
    """An error of a dashboard page as a page (JSON still for `/admin/api/*`)."""
    answer = error_response(request, exc)  # the status, a safe detail, and the log line
    if request.url.path.startswith("/admin/api"):
        return answer
    status, body = answer.status_code or 500, answer.content
    text = _text(status, body["error"], body["detail"])
    headers = {**HEADERS, **answer.headers, "X-Request-ID": body["request_id"]}
    if request.headers.get("hx-request"):
        if body["error"] == "csrf":
            headers["HX-Refresh"] = "true"  # the whole page is stale: htmx reloads it
        return Response(f'<p class="error" role="alert">{escape(text)}</p>',
                        status_code=status, media_type="text/html", headers=headers)
    back = "/admin/queue" if "/tickets/" in request.url.path else "/admin"
    return Template("error.html", status_code=status, headers=headers, context={
        "me": None, "title": TITLES.get(status, "Something went wrong"), "text": text,
        "status": status, "back": back, "request_id": body["request_id"]})


@get("/admin/{rest:path}", include_in_schema=False)
async def unknown(rest: str) -> None:
    """Any other `/admin/...` address: 404, as a page."""
    raise ApiError(404, "not_found", "")
