"""Payment tools: prepare a payment for the customer's yes, charge it once, report its status."""

from __future__ import annotations

import secrets
from typing import Any

from tools.cart import priced_cart, public_lines
from tools.catalog import money
from tools.catalog_data import CURRENCY
from tools.claims import move
from tools.context import ToolContext
from tools.fulfil import next_order_id
from tools.pending import request_confirmation
from tools.registry import error, not_found
from tools.store import Doc
from tools.store_credit import credit_balance

# An order line is what was bought as it was then: the product's name, category and price.
_LINE_FIELDS = ("sku", "name", "category", "quantity", "unit_price_cents")


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


async def _supersede(ctx: ToolContext, target: Doc) -> None:
    """Cancel earlier unanswered payments of the same cart or order: the newest request wins."""
    stale = {"customer_id": ctx.customer_id, **target, "status": "pending",
             "charging_at": {"$exists": False}}
    found = await ctx.store.payments.find(stale, {"payment_id": 1, "confirmation_id": 1}
                                          ).to_list()
    # Each by its unique key: the embedded server reads every payment, or confirmation, for a
    # filter that its index does not decide.
    for payment in found:
        await move(ctx.store.payments, {"payment_id": payment["payment_id"]}, stale,
                      {"$set": {"status": "cancelled", "code": "superseded"}})
        await move(ctx.store.confirmations, {"_id": payment["confirmation_id"]},
                      {"status": "pending"}, {"$set": {"status": "cancelled"}})


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
    new_order = {} if "order_id" in target else {"new_order_id": await next_order_id(ctx)}
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
