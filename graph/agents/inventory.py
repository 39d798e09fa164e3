"""Inventory agent: says which stores have a product in stock."""

from __future__ import annotations

from typing import Any

from graph import extract, reference_words
from graph.agents.base import Agent, Call, Turn, first_error
from graph.cart_talk import asks_cart, plan_cart, unclear
from graph.problems import problem
from graph.reference_replies import cart_reply, product_reply, question
from graph.reference_words import colour
from graph.references import Reference, cheaper_search, resolve
from graph.wording import listed
from tools.cart import add_to_cart, remove_from_cart, set_cart_quantity, view_cart
from tools.cart_names import add_named_to_cart
from tools.catalog import check_stock, get_product_details, recommend_products

INVENTORY_PROMPT = """You answer stock questions. Call check_stock with the product's SKU (and a
store when one is named), or with its name as the customer said it when there is no SKU. "It",
"that one", "the second" mean the memory's product in focus or item of the last list; ask which
by name when they could mean several."""


SHORT = 5  # words: "in stock downtown?" asks about the product in focus, with no other name


def _reference(turn: Turn) -> Reference:
    """The product the words point at; a short question means the product in focus."""
    return resolve(turn.text, turn.memory,
                   default_focus=len(turn.text.split()) <= SHORT and not extract.category(
                       turn.text))


def plan(turn: Turn) -> list[Call]:
    """Change the cart, check what the words point at, or look the product up."""
    if (talk := plan_cart(turn.text, turn.memory)) is not None:
        return talk.calls
    if (search := cheaper_search(turn.text, turn.memory)) is not None:
        return [("recommend_products", {**search, "limit": 3})]
    ref = _reference(turn)
    store = extract.store_id(turn.text) or reference_words.store(turn.text)
    if ref.unclear:
        return []  # the reply asks which, naming them
    if ref.product is not None:
        if colour(turn.text) and not store:  # "does it come in black?": its specs say
            return [("get_product_details", {"sku": ref.product["sku"]})]
        return [("check_stock", {"sku": ref.product["sku"], "store_id": store})]
    if asks_cart(turn.text):
        return [("view_cart", {})]
    # By the name the customer gave, or the closest products to choose from.
    return [("check_stock", {"name": turn.text, "store_id": store})]


def render(turn: Turn, results: list[dict[str, Any]]) -> str:
    """Say where it is in stock, and offer the next step."""
    _, lang = turn.gettext, turn.language
    if message := first_error(results):
        return _("Sorry, {problem}. Which product should I check? Its name is enough.").format(
            problem=problem(message, _))
    if not results and (which := unclear(turn.text, turn.memory, _reference(turn))) is not None:
        return question(turn.gettext, which)
    result = results[-1] if results else {}
    if result.get("type") == "cart":
        return cart_reply(turn.gettext, result, turn.language)
    if result.get("type") == "product":
        return product_reply(turn.gettext, result, turn.text, turn.language)
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


AGENT = Agent("inventory", INVENTORY_PROMPT,
              (check_stock, recommend_products, get_product_details, view_cart, add_to_cart,
               add_named_to_cart,
               remove_from_cart, set_cart_quantity), plan, render)
