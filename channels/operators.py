"""The operators' API (`/admin/api/tickets`): the handoff queue, replies to customers, closing."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from litestar import Request, get, post
from pydantic import BaseModel, StringConstraints, ValidationError

from channels.errors import ApiError
from channels.inbox import WhatsAppInbox
from channels.operator_auth import api_caller
from channels.web import MESSAGE_MAX
from channels.whatsapp import format_reply
from graph.i18n import N_, gettext_for
from tools import operators as accounts
from tools import takeover
from tools.operators import Operator
from tools.store import Doc, Store, now

log = logging.getLogger(__name__)

STATUSES = ("open", "closed")
# Said, in the customer's language, when the person hands the conversation back.
BACK_LINE = N_("You are back with the shop's assistant. How can I help?")
REPLY_BODY_LIMIT = 64 * 1024


class OperatorReply(BaseModel):
    """`POST /admin/api/tickets/{ticket_id}/reply`: what the person writes to the customer."""

    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                           max_length=MESSAGE_MAX)]


async def _store(request: Request[Any, Any, Any]) -> tuple[Store, Operator | None]:
    """The shop's database and who calls: a signed-in operator, or None for the API key."""
    caller = await api_caller(request)  # an operator's session's POST needs its CSRF token
    return request.app.state.omnisales.store, caller


def refuse_unless_free(ticket: Doc, operator: Operator | None, *, closing: bool) -> None:
    """409 when another operator holds the ticket (an admin may still close it).

    The shop's backend (the API key, `operator` None) acts for the shop and is never refused.
    """
    holder = ticket.get("taken_by")
    if operator is None or not holder or holder == operator.email:
        return
    if closing and operator.role == "admin":
        return
    only = "only they or an admin can close it" if closing else "only they can reply"
    raise ApiError(409, "ticket_held", f"{holder} has this ticket: {only}")


async def _ticket(store: Store, ticket_id: str) -> Doc:
    found = await takeover.ticket(store, ticket_id) if len(ticket_id) <= 64 else None
    if found is None:
        raise ApiError(404, "not_found", "no such ticket")
    return found


@get("/admin/api/tickets")
async def list_tickets(request: Request[Any, Any, Any]) -> dict[str, Any]:
    """The handoff tickets in `status` (`open` by default), oldest first."""
    store, _ = await _store(request)
    status = request.query_params.get("status", "open")
    if status not in STATUSES:
        raise ApiError(422, "invalid_request", "status must be open or closed")
    return {"tickets": [takeover.public(t) for t in await takeover.tickets(store, status)]}


@post("/admin/api/tickets/{ticket_id:str}/reply", status_code=200,
      request_max_body_size=REPLY_BODY_LIMIT)
async def reply_ticket(request: Request[Any, Any, Any], ticket_id: str) -> dict[str, Any]:
    """Write to the ticket's customer on their session's channel.

    Web: the message joins the conversation's history and events. WhatsApp: it is sent through
    the outbox (retried, sent once). Voice: the ticket asks for a call-back with it.
    """
    store, caller = await _store(request)
    try:
        body = OperatorReply.model_validate_json(await request.body())
    except ValidationError:
        raise ApiError(422, "invalid_request", "invalid fields: text") from None
    ticket = await _ticket(store, ticket_id)
    refuse_unless_free(ticket, caller, closing=False)
    if caller is not None and ticket["status"] == "open":  # an operator who replies holds it
        taken = await accounts.take(store, ticket["ticket_id"], caller.email, now())
        if taken is None:  # taken or closed since it was read: as it is now
            ticket = await _ticket(store, ticket_id)
            refuse_unless_free(ticket, caller, closing=False)
    return await send_reply(request, store, ticket, body.text, caller.email if caller else "api")


async def send_reply(request: Request[Any, Any, Any], store: Store, ticket: Doc, text: str,
                     by: str) -> dict[str, Any]:
    """Archive `by`'s `text` and deliver it on the ticket's channel (the API's answer).

    `by` is the operator's email, or `api` for the shop's backend with the API key.
    """
    if ticket["status"] != "open":
        raise ApiError(409, "ticket_closed", "this ticket is closed; the customer is with the "
                       "assistant again")
    phone = await _phone(store, ticket) if ticket["channel"] == "whatsapp" else ""
    at = now()
    doc = await takeover.record_operator(store, ticket, text, at, by)
    delivered = await _deliver(request, store, ticket, text, f"operator:{doc['_id']}", phone)
    return {"ticket_id": ticket["ticket_id"], "status": "open", "delivered_by": delivered,
            "message": {"role": "operator", "text": text,
                        "at": at.isoformat().replace("+00:00", "Z"), "actions": []}}


@post("/admin/api/tickets/{ticket_id:str}/close", status_code=200)
async def close_ticket(request: Request[Any, Any, Any], ticket_id: str) -> dict[str, Any]:
    """Close the ticket: the session goes back to the assistant, which tells the customer."""
    store, caller = await _store(request)
    ticket = await _ticket(store, ticket_id)
    refuse_unless_free(ticket, caller, closing=True)
    return await close(request, store, ticket)


async def close(request: Request[Any, Any, Any], store: Store, ticket: Doc) -> dict[str, Any]:
    """Close the ticket and give its session back to the assistant (the API's answer)."""
    ticket_id = ticket["ticket_id"]
    at = now()
    if await takeover.close(store, ticket_id, at):
        text: list[str] = []

        def say(language: str | None) -> str:
            text.append(gettext_for(language)(BACK_LINE))
            return text[-1]

        if await takeover.leave_human(store, ticket, at, say) and ticket["channel"] == "whatsapp":
            await _deliver(request, store, ticket, text[-1], f"back:{ticket_id}")
    return {"ticket_id": ticket_id, "status": "closed", "mode": "assistant"}


async def _phone(store: Store, ticket: Doc) -> str:
    """The WhatsApp number of the ticket's customer; 409 before anything is kept without one."""
    customer = await store.customers.find_one({"_id": ticket["customer_id"]}, {"phone": 1})
    phone = str((customer or {}).get("phone") or "")
    if not phone:
        log.error("ticket %s: the customer has no phone to write to", ticket["ticket_id"])
        raise ApiError(409, "no_phone", "the customer has no WhatsApp number on file")
    return phone


async def _deliver(request: Request[Any, Any, Any], store: Store, ticket: Doc, text: str,
                   key: str, phone: str = "") -> str:
    """Send `text` on the ticket's channel; how it goes (`web`, `whatsapp`, `call_back`)."""
    channel = ticket["channel"]
    if channel == "whatsapp":
        phone = phone or await _phone(store, ticket)
        inbox: WhatsAppInbox = request.app.state.inbox
        await inbox.outbox.put(key, phone, format_reply(phone, text, [], False))
        inbox.workers.send(key)  # the outbox's sweep takes it up if this process stops
        return "whatsapp"
    if channel == "voice":
        await takeover.ask_call_back(store, ticket["ticket_id"], text, now())
        return "call_back"
    return "web"


ROUTES = [list_tickets, reply_ticket, close_ticket]
