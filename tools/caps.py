"""Daily caps per customer on what a customer sets in motion: calls scheduled, tickets opened."""

from __future__ import annotations

import contextlib
import json

from pymongo.errors import DuplicateKeyError

from tools.context import ToolContext
from tools.store import Doc

COLLECTION = "daily_caps"


class CapReached(Exception):
    """The customer has used today's allowance; raised inside the ledger to release its claim."""


def cap_key(kind: str, customer_id: str, day: str) -> str:
    """The counter's `_id`: a JSON array, so that no customer id can reach another's counter."""
    return json.dumps([kind, customer_id, day], separators=(",", ":"))


async def take(ctx: ToolContext, kind: str, cap: int) -> str:
    """Take one of the customer's `cap` slots of `kind` for today (UTC); the slot's counter.

    An atomic conditional increment, not a count then an insert: of concurrent requests, at most
    `cap` find the counter below the cap. The day's first request inserts the counter with its
    slot taken; a duplicate means another request made it first, so the increment is tried again.

    Raises:
        CapReached: no slot is left today.
    """
    day = ctx.services.clock().date().isoformat()
    key = cap_key(kind, ctx.customer_id, day)
    counters = ctx.store.db[COLLECTION]
    below: Doc = {"_id": key, "count": {"$lt": cap}}
    if (await counters.update_one(below, {"$inc": {"count": 1}})).modified_count:
        return key
    with contextlib.suppress(DuplicateKeyError):
        await counters.insert_one({"_id": key, "kind": kind, "customer_id": ctx.customer_id,
                                   "day": day, "count": 1})
        return key
    if (await counters.update_one(below, {"$inc": {"count": 1}})).modified_count:
        return key
    raise CapReached(kind)


async def give_back(ctx: ToolContext, key: str) -> None:
    """Return a slot whose action created nothing (it failed before its record was written)."""
    await ctx.store.db[COLLECTION].update_one({"_id": key, "count": {"$gt": 0}},
                                              {"$inc": {"count": -1}})
