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
from channels.admin_events import admin_events
from channels.errors import ApiError
from channels.operator_auth import ROUTES as AUTH_ROUTES
from channels.operator_auth import store_of
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
    notice = request.query_params.get("notice", "")[:200]
    return page("queue.html", operator, tickets=await dashboard.queue(store_of(request)),
                notice=notice, tab="queue")


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


@get("/admin/tickets/{ticket_id:str}", include_in_schema=False)
async def ticket(request: Req, ticket_id: str) -> Template:
    """One ticket: the conversation so far, the reply box, and Close."""
    operator = await signed_in(request)
    found = await _ticket(request, ticket_id)
    entries = await dashboard.transcript(store_of(request), found["session_key"])
    return page("ticket.html", operator, ticket=found, entries=entries, tab="queue",
                waited=dashboard.waited(found.get("created_at")),
                notice=request.query_params.get("notice", "")[:200])


@get("/admin/tickets/{ticket_id:str}/messages", include_in_schema=False)
async def ticket_messages(request: Req, ticket_id: str) -> Template:
    """The ticket's conversation (fetched again on each change)."""
    operator = await signed_in(request)
    found = await _ticket(request, ticket_id)
    entries = await dashboard.transcript(store_of(request), found["session_key"])
    return page("_messages.html", operator, entries=entries)


def _back(path: str, notice: str = "", status: int = 303) -> Redirect:
    return Redirect(path, status_code=status,  # type: ignore[arg-type]
                    query_params={"notice": notice} if notice else None)


@post("/admin/tickets/{ticket_id:str}/take", include_in_schema=False, status_code=303)
async def take(request: Req, ticket_id: str) -> Redirect | Template:
    """Hold the ticket: one operator only; the one who loses the race is told who holds it."""
    operator = await signed_in(request)
    found = await _ticket(request, ticket_id)
    if await accounts.take(store_of(request), found["ticket_id"], operator.email, now()):
        return _back(f"/admin/tickets/{found['ticket_id']}")
    found = await _ticket(request, ticket_id)
    holder = found.get("taken_by")
    notice = (f"{holder} already has this ticket." if holder and found["status"] == "open"
              else "This ticket is closed.")
    return page("queue.html", operator, status=409, notice=notice, tab="queue",
                tickets=await dashboard.queue(store_of(request)))


def _held_by_other(found: Doc, operator: Operator) -> str | None:
    holder = found.get("taken_by")
    return holder if holder and holder != operator.email else None


@post("/admin/tickets/{ticket_id:str}/reply", include_in_schema=False, status_code=303)
async def reply(request: Req, ticket_id: str) -> Redirect:
    """Write to the customer on their channel (taking the ticket if nobody holds it)."""
    operator = await signed_in(request)
    text = str((await request.form()).get("text") or "").strip()[:MESSAGE_MAX]
    found = await _ticket(request, ticket_id)
    where = f"/admin/tickets/{found['ticket_id']}"
    if holder := _held_by_other(found, operator):
        return _back(where, f"{holder} has this ticket: only they can reply.")
    if not text:
        return _back(where, "Write a message first.")
    if found["status"] != "open":
        return _back(where, "This ticket is closed.")
    if not await accounts.take(store_of(request), found["ticket_id"], operator.email, now()):
        return _back(where, "Another operator took this ticket.")
    await operators.send_reply(request, store_of(request), found, text, operator.email)
    return _back(where)


@post("/admin/tickets/{ticket_id:str}/close", include_in_schema=False, status_code=303)
async def close(request: Req, ticket_id: str) -> Redirect:
    """Close the ticket: the customer is back with the assistant, which says so."""
    operator = await signed_in(request)
    found = await _ticket(request, ticket_id)
    if (holder := _held_by_other(found, operator)) and operator.role != "admin":
        return _back(f"/admin/tickets/{found['ticket_id']}",
                     f"{holder} has this ticket: only they (or an admin) can close it.")
    await operators.close(request, store_of(request), found)
    return _back("/admin/queue", f"Ticket {found['ticket_id']} closed.")


@get("/admin/failed", include_in_schema=False)
async def failed(request: Req) -> Template:
    """WhatsApp replies that gave up, with the cause and a Retry button."""
    operator = await signed_in(request)
    return page("failed.html", operator, sends=await dashboard.failed_sends(store_of(request)),
                notice=request.query_params.get("notice", "")[:200], tab="failed")


@post("/admin/failed/retry", include_in_schema=False, status_code=303)
async def retry(request: Req) -> Redirect:
    """Put a failed reply back in the outbox and send it now."""
    operator = await signed_in(request)
    wamid = str((await request.form()).get("id") or "")[:200]
    if not await dashboard.requeue(store_of(request), wamid, operator.email):
        return _back("/admin/failed", "That reply is no longer failed.")
    request.app.state.inbox.workers.send(wamid)  # the outbox's sweep takes it up otherwise
    return _back("/admin/failed", "Sending again.")


def routes() -> list[Any]:
    """The dashboard's routes, its sign-in and its static files."""
    static = create_static_files_router("/admin/static", [ASSETS / "static"],
                                        name="admin_static")
    pages = [conversations, conversation_rows, conversation, queue, queue_rows, ticket,
             ticket_messages, take, reply, close, failed, retry, admin_events,
             *admin_reports.ROUTES]
    return [*AUTH_ROUTES, static, Router("", route_handlers=pages,
                                         exception_handlers={SignIn: to_login})]

