"""Recommendation agent: suggests products that fit the customer's need and budget."""

from __future__ import annotations

from typing import Any

from graph import extract
from graph.agents.base import Agent, Call, Turn, first_error
from graph.problems import problem
from graph.wording import cart_text, highlights, money
from tools.cart import add_to_cart
from tools.catalog import get_product_details, recommend_products

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
        "category": extract.category(query), "use_case": extract.use_case(query)})]


def render(turn: Turn, results: list[dict[str, Any]]) -> str:
    """Present the picks, the product or the cart, and offer the next step."""
    _, lang = turn.gettext, turn.language
    if message := first_error(results):
        return _("Sorry, {problem}. Could you tell me a little more about what you need?").format(
            problem=problem(message, _))
    result = results[-1] if results else {}
    if result.get("type") == "product_list":
        products = result["products"]
        if not products:
            return _("I found nothing that fits. Could you raise the budget or say it another "
                     "way?")
        lines = []
        for i, p in enumerate(products, 1):
            why = highlights(p, _, lang)
            price = money(p["price"], lang, p.get("currency", "USD"))
            lines.append(f"{i}. {p['name']}, {price}" + (f" ({why})" if why else ""))
        return "\n".join([_("Here are my top picks:"), *lines, _(
            "Shall I tell you more about one of them (just say \"the first\" or its name), or "
            "add one to your cart?")])
    if result.get("type") == "product":
        why = highlights(result, _, lang, most=5)
        text = _("{name} costs {price}.").format(
            name=result["name"], price=money(result["price"], lang, result.get("currency", "USD")))
        if why:
            text += " " + why[0].upper() + why[1:] + "."
        text += " " + _("It comes with a {months}-month warranty.").format(
            months=result["warranty_months"])
        return text + " " + _("Want me to check stock at Downtown or add it to your cart?")
    if result.get("type") == "cart":
        return _("Added to your cart.") + " " + cart_text(result, _, lang)
    return _("What are you looking for? Tell me the kind of product, your budget and what it is "
             "for.")


AGENT = Agent("recommendation", RECOMMENDATION_PROMPT,
              (recommend_products, get_product_details, add_to_cart), plan, render,
              brief=("customer", "cart"))
