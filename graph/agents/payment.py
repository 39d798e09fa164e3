"""Payment agent: prepares a payment for the cart or an order; the customer confirms it."""

from __future__ import annotations

import re
from typing import Any

from graph import extract
from graph.agents.base import Agent, Call, Turn, first_error, usd
from graph.cart_talk import asks_cart, lines_of, plan_cart, unclear
from graph.changes import plan_change as change_plan
from graph.reference_replies import cart_reply, question
from graph.references import Reference, shown
from tools.cart import add_to_cart, empty_cart, remove_from_cart, set_cart_quantity, view_cart
from tools.catalog import get_product_details, recommend_products
from tools.payments import process_payment, verify_payment_status

PAYMENT_PROMPT = """You take payments. Call process_payment for the cart (or a named order); it
returns the items and the server's total, and the customer is then asked to confirm. You never
state or accept a price yourself and never charge anything: the confirmation step does that.
Use verify_payment_status for questions about a payment, view_cart to show the cart, and
add_to_cart, remove_from_cart, set_cart_quantity and empty_cart to change it ("it", "the
cheaper one" are the memory's product in focus or item of the last list). Prepare a payment
only when the customer asks to pay, never for a question about paying or a complaint."""

PAYMENT_ID = re.compile(r"\b(PAY-[A-Z0-9]+)\b", re.IGNORECASE)


# Asking to pay, as opposed to asking about paying ("what payment methods do you take?").
PAY = re.compile(r"\b(pay|checkout|check out|buy|purchase|place (the|my|an) order|pagar|"
                 r"payer|bezahlen)\b", re.IGNORECASE)
ABOUT_PAYING = re.compile(r"^\s*(what|which|how|do you|does|are|is|can you tell)\b|\b(methods?|"
                          r"options?|accept|paypal|apple pay|crypto|bitcoin|installments?)\b",
                          re.IGNORECASE)
# Asking to change the terms' items, when no item could be told from the words.
CHANGE = re.compile(r"\b(remove|add|take (out|off)|drop|delete|quita\w*|a[ñn]ade|enl[eè]ve|"
                    r"ajoute\w*|entfern\w*|hinzu\w*)\b", re.IGNORECASE)
COMPLAINT = re.compile(r"\b(charged|double|twice|refund|overcharg\w*|wrong amount)\b",
                       re.IGNORECASE)


def _shown(turn: Turn) -> list[dict[str, Any]]:
    """The products shown earlier: the memory's last list, which outlives the kept messages."""
    listed = turn.last_action("product_list") or {}
    recent = [p for p in listed.get("products", []) if isinstance(p, dict)]
    return [*(dict(p) for p in shown(turn.memory)), *recent]


def plan(turn: Turn) -> list[Call]:
    """Change pending terms or the cart, report a status, or prepare a payment if asked."""
    text = turn.text.lower()
    if turn.pending is not None:  # the customer answered the terms with something not a yes
        return change_plan(turn.text, turn.pending.get("terms", {}).get("items", []), _shown(turn))
    if match := PAYMENT_ID.search(turn.text):
        return [("verify_payment_status", {"payment_id": match.group(1).upper()})]
    if "status" in text and (last := turn.last_action("payment_status")):
        return [("verify_payment_status", {"payment_id": last["payment_id"]})]
    if (talk := plan_cart(turn.text, turn.memory, lines_of(turn.brief), owner=True)) is not None:
        return talk.calls
    if PAY.search(text) and not ABOUT_PAYING.search(text) and not COMPLAINT.search(text):
        return [("process_payment", {"order_id": extract.order_id(turn.text)})]
    if asks_cart(turn.text):
        return [("view_cart", {})]
    return []


def render(turn: Turn, results: list[dict[str, Any]]) -> str:
    """Ask for confirmation, or report the status."""
    if message := first_error(results):
        return f"Sorry, {message}."
    if not results and turn.pending is None and (which := unclear(
            turn.text, turn.memory, Reference(), lines_of(turn.brief), owner=True)) is not None:
        return question(turn.gettext, which)
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
    if kind == "product_list":  # a product named: which one?
        return question(turn.gettext, result.get("products", []))
    if kind == "cart":
        return cart_reply(turn.gettext, result)
    if turn.pending is not None:
        if CHANGE.search(turn.text):
            return ("I could not tell which product you mean: say its name as the terms show it, "
                    "or its SKU (like ACC-00004), and I will show the new total. Nothing has been "
                    "charged.")
        return ("Nothing has been charged: I go ahead only on a clear yes, and the total below "
                "is the shop's final price.")
    if COMPLAINT.search(turn.text):
        return ("Sorry about that! Tell me the payment number (it looks like PAY-1A2B3C4D5E6F) "
                "and I will check it, or ask for a human and a colleague will look into it.")
    if ABOUT_PAYING.search(turn.text):
        return ("I take payment with the card saved on your account, for your cart or an unpaid "
                "order. Say \"pay for my cart\" when you are ready; nothing is charged until you "
                "say yes.")
    return "What would you like to pay for? I can take payment for your cart or an unpaid order."


AGENT = Agent("payment", PAYMENT_PROMPT,
              (process_payment, verify_payment_status, view_cart, add_to_cart, remove_from_cart,
               set_cart_quantity, empty_cart, get_product_details, recommend_products), plan,
              render,
              brief=("customer", "cart"), offline_brief=("cart",))
