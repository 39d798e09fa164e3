"""Confirmations: a money or points move waits, in the customer's session, for a yes."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from ops import metrics
from tools.claims import move
from tools.context import ToolContext
from tools.registry import error, not_found
from tools.store import Doc

CONFIRMATION_TTL = timedelta(minutes=10)


async def request_confirmation(ctx: ToolContext, kind: str, payload: Doc) -> Doc:
    """Store a move that waits for the customer's yes in this session; return its id.

    Args:
        ctx: Who asks, and in which session.
        kind: `payment`, `redeem` or `refund`: which handler carries it out on confirmation.
        payload: What the handler needs, computed on the server (never from the model).
    """
    at = ctx.services.clock()
    doc = {
        "_id": f"CNF-{secrets.token_hex(6).upper()}", "kind": kind,
        "customer_id": ctx.customer_id, "session_key": ctx.session_key, "payload": payload,
        "status": "pending", "created_at": at, "expires_at": at + CONFIRMATION_TTL,
    }
    await ctx.store.confirmations.insert_one(doc)
    metrics.CONFIRMATIONS.labels("asked").inc()
    return doc


async def claim_confirmation(ctx: ToolContext, confirmation_id: str) -> Doc | dict[str, Any]:
    """Take a pending confirmation for this customer and session, once; or say why not.

    Returns the confirmation document, or an error result: not found (also for another
    customer's or another session's), expired, or already answered.
    """
    coll = ctx.store.confirmations
    doc = await coll.find_one({"_id": confirmation_id, "customer_id": ctx.customer_id,
                               "session_key": ctx.session_key})
    if doc is None:
        return not_found("confirmation")
    if doc["status"] != "pending":
        return error(f"this request was already {doc['status']}")
    if doc["expires_at"] <= ctx.services.clock():
        await move(coll, {"_id": confirmation_id}, {"status": "pending"},
                   {"$set": {"status": "expired"}})
        return error("this request has expired; please ask again")
    # The claim: of concurrent yeses, one moves it; what it holds is `doc` as read.
    if not await move(coll, {"_id": confirmation_id}, {"status": "pending"},
                      {"$set": {"status": "confirmed"}}):
        return error("this request was already answered")
    metrics.CONFIRMATIONS.labels("confirmed").inc()
    return doc


async def cancel_confirmation(ctx: ToolContext, confirmation_id: str) -> bool:
    """Cancel a pending confirmation of this customer's session; whether one was pending."""
    result = await ctx.store.confirmations.update_one(
        {"_id": confirmation_id, "customer_id": ctx.customer_id,
         "session_key": ctx.session_key, "status": "pending"},
        {"$set": {"status": "cancelled"}})
    if result.modified_count == 1:
        metrics.CONFIRMATIONS.labels("cancelled").inc()
    return result.modified_count == 1


async def confirmation_status(ctx: ToolContext, confirmation_id: str) -> str:
    """`pending`, `expired`, `cancelled`, `confirmed`, or `missing` for this session's request."""
    doc = await ctx.store.confirmations.find_one(
        {"_id": confirmation_id, "customer_id": ctx.customer_id,
         "session_key": ctx.session_key}, {"status": 1, "expires_at": 1})
    if doc is None:
        return "missing"
    if doc["status"] == "pending" and doc["expires_at"] <= ctx.services.clock():
        return "expired"
    return str(doc["status"])
