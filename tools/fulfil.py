"""What a paid payment buys: an order numbered once, the cart emptied, the points earned."""

from __future__ import annotations

from contextlib import suppress

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from tools.context import ToolContext
from tools.loyalty import award_points
from tools.store import Doc

# New orders are numbered after the demo's, as ORD-<digits> like the ones customers quote.
ORDER_NUMBER_BASE = 5000


async def next_order_id(ctx: ToolContext) -> str:
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


async def fulfil(ctx: ToolContext, payment: Doc) -> str:
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
