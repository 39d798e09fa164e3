"""Payment agent: prepares a payment for the cart or an order; the customer confirms it."""

from __future__ import annotations

import re
from typing import Any

from graph import extract
from graph.agents.base import Agent, Call, Turn, first_error, usd
from tools.cart import add_to_cart, view_cart
from tools.payments import process_payment, verify_payment_status

PAYMENT_PROMPT = """You take payments. Call process_payment for the cart (or a named order); it
returns the items and the server's total, and the customer is then asked to confirm. You never
state or accept a price yourself and never charge anything: the confirmation step does that.
Use verify_payment_status for questions about a payment, view_cart to show the cart."""

PAYMENT_ID = re.compile(r"\b(PAY-[A-Z0-9]+)\b", re.IGNORECASE)


def plan(turn: Turn) -> list[Call]:
    """Status, cart, or prepare a payment."""
    text = turn.text.lower()
    if match := PAYMENT_ID.search(turn.text):
        return [("verify_payment_status", {"payment_id": match.group(1).upper()})]
    if "status" in text and (last := turn.last_action("payment_status")):
        return [("verify_payment_status", {"payment_id": last["payment_id"]})]
    sku = extract.sku(turn.text)
    if sku and "cart" in text:
        return [("add_to_cart", {"sku": sku, "quantity": extract.quantity(turn.text)})]
    if "cart" in text and not re.search(r"\b(pay|checkout|check out|buy|order)\b", text):
        return [("view_cart", {})]
    return [("process_payment", {"order_id": extract.order_id(turn.text)})]


def render(turn: Turn, results: list[dict[str, Any]]) -> str:
    """Ask for confirmation, or report the status."""
    if message := first_error(results):
        return f"Sorry, {message}."
    result = results[0] if results else {}
    kind = result.get("type")
    if kind == "payment_confirmation":
        items = ", ".join(f"{i['quantity']} x {i['name']}" for i in result["items"])
        how = f"charged to {result['card']}"
        if result.get("store_credit"):
            how = f"{usd(result['store_credit'])} from your store credit" + (
                f" and {usd(result['card_charge'])} {how}" if result["card_charge"] else "")
        return (f"Ready to pay for {items}: {usd(result['total'])} {result['currency']}, "
                f"{how}. Shall I go ahead? Reply yes or no.")
    if kind == "payment_status":
        return f"Payment {result['payment_id']} is {result['status']}."
    if kind == "cart":
        if not result["items"]:
            return "Your cart is empty."
        items = ", ".join(f"{i['quantity']} x {i['name']}" for i in result["items"])
        return f"Your cart: {items}. Total {usd(result['total'])}."
    return "What would you like to pay for?"


AGENT = Agent("payment", PAYMENT_PROMPT,
              (process_payment, verify_payment_status, view_cart, add_to_cart), plan, render,
              brief=("customer", "cart"))
