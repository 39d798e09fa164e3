"""Carrying out a confirmed payment: charged once, resumed after a crash, settled, fulfilled."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from ops import metrics
from tools.claims import advance, move, settle
from tools.context import ToolContext
from tools.fulfil import fulfil
from tools.payments import status_of
from tools.registry import not_found
from tools.store import Doc
from tools.store_credit import charge_rest, restore_credit

# A charge a crash interrupted before the gateway made it is still made this long after the yes.
RESUME_WINDOW = timedelta(minutes=10)


async def charge_confirmed(ctx: ToolContext, doc: Doc) -> dict[str, Any]:
    """Charge a confirmed payment, once: a repeat returns the first outcome and charges nothing.

    Args:
        ctx: Who confirmed, and in which session.
        doc: The claimed `payment` confirmation.
    """
    payment_id = doc["payload"]["payment_id"]
    owned = await ctx.store.payments.find_one({"payment_id": payment_id,
                                               "customer_id": ctx.customer_id})
    # Checked before `once`, so that another customer's attempt records nothing under the key.
    if owned is None or doc["customer_id"] != ctx.customer_id:
        return not_found(f"payment {payment_id}")
    return await ctx.store.once(f"charge:{payment_id}", "charge", ctx.customer_id,
                                lambda: _charge(ctx, payment_id))


async def finish_charge(ctx: ToolContext, payment_id: str) -> dict[str, Any]:
    """Finish a charge that a crash interrupted: settled once, never charged twice.

    Raises `ActionInFlightError` while a live process still holds the charge.

    Args:
        ctx: The payment's customer.
        payment_id: A payment whose charge began and was never settled.
    """
    key = f"charge:{payment_id}"
    result = await ctx.store.once(key, "charge", ctx.customer_id,
                                  lambda: _charge(ctx, payment_id), wait_s=0)
    payment = await ctx.store.payments.find_one({"payment_id": payment_id}, {"status": 1})
    if payment is not None and payment["status"] == "pending":
        result = await _charge(ctx, payment_id)  # the claim was settled, the payment never was
    return result


async def _charge(ctx: ToolContext, payment_id: str) -> Doc:
    # Nothing else changes a payment once its charge has begun.
    began, payment = await advance(
        ctx.store.payments, {"payment_id": payment_id},
        {"$set": {"charging_at": ctx.services.clock()}},
        when={"status": "pending", "charging_at": {"$exists": False}})
    if payment is None:
        return not_found(f"payment {payment_id}")
    if payment["status"] != "pending" or "charging_at" not in payment:
        return status_of(payment)  # settled, or cancelled or superseded before the yes arrived
    if payment["source"] == "order" and not await _hold_order(ctx, payment):
        return await _settle(ctx, payment_id, {"status": "cancelled", "code": "already_paid"})
    outcome = None if began else await _resumed(ctx, payment)
    if outcome is None:
        outcome = await _charge_card(ctx, payment)
    elif outcome["status"] != "paid":  # interrupted for good: the credit it spent comes back
        await restore_credit(ctx, f"spend:{payment_id}")
    status = outcome["status"] if outcome["status"] in ("paid", "declined") else "failed"
    metrics.CHARGES.labels(status).inc()
    update: Doc = {"status": status, "code": outcome.get("code"),
                   "reference": outcome.get("reference")}
    if status == "paid":
        update["order_id"] = await fulfil(ctx, payment)
    elif payment["source"] == "order":
        await move(ctx.store.orders, {"order_id": payment["order_id"]},
                      {"paying": payment_id}, {"$unset": {"paying": ""}})
    return await _settle(ctx, payment_id, update)


async def _resumed(ctx: ToolContext, payment: Doc) -> Doc | None:
    """What became of a charge a crash interrupted; None if it may still be made.

    The gateway is asked under the payment's idempotency key: a charge it made is the outcome,
    never a second charge. One it never made is made now, under the same key, while the yes
    is recent; after that the payment fails and the customer is told nothing was charged.
    """
    made = await ctx.services.gateway.lookup(payment["payment_id"])
    if made is not None:
        return made
    if ctx.services.clock() - payment["charging_at"] > RESUME_WINDOW:
        return {"status": "failed", "code": "interrupted", "reference": None}
    return None


async def _charge_card(ctx: ToolContext, payment: Doc) -> Doc:
    """Pay with the payment's store credit, then the rest on the card the customer was shown."""
    customer = await ctx.store.customers.find_one({"_id": payment["customer_id"]}, {"cards": 1})
    cards = (customer or {}).get("cards", [])
    # Only the card the customer was shown; never a different one behind their back.
    shown = (payment.get("card") or {}).get("card_id")
    card = next((c for c in cards if shown and c.get("card_id") == shown), None)
    return await charge_rest(ctx, ctx.services.gateway, payment, card)


async def _hold_order(ctx: ToolContext, payment: Doc) -> bool:
    """Mark the order as being paid by this payment; False if another payment has it."""
    return await move(
        ctx.store.orders, {"order_id": payment["order_id"]},
        {"customer_id": ctx.customer_id, "status": "placed", "payment_id": {"$exists": False},
         "paying": {"$in": [None, payment["payment_id"]]}},
        {"$set": {"paying": payment["payment_id"]}})


async def _settle(ctx: ToolContext, payment_id: str, outcome: Doc) -> Doc:
    payment = await settle(ctx.store.payments, {"payment_id": payment_id},
                           outcome | {"settled_at": ctx.services.clock()})
    return status_of(payment) if payment else not_found(f"payment {payment_id}")


async def payment_cancelled(ctx: ToolContext, doc: Doc) -> dict[str, Any]:
    """Cancel the payment of a declined confirmation, unless its charge has already begun."""
    payment_id = doc["payload"]["payment_id"]
    _, payment = await advance(
        ctx.store.payments, {"payment_id": payment_id, "customer_id": ctx.customer_id},
        {"$set": {"status": "cancelled", "settled_at": ctx.services.clock()}},
        when={"status": "pending", "charging_at": {"$exists": False}})
    return status_of(payment) if payment else not_found(f"payment {payment_id}")
