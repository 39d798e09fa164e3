"""Handoff tool: open a ticket for a human colleague and tell the customer how they will hear."""

from __future__ import annotations

import secrets
from typing import Any

from tools.caps import CapReached, give_back, take
from tools.context import ToolContext
from tools.registry import error
from tools.store import ActionInFlightError, Doc

MAX_REASON = 500
BUSINESS_HOURS = "within business hours (Monday to Friday, 9am to 5pm)"


def contact_means(channel: str, customer: Doc | None) -> tuple[str, str]:
    """How a colleague will reach the customer (whatsapp, phone, email or here), and how.

    Their channel first, then phone, then email; by phone, with the number's last four digits.
    """
    customer = customer or {}
    phone = str(customer.get("phone") or "")
    if channel == "whatsapp":
        return "whatsapp", ""
    if channel == "voice" or (phone and not customer.get("do_not_call")):
        return "phone", phone[-4:]
    if customer.get("email"):
        return "email", ""
    return "here", ""


def contact_route(channel: str, customer: Doc | None) -> str:
    """How a colleague will reach the customer, in a sentence."""
    means, last4 = contact_means(channel, customer)
    how = {"whatsapp": "on WhatsApp, in this chat",
           "phone": f"by phone at the number ending {last4}" if last4 else "by phone",
           "email": "by email at the address on your account",
           "here": "here, in this conversation"}[means]
    return f"A member of our team will contact you {how} {BUSINESS_HOURS}."


def _public(ticket: Doc, contact: str, means: tuple[str, str]) -> dict[str, Any]:
    return {"type": "handoff_ticket", "ticket_id": ticket["ticket_id"],
            "status": ticket["status"], "contact": contact, "contact_by": means[0],
            "phone_ending": means[1]}


async def open_handoff_ticket(ctx: ToolContext, reason: str) -> dict[str, Any]:
    """Hand the conversation to a human colleague: open a ticket for them to contact the customer.

    Args:
        reason: What the customer needs help with, in a sentence.
    """
    customer = await ctx.store.customers.find_one(
        {"_id": ctx.customer_id}, {"phone": 1, "email": 1, "do_not_call": 1})
    contact = contact_route(ctx.channel, customer)
    means = contact_means(ctx.channel, customer)
    tickets = ctx.store.handoff_tickets
    session = {"customer_id": ctx.customer_id, "session_key": ctx.session_key}
    existing = await tickets.find_one(session | {"status": "open"})
    if existing is not None:
        return _public(existing, contact, means)
    # Keyed by how many tickets the session has closed: concurrent asks share a key and open
    # one ticket, and a session whose ticket was closed can open another.
    closed = await tickets.count_documents(session | {"status": {"$ne": "open"}})
    key = f"handoff:{ctx.session_key}:{closed}"

    async def open_ticket() -> Doc:
        slot = await take(ctx, "ticket", ctx.services.settings.daily_tickets_per_customer)
        ticket = session | {
            "ticket_id": f"TCK-{secrets.token_hex(6).upper()}", "channel": ctx.channel,
            "session_id": ctx.session_id,
            "reason": (reason or "").strip()[:MAX_REASON] or "the customer asked for a person",
            "status": "open", "created_at": ctx.services.clock()}
        try:
            await tickets.insert_one(ticket)
        except BaseException:
            await give_back(ctx, slot)
            raise
        return {"ticket_id": ticket["ticket_id"], "status": "open"}

    try:
        ticket = await ctx.store.once(key, "handoff", ctx.customer_id, open_ticket)
    except CapReached:
        limit = ctx.services.settings.daily_tickets_per_customer
        return error(f"you have already asked for a colleague {limit} times today; no new "
                     "request was opened. The team will answer the ones you have, "
                     f"{BUSINESS_HOURS}")
    except ActionInFlightError:
        return error("a colleague is being asked to help right now; try again in a moment")
    return _public(ticket, contact, means)
