"""Return and warranty tools: a return opens on the customer's yes and refunds on receipt."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tools.cart import public_lines
from tools.catalog import money
from tools.claims import keep_first, move, settle
from tools.context import Services, ToolContext
from tools.order_items import matching_lines, other_order_with
from tools.payments import order_key, owned_order
from tools.pending import request_confirmation
from tools.refunds import paid_by_card, pay_back, take_back_points
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


def _left(order: Doc, line: Doc) -> int:
    """How many of an order line are not yet in a return."""
    return int(line["quantity"]) - int(order.get("returned_qty", {}).get(line["sku"], 0))


def _public(ret: Doc) -> dict[str, Any]:
    """A return as the customer and the staff see it."""
    view = {"type": "return", "return_id": ret["return_id"], "status": ret["status"],
            "order_id": ret["order_id"], "items": public_lines(ret["items"]),
            "refund": money(ret["refund_cents"]), "currency": ret["currency"],
            "refund_method": ret["refund_method"], "label_url": ret["label_url"]}
    if refund := ret.get("refund"):
        view["refunded_to_card"] = money(refund["card_cents"])
        view["store_credit"] = money(refund["store_credit_cents"])
        view["points_taken_back"] = ret.get("points", {}).get("points", 0)
    return view


async def initiate_return(
    ctx: ToolContext, order_id: str, sku: str | None = None, quantity: int | None = None,
    reason: str = "", store_credit: bool = False, item: str | None = None,
) -> dict[str, Any]:
    """Start a return of a delivered order, or of some of one item in it; the customer confirms.

    The refund is the price paid for the returned items, as the order records it. It is paid
    when the items are received back, to the card that paid, or as store credit.

    Args:
        order_id: The order to return from, e.g. ORD-1001.
        sku: The one item to return, e.g. HPH-00001; the whole order if omitted.
        quantity: How many of that item, e.g. 1 of the 2 bought; all of them if omitted.
        reason: Why the customer is returning it, in their words.
        store_credit: Refund as store credit instead of to the card, if the customer asks.
        item: The item in the customer's words when they name no SKU, e.g. "the mouse"; when
            several items fit, nothing is prepared and the answer lists them to ask which.
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
    if item and not sku:
        lines = matching_lines(list(order["items"]), item)
        if not lines and (other := await other_order_with(ctx, item, oid)) is not None:
            return await initiate_return(ctx, other["order_id"], None, quantity, reason,
                                         store_credit, item)
        if len(lines) != 1:  # none or several fit the words: ask, never guess a refund
            return {"type": "return", "status": "choose", "order_id": oid,
                    "asked_for": item[:100], "found": bool(lines),
                    "candidates": public_lines(lines or list(order["items"]))}
    if quantity is not None and len(lines) > 1:
        return error(f"which item of order {oid}? Name it to return only some of it")
    open_lines = [line for line in lines if _left(order, line) > 0]
    if not open_lines:
        return error(f"{', '.join(line['sku'] for line in lines)} from order {oid} is already "
                     "being returned")
    if quantity is not None and not 0 < quantity <= _left(order, open_lines[0]):
        return error(f"you can return 1 to {_left(order, open_lines[0])} of "
                     f"{open_lines[0]['sku']} from order {oid}")
    wanted = [line | {"quantity": quantity or _left(order, line)} for line in open_lines]
    method = "card" if not store_credit and await paid_by_card(ctx, order) else "store_credit"
    confirmation = await request_confirmation(ctx, "refund", {
        "order_id": oid, "items": {line["sku"]: line["quantity"] for line in wanted},
        "reason": reason[:500], "refund_method": method})
    return {"type": "return", "status": "awaiting_confirmation",
            "confirmation_id": confirmation["_id"], "order_id": oid,
            "items": public_lines(wanted), "refund": money(_amount(wanted)),
            "currency": order["currency"], "refund_method": method,
            "expires_at": confirmation["expires_at"].isoformat()}


async def refund_confirmed(ctx: ToolContext, doc: Doc) -> dict[str, Any]:
    """Open a confirmed return, once: it waits for the items; no money moves yet.

    Args:
        ctx: Who confirmed, and in which session.
        doc: The claimed `refund` confirmation.
    """
    if doc["customer_id"] != ctx.customer_id:
        return not_found("confirmation")
    return await ctx.store.once(f"refund:{doc['_id']}", "refund", ctx.customer_id,
                                lambda: _open(ctx, doc))


async def _open(ctx: ToolContext, doc: Doc) -> Doc:
    payload = doc["payload"]
    wanted: dict[str, int] = payload["items"]
    return_id = "RET-" + str(doc["_id"]).removeprefix("CNF-")
    mine = {"order_id": payload["order_id"], "customer_id": ctx.customer_id}
    order = await ctx.store.orders.find_one(mine, hint=[("order_id", 1)])
    if order is None:
        return not_found(f"order {payload['order_id']}")
    bought = {line["sku"]: int(line["quantity"]) for line in order["items"]}
    # The order counts what is in returns, per line, in one conditional update: two returns of
    # the same units cannot both be opened.
    if not await move(
            ctx.store.orders, mine, {"return_ids": {"$ne": return_id}}
            | {f"returned_qty.{sku}": {"$not": {"$gt": bought.get(sku, 0) - q}}
               for sku, q in wanted.items()},
            {"$inc": {f"returned_qty.{sku}": q for sku, q in wanted.items()},
             "$push": {"return_ids": return_id}}, hint=[("order_id", 1)]):
        order = await ctx.store.orders.find_one(mine, hint=[("order_id", 1)]) or {}
        if return_id not in order.get("return_ids", []):  # not a retry of this very return
            return error(f"these items of order {payload['order_id']} are already being "
                         "returned")
    lines = [line | {"quantity": wanted[line["sku"]]}
             for line in order["items"] if line["sku"] in wanted]
    fields = {"return_id": return_id, "customer_id": ctx.customer_id,
              "order_id": order["order_id"], "items": lines, "refund_cents": _amount(lines),
              "currency": order["currency"], "reason": payload.get("reason", ""),
              "status": "awaiting_receipt", "refund_method": payload["refund_method"],
              "payment_id": order.get("payment_id"),
              "label_url": LABEL_URL.format(return_id=return_id),
              "confirmation_id": doc["_id"], "created_at": ctx.services.clock()}
    return _public(await keep_first(ctx.store.returns, {"return_id": return_id}, fields))


async def receive_return(services: Services, return_id: str) -> dict[str, Any]:
    """The items of a return have come back (a staff action): refund it and take back points.

    Safe to post twice, at once or after a crash: each step is keyed by the return, so the card
    is refunded once, the credit issued once and the points taken back once.

    Args:
        services: The shop's services.
        return_id: The return whose parcel arrived, e.g. RET-1A2B3C4D5E6F.
    """
    key = return_id.strip().upper()[:40]
    returns = services.store.returns
    ret = await returns.find_one({"return_id": key})
    if ret is None:
        return not_found(f"return {key}")
    if ret["status"] == "refunded":
        return _public(ret)
    at = services.clock()
    await move(returns, {"return_id": key}, {"status": "awaiting_receipt"},
               {"$set": {"status": "received", "received_at": at}})
    ctx = ToolContext(services=services, customer_id=ret["customer_id"], channel="staff")
    refund = await pay_back(ctx, ret)
    points = await take_back_points(ctx, ret)
    return _public(await settle(returns, {"return_id": key}, {
        "status": "refunded", "refund": refund, "points": points, "refunded_at": at}) or ret)


async def refund_cancelled(ctx: ToolContext, doc: Doc) -> dict[str, Any]:
    """The answer to a declined return: nothing opened, nothing refunded."""
    return {"type": "return", "status": "cancelled", "order_id": doc["payload"]["order_id"],
            "confirmation_id": doc["_id"]}


async def check_warranty(ctx: ToolContext, order_id: str, sku: str | None = None,
                         item: str | None = None) -> dict[str, Any]:
    """Check whether the items of an order are still under warranty, for how long and until when.

    Args:
        order_id: The order the items came in, e.g. ORD-1004.
        sku: One item of the order, e.g. MON-00001; every item if omitted.
        item: The customer's words for the item when no SKU is known, e.g. "the headset".
    """
    order = await owned_order(ctx, order_id)
    if order is None:
        return not_found(f"order {order_key(order_id)}")
    lines = _lines(order, sku)
    if not lines:
        return error(f"order {order['order_id']} has no item {sku}")
    if not sku and item:  # "is my Sennheiser headset under warranty?": that item alone
        lines = matching_lines(lines, item) or lines
    names = {line["sku"]: line["name"] for line in lines}
    rows = await ctx.store.warranties.find(
        {"order_id": order["order_id"], "customer_id": ctx.customer_id,
         "sku": {"$in": list(names)}}).sort("sku", 1).to_list()
    if not rows:
        return error(f"order {order['order_id']} has no warranty yet: cover starts on delivery")
    at = ctx.services.clock()
    return {"type": "warranty", "order_id": order["order_id"], "items": [
        {"sku": w["sku"], "name": names[w["sku"]], "expires": w["expires"].date().isoformat(),
         "months": round((w["expires"] - w["starts"]).days / 30) if w.get("starts") else None,
         "active": w["expires"] > at, "days_left": max(0, (w["expires"] - at).days)}
        for w in rows]}
