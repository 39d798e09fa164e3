"""Recommendation agent: suggests products that fit the customer's need and budget."""

from __future__ import annotations

from typing import Any

from graph import extract
from graph.agents.base import Agent, Call, Turn, first_error, usd
from graph.cart_talk import asks_cart, plan_cart, unclear
from graph.reference_replies import cart_reply, product_notes, question
from graph.references import Reference, cheaper_search, resolve
from tools.cart import add_to_cart, remove_from_cart, set_cart_quantity, view_cart
from tools.catalog import check_stock, get_product_details, recommend_products
from tools.compare import compare_products

RECOMMENDATION_PROMPT = """You recommend products. Ask at most one question when the need is
unclear; otherwise call recommend_products with the customer's query, budget, category and use
case, and present the top picks with their reasons. Use get_product_details for "tell me more",
compare_products for "which of those has the most RAM", check_stock for availability, and
add_to_cart when the customer picks one. "It", "the second", "the cheaper one" refer to the
memory's product in focus and last list; when they could mean several products, ask which by
name."""


def _reference(turn: Turn) -> Reference:
    """What the words point at; a pronoun said with a new category or budget is a new search."""
    ref = resolve(turn.text, turn.memory)
    focus = turn.memory.get("focus") or {}
    named = extract.category(turn.text)
    if ref.how == "pronoun" and (extract.budget(turn.text) is not None
                                 or named not in (None, focus.get("category"))):
        return Reference()
    return ref


def plan(turn: Turn) -> list[Call]:
    """Change the cart, compare or show what the words point at, or search the catalogue."""
    text = turn.text
    if (talk := plan_cart(text, turn.memory)) is not None:
        return talk.calls
    if (search := cheaper_search(text, turn.memory)) is not None:
        return [("recommend_products", search)]
    ref = _reference(turn)
    if ref.spec:
        return [("compare_products", {"skus": [p["sku"] for p in ref.items],
                                      "spec": ref.spec[0], "most": ref.most})]
    if ref.product is not None:
        return [("get_product_details", {"sku": ref.product["sku"]})]
    if ref.unclear:
        return []  # the reply asks which, naming them
    if asks_cart(text):
        return [("view_cart", {})]
    listing = turn.memory.get("listing", {})
    query = text
    if listing and text.lower().startswith(("what about", "how about", "and ", "any ")):
        query = f"{listing.get('query', '')} {text}"
    return [("recommend_products", {
        "query": query,
        "budget": extract.budget(text) or listing.get("filters", {}).get("budget"),
        "category": extract.category(query), "use_case": extract.use_case(query)})]


def render(turn: Turn, results: list[dict[str, Any]]) -> str:
    """Present the picks, the product or the cart."""
    if message := first_error(results):
        return f"Sorry, {message}."
    if not results and (which := unclear(turn.text, turn.memory, _reference(turn))) is not None:
        return question(turn.gettext, which)
    result = results[0] if results else {}
    if result.get("type") == "product_list":
        if not result["products"]:
            return "I found nothing that fits. Could you raise the budget or say it another way?"
        lines = [f"{i}. {p['name']} ({p['sku']}) at {usd(p['price'])}: "
                 f"{'; '.join(p['reasons'][:2])}" for i, p in enumerate(result["products"], 1)]
        return "Here are my top picks:\n" + "\n".join(lines)
    if result.get("type") == "product":
        return product_notes(turn.gettext, result, turn.text) + (
            f"{result['name']} ({result['sku']}) costs {usd(result['price'])}. "
            f"{result['description']} Warranty: {result['warranty_months']} months.")
    if result.get("type") == "cart":
        return cart_reply(turn.gettext, result)
    return "What are you looking for? Tell me the kind of product, your budget and what it is for."


AGENT = Agent("recommendation", RECOMMENDATION_PROMPT,
              (recommend_products, get_product_details, compare_products, check_stock, view_cart,
               add_to_cart, remove_from_cart, set_cart_quantity), plan, render,
              brief=("customer", "cart"))
