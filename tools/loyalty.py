"""Loyalty tools: the points balance, rewards to redeem on confirmation, offers for a tier."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from datetime import datetime, timedelta
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from tools.catalog import money
from tools.catalog_data import CATEGORIES
from tools.claims import keep_first, move
from tools.context import ToolContext
from tools.pending import request_confirmation
from tools.registry import error, not_found
from tools.store import ActionInFlightError, Doc, now, stem

TIERS = ("bronze", "silver", "gold")
LOCK_LEASE = timedelta(seconds=30)
_LOCK_WAIT_S = 10.0


_BALANCE = [{"$group": {"_id": None, "balance": {"$sum": "$delta"}}}]
# The balance joined onto a document whose `_id` is the customer's, as `points: [{balance}]`.
BALANCE_LOOKUP = {"$lookup": {"from": "loyalty_ledger", "localField": "_id",
                              "foreignField": "customer_id", "pipeline": _BALANCE,
                              "as": "points"}}


def balance(row: Doc) -> int:
    """The balance that `BALANCE_LOOKUP` joined onto `row`."""
    return int(row["points"][0]["balance"]) if row["points"] else 0


async def balance_of(ctx: ToolContext) -> int:
    """The customer's points: the sum of their ledger entries."""
    cursor = await ctx.store.loyalty_ledger.aggregate([
        {"$match": {"customer_id": ctx.customer_id}}, *_BALANCE])
    return balance({"points": await cursor.to_list()})


async def award_points(ctx: ToolContext, ref: str, points: int, reason: str) -> None:
    """Credit points once per `ref`: a retried purchase earns nothing twice."""
    if points <= 0:
        return
    with suppress(DuplicateKeyError):
        await ctx.store.loyalty_ledger.insert_one(
            {"_id": ref, "customer_id": ctx.customer_id, "delta": points, "reason": reason,
             "at": ctx.services.clock()})


def _known_tier(customer: Doc | None) -> str:
    tier = (customer or {}).get("tier")
    return tier if tier in TIERS else TIERS[0]


async def _tier(ctx: ToolContext) -> str:
    return _known_tier(await ctx.store.customers.find_one({"_id": ctx.customer_id}, {"tier": 1}))


def _public_reward(doc: Doc, balance: int) -> dict[str, Any]:
    return {"reward_id": doc["_id"], "name": doc["name"], "points": doc["points"],
            "value": money(doc["value_cents"]), "affordable": balance >= doc["points"]}


async def get_points(ctx: ToolContext) -> dict[str, Any]:
    """Show the customer's loyalty points balance, tier and the rewards points can buy."""
    # Balance, tier and rewards in one round trip. The joins have no stages of their own (the
    # rewards, a handful, are sorted here): stages in a join cost the embedded server more.
    cursor = await ctx.store.db.aggregate([
        {"$documents": [{"_id": ctx.customer_id}]}, BALANCE_LOOKUP,
        {"$lookup": {"from": "customers", "localField": "_id", "foreignField": "_id",
                     "as": "customer"}},
        {"$lookup": {"from": "rewards", "pipeline": [], "as": "rewards"}},
    ])
    row = (await cursor.to_list())[0]
    points = balance(row)
    return {"type": "points", "balance": points,
            "tier": _known_tier(row["customer"][0] if row["customer"] else None),
            "rewards": [_public_reward(r, points)
                        for r in sorted(row["rewards"], key=lambda r: r["points"])]}


async def redeem_rewards(ctx: ToolContext, reward_id: str) -> dict[str, Any]:
    """Redeem points for a reward; the customer is asked to confirm before points are spent.

    Args:
        reward_id: The reward to redeem, e.g. RW-10OFF.
    """
    key = reward_id.strip().upper()[:40]
    reward = await ctx.store.rewards.find_one({"_id": key})
    if reward is None:
        return not_found(f"reward {key}")
    balance = await balance_of(ctx)
    if balance < reward["points"]:
        return error(f"you have {balance} points and {reward['name']} needs "
                     f"{reward['points']}")
    confirmation = await request_confirmation(ctx, "redeem", {
        "reward_id": reward["_id"], "name": reward["name"], "points": reward["points"],
        "value_cents": reward["value_cents"]})
    return {"type": "redeem_confirmation", "confirmation_id": confirmation["_id"],
            "reward_id": reward["_id"], "name": reward["name"], "points": reward["points"],
            "value": money(reward["value_cents"]), "balance_after": balance - reward["points"],
            "expires_at": confirmation["expires_at"].isoformat()}


async def _take_lock(accounts: AsyncCollection[Doc], customer_id: str, token: str,
                     at: datetime) -> bool:
    """Take the account's lease if it is free or has expired, or open the account holding it.

    One filter at a time, never an `$or`, which the embedded server answers by reading every
    account.
    """
    lease = {"lock": token, "lock_until": at + LOCK_LEASE}
    for free in ({"lock": None}, {"lock_until": {"$lte": at}}):
        if await move(accounts, {"_id": customer_id}, free, {"$set": lease}):
            return True
    try:
        await accounts.insert_one({"_id": customer_id} | lease)
    except DuplicateKeyError:  # someone else holds it
        return False
    return True


@asynccontextmanager
async def account_lock(ctx: ToolContext, accounts_name: str = "loyalty_accounts"
                       ) -> AsyncIterator[None]:
    """Hold one of the customer's accounts alone, so two debits cannot both spend a balance.

    A lease document, not a transaction: a single-node MongoDB has none. The lease expires so
    that a process that died holding it does not lock the account forever.

    Args:
        ctx: Whose account.
        accounts_name: The collection of leases: points (`loyalty_accounts`) or store credit.
    """
    accounts = ctx.store.db[accounts_name]
    token = secrets.token_hex(8)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + _LOCK_WAIT_S
    while True:
        at = now()
        if await _take_lock(accounts, ctx.customer_id, token, at):
            break
        if loop.time() > deadline:
            raise ActionInFlightError(f"loyalty:{ctx.customer_id}")
        await asyncio.sleep(0.02)
    try:
        yield
    finally:
        await move(accounts, {"_id": ctx.customer_id}, {"lock": token},
                   {"$set": {"lock": None}, "$inc": {"version": 1}})


async def redeem_confirmed(ctx: ToolContext, doc: Doc) -> dict[str, Any]:
    """Spend the points of a confirmed redemption and issue its voucher, once.

    Args:
        ctx: Who confirmed, and in which session.
        doc: The claimed `redeem` confirmation.
    """
    if doc["customer_id"] != ctx.customer_id:
        return not_found("confirmation")
    return await ctx.store.once(f"redeem:{doc['_id']}", "redeem", ctx.customer_id,
                                lambda: _redeem(ctx, doc))


async def _redeem(ctx: ToolContext, doc: Doc) -> Doc:
    ref = f"redeem:{doc['_id']}"
    reward = doc["payload"]
    ledger = ctx.store.loyalty_ledger
    async with account_lock(ctx):
        # A retry after a crash finds its own debit already written and must not spend again.
        if await ledger.find_one({"_id": ref}) is None:
            balance = await balance_of(ctx)
            if balance < reward["points"]:
                return error(f"you now have {balance} points and {reward['name']} needs "
                             f"{reward['points']}")
            await ledger.insert_one(
                {"_id": ref, "customer_id": ctx.customer_id, "delta": -reward["points"],
                 "reason": f"redeemed {reward['name']}", "at": ctx.services.clock()})
        balance = await balance_of(ctx)
    fields = {"code": f"VCH-{secrets.token_hex(5).upper()}", "customer_id": ctx.customer_id,
              "reward_id": reward["reward_id"], "name": reward["name"],
              "points": reward["points"], "value_cents": reward["value_cents"],
              "status": "active", "created_at": ctx.services.clock()}
    # Keyed by the redemption, so a retry finds the voucher it issued, not a second one.
    voucher = await keep_first(ctx.store.vouchers, {"_id": ref}, fields)
    return {"type": "points", "balance": balance, "redeemed": {
        "code": voucher["code"], "reward_id": voucher["reward_id"], "name": voucher["name"],
        "points": voucher["points"], "value": money(voucher["value_cents"])}}


async def redeem_cancelled(ctx: ToolContext, doc: Doc) -> dict[str, Any]:
    """The answer to a declined redemption: nothing spent, the balance as it is."""
    return {"type": "points", "status": "cancelled", "reward_id": doc["payload"]["reward_id"],
            "balance": await balance_of(ctx)}


def _category(name: str) -> str:
    folded = stem(name.strip().lower())
    return next((c for c in CATEGORIES if stem(c) == folded), name.strip().lower())


async def get_offers(ctx: ToolContext, category: str | None = None) -> dict[str, Any]:
    """List the offers the customer can use now, for their loyalty tier.

    Args:
        category: Only offers for this catalogue category, e.g. laptops, plus store-wide ones.
    """
    tier = await _tier(ctx)
    query: Doc = {"valid_until": {"$gt": ctx.services.clock()},
                  "min_tier": {"$in": list(TIERS[: TIERS.index(tier) + 1])}}
    if category:
        query["category"] = {"$in": [_category(category), None]}
    offers = await ctx.store.offers.find(query).sort("valid_until", 1).to_list()
    return {"type": "offers", "tier": tier, "offers": [
        {"offer_id": o["_id"], "title": o["title"], "category": o.get("category"),
         "discount_pct": o.get("discount_pct", 0), "min_tier": o["min_tier"],
         "valid_until": o["valid_until"].date().isoformat()} for o in offers]}
