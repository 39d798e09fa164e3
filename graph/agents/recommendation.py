"""Recommendation agent: suggests products that fit the customer's need and budget."""

from __future__ import annotations

from typing import Any

from graph import extract
from graph.agents.base import Agent, Call, Turn, first_error
from graph.cart_talk import asks_cart, plan_cart, unclear
from graph.language import Language
from graph.problems import problem
from graph.reference_replies import product_notes, question
from graph.references import Reference, cheaper_search, resolve
from graph.route_context import asks_price_alone, cues, product_warranty
from graph.wording import cart_text, highlights, money
from tools.cart import add_to_cart, remove_from_cart, set_cart_quantity, view_cart
from tools.cart_names import add_named_to_cart
from tools.catalog import check_stock, get_product_details, recommend_products
from tools.compare import compare_products
from tools.intent import price_intent, spec_intent

RECOMMENDATION_PROMPT = """You recommend products. Ask at most one question when the need is
unclear; otherwise call recommend_products with the customer's query, budget, category and use
case, and present the top picks with their reasons. Use get_product_details for "tell me more",
compare_products for "which of those has the most RAM", check_stock for availability, and
add_to_cart when the customer picks one. "It", "the second", "the cheaper one" refer to the
memory's product in focus and last list; when they could mean several products, ask which by
name."""


def _picks(turn: Turn, products: list[dict[str, Any]]) -> list[str]:
    """One numbered line per product: its name, price and what it is good for."""
    _, lang = turn.gettext, turn.language
    lines = []
    for i, p in enumerate(products, 1):
        why = highlights(p, _, lang)
        price = money(p["price"], lang, p.get("currency", "USD"))
        lines.append(f"{i}. {p['name']}, {price}" + (f" ({why})" if why else ""))
    return lines


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
    focus, language = turn.memory.get("focus") or {}, turn.memory.get("language", "en")
    if not ref.items and focus.get("sku") and (product_warranty(text, language, turn.memory)
                                               or asks_price_alone(text, language)):
        # "How long is the warranty?", "¿cuánto cuesta?": the product in focus's own details.
        return [("get_product_details", {"sku": focus["sku"]})]
    if ref.unclear:
        return []  # the reply asks which, naming them
    if asks_cart(text):
        return [("view_cart", {})]
    if (parts := _two_kinds(text, turn.memory.get("language", "en"))) is not None:
        # "A laptop under $1000 and a wireless mouse": a search for each, each its own budget.
        return [("recommend_products", _search(turn, part, None, part)) for part in parts]
    listing = turn.memory.get("listing", {})
    query = text
    if listing and text.lower().startswith(("what about", "how about", "and ", "any ")):
        query = f"{listing.get('query', '')} {text}"
    return [("recommend_products", _search(turn, text, listing.get("filters", {}).get("budget"),
                                            query))]


def _search(turn: Turn, text: str, budget: float | None, query: str) -> dict[str, Any]:
    """A search for the words, with the budget they say (else the last list's)."""
    return {"query": query, "budget": extract.budget(text) or budget,
            "category": extract.category(query), "use_case": extract.use_case(query),
            **_price_and_specs(turn, text)}


def _two_kinds(text: str, language: Language) -> tuple[str, str] | None:
    """The two parts of words that ask for two kinds of product, cut at a joining word."""
    for cut in cues("join", language).finditer(text):
        left, right = text[:cut.start()].strip(" ,"), text[cut.end():].strip(" ,")
        kinds = extract.category(left), extract.category(right)
        if None not in kinds and kinds[0] != kinds[1]:
            return left, right
    return None


def _price_and_specs(turn: Turn, text: str) -> dict[str, Any]:
    """The price order, limits and spec filters the words ask for; "cheaper" than what was shown.

    "Cheaper" is relative to the product in focus, or else to the cheapest of the last list.
    """
    asked = price_intent(text) | spec_intent(text)
    relative = asked.pop("relative", None)
    shown = [p["price"] for p in turn.memory.get("listing", {}).get("items", []) if "price" in p]
    focus = turn.memory.get("focus", {}).get("price")
    reference = focus if focus is not None else (min(shown) if shown else None)
    if relative == "cheaper" and reference is not None:
        asked["cheaper_than"] = reference
    elif relative == "pricier" and reference is not None:
        asked["min_price"] = reference + 0.01
    return asked


def render(turn: Turn, results: list[dict[str, Any]]) -> str:
    """Present the picks, the product or the cart, and offer the next step."""
    _, lang = turn.gettext, turn.language
    if message := first_error(results):
        return _("Sorry, {problem}. Could you tell me a little more about what you need?").format(
            problem=problem(message, _))
    if not results and (which := unclear(turn.text, turn.memory, _reference(turn))) is not None:
        return question(turn.gettext, which)
    result = results[-1] if results else {}
    lists = [r for r in results if r.get("type") == "product_list" and r.get("products")]
    if result.get("type") == "product_list":
        if not lists:
            return _("I found nothing that fits. Could you raise the budget or say it another "
                     "way?")
        lines = [_("Here are my top picks:")]
        for i, listed in enumerate(lists):  # two kinds asked at once: a list of each
            lines += [*([""] if i else []), *_picks(turn, listed["products"])]
        return "\n".join([*lines, _(
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
