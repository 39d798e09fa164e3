"""Cart tools: what the customer is about to buy, priced from the catalogue."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tools.catalog import find_product, money
from tools.context import ToolContext
from tools.registry import error, not_found
from tools.store import Doc, now

MAX_QUANTITY = 20


async def priced_cart(ctx: ToolContext) -> tuple[list[Doc], int]:
    """The customer's cart lines with catalogue prices, and the total in cents."""
    cart = await ctx.store.carts.find_one({"_id": ctx.customer_id}) or {"items": []}
    skus = [item["sku"] for item in cart["items"]]
    return price_lines(cart["items"], await ctx.store.products.find({"_id": {"$in": skus}})
                       .to_list())


def price_lines(items: list[Doc], products: Iterable[Doc]) -> tuple[list[Doc], int]:
    """Cart items priced from their catalogue rows; unknown products and bad quantities drop."""
    by_sku = {p["sku"]: p for p in products if "sku" in p}
    lines = []
    for item in items:
        product = by_sku.get(item["sku"])
        if product is None or item["quantity"] <= 0:
            continue
        lines.append({"sku": product["sku"], "name": product["name"],
                      "category": product.get("category"), "quantity": item["quantity"],
                      "unit_price_cents": product["price_cents"]})
    return lines, sum(line["unit_price_cents"] * line["quantity"] for line in lines)


def public_lines(lines: list[Doc]) -> list[dict[str, Any]]:
    """Cart or order lines as clients see them, with prices as numbers."""
    return [{"sku": line["sku"], "name": line["name"], "quantity": line["quantity"],
             "unit_price": money(line["unit_price_cents"]),
             "line_total": money(line["unit_price_cents"] * line["quantity"])} for line in lines]


async def view_cart(ctx: ToolContext) -> dict[str, Any]:
    """Show the customer's cart with current prices and the total."""
    lines, total = await priced_cart(ctx)
    return {"type": "cart", "items": public_lines(lines), "total": money(total),
            "currency": "USD"}


async def add_to_cart(ctx: ToolContext, sku: str, quantity: int = 1) -> dict[str, Any]:
    """Add a product to the customer's cart.

    Args:
        sku: The product's SKU, e.g. LAP-00001.
        quantity: How many units to add (1 to 20).
    """
    if quantity <= 0 or quantity > MAX_QUANTITY:
        return error(f"the quantity must be between 1 and {MAX_QUANTITY}")
    product = await find_product(ctx, sku)
    if product is None:
        return not_found(f"product {sku}")
    updated = await ctx.store.carts.update_one(
        {"_id": ctx.customer_id, "items.sku": product["sku"]},
        {"$inc": {"items.$.quantity": quantity}, "$set": {"updated_at": now()}},
    )
    if updated.matched_count == 0:
        await ctx.store.carts.update_one(
            {"_id": ctx.customer_id},
            {"$push": {"items": {"sku": product["sku"], "quantity": quantity}},
             "$set": {"updated_at": now()}},
            upsert=True,
        )
    await _drop_stale_terms(ctx)
    # The product added is the one a follow-up means ("actually take it out again").
    return {**await view_cart(ctx), "added": product["sku"]}


async def _drop_stale_terms(ctx: ToolContext) -> None:
    """A changed cart voids the payment terms shown for it: a yes to them can no longer charge."""
    from tools.payments import supersede_cart_payments  # payments prices the cart with this module

    await supersede_cart_payments(ctx)


async def remove_from_cart(ctx: ToolContext, sku: str) -> dict[str, Any]:
    """Take a product out of the customer's cart.

    Args:
        sku: The product's SKU as the cart shows it, e.g. ACC-00002.
    """
    key = sku.strip().upper()[:40]
    removed = await ctx.store.carts.update_one(
        {"_id": ctx.customer_id, "items.sku": key},
        {"$pull": {"items": {"sku": key}}, "$set": {"updated_at": now()}})
    if removed.matched_count == 0:
        return not_found(f"product {key} in your cart")
    await _drop_stale_terms(ctx)
    return await view_cart(ctx)


async def set_cart_quantity(ctx: ToolContext, sku: str, quantity: int) -> dict[str, Any]:
    """Set how many units of a product already in the cart the customer wants.

    Args:
        sku: The product's SKU as the cart shows it, e.g. ACC-00002.
        quantity: The new number of units (1 to 20); use remove_from_cart for none.
    """
    if quantity <= 0 or quantity > MAX_QUANTITY:
        return error(f"the quantity must be between 1 and {MAX_QUANTITY}")
    key = sku.strip().upper()[:40]
    updated = await ctx.store.carts.update_one(
        {"_id": ctx.customer_id, "items.sku": key},
        {"$set": {"items.$.quantity": quantity, "updated_at": now()}})
    if updated.matched_count == 0:
        return not_found(f"product {key} in your cart")
    await _drop_stale_terms(ctx)
    return await view_cart(ctx)


async def empty_cart(ctx: ToolContext) -> dict[str, Any]:
    """Take everything out of the customer's cart."""
    await ctx.store.carts.update_one({"_id": ctx.customer_id},
                                     {"$set": {"items": [], "updated_at": now()}})
    await _drop_stale_terms(ctx)
    return await view_cart(ctx)
