"""Inventory agent: says which stores have a product in stock."""

from __future__ import annotations

from typing import Any

from graph import extract
from graph.agents.base import Agent, Call, Turn, first_error
from tools.catalog import check_stock, recommend_products

INVENTORY_PROMPT = """You answer stock questions. Call check_stock with the product's SKU (and a
store when one is named), or with its name as the customer said it when there is no SKU."""


def plan(turn: Turn) -> list[Call]:
    """Check a named SKU, else the product just discussed, else look the product up."""
    sku = extract.sku(turn.text)
    if sku is None:
        for kind in ("product", "stock"):
            if (last := turn.last_action(kind)) is not None:
                sku = last["sku"]
                break
    if sku is None and (listing := turn.last_action("product_list")) and listing["products"]:
        index = extract.ordinal(turn.text) or 0
        products = listing["products"]
        sku = products[index]["sku"] if -len(products) <= index < len(products) else None
    if sku is None:  # by the name the customer gave, or the closest products to choose from
        return [("check_stock", {"name": turn.text, "store_id": extract.store_id(turn.text)})]
    return [("check_stock", {"sku": sku, "store_id": extract.store_id(turn.text)})]


def render(turn: Turn, results: list[dict[str, Any]]) -> str:
    """Say where it is in stock."""
    if message := first_error(results):
        return f"Sorry, {message}. Could you check the SKU?"
    result = results[0] if results else {}
    if result.get("type") == "stock":
        where = ", ".join(f"{s['store']}: {s['quantity']}" for s in result["stores"])
        state = "in stock" if result["in_stock"] else "out of stock everywhere right now"
        return f"{result['name']} ({result['sku']}) is {state}. {where}."
    if result.get("type") == "product_list" and result["products"]:
        names = "; ".join(f"{p['name']} ({p['sku']})" for p in result["products"])
        return f"Which one do you mean? {names}"
    return "Which product should I check? Its SKU (like LAP-00001) helps."


AGENT = Agent("inventory", INVENTORY_PROMPT, (check_stock, recommend_products), plan, render)
