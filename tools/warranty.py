"""Warranty claims: an item still covered gets a claim on record; one that is not, the options."""

from __future__ import annotations

import secrets
from typing import Any

from tools.cart import public_lines
from tools.context import ToolContext
from tools.order_items import matching_lines
from tools.payments import order_key, owned_order
from tools.registry import error, not_found
from tools.store import ActionInFlightError

ISSUE_MAX = 500
# What the shop offers for an item out of warranty (README, the shop's policy): never free.
OUT_OF_WARRANTY_OPTIONS = ("paid_repair", "human")


async def claim_warranty(ctx: ToolContext, order_id: str, sku: str | None = None,
                         issue: str = "") -> dict[str, Any]:
    """Open a warranty claim for a faulty item of an order that is still under warranty.

    An item out of warranty gets no claim: the answer says so and offers a paid repair or a
    colleague. Asking twice for the same item answers the claim already open.

    Args:
        order_id: The order the item came in, e.g. ORD-1004.
        sku: The faulty item, e.g. MON-00001; if omitted, the item the issue names, or the
            order's only item (several fit: nothing is opened and the answer asks which).
        issue: What is wrong with it, in the customer's words.
    """
    order = await owned_order(ctx, order_id)
    if order is None:
        return not_found(f"order {order_key(order_id)}")
    oid, lines = order["order_id"], list(order["items"])
    if not sku:
        named = lines if len(lines) == 1 else matching_lines(lines, issue)
        if len(named) != 1:
            return {"type": "warranty", "status": "choose", "order_id": oid,
                    "candidates": public_lines(named or lines)}
        sku = named[0]["sku"]
    key = sku.strip().upper()[:40]
    line = next((line for line in lines if line["sku"] == key), None)
    if line is None:
        return error(f"order {oid} has no item {key}")
    cover = await ctx.store.warranties.find_one(
        {"order_id": oid, "customer_id": ctx.customer_id, "sku": key})
    if cover is None:
        return error(f"order {oid} has no warranty yet: cover starts on delivery")
    at = ctx.services.clock()
    base = {"type": "warranty", "order_id": oid, "sku": key, "name": line["name"],
            "expires": cover["expires"].date().isoformat()}
    if cover["expires"] <= at:
        return base | {"status": "out_of_warranty", "claim_id": None,
                       "options": list(OUT_OF_WARRANTY_OPTIONS)}

    async def open_claim() -> dict[str, Any]:
        claim = {"claim_id": f"WCL-{secrets.token_hex(5).upper()}",
                 "customer_id": ctx.customer_id, "order_id": oid, "sku": key,
                 "name": line["name"], "issue": issue.strip()[:ISSUE_MAX], "status": "open",
                 "channel": ctx.channel, "created_at": at}
        await ctx.store.warranty_claims.insert_one(claim)
        return base | {"status": "claim_open", "claim_id": claim["claim_id"],
                       "next_step": "we email a prepaid label; repair or replacement follows"}

    try:  # one open claim per item: a repeat, or a second copy at once, answers the first
        return await ctx.store.once(f"warranty:{ctx.customer_id}:{oid}:{key}", "warranty",
                                    ctx.customer_id, open_claim)
    except ActionInFlightError:
        return error("this claim is being opened right now; try again in a moment")
