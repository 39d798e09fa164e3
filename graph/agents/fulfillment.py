"""Fulfillment agent: order tracking and delivery estimates."""

from __future__ import annotations

import re
from typing import Any

from graph import extract, reference_words, references
from graph.agents.base import Agent, Call, Turn, first_error
from graph.cart_talk import plan_cart, unclear
from graph.reference_replies import cart_reply, product_reply, question
from graph.references import Reference
from tools.cart import add_to_cart, remove_from_cart, set_cart_quantity, view_cart
from tools.catalog import get_product_details, recommend_products
from tools.orders import estimate_delivery, track_order

FULFILLMENT_PROMPT = """You handle order tracking and delivery. Use track_order for an order's
status (without an id it finds the customer's latest open order) and estimate_delivery for how
long delivery takes. Changing or cancelling an order needs a colleague: say so. "It" or an item's
name ("the mouse") mean the memory's order in focus."""

_ESTIMATE = re.compile(r"how long|how soon|when would|delivery (time|option|estimate)|shipping "
                       r"(time|option|cost)|express|next.day|deliver to|arrive by|estimate",
                       re.IGNORECASE)


def _order_meant(turn: Turn) -> str | None:
    """The order in focus, when the words point back at it ("where is it now?", "the mouse")."""
    order = turn.memory.get("order", {})
    if not order.get("order_id"):
        return None
    points = reference_words.said(turn.text, "pronoun") or references.named(
        turn.text, references.order_items(turn.memory), loose=True)
    return str(order["order_id"]) if points else None


def plan(turn: Turn) -> list[Call]:
    """Change the cart, track the named, referred-to or latest open order, or estimate."""
    if (talk := plan_cart(turn.text, turn.memory)) is not None:
        return talk.calls
    order_id = extract.order_id(turn.text)
    if order_id is None and _ESTIMATE.search(turn.text):
        lowered = turn.text.lower()
        method = next((m for m in ("next_day", "express", "pickup")
                       if m.replace("_", " ") in lowered or m.replace("_", "-") in lowered),
                      "standard")
        product = references.resolve(turn.text, turn.memory).product
        return [("estimate_delivery", {"postcode": extract.postcode(turn.text), "method": method,
                                       "sku": extract.sku(turn.text) or (product or {}).get(
                                           "sku")})]
    if order_id is None and not _order_meant(turn):
        if reference_words.said(turn.text, "cart"):
            return [("view_cart", {})]
        product = references.resolve(turn.text, turn.memory).product
        if product is not None and not reference_words.said(turn.text, "pronoun"):
            return [("get_product_details", {"sku": product["sku"]})]  # "the Dell one"
    # Without an id or a reference: the latest open order.
    return [("track_order", {"order_id": order_id or _order_meant(turn)})]


def render(turn: Turn, results: list[dict[str, Any]]) -> str:
    """Say where the order is, or when it would arrive."""
    if message := first_error(results):
        return f"Sorry, {message}. Please check the order number."
    if not results and (which := unclear(turn.text, turn.memory, Reference())) is not None:
        return question(turn.gettext, which)
    result = results[0] if results else {}
    if result.get("type") == "product_list":  # a product named: which one?
        return question(turn.gettext, result.get("products", []))
    if result.get("type") == "cart":
        return cart_reply(turn.gettext, result)
    if result.get("type") == "product":
        return product_reply(turn.gettext, result, turn.text)
    if result.get("type") == "order_status":
        text = f"Order {result['order_id']} is {result['status']}."
        if tracking := result.get("tracking"):
            text += f" {tracking['carrier']} tracking number {tracking['number']}."
        if eta := result.get("estimated_delivery"):
            text += f" Expected by {eta}."
        if re.search(r"cancel|change|modify", turn.text, re.IGNORECASE):
            text += " To change or cancel it, ask for a human and a colleague will do it."
        return text
    if result.get("type") == "delivery_estimate":
        where = f" to {result['postcode']}" if result.get("postcode") else ""
        return (f"{result['method'].replace('_', ' ').title()} delivery{where}: "
                f"between {result['earliest']} and {result['latest']}.")
    return "Which order do you mean? Order numbers look like ORD-1002."


AGENT = Agent("fulfillment", FULFILLMENT_PROMPT,
              (track_order, estimate_delivery, get_product_details, recommend_products, view_cart,
               add_to_cart, remove_from_cart, set_cart_quantity), plan, render,
              brief=("customer", "orders"))
