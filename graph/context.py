"""The run-time context (who is talking, on which channel) and the customer brief built per turn."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from graph.budget import USAGE, usage_key
from tools.cart import price_lines
from tools.catalog import money
from tools.context import Services, ToolContext
from tools.loyalty import BALANCE_LOOKUP, balance
from tools.store import Doc

OPEN_STATUSES = ("placed", "processing", "shipped")
CART_LINES = 10  # the cart lines the brief names; the counts and total cover the whole cart


@dataclass
class TurnTrace:
    """What a turn's nodes note for its archive entry (`graph.archive`), outside the state."""

    confidence: float | None = None  # the router's, when a classifier or a model decided
    tokens: int = 0  # what the models' answers used


@dataclass(frozen=True)
class Context:
    """Set by the channel for every run; the model can neither see nor change it."""

    customer_id: str = "demo-alice"
    channel: str = "web"
    session_id: str = "studio"
    store_id: str | None = None  # the till's store (`/pos/chat`), never read from a message
    # A voice PIN taken out of the caller's words before they reach the state (graph.session).
    pin: str | None = field(default=None, repr=False)
    # What the turn came through (`key/<digest>` of an API key, `channel/whatsapp`, ...): the
    # server's word, for the daily token budget those turns share; empty when nothing says.
    source: str = ""
    # Filled in as the turn runs, for its archive entry; never read by a node.
    trace: TurnTrace | None = field(default=None, repr=False, compare=False)


def tool_context(services: Services, context: Context) -> ToolContext:
    """The tools' view of a run: the services plus the channel-given identity."""
    return ToolContext(services=services, customer_id=context.customer_id,
                       channel=context.channel, session_id=context.session_id,
                       store_id=context.store_id)


BriefPart = Literal["customer", "points", "orders", "cart"]
ALL_PARTS: tuple[BriefPart, ...] = ("customer", "points", "orders", "cart")


_CUSTOMER_FIELDS = {"name": 1, "tier": 1, "preferences": 1, "address": 1}
# The `$lookup` that reads each part of the brief. Each joins with `localField`/`foreignField`,
# i.e. the same equality a find filter `{field: customer_id}` applies, and so uses the same index.
_LOOKUPS: dict[BriefPart, Doc] = {
    "customer": {"$lookup": {
        "from": "customers", "localField": "_id", "foreignField": "_id",
        "pipeline": [{"$project": _CUSTOMER_FIELDS}], "as": "customer"}},
    "points": BALANCE_LOOKUP,
    "orders": {"$lookup": {
        "from": "orders", "localField": "_id", "foreignField": "customer_id",
        "pipeline": [{"$sort": {"created_at": -1}}, {"$limit": 5},
                     {"$project": {"_id": 0, "order_id": 1, "status": 1}}],
        "as": "orders"}},
    # The cart and the catalogue rows of its SKUs, as tools.cart.priced_cart reads them. The
    # SKUs are gathered with $map: SecantusDB does not walk arrays in a `localField` (or a
    # `$items.sku` expression) the way MongoDB does.
    "cart": {"$lookup": {"from": "carts", "localField": "_id", "foreignField": "_id",
                         "pipeline": [
        {"$project": {"_id": 0, "items": 1,
                      "skus": {"$map": {"input": "$items", "as": "item", "in": "$$item.sku"}}}},
        {"$lookup": {"from": "products", "localField": "skus", "foreignField": "_id",
                     "pipeline": [{"$project": {"_id": 0, "sku": 1, "name": 1,
                                                "price_cents": 1}}],
                     "as": "products"}},
    ], "as": "cart"}},
}


def _usage_lookup(field: str) -> Doc:
    """The token use today of the usage document whose `_id` is in `field` (`graph.budget`)."""
    return {"$lookup": {"from": USAGE, "localField": field, "foreignField": "_id",
                        "pipeline": [{"$project": {"_id": 0, "tokens": 1}}], "as": field}}


def _brief_pipeline(customer_id: str, parts: Collection[BriefPart] = ALL_PARTS,
                    usage: str | None = None, source_usage: str | None = None) -> list[Doc]:
    """One round trip for the parts of the brief asked for, and the day's usage `usage`.

    `$documents` starts from the id rather than the customer document, so that an unknown
    customer still gets their cart and points. Standard stages and operators only: `$documents`
    needs MongoDB 6.0 (5.1 at the least).
    """
    start: Doc = {"_id": customer_id}
    lookups = [_LOOKUPS[p] for p in ALL_PARTS if p in parts]
    for name, key in (("usage", usage), ("source_usage", source_usage)):
        if key is not None:  # a join rather than an array of keys: SecantusDB does not walk one
            start[name] = key
            lookups.append(_usage_lookup(name))
    return [{"$documents": [start]}, *lookups]


async def customer_brief(ctx: ToolContext, parts: Collection[BriefPart] = ALL_PARTS
                         ) -> dict[str, Any]:
    """What an agent should know about the customer this turn (`parts` of it), in one read."""
    if tuple(parts) == ("customer",):  # a find is cheaper than a join on the embedded server
        customer = await ctx.store.customers.find_one({"_id": ctx.customer_id}, _CUSTOMER_FIELDS)
        return _brief(ctx, parts, {"customer": [customer] if customer else []})
    return _brief(ctx, parts, await _read(ctx, _brief_pipeline(ctx.customer_id, parts)))


async def model_brief(ctx: ToolContext, now: datetime, parts: Collection[BriefPart],
                      source: str = "") -> tuple[dict[str, Any], int, int]:
    """The `parts` of the brief a model sees, and the tokens on `now`'s day: one read.

    The tokens are the customer's, and those of every turn through `source` (0 without one).
    """
    row = await _read(ctx, _brief_pipeline(ctx.customer_id, parts,
                                           usage_key(ctx.customer_id, now),
                                           usage_key(source, now) if source else None))

    def tokens(field: str) -> int:
        return int(row[field][0]["tokens"]) if row.get(field) else 0

    return _brief(ctx, parts, row), tokens("usage"), tokens("source_usage")


async def _read(ctx: ToolContext, pipeline: list[Doc]) -> Doc:
    cursor = await ctx.store.db.aggregate(pipeline)
    return (await cursor.to_list())[0]


def _brief(ctx: ToolContext, parts: Collection[BriefPart], row: Doc) -> dict[str, Any]:
    brief: dict[str, Any] = {}
    if "customer" in parts:
        customer = row["customer"][0] if row["customer"] else {}
        brief |= {"name": customer.get("name", "there"), "known": bool(customer),
                  "tier": customer.get("tier", "bronze"),
                  "preferences": customer.get("preferences", {}),
                  "postcode": customer.get("address", {}).get("postcode")}
    if "points" in parts:
        brief["points"] = balance(row)
    if "cart" in parts:
        cart = row["cart"][0] if row["cart"] else {"items": [], "products": []}
        lines, total = price_lines(cart["items"], cart["products"])
        brief["cart"] = {"items": sum(line["quantity"] for line in lines), "total": money(total),
                         # What "remove the mouse" or "make it two" can name (graph.cart_talk).
                         "lines": [{"sku": line["sku"], "name": line["name"],
                                    "quantity": line["quantity"],
                                    "price": money(line["unit_price_cents"])}
                                   for line in lines[:CART_LINES]]}
    if "orders" in parts:
        orders = row["orders"]
        brief |= {"orders": orders,
                  "open_orders": [o["order_id"] for o in orders if o["status"] in OPEN_STATUSES]}
    return brief | {"channel": ctx.channel}
