"""Put the copy of the shop back as it was before the replayed conversations, where it can.

The shop keeps no history of itself, so the copy is the shop as it is now, and what the
replayed customers did from the period's start is undone on it from what the shop and the
archive recorded: their payments and the orders those payments made are taken out, their points
and store credit of the period are taken out (both are ledgers), what the conversations added
leaves the cart, and what a paid cart held before them goes back (the payment's lines, less
what they added).
Not undone: stock moves, returns, and carts changed without a payment.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tools.store import Doc, Store, now
from tools.transcripts import COLLECTION


async def _added(original: Store, customer: str, start: datetime) -> set[str]:
    """The SKUs the customer's archived turns of the period added to the cart."""
    turns = original.db[COLLECTION].find(
        {"user_id": customer, "kind": "turn", "at": {"$gte": start},
         "actions.type": "cart"}, {"actions": 1})
    return {str(a["added"]) async for t in turns for a in t.get("actions") or []
            if a.get("type") == "cart" and a.get("added")}


def _lines(payments: list[Doc], added: set[str]) -> dict[str, int]:
    """What the paid carts held before the conversation: their lines, less those it added."""
    held: dict[str, int] = {}
    for payment in payments:
        if payment.get("source") != "cart" or payment.get("status") != "paid":
            continue
        for line in payment.get("items") or []:
            if line.get("sku") not in added:
                held[line["sku"]] = max(held.get(line["sku"], 0), int(line.get("quantity", 1)))
    return held


async def rewind(original: Store, copy: Store, customers: set[str], start: datetime
                 ) -> dict[str, Any]:
    """Undo on `copy` what `customers` did since `start`; what was undone, counted."""
    undone = {"payments": 0, "orders": 0, "ledger_entries": 0, "cart_lines": 0}
    for customer in sorted(customers):
        payments = await original.payments.find(
            {"customer_id": customer, "created_at": {"$gte": start}}).to_list()
        ids = [p["payment_id"] for p in payments]
        if ids:
            made = [p["new_order_id"] for p in payments if p.get("new_order_id")]
            undone["orders"] += (await copy.orders.delete_many(
                {"order_id": {"$in": made}, "payment_id": {"$in": ids}})).deleted_count
            await copy.orders.update_many(  # an order paid in the period is unpaid again
                {"payment_id": {"$in": ids}},
                {"$unset": {"payment_id": "", "paid_at": "", "paying": ""}})
            undone["payments"] += (await copy.payments.delete_many(
                {"payment_id": {"$in": ids}})).deleted_count
        for ledger in ("loyalty_ledger", "store_credit"):
            undone["ledger_entries"] += (await copy.db[ledger].delete_many(
                {"customer_id": customer, "at": {"$gte": start}})).deleted_count
        added = await _added(original, customer, start)
        held = _lines(payments, added)
        cart = await copy.carts.find_one({"_id": customer}) or {}
        items = {line["sku"]: int(line.get("quantity", 1)) for line in cart.get("items") or []
                 if line.get("sku") not in added}  # put in by the conversations: not yet there
        for sku, quantity in held.items():
            items[sku] = max(items.get(sku, 0), quantity)
        if cart or items:
            await copy.carts.update_one({"_id": customer}, {"$set": {
                "items": [{"sku": s, "quantity": q} for s, q in items.items()],
                "updated_at": now()}}, upsert=True)
            undone["cart_lines"] += len(held)
    return undone
