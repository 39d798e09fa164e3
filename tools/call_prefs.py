"""Do-not-call: a customer who asks us to stop calling is never called by us again."""

from __future__ import annotations

from typing import Any

from tools.calls import LIVE_STATES, PROACTIVE
from tools.context import ToolContext
from tools.registry import not_found


async def stop_calls(ctx: ToolContext) -> dict[str, Any]:
    """Stop calling the customer: record do-not-call and cancel the calls we planned.

    Calls the customer asked for themselves (a callback) they can still ask for; the shop's own
    calls (abandoned cart, promotions) are cancelled and never scheduled again.
    """
    at = ctx.services.clock()
    updated = await ctx.store.customers.update_one(
        {"_id": ctx.customer_id},
        {"$set": {"do_not_call": True, "do_not_call_since": at}})
    if updated.matched_count == 0:
        return not_found("your account")
    # Every planned call is cancelled, a callback booked earlier too: "stop calling me" means it.
    cancelled = await ctx.store.call_jobs.update_many(
        {"customer_id": ctx.customer_id, "status": {"$in": list(LIVE_STATES)}},
        {"$set": {"status": "cancelled", "cancelled_at": at, "cancelled_by": "customer"}})
    return {"type": "do_not_call", "do_not_call": True,
            "cancelled_calls": cancelled.modified_count,
            "stopped": sorted(PROACTIVE)}
