"""Return and warranty tools: a return waits for the customer's yes, then refunds once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tools.cart import public_lines
from tools.catalog import money
from tools.context import ToolContext
from tools.payments import order_key, owned_order
from tools.pending import request_confirmation
from tools.registry import error, not_found
from tools.store import Doc

RETURN_WINDOW = timedelta(days=30)
LABEL_URL = "https://omnisales.example/returns/{return_id}/label.pdf"


def _lines(order: Doc, sku: str | None) -> list[Doc]:
    """The order's lines to act on: the one SKU, or all of them; empty if the SKU is not there."""
    if not sku:
        return list(order["items"])
    wanted = sku.strip().upper()
    return [line for line in order["items"] if line["sku"] == wanted]


def _amount(lines: list[Doc]) -> int:
    return sum(int(line["unit_price_cents"]) * int(line["quantity"]) for line in lines)


async def initiate_return(
    ctx: ToolContext, order_id: str, sku: str | None = None, reason: str = ""
) -> dict[str, Any]:
    """Start a return of a delivered order, or of one item in it; the customer then confirms.

    The refund is the price paid for the returned items, as the order records it.

    Args:
        order_id: The order to return from, e.g. ORD-1001.
        sku: The one item to return, e.g. HPH-00001; the whole order if omitted.
        reason: Why the customer is returning it, in their words.
    """
    order = await owned_order(ctx, order_id)
    if order is None:
        return not_found(f"order {order_key(order_id)}")
    oid = order["order_id"]
    if order["status"] != "delivered":
        return error(f"order {oid} is {order['status']}; it can be returned once delivered")
    delivered = order.get("delivered_at") or order["created_at"]
    if ctx.services.clock() - delivered > RETURN_WINDOW:
        return error(f"order {oid} was delivered on {delivered.date().isoformat()}, more than "
                     f"{RETURN_WINDOW.days} days ago, so it can no longer be returned; it may "
                     "still be covered by its warranty, which I can check")
    lines = _lines(order, sku)
    if not lines:
        return error(f"order {oid} has no item {sku}")
    taken = [line["sku"] for line in lines if order.get("returned", {}).get(line["sku"])]
    if taken:
        return error(f"{', '.join(taken)} from order {oid} is already being returned")
    confirmation = await request_confirmation(ctx, "refund", {
        "order_id": oid, "skus": [line["sku"] for line in lines], "reason": reason[:500]})
    return {"type": "return", "status": "awaiting_confirmation",
            "confirmation_id": confirmation["_id"], "order_id": oid,
            "items": public_lines(lines), "refund": money(_amount(lines)),
            "currency": order["currency"],
            "expires_at": confirmation["expires_at"].isoformat()}


async def refund_confirmed(ctx: ToolContext, doc: Doc) -> dict[str, Any]:
    """Open a confirmed return and refund it, once.

    Args:
        ctx: Who confirmed, and in which session.
        doc: The claimed `refund` confirmation.
    """
    if doc["customer_id"] != ctx.customer_id:
        return not_found("confirmation")
    return await ctx.store.once(f"refund:{doc['_id']}", "refund", ctx.customer_id,
                                lambda: _refund(ctx, doc))


async def _refund(ctx: ToolContext, doc: Doc) -> Doc:
    payload = doc["payload"]
    skus: list[str] = payload["skus"]
    return_id = "RET-" + str(doc["_id"]).removeprefix("CNF-")
    # One return per order line: the order records which return took each line, atomically,
    # so two confirmed returns of the same line cannot both refund it.
    # An update then a read, not a findAndModify, which the embedded server answers by reading
    # every order; the lines and the payment read afterwards do not change.
    mine = {"order_id": payload["order_id"], "customer_id": ctx.customer_id}
    taken = await ctx.store.orders.update_one(
        mine | {f"returned.{sku}": {"$in": [None, return_id]} for sku in skus},
        {"$set": {f"returned.{sku}": return_id for sku in skus}}, hint=[("order_id", 1)])
    order = await ctx.store.orders.find_one(mine, hint=[("order_id", 1)])
    if not taken.matched_count or order is None:
        return error(f"these items of order {payload['order_id']} are already being returned")
    lines = [line for line in order["items"] if line["sku"] in skus]
    amount = _amount(lines)
    refund = await _pay_back(ctx, order, return_id, amount)
    label_url = LABEL_URL.format(return_id=return_id)
    await ctx.store.returns.update_one({"return_id": return_id}, {"$setOnInsert": {
        "return_id": return_id, "customer_id": ctx.customer_id, "order_id": order["order_id"],
        "items": lines, "refund_cents": amount, "currency": order["currency"],
        "reason": payload.get("reason", ""), "status": "approved", "refund": refund,
        "label_url": label_url, "confirmation_id": doc["_id"],
        "created_at": ctx.services.clock()}}, upsert=True)
    return {"type": "return", "return_id": return_id, "status": "approved",
            "order_id": order["order_id"], "items": public_lines(lines),
            "refund": money(amount), "currency": order["currency"],
            "refund_method": refund["method"], "label_url": label_url}


async def _pay_back(ctx: ToolContext, order: Doc, return_id: str, amount: int) -> Doc:
    """Refund to the card that paid the order; store credit when there is none to refund to."""
    payment = None
    if order.get("payment_id"):
        payment = await ctx.store.payments.find_one(
            {"payment_id": order["payment_id"], "status": "paid"})
    if payment is None or not payment.get("reference"):
        return {"method": "store_credit", "status": "issued"}
    outcome = await ctx.services.gateway.refund(
        reference=payment["reference"], amount_cents=amount, currency=order["currency"],
        idempotency_key=return_id)
    if outcome["status"] != "refunded":
        return {"method": "store_credit", "status": "issued", "code": outcome.get("code")}
    return {"method": "card", "status": "refunded", "reference": payment["reference"],
            "payment_id": payment["payment_id"]}


async def refund_cancelled(ctx: ToolContext, doc: Doc) -> dict[str, Any]:
    """The answer to a declined return: nothing opened, nothing refunded."""
    return {"type": "return", "status": "cancelled", "order_id": doc["payload"]["order_id"],
            "confirmation_id": doc["_id"]}


async def check_warranty(ctx: ToolContext, order_id: str, sku: str | None = None) -> dict[str, Any]:
    """Check whether the items of an order are still under warranty, and until when.

    Args:
        order_id: The order the items came in, e.g. ORD-1004.
        sku: One item of the order, e.g. MON-00001; every item if omitted.
    """
    order = await owned_order(ctx, order_id)
    if order is None:
        return not_found(f"order {order_key(order_id)}")
    lines = _lines(order, sku)
    if not lines:
        return error(f"order {order['order_id']} has no item {sku}")
    names = {line["sku"]: line["name"] for line in lines}
    rows = await ctx.store.warranties.find(
        {"order_id": order["order_id"], "customer_id": ctx.customer_id,
         "sku": {"$in": list(names)}}).sort("sku", 1).to_list()
    if not rows:
        return error(f"order {order['order_id']} has no warranty yet: cover starts on delivery")
    at = ctx.services.clock()
    return {"type": "warranty", "order_id": order["order_id"], "items": [
        {"sku": w["sku"], "name": names[w["sku"]], "expires": w["expires"].date().isoformat(),
         "active": w["expires"] > at, "days_left": max(0, (w["expires"] - at).days)}
        for w in rows]}
