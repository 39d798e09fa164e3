"""Carry out, or drop, a move the customer has answered: a payment, a redemption or a refund."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from tools import notices
from tools.charge import charge_confirmed, payment_cancelled
from tools.context import ToolContext
from tools.loyalty import redeem_cancelled, redeem_confirmed
from tools.pending import cancel_confirmation, claim_confirmation
from tools.registry import error, not_found
from tools.returns import refund_cancelled, refund_confirmed
from tools.store import ActionInFlightError, Doc

Handler = Callable[[ToolContext, Doc], Awaitable[dict[str, Any]]]

ON_CONFIRM: dict[str, Handler] = {
    "payment": charge_confirmed, "redeem": redeem_confirmed, "refund": refund_confirmed}
ON_DECLINE: dict[str, Handler] = {
    "payment": payment_cancelled, "redeem": redeem_cancelled, "refund": refund_cancelled}


async def _answered(ctx: ToolContext, confirmation_id: str) -> Doc | None:
    """The confirmation as this customer's session sees it, whatever its status."""
    return await ctx.store.confirmations.find_one(
        {"_id": confirmation_id, "customer_id": ctx.customer_id,
         "session_key": ctx.session_key})


async def _dispatch(handlers: dict[str, Handler], ctx: ToolContext, doc: Doc) -> dict[str, Any]:
    handler = handlers.get(doc["kind"])
    if handler is None:
        return error(f"nothing to do for a {doc['kind']} request")
    return await handler(ctx, doc)


async def confirm(ctx: ToolContext, confirmation_id: str) -> dict[str, Any]:
    """Carry out what the customer said yes to, in the session that asked.

    A repeated yes, a resumed graph node or a replayed run gets the first result again: the
    handlers act under `Store.once`, so nothing happens twice.

    Args:
        ctx: Who said yes, and in which session.
        confirmation_id: The confirmation the yes answers.
    """
    claimed = await claim_confirmation(ctx, confirmation_id)
    if claimed.get("type") == "error":
        again = await _answered(ctx, confirmation_id)
        if again is None or again["status"] != "confirmed":
            return claimed
        claimed = again
    try:
        return await _dispatch(ON_CONFIRM, ctx, claimed)
    except ActionInFlightError:
        return await _in_flight(ctx, claimed)


async def _in_flight(ctx: ToolContext, doc: Doc) -> dict[str, Any]:
    """The answer while another request still carries the move out (or a crash left it so).

    The session is told how a payment ends at a later reply (`tools.notices`); the settler
    finishes what a dead process left.
    """
    if doc["kind"] == "payment":
        payment = await ctx.store.payments.find_one(
            {"payment_id": doc["payload"]["payment_id"], "customer_id": ctx.customer_id})
        if payment is not None:
            if payment["status"] != "pending":
                return notices.payment_action(payment)
            await notices.expect(ctx.store, payment)
            return notices.payment_action(payment) | {"in_flight": True}
    return {"type": "in_progress", "kind": doc["kind"]}


async def decline(ctx: ToolContext, confirmation_id: str) -> dict[str, Any]:
    """Drop what the customer said no to; nothing is charged, spent or refunded.

    Args:
        ctx: Who said no, and in which session.
        confirmation_id: The confirmation the no answers.
    """
    cancelled = await cancel_confirmation(ctx, confirmation_id)
    doc = await _answered(ctx, confirmation_id)
    if doc is None:
        return not_found("confirmation")
    if not cancelled and doc["status"] != "cancelled":
        return error(f"this request was already {doc['status']}")
    return await _dispatch(ON_DECLINE, ctx, doc)
