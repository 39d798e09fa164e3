"""Fulfillment agent: order tracking and delivery estimates."""

from __future__ import annotations

import re
from typing import Any

from graph import extract, reference_words, references
from graph.agents.base import Agent, Call, Turn, first_error
from graph.cart_talk import plan_cart, unclear
from graph.i18n import N_
from graph.problems import problem
from graph.reference_replies import cart_reply, product_reply, question
from graph.references import Reference
from graph.wording import apology, day, items_text, status
from tools.cart import add_to_cart, remove_from_cart, set_cart_quantity, view_cart
from tools.cart_names import add_named_to_cart
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
        # Only a product named outright ("the Dell one"): a pronoun here means the order.
        named = references.resolve(turn.text, turn.memory)
        if named.product is not None and named.how in ("name", "sku", "ordinal"):
            return [("get_product_details", {"sku": named.product["sku"]})]
    # Without an id or a reference: the latest open order.
    return [("track_order", {"order_id": order_id or _order_meant(turn)})]


_METHODS = {"standard": N_("Standard delivery"), "express": N_("Express delivery"),
            "next_day": N_("Next-day delivery"), "pickup": N_("Store pickup")}


def render(turn: Turn, results: list[dict[str, Any]]) -> str:
    """Say where the order is, or when it would arrive, and what the customer can do next."""
    _, lang, text = turn.gettext, turn.language, turn.text
    if message := first_error(results):
        return _("Sorry, {problem}. Could you check the order number (it looks like ORD-1002)?"
                 ).format(problem=problem(message, _))
    if not results and (which := unclear(turn.text, turn.memory, Reference())) is not None:
        return question(turn.gettext, which)
    result = results[-1] if results else {}
    if result.get("type") == "product_list":  # a product named: which one?
        return question(turn.gettext, result.get("products", []))
    if result.get("type") == "cart":
        return cart_reply(turn.gettext, result, turn.language)
    if result.get("type") == "product":
        return product_reply(turn.gettext, result, turn.text, turn.language)
    if result.get("type") == "order_status":
        said = apology(text, _) + _("Your order {order} ({items}) is {status}.").format(
            order=result["order_id"], items=items_text(result.get("items", []), lang),
            status=status(result["status"], _))
        if tracking := result.get("tracking"):
            said += " " + _("{carrier} tracking number: {number}.").format(
                carrier=tracking["carrier"], number=tracking["number"])
        if eta := result.get("estimated_delivery"):
            said += " " + _("It should arrive by {day}.").format(day=day(eta, lang))
        delivered = [step["at"] for step in result.get("history", [])
                     if step.get("status") == "delivered" and step.get("at")]
        if delivered:
            said += " " + _("It was delivered on {day}.").format(day=day(delivered[-1], lang))
        if re.search(r"cancel|change|modify|anul|annul|stornier|ändern|badal", text,
                     re.IGNORECASE):
            return said + " " + _("To change or cancel it, I can hand you to a colleague right "
                                  "away: shall I?")
        return said + " " + _("Anything else I can check on this order?")
    if result.get("type") == "delivery_estimate":
        method = _(_METHODS[result["method"]]) if result["method"] in _METHODS else ""
        window = {"method": method, "earliest": day(result["earliest"], lang),
                  "latest": day(result["latest"], lang)}
        days = result.get("business_days") or 0
        if not days:  # a pickup: ready the day it ships
            said = _("{method}: ready on {earliest}.").format(**window)
        elif result.get("postcode"):
            said = _("{method} to {postcode} takes up to {days} business days: between "
                     "{earliest} and {latest}.").format(postcode=result["postcode"], days=days,
                                                        **window)
        else:
            said = _("{method} takes up to {days} business days: between {earliest} and "
                     "{latest}.").format(days=days, **window)
        return said + " " + _("Shall I check faster options, or is there something you'd like "
                              "to order?")
    return _("Which order do you mean? Order numbers look like ORD-1002.")


AGENT = Agent("fulfillment", FULFILLMENT_PROMPT,
              (track_order, estimate_delivery, get_product_details, recommend_products, view_cart,
               add_to_cart, add_named_to_cart, remove_from_cart, set_cart_quantity), plan, render,
              brief=("customer", "orders"))
