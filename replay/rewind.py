"""Put the copy of the shop back as it was before the replayed conversations, where it can.

The shop keeps no history of itself, so the copy is the shop as it is now, and what the
replayed customers did from the period's start is undone on it from what the shop and the
archive recorded:

- their payments, and the orders those payments made (an order paid is unpaid again);
- their points and store credit of the period (both are ledgers: the entries go);
- the returns they opened: gone, their units no longer counted on the order, a card refund
  taken off the gateway's charge (`replay.rewind_shop`);
- the stock their till sales took (staff on the till channel), put back;
- their carts: as the archive last showed them before the period, less what a payment then
  took; without that, the cart of now walked back through what the period's turns showed of
  it (`replay.cart_before`).

Not undone, because nothing records it: a product the period added more of when no turn had
shown the cart before (the cart's earlier quantity of it is unknown, so it leaves the cart);
a cart line removed or changed by the period's first cart action when no earlier turn showed
it; a till's stock sync (it overwrites the counts, and the earlier ones are kept nowhere);
changes made outside the conversations (staff, imports) and anything another customer did;
a call, message or till sale already sent outside (the copy never sends them again).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from replay.cart_before import cart_before
from replay.rewind_shop import undo_returns, undo_till_sales
from tools.store import Store, now


async def _payments(original: Store, copy: Store, customer: str, start: datetime
                    ) -> tuple[int, int]:
    """Take out the customer's payments since `start` and the orders they made; how many."""
    payments = await original.payments.find(
        {"customer_id": customer, "created_at": {"$gte": start}}).to_list()
    ids = [p["payment_id"] for p in payments]
    if not ids:
        return 0, 0
    made = [p["new_order_id"] for p in payments if p.get("new_order_id")]
    orders = (await copy.orders.delete_many(
        {"order_id": {"$in": made}, "payment_id": {"$in": ids}})).deleted_count
    await copy.orders.update_many(  # an order paid in the period is unpaid again
        {"payment_id": {"$in": ids}}, {"$unset": {"payment_id": "", "paid_at": "", "paying": ""}})
    return (await copy.payments.delete_many({"payment_id": {"$in": ids}})).deleted_count, orders


async def _cart(original: Store, copy: Store, customer: str, start: datetime) -> int:
    """Put the customer's cart back as it was at `start`; how many lines changed."""
    cart = await copy.carts.find_one({"_id": customer}) or {}
    lines = {str(line["sku"]): int(line.get("quantity", 1)) for line in cart.get("items") or []}
    before = await cart_before(original, customer, start, lines)
    if before == lines:
        return 0
    await copy.carts.update_one({"_id": customer}, {"$set": {
        "items": [{"sku": sku, "quantity": q} for sku, q in before.items()],
        "updated_at": now()}}, upsert=True)
    return sum(before.get(sku) != lines.get(sku) for sku in {*before, *lines})


async def rewind(original: Store, copy: Store, customers: set[str], start: datetime
                 ) -> dict[str, Any]:
    """Undo on `copy` what `customers` did since `start`; what was undone, counted."""
    undone = {"payments": 0, "orders": 0, "ledger_entries": 0, "cart_lines": 0, "returns": 0,
              "till_sales": 0}
    for customer in sorted(customers):
        # The cart first: it is read back from the live shop's payments and archive.
        undone["cart_lines"] += await _cart(original, copy, customer, start)
        payments, orders = await _payments(original, copy, customer, start)
        undone["payments"] += payments
        undone["orders"] += orders
        undone["returns"] += await undo_returns(original, copy, customer, start)
        undone["till_sales"] += await undo_till_sales(original, copy, customer, start)
        for ledger in ("loyalty_ledger", "store_credit"):
            undone["ledger_entries"] += (await copy.db[ledger].delete_many(
                {"customer_id": customer, "at": {"$gte": start}})).deleted_count
    return undone
