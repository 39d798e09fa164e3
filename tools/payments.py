"""Payment tools: prepare a payment for the customer's yes, charge it once, report its status."""

from __future__ import annotations

import secrets
from contextlib import suppress
from datetime import timedelta
from typing import Any

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from tools.cart import priced_cart, public_lines
from tools.catalog import money
from tools.catalog_data import CURRENCY
from tools.context import ToolContext
from tools.loyalty import award_points
from tools.pending import request_confirmation
from tools.registry import error, not_found
from tools.store import Doc
from tools.store_credit import charge_rest, credit_balance, restore_credit

# An order line is what was bought as it was then: the product's name, category and price.
_LINE_FIELDS = ("sku", "name", "category", "quantity", "unit_price_cents")
# New orders are numbered after the demo's, as ORD-<digits> like the ones customers quote.
ORDER_NUMBER_BASE = 5000
# A charge a crash interrupted before the gateway made it is still made this long after the yes.
RESUME_WINDOW = timedelta(minutes=10)


def order_key(order_id: str) -> str:
    """An order id as stored, however the customer typed it."""
    return order_id.strip().upper()[:40]


async def owned_order(ctx: ToolContext, order_id: str) -> Doc | None:
    """The customer's order with this id; None alike for an unknown id and anyone else's."""
    return await ctx.store.orders.find_one(
        {"order_id": order_key(order_id), "customer_id": ctx.customer_id})


def _default_card(customer: Doc | None) -> Doc | None:
    cards: list[Doc] = (customer or {}).get("cards", [])
    return next((c for c in cards if c.get("default")), cards[0] if cards else None)


def status_of(payment: Doc) -> dict[str, Any]:
    """A payment as the `payment_status` action reports it."""
    result = {"type": "payment_status", "payment_id": payment["payment_id"],
              "status": payment["status"], "total": money(payment["total_cents"]),
              "currency": payment["currency"]}
    if payment.get("order_id"):
        result["order_id"] = payment["order_id"]
    if payment.get("code"):
        result["reason"] = payment["code"]
    if payment.get("store_credit_cents"):
        result["store_credit"] = money(payment["store_credit_cents"])
    return result


async def _next_order_id(ctx: ToolContext) -> str:
    """A new order number from a counter; numbers taken by orders made elsewhere are skipped."""
    while True:
        counter = await ctx.store.counters.find_one_and_update(
            {"_id": "orders"}, {"$inc": {"seq": 1}}, upsert=True,
            return_document=ReturnDocument.AFTER)
        if counter is None:  # the embedded server's answer to racing upserts: take another
            continue
        order_id = f"ORD-{ORDER_NUMBER_BASE + int(counter['seq'])}"
        if await ctx.store.orders.count_documents({"order_id": order_id}, limit=1) == 0:
            return order_id


async def _supersede(ctx: ToolContext, target: Doc) -> None:
    """Cancel earlier unanswered payments of the same cart or order: the newest request wins."""
    stale = {"customer_id": ctx.customer_id, **target, "status": "pending",
             "charging_at": {"$exists": False}}
    found = await ctx.store.payments.find(stale, {"payment_id": 1, "confirmation_id": 1}
                                          ).to_list()
    # Each by its unique key: the embedded server reads every payment, or confirmation, for a
    # filter that its index does not decide.
    for payment in found:
        await ctx.store.payments.update_one(
            {**stale, "payment_id": payment["payment_id"]},
            {"$set": {"status": "cancelled", "code": "superseded"}})
        await ctx.store.confirmations.update_one(
            {"_id": payment["confirmation_id"], "status": "pending"},
            {"$set": {"status": "cancelled"}})


async def supersede_cart_payments(ctx: ToolContext) -> None:
    """Cancel the unanswered payments of the customer's cart, whose terms it no longer matches."""
    await _supersede(ctx, {"source": "cart"})


async def process_payment(ctx: ToolContext, order_id: str | None = None) -> dict[str, Any]:
    """Prepare a payment of the cart, or of an unpaid order, and ask the customer to confirm it.

    Nothing is charged until the customer says yes. The total comes from the catalogue or the
    order, never from the conversation.

    Args:
        order_id: An unpaid order to pay, e.g. ORD-1005; omit it to pay for the cart.
    """
    target: Doc
    if order_id:
        order = await owned_order(ctx, order_id)
        if order is None:
            return not_found(f"order {order_key(order_id)}")
        if order.get("payment_id"):
            return error(f"order {order['order_id']} is already paid")
        if order.get("paying"):
            return error(f"a payment of order {order['order_id']} is going through already")
        if order["status"] != "placed":
            return error(f"order {order['order_id']} is {order['status']}: nothing is due on it")
        lines = [{k: line[k] for k in _LINE_FIELDS if k in line} for line in order["items"]]
        total = int(order["total_cents"])
        target = {"source": "order", "order_id": order["order_id"]}
    else:
        lines, total = await priced_cart(ctx)
        if not lines:
            return error("your cart is empty; add something to it before paying")
        target = {"source": "cart"}
    customer = await ctx.store.customers.find_one({"_id": ctx.customer_id}, {"cards": 1})
    card = _default_card(customer)
    # Store credit is spent first, as much as covers the total; the card pays the rest.
    credit = min(await credit_balance(ctx.store, ctx.customer_id), total)
    if card is None and credit < total:
        return error("there is no saved card on your account; add one before paying")
    await _supersede(ctx, target)
    payment_id = f"PAY-{secrets.token_hex(6).upper()}"
    # Numbered now, so that a retry after a crash writes the same order, never a second one.
    new_order = {} if "order_id" in target else {"new_order_id": await _next_order_id(ctx)}
    confirmation = await request_confirmation(ctx, "payment", {"payment_id": payment_id})
    await ctx.store.payments.insert_one({
        "payment_id": payment_id, "idempotency_key": f"pay:{confirmation['_id']}",
        "customer_id": ctx.customer_id, "session_key": ctx.session_key, "channel": ctx.channel,
        **target, **new_order,
        "items": lines, "total_cents": total, "currency": CURRENCY, "status": "pending",
        "store_credit_cents": credit,
        "card": card and {"card_id": card.get("card_id"), "brand": card.get("brand", "card"),
                          "last4": card["token"][-4:]},
        "confirmation_id": confirmation["_id"], "created_at": ctx.services.clock()})
    return {"type": "payment_confirmation", "payment_id": payment_id,
            "confirmation_id": confirmation["_id"], "items": public_lines(lines),
            "total": money(total), "currency": CURRENCY,
            "expires_at": confirmation["expires_at"].isoformat(),
            "card": f"{card.get('brand', 'card')} •••• {card['token'][-4:]}" if card else None,
            "store_credit": money(credit), "card_charge": money(total - credit),
            **({"order_id": target["order_id"]} if "order_id" in target else {})}


async def verify_payment_status(ctx: ToolContext, payment_id: str) -> dict[str, Any]:
    """Check whether one of the customer's payments is pending, paid, declined or cancelled.

    Args:
        payment_id: The payment's id, e.g. PAY-1A2B3C4D5E6F.
    """
    key = payment_id.strip().upper()[:40]
    payment = await ctx.store.payments.find_one({"payment_id": key,
                                                 "customer_id": ctx.customer_id})
    return status_of(payment) if payment else not_found(f"payment {key}")


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
    payments = ctx.store.payments
    # An update then a read, not a findAndModify: the embedded server answers that by reading
    # every payment. Nothing else changes a payment once its charge has begun.
    began = await payments.update_one(
        {"payment_id": payment_id, "status": "pending", "charging_at": {"$exists": False}},
        {"$set": {"charging_at": ctx.services.clock()}})
    payment = await payments.find_one({"payment_id": payment_id})
    if payment is None:
        return not_found(f"payment {payment_id}")
    if payment["status"] != "pending" or "charging_at" not in payment:
        return status_of(payment)  # settled, or cancelled or superseded before the yes arrived
    if payment["source"] == "order" and not await _hold_order(ctx, payment):
        return await _settle(ctx, payment_id, {"status": "cancelled", "code": "already_paid"})
    outcome = None if began.matched_count else await _resumed(ctx, payment)
    if outcome is None:
        outcome = await _charge_card(ctx, payment)
    elif outcome["status"] != "paid":  # interrupted for good: the credit it spent comes back
        await restore_credit(ctx, f"spend:{payment_id}")
    status = outcome["status"] if outcome["status"] in ("paid", "declined") else "failed"
    update: Doc = {"status": status, "code": outcome.get("code"),
                   "reference": outcome.get("reference")}
    if status == "paid":
        update["order_id"] = await _fulfil(ctx, payment)
    elif payment["source"] == "order":
        await ctx.store.orders.update_one({"order_id": payment["order_id"], "paying": payment_id},
                                          {"$unset": {"paying": ""}})
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
    # An update, not a findAndModify, which the embedded server answers by reading every order.
    held = await ctx.store.orders.update_one(
        {"order_id": payment["order_id"], "customer_id": ctx.customer_id, "status": "placed",
         "payment_id": {"$exists": False}, "paying": {"$in": [None, payment["payment_id"]]}},
        {"$set": {"paying": payment["payment_id"]}})
    return held.matched_count > 0


async def _fulfil(ctx: ToolContext, payment: Doc) -> str:
    """Record what a paid payment bought; each step is safe to repeat after a crash."""
    at = ctx.services.clock()
    payment_id = payment["payment_id"]
    if payment["source"] == "order":
        order_id = str(payment["order_id"])
        await ctx.store.orders.update_one(
            {"order_id": order_id},
            {"$set": {"payment_id": payment_id, "paid_at": at}, "$unset": {"paying": ""}})
    else:
        order_id = str(payment["new_order_id"])
        customer = await ctx.store.customers.find_one({"_id": ctx.customer_id}, {"address": 1})
        address = (customer or {}).get("address", {})
        with suppress(DuplicateKeyError):  # written before a crash; the retry goes on
            await ctx.store.orders.insert_one({
                "order_id": order_id, "customer_id": ctx.customer_id, "items": payment["items"],
                "status": "placed", "status_history": [{"status": "placed", "at": at}],
                "total_cents": payment["total_cents"], "currency": payment["currency"],
                "payment_id": payment_id, "paid_at": at, "created_at": at,
                "shipping": {"method": "standard", "postcode": address.get("postcode"),
                             "country": address.get("country")}})
        await ctx.store.carts.update_one(
            {"_id": ctx.customer_id},
            {"$pull": {"items": {"sku": {"$in": [line["sku"] for line in payment["items"]]}}},
             "$set": {"updated_at": at}})
    await award_points(ctx, f"earn:{payment_id}", payment["total_cents"] // 100,
                       f"order {order_id}")
    return order_id


async def _settle(ctx: ToolContext, payment_id: str, update: Doc) -> Doc:
    await ctx.store.payments.update_one(
        {"payment_id": payment_id}, {"$set": {**update, "settled_at": ctx.services.clock()}})
    payment = await ctx.store.payments.find_one({"payment_id": payment_id})
    return status_of(payment) if payment else not_found(f"payment {payment_id}")


async def payment_cancelled(ctx: ToolContext, doc: Doc) -> dict[str, Any]:
    """Cancel the payment of a declined confirmation, unless its charge has already begun."""
    payment_id = doc["payload"]["payment_id"]
    mine = {"payment_id": payment_id, "customer_id": ctx.customer_id}
    await ctx.store.payments.update_one(
        {**mine, "status": "pending", "charging_at": {"$exists": False}},
        {"$set": {"status": "cancelled", "settled_at": ctx.services.clock()}})
    payment = await ctx.store.payments.find_one(mine)
    return status_of(payment) if payment else not_found(f"payment {payment_id}")
