"""The run-time context (who is talking, on which channel) and the customer brief built per turn."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from tools.cart import priced_cart
from tools.catalog import money
from tools.context import Services, ToolContext
from tools.loyalty import balance_of

OPEN_STATUSES = ("placed", "processing", "shipped")


@dataclass(frozen=True)
class Context:
    """Set by the channel for every run; the model can neither see nor change it."""

    customer_id: str = "demo-alice"
    channel: str = "web"
    session_id: str = "studio"


def tool_context(services: Services, context: Context) -> ToolContext:
    """The tools' view of a run: the services plus the channel-given identity."""
    return ToolContext(services=services, customer_id=context.customer_id,
                       channel=context.channel, session_id=context.session_id)


async def customer_brief(ctx: ToolContext) -> dict[str, Any]:
    """What an agent should know about the customer this turn, read once from the store."""
    store = ctx.store
    customer, points, orders, (lines, total) = await asyncio.gather(
        store.customers.find_one({"_id": ctx.customer_id}),
        balance_of(ctx),
        store.orders.find({"customer_id": ctx.customer_id}, {"_id": 0, "order_id": 1, "status": 1})
        .sort("created_at", -1).limit(5).to_list(),
        priced_cart(ctx),
    )
    customer = customer or {}
    return {
        "name": customer.get("name", "there"),
        "known": bool(customer),
        "tier": customer.get("tier", "bronze"),
        "points": points,
        "cart": {"items": sum(line["quantity"] for line in lines), "total": money(total)},
        "orders": orders,
        "open_orders": [o["order_id"] for o in orders if o["status"] in OPEN_STATUSES],
        "preferences": customer.get("preferences", {}),
        "postcode": customer.get("address", {}).get("postcode"),
        "channel": ctx.channel,
    }
