"""Recommendation agent: suggests products that fit the customer's need and budget."""

from __future__ import annotations

from typing import Any

from graph import extract
from graph.agents.base import Agent, Call, Turn, first_error
from graph.cart_talk import asks_cart, plan_cart, unclear
from graph.problems import problem
from graph.reference_replies import product_notes, question
from graph.references import Reference, cheaper_search, resolve
from graph.wording import cart_text, highlights, money
from tools.cart import add_to_cart, remove_from_cart, set_cart_quantity, view_cart
from tools.cart_names import add_named_to_cart
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
    """Present the picks, the product or the cart, and offer the next step."""
    _, lang = turn.gettext, turn.language
    if message := first_error(results):
        return _("Sorry, {problem}. Could you tell me a little more about what you need?").format(
            problem=problem(message, _))
    if not results and (which := unclear(turn.text, turn.memory, _reference(turn))) is not None:
        return question(turn.gettext, which)
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
        text = product_notes(_, result, turn.text) + _("{name} costs {price}.").format(
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
              (recommend_products, get_product_details, compare_products, check_stock, view_cart,
               add_to_cart, add_named_to_cart, remove_from_cart, set_cart_quantity), plan, render,
              brief=("customer", "cart"))
