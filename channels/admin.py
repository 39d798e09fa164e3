"""The operators' dashboard at `/admin`: server-rendered pages (Jinja), kept live by htmx.

Pages: live conversations, one conversation, the handoff queue and a ticket, failed WhatsApp
sends, analytics and replay. Every page needs a signed-in operator (`channels.operator_auth`);
every form posts the session's CSRF token. Actions are plain forms answered with a redirect, so
that the live tables, fetched again when `/admin/events` says something changed
(`channels.admin_events`), never swallow what an operator is typing.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Router, get, post
from litestar.response import Redirect, Template
from litestar.static_files import create_static_files_router

from channels import admin_reports, operators
from channels.admin_base import ASSETS, SignIn, page, signed_in, to_login
from channels.admin_errors import html_error, unknown
from channels.admin_events import admin_events
from channels.admin_flash import flash, pop
from channels.errors import ApiError
from channels.operator_auth import CSRF_FIELD, CSRF_HEADER, check_csrf, operator_of, store_of
from channels.operator_auth import ROUTES as AUTH_ROUTES
from channels.web import MESSAGE_MAX
from tools import dashboard
from tools import operators as accounts
from tools.context import session_key
from tools.operators import Operator
from tools.store import Doc, now

Req = Request[Any, Any, Any]


def _primary(request: Req) -> str:
    models = request.app.state.omnisales.models
    return str(models[0].name) if models else "offline"


def _channel(request: Req) -> str | None:
    channel = request.query_params.get("channel") or None
    return channel if channel in dashboard.CHANNELS else None


@get("/admin", include_in_schema=False)
async def conversations(request: Req) -> Template:
    """Live conversations, newest first; the table fetches its rows again on each change."""
    operator = await signed_in(request)
    channel = _channel(request)
    rows = await dashboard.live(store_of(request), _primary(request), channel)
    return page("conversations.html", operator, rows=rows, channel=channel or "",
                channels=dashboard.CHANNELS, tab="live")


@get("/admin/conversations/rows", include_in_schema=False)
async def conversation_rows(request: Req) -> Template:
    """The live table's rows (fetched again on each change)."""
    operator = await signed_in(request)
    rows = await dashboard.live(store_of(request), _primary(request), _channel(request))
    return page("_conversation_rows.html", operator, rows=rows)


def _key(request: Req) -> tuple[str, str, str]:
    values = tuple(request.query_params.get(name, "")[:64] for name in ("channel", "user",
                                                                       "session"))
    if values[0] not in dashboard.CHANNELS or not values[1] or not values[2]:
        raise ApiError(404, "not_found", "no such conversation")
    return values  # type: ignore[return-value]


@get("/admin/conversation", include_in_schema=False)
async def conversation(request: Req) -> Template:
    """One conversation's archive: per turn, how it was routed, who answered, what it did."""
    operator = await signed_in(request)
    channel, user, session = _key(request)
    entries = await dashboard.transcript(store_of(request), session_key(channel, user, session))
    return page("conversation.html", operator, entries=entries, channel=channel, user=user,
                session=session, tab="live")


@get("/admin/queue", include_in_schema=False)
async def queue(request: Req) -> Template:
    """The handoff queue: open tickets, oldest first."""
    operator = await signed_in(request)
    return page("queue.html", operator, tickets=await dashboard.queue(store_of(request)),
                notice=await pop(store_of(request), operator), tab="queue")


@get("/admin/queue/rows", include_in_schema=False)
async def queue_rows(request: Req) -> Template:
    """The queue's rows (fetched again on each change)."""
    operator = await signed_in(request)
    return page("_queue_rows.html", operator, tickets=await dashboard.queue(store_of(request)))


async def _ticket(request: Req, ticket_id: str) -> Doc:
    found = await store_of(request).handoff_tickets.find_one({"ticket_id": ticket_id[:64]})
    if found is None:
        raise ApiError(404, "not_found", "no such ticket")
    return found


async def _ticket_page(request: Req, operator: Operator, ticket_id: str, *, status: int = 200,
                       notice: str = "", draft: str = "") -> Template:
    found = await _ticket(request, ticket_id)
    entries = await dashboard.transcript(store_of(request), found["session_key"])
    return page("ticket.html", operator, status=status, ticket=found, entries=entries,
                tab="queue", waited=dashboard.waited(found.get("created_at")), draft=draft,
                notice=notice or await pop(store_of(request), operator))


@get("/admin/tickets/{ticket_id:str}", include_in_schema=False)
async def ticket(request: Req, ticket_id: str) -> Template:
    """One ticket: the conversation so far, the reply box, and Close."""
    return await _ticket_page(request, await signed_in(request), ticket_id)


@get("/admin/tickets/{ticket_id:str}/panel", include_in_schema=False)
async def ticket_panel(request: Req, ticket_id: str) -> Template:
    """The ticket's status and holder, fetched again on each change (a closed one hides the box)."""
    operator = await signed_in(request)
    found = await _ticket(request, ticket_id)
    return page("_ticket_panel.html", operator, ticket=found,
                waited=dashboard.waited(found.get("created_at")), live=True)


@get("/admin/tickets/{ticket_id:str}/messages", include_in_schema=False)
async def ticket_messages(request: Req, ticket_id: str) -> Template:
    """The ticket's conversation (fetched again on each change)."""
    operator = await signed_in(request)
    found = await _ticket(request, ticket_id)
    entries = await dashboard.transcript(store_of(request), found["session_key"])
    return page("_messages.html", operator, entries=entries)


async def _back(request: Req, operator: Operator, path: str, notice: str = "") -> Redirect:
    """A redirect after a form, its message kept for the next page (never in the URL)."""
    if notice:
        await flash(store_of(request), operator, notice)
    return Redirect(path, status_code=303)


@post("/admin/tickets/{ticket_id:str}/take", include_in_schema=False, status_code=303)
async def take(request: Req, ticket_id: str) -> Redirect:
    """Hold the ticket: one operator only; the one who loses the race is told who holds it."""
    operator = await signed_in(request)
    found = await _ticket(request, ticket_id)
    if await accounts.take(store_of(request), found["ticket_id"], operator.email, now()):
        return await _back(request, operator, f"/admin/tickets/{found['ticket_id']}")
    found = await _ticket(request, ticket_id)
    holder = found.get("taken_by")
    notice = (f"{holder} already has this ticket." if holder and found["status"] == "open"
              else "This ticket is closed.")
    return await _back(request, operator, "/admin/queue", notice)


def _refused(found: Doc, operator: Operator, *, closing: bool) -> str | None:
    """Why `operator` may not reply to (or close) the ticket, as the API says; None if they may."""
    try:
        operators.refuse_unless_free(found, operator, closing=closing)
    except ApiError as refused:
        return f"{refused.detail}."
    return None


@post("/admin/tickets/{ticket_id:str}/reply", include_in_schema=False, status_code=303)
async def reply(request: Req, ticket_id: str) -> Redirect | Template:
    """Write to the customer on their channel (taking the ticket if nobody holds it).

    A stale page (its CSRF token from before the operator last signed in) gets the ticket again,
    403, with what they typed still in the box, rather than losing it.
    """
    operator = await operator_of(request)
    if operator is None:
        raise SignIn
    form = await request.form()
    text = str(form.get("text") or "").strip()[:MESSAGE_MAX]
    try:
        check_csrf(operator, request.headers.get(CSRF_HEADER) or form.get(CSRF_FIELD))
    except ApiError:
        return await _ticket_page(request, operator, ticket_id, status=403, draft=text, notice=(
            "This page was out of date, so your message was not sent. It is still in the box "
            "below: check the conversation, then press Send again."))
    found = await _ticket(request, ticket_id)
    where = f"/admin/tickets/{found['ticket_id']}"
    if why := _refused(found, operator, closing=False):
        return await _back(request, operator, where, why)
    if not text:
        return await _back(request, operator, where, "Write a message first.")
    if found["status"] != "open":
        return await _back(request, operator, where, "This ticket is closed.")
    if not await accounts.take(store_of(request), found["ticket_id"], operator.email, now()):
        return await _back(request, operator, where, "Another operator took this ticket.")
    await operators.send_reply(request, store_of(request), found, text, operator.email)
    return await _back(request, operator, where)


@post("/admin/tickets/{ticket_id:str}/close", include_in_schema=False, status_code=303)
async def close(request: Req, ticket_id: str) -> Redirect:
    """Close the ticket: the customer is back with the assistant, which says so."""
    operator = await signed_in(request)
    found = await _ticket(request, ticket_id)
    if why := _refused(found, operator, closing=True):
        return await _back(request, operator, f"/admin/tickets/{found['ticket_id']}", why)
    await operators.close(request, store_of(request), found)
    return await _back(request, operator, "/admin/queue", f"Ticket {found['ticket_id']} closed.")


@get("/admin/failed", include_in_schema=False)
async def failed(request: Req) -> Template:
    """WhatsApp replies that gave up, with the cause and a Retry button."""
    operator = await signed_in(request)
    return page("failed.html", operator, sends=await dashboard.failed_sends(store_of(request)),
                notice=await pop(store_of(request), operator), tab="failed")


@post("/admin/failed/retry", include_in_schema=False, status_code=303)
async def retry(request: Req) -> Redirect:
    """Put a failed reply back in the outbox and send it now."""
    operator = await signed_in(request)
    wamid = str((await request.form()).get("id") or "")[:200]
    if not await dashboard.requeue(store_of(request), wamid, operator.email):
        return await _back(request, operator, "/admin/failed", "That reply is no longer failed.")
    request.app.state.inbox.workers.send(wamid)  # the outbox's sweep takes it up otherwise
    return await _back(request, operator, "/admin/failed", "Sending again.")


def routes() -> list[Any]:
    """The dashboard's routes, its sign-in and its static files."""
    static = create_static_files_router("/admin/static", [ASSETS / "static"],
                                        name="admin_static")
    pages = [conversations, conversation_rows, conversation, queue, queue_rows, ticket,
             ticket_messages, ticket_panel, take, reply, close, failed, retry, admin_events,
             *admin_reports.ROUTES, unknown]
    # Errors of the dashboard's pages (and its sign-in) are pages too: `channels.admin_errors`.
    errors: dict[int | type[Exception], Any] = {SignIn: to_login, Exception: html_error}
    return [static, Router("", route_handlers=[*AUTH_ROUTES, *pages], exception_handlers=errors)]

