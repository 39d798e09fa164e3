"""Store credit: a customer's balance in cents, a ledger of entries keyed by what moved it."""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from pymongo.errors import DuplicateKeyError

from tools.context import PaymentGateway, ToolContext
from tools.loyalty import account_lock
from tools.store import Doc, Store

LEDGER = "store_credit"
# The leases that let one debit at a time read and spend a customer's credit.
ACCOUNTS = "store_credit_accounts"


async def credit_balance(store: Store, customer_id: str) -> int:
    """The customer's store credit in cents: the sum of their ledger entries."""
    cursor = await store.db[LEDGER].aggregate([
        {"$match": {"customer_id": customer_id}},
        {"$group": {"_id": None, "cents": {"$sum": "$delta_cents"}}}])
    rows = await cursor.to_list()
    return int(rows[0]["cents"]) if rows else 0


async def issue_credit(ctx: ToolContext, ref: str, cents: int, reason: str) -> None:
    """Credit the customer once per `ref`: a repeated or concurrent issue adds nothing."""
    if cents <= 0:
        return
    with suppress(DuplicateKeyError):
        await ctx.store.db[LEDGER].insert_one(
            {"_id": ref, "customer_id": ctx.customer_id, "delta_cents": cents, "reason": reason,
             "at": ctx.services.clock()})


async def spend_credit(ctx: ToolContext, ref: str, cents: int, reason: str) -> bool:
    """Spend `cents` of credit once per `ref`; False if the balance no longer covers it."""
    if cents <= 0:
        return True
    ledger = ctx.store.db[LEDGER]
    async with account_lock(ctx, ACCOUNTS):
        # A retry after a crash finds its own debit already written and must not spend again.
        if await ledger.find_one({"_id": ref}) is not None:
            return True
        if await credit_balance(ctx.store, ctx.customer_id) < cents:
            return False
        await ledger.insert_one({"_id": ref, "customer_id": ctx.customer_id,
                                 "delta_cents": -cents, "reason": reason,
                                 "at": ctx.services.clock()})
    return True


async def restore_credit(ctx: ToolContext, ref: str) -> None:
    """Give back what the debit `ref` spent (a payment that then failed), once."""
    spent = await ctx.store.db[LEDGER].find_one({"_id": ref})
    if spent is not None and spent["delta_cents"] < 0:
        await issue_credit(ctx, f"restore:{ref}", -int(spent["delta_cents"]),
                           f"returned: {spent['reason']}")


async def charge_rest(ctx: ToolContext, gateway: PaymentGateway, payment: Doc,
                      card: Doc | None) -> dict[str, Any]:
    """Pay a payment: its store credit first, then the rest to the card it was prepared for.

    The gateway's outcome shape: `{"status": "paid"|"declined"|"failed", "code", "reference"}`.
    Credit spent on a payment that then fails is given back.
    """
    payment_id = payment["payment_id"]
    credit = int(payment.get("store_credit_cents", 0))
    rest = int(payment["total_cents"]) - credit
    ref = f"spend:{payment_id}"
    if not await spend_credit(ctx, ref, credit, f"payment {payment_id}"):
        return {"status": "failed", "code": "store_credit_changed", "reference": None}
    outcome: dict[str, Any]
    if rest <= 0:
        outcome = {"status": "paid", "code": None, "reference": None}
    elif card is None:
        outcome = {"status": "failed", "code": "card_removed", "reference": None}
    else:
        outcome = await gateway.charge(card_token=card["token"], amount_cents=rest,
                                       currency=payment["currency"], idempotency_key=payment_id)
    if outcome["status"] != "paid":
        await restore_credit(ctx, ref)
    return outcome
