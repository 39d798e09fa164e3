"""Undo on a replay's copy the returns and till sales its customers made since the period began."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tools.store import Doc, Store


async def _uncount(copy: Store, ret: Doc) -> None:
    """Take the return out of its order's count of returned units (`tools.returns._open`)."""
    order = await copy.orders.find_one({"order_id": ret["order_id"]})
    if order is None:  # an order the period made, already taken out
        return
    counted = {str(sku): int(q) for sku, q in (order.get("returned_qty") or {}).items()}
    for line in ret.get("items") or []:
        left = counted.get(line["sku"], 0) - int(line.get("quantity", 1))
        if left > 0:
            counted[line["sku"]] = left
        else:
            counted.pop(line["sku"], None)
    ids = [i for i in order.get("return_ids") or [] if i != ret["return_id"]]
    # An order no return ever touched has neither field: as it was before its first one.
    change: dict[str, Any] = ({"$set": {"returned_qty": counted, "return_ids": ids}}
                              if counted or ids else
                              {"$unset": {"returned_qty": "", "return_ids": ""}})
    await copy.orders.update_one({"_id": order["_id"]}, change)


async def undo_returns(original: Store, copy: Store, customer: str, start: datetime) -> int:
    """Take out the returns `customer` opened since `start`, and what they changed; how many.

    An open return counts its units on the order; a refunded one also refunded the card (the
    gateway's charge counts it), issued store credit and took points back: both are ledger
    entries of the period, which `replay.rewind` takes out with the others.
    """
    opened = await original.returns.find(
        {"customer_id": customer, "created_at": {"$gte": start}}).to_list()
    for ret in opened:
        await _uncount(copy, ret)
        refund = ret.get("refund") or {}
        if refund.get("card_cents") and refund.get("reference"):
            await copy.gateway_charges.update_one(
                {"reference": refund["reference"], "refunds": ret["return_id"]},
                {"$inc": {"refunded_cents": -int(refund["card_cents"])},
                 "$pull": {"refunds": ret["return_id"]}})
        await copy.returns.delete_one({"return_id": ret["return_id"]})
    return len(opened)


async def undo_till_sales(original: Store, copy: Store, staff: str, start: datetime) -> int:
    """Put back the stock of the till sales `staff` rang up since `start`; how many sales.

    A till sale is the one thing that moves stock (`tools.pos`): a payment or an order online
    reserves none, so theirs has nothing to put back.
    """
    sales = await original.pos_transactions.find(
        {"staff_id": staff, "created_at": {"$gte": start}}).to_list()
    for sale in sales:
        for line in sale.get("lines") or []:
            await copy.stock.update_one({"sku": line["sku"], "store_id": sale["store_id"]},
                                        {"$inc": {"quantity": int(line["quantity"])}})
        await copy.pos_transactions.delete_one({"_id": sale["_id"]})
    return len(sales)
