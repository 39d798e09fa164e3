"""Inventory agent: says which stores have a product in stock."""

from __future__ import annotations

from typing import Any

from graph import extract
from graph.agents.base import Agent, Call, Turn, first_error
from graph.problems import problem
from graph.wording import listed
from tools.catalog import check_stock, recommend_products

INVENTORY_PROMPT = """You answer stock questions. Call check_stock with the product's SKU (and a
store when one is named). If the customer names a product without a SKU, find it first with
recommend_products."""


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
    if sku is None:
        return [("recommend_products", {"query": turn.text, "limit": 3})]
    return [("check_stock", {"sku": sku, "store_id": extract.store_id(turn.text)})]


def render(turn: Turn, results: list[dict[str, Any]]) -> str:
    """Say where it is in stock, and offer the next step."""
    _, lang = turn.gettext, turn.language
    if message := first_error(results):
        return _("Sorry, {problem}. Which product should I check? Its name is enough.").format(
            problem=problem(message, _))
    result = results[-1] if results else {}
    if result.get("type") == "stock":
        stocked = [s for s in result["stores"] if s["quantity"] > 0]
        if not stocked:
            return _("Sorry, {name} is out of stock in every store right now. Want me to find "
                     "something similar, or check delivery times?").format(name=result["name"])
        where = listed([_("{store} ({count} left)").format(store=s["store"], count=s["quantity"])
                        for s in stocked], lang)
        return _("Good news: {name} is in stock at {stores}. Want me to add it to your cart?"
                 ).format(name=result["name"], stores=where)
    if result.get("type") == "product_list" and result["products"]:
        lines = [f"{i}. {p['name']}" for i, p in enumerate(result["products"], 1)]
        return "\n".join([_("I found a few:"), *lines, _(
            "Which one should I check (say \"the first\" or its name)?")])
    return _("Which product should I check? Tell me its name.")


AGENT = Agent("inventory", INVENTORY_PROMPT, (check_stock, recommend_products), plan, render)
