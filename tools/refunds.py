"""The money side of a received return: the refund, and the points its items had earned."""

from __future__ import annotations

from tools.context import ToolContext
from tools.loyalty import account_lock, balance_of
from tools.store import Doc
from tools.store_credit import issue_credit


async def paid_by_card(ctx: ToolContext, order: Doc) -> Doc | None:
    """The paid payment of an order that a card refund can go back to; None if there is none."""
    if not order.get("payment_id"):
        return None
    payment = await ctx.store.payments.find_one(
        {"payment_id": order["payment_id"], "status": "paid"})
    return payment if payment is not None and payment.get("reference") else None


async def pay_back(ctx: ToolContext, ret: Doc) -> Doc:
    """Refund a received return once, whoever repeats it: to the card, else as store credit.

    The card refund is keyed by the return id at the gateway and the credit by the return id in
    the ledger, so two receipts posted at once refund once. The card gets back at most what it
    paid for the order (store credit that paid the rest comes back as store credit); a refund the
    gateway refuses becomes store credit, so that the customer is never left without one.
    """
    return_id, amount = ret["return_id"], int(ret["refund_cents"])
    credit_ref = f"refund:{return_id}"
    if ret["refund_method"] == "card":
        payment = await ctx.store.payments.find_one(
            {"payment_id": ret.get("payment_id"), "status": "paid"})
        if payment is not None and payment.get("reference"):
            card_paid = int(payment["total_cents"]) - int(payment.get("store_credit_cents", 0))
            to_card = min(amount, card_paid)
            outcome = await ctx.services.gateway.refund(
                reference=payment["reference"], amount_cents=to_card, currency=ret["currency"],
                idempotency_key=return_id)
            if outcome["status"] == "refunded":
                await issue_credit(ctx, credit_ref, amount - to_card, f"return {return_id}")
                return {"method": "card", "status": "refunded", "card_cents": to_card,
                        "store_credit_cents": amount - to_card,
                        "reference": payment["reference"], "payment_id": payment["payment_id"]}
    await issue_credit(ctx, credit_ref, amount, f"return {return_id}")
    return {"method": "store_credit", "status": "issued", "card_cents": 0,
            "store_credit_cents": amount}


async def take_back_points(ctx: ToolContext, ret: Doc) -> Doc:
    """Take back, once, the points that the returned items earned when the order was paid.

    The share of the purchase's points is the returned amount's share of what was paid. The
    balance never goes below zero: what points already spent cannot cover is capped (recorded
    in the entry as `uncollected`), not kept as a debt.
    """
    ref = f"unearn:{ret['return_id']}"
    ledger = ctx.store.loyalty_ledger
    payment = await ctx.store.payments.find_one(
        {"payment_id": ret.get("payment_id"), "status": "paid"}) if ret.get("payment_id") else None
    earned = await ledger.find_one({"_id": f"earn:{payment['payment_id']}"}) if payment else None
    if payment is None or earned is None or int(payment["total_cents"]) <= 0:
        return {"points": 0, "uncollected": 0}
    wanted = int(earned["delta"]) * int(ret["refund_cents"]) // int(payment["total_cents"])
    async with account_lock(ctx):
        entry = await ledger.find_one({"_id": ref})
        if entry is None and wanted > 0:
            taken = min(wanted, max(0, await balance_of(ctx)))
            entry = {"_id": ref, "customer_id": ctx.customer_id, "delta": -taken,
                     "uncollected": wanted - taken, "reason": f"return {ret['return_id']}",
                     "at": ctx.services.clock()}
            await ledger.insert_one(entry)
    if entry is None:
        return {"points": 0, "uncollected": 0}
    return {"points": -int(entry["delta"]), "uncollected": int(entry.get("uncollected", 0))}
