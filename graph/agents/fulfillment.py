"""Fulfillment agent: order tracking and delivery estimates."""

from __future__ import annotations

import re
from typing import Any

from graph import extract
from graph.agents.base import Agent, Call, Turn, first_error
from tools.orders import estimate_delivery, track_order

FULFILLMENT_PROMPT = """You handle order tracking and delivery. Use track_order for an order's
status (without an id it finds the customer's latest open order) and estimate_delivery for how
long delivery takes. Changing or cancelling an order needs a colleague: say so."""

_ESTIMATE = re.compile(r"how long|how soon|when would|delivery (time|option|estimate)|shipping "
                       r"(time|option|cost)|express|next.day|deliver to|arrive by|estimate",
                       re.IGNORECASE)


def plan(turn: Turn) -> list[Call]:
    """Track the named or latest open order, or estimate a delivery."""
    order_id = extract.order_id(turn.text)
    if order_id is None and _ESTIMATE.search(turn.text):
        lowered = turn.text.lower()
        method = next((m for m in ("next_day", "express", "pickup")
                       if m.replace("_", " ") in lowered or m.replace("_", "-") in lowered),
                      "standard")
        return [("estimate_delivery", {"postcode": extract.postcode(turn.text), "method": method,
                                       "sku": extract.sku(turn.text)})]
    return [("track_order", {"order_id": order_id})]  # without an id: the latest open order


def render(turn: Turn, results: list[dict[str, Any]]) -> str:
    """Say where the order is, or when it would arrive."""
    if message := first_error(results):
        return f"Sorry, {message}. Please check the order number."
    result = results[0] if results else {}
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


AGENT = Agent("fulfillment", FULFILLMENT_PROMPT, (track_order, estimate_delivery),
              plan, render, brief=("customer", "orders"))
