"""Recommendation agent: suggests products that fit the customer's need and budget."""

from __future__ import annotations

from typing import Any

from graph import extract
from graph.agents.base import Agent, Call, Turn, first_error, usd
from tools.cart import add_to_cart
from tools.catalog import get_product_details, recommend_products
from tools.intent import price_intent, spec_intent

RECOMMENDATION_PROMPT = """You recommend products. Ask at most one question when the need is
unclear; otherwise call recommend_products with the customer's query, budget, category and use
case, and present the top picks with their reasons. Use get_product_details for "tell me more"
and add_to_cart when the customer picks one."""


def _picked(turn: Turn) -> dict[str, Any] | None:
    listing = turn.last_action("product_list")
    index = extract.ordinal(turn.text)
    if listing is None or index is None or not listing["products"]:
        return None
    products = listing["products"]
    return products[index] if -len(products) <= index < len(products) else None


def plan(turn: Turn) -> list[Call]:
    """Pick from the last list, or search the catalogue."""
    text = turn.text
    sku = extract.sku(text) or ((_picked(turn) or {}).get("sku"))
    if sku and "cart" in text.lower():
        return [("add_to_cart", {"sku": sku, "quantity": extract.quantity(text)})]
    if sku:
        return [("get_product_details", {"sku": sku})]
    previous = turn.last_action("product_list")
    query = text
    if previous and text.lower().startswith(("what about", "how about", "and ", "any ")):
        query = f"{previous.get('query', '')} {text}"
    return [("recommend_products", {
        "query": query, "budget": extract.budget(text) or (previous or {}).get("budget"),
        "category": extract.category(query), "use_case": extract.use_case(query),
        **_price_and_specs(turn, text)})]


def _price_and_specs(turn: Turn, text: str) -> dict[str, Any]:
    """The price order, limits and spec filters the words ask for; "cheaper" than what was shown."""
    asked = price_intent(text) | spec_intent(text)
    relative = asked.pop("relative", None)
    shown = [p["price"] for p in (turn.last_action("product_list") or {}).get("products", [])]
    focus = turn.last_action("product")
    reference = focus["price"] if focus else (min(shown) if shown else None)
    if relative == "cheaper" and reference is not None:
        asked["cheaper_than"] = reference
    elif relative == "pricier" and reference is not None:
        asked["min_price"] = reference + 0.01
    return asked


def render(turn: Turn, results: list[dict[str, Any]]) -> str:
    """Present the picks, the product or the cart."""
    if message := first_error(results):
        return f"Sorry, {message}."
    result = results[0] if results else {}
    if result.get("type") == "product_list":
        if not result["products"]:
            return "I found nothing that fits. Could you raise the budget or say it another way?"
        lines = [f"{i}. {p['name']} ({p['sku']}) at {usd(p['price'])}: "
                 f"{'; '.join(p['reasons'][:2])}" for i, p in enumerate(result["products"], 1)]
        return "Here are my top picks:\n" + "\n".join(lines)
    if result.get("type") == "product":
        return (f"{result['name']} ({result['sku']}) costs {usd(result['price'])}. "
                f"{result['description']} Warranty: {result['warranty_months']} months.")
    if result.get("type") == "cart":
        return f"Added. Your cart now totals {usd(result['total'])}."
    return "What are you looking for? Tell me the kind of product, your budget and what it is for."


AGENT = Agent("recommendation", RECOMMENDATION_PROMPT,
              (recommend_products, get_product_details, add_to_cart), plan, render,
              brief=("customer", "cart"))
