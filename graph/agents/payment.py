"""Payment agent: prepares a payment for the cart or an order; the customer confirms it."""

from __future__ import annotations

import re
from typing import Any

from graph import extract, reference_words
from graph.agents.after_sale_replies import policy_text
from graph.agents.base import Agent, Call, Offline, Turn, first_error
from graph.cart_talk import asks_cart, lines_of, plan_cart, unclear
from graph.changes import plan_change as change_plan
from graph.i18n import Gettext
from graph.policy_talk import asks_policy, follows_policy, policy_question
from graph.problems import problem
from graph.reference_replies import question
from graph.references import Reference, shown
from graph.route_context import cues
from graph.wording import card_words, cart_text, items_text, money
from tools.cart import add_to_cart, empty_cart, remove_from_cart, set_cart_quantity, view_cart
from tools.cart_names import add_named_to_cart
from tools.catalog import get_product_details, recommend_products
from tools.handoff import open_handoff_ticket
from tools.payments import process_payment, verify_payment_status
from tools.policy import search_policy

PAYMENT_PROMPT = """You take payments. Call process_payment for the cart (or a named order); it
returns the items and the server's total, and the customer is then asked to confirm. You never
state or accept a price yourself and never charge anything: the confirmation step does that.
Use verify_payment_status for questions about a payment, view_cart to show the cart, and
add_to_cart, remove_from_cart, set_cart_quantity and empty_cart to change it ("it", "the
cheaper one" are the memory's product in focus or item of the last list). Prepare a payment
only when the customer asks to pay, never for a question about paying or a complaint. A
question about how one can pay is answered from search_policy; a complaint about a charge gets
an apology and a ticket (open_handoff_ticket) for a colleague who can put it right."""

PAYMENT_ID = re.compile(r"\b(PAY-[A-Z0-9]+)\b", re.IGNORECASE)


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


def _asks_to_pay(turn: Turn) -> bool:
    """Whether the words ask to pay: `graph/cues/pay.<lang>.txt` ("pagar", "payment karna hai").

    The caller tells it from asking about paying ("what payment methods?") or complaining.
    """
    return cues("pay", turn.language).search(turn.text) is not None


def plan(turn: Turn) -> list[Call]:
    """Change pending terms or the cart, report a status, or prepare a payment if asked."""
    text = turn.text.lower()
    if turn.pending is not None:  # the customer answered the terms with something not a yes
        return change_plan(turn.text, turn.pending.get("terms", {}).get("items", []), _shown(turn))
    if match := PAYMENT_ID.search(turn.text):
        return [("verify_payment_status", {"payment_id": match.group(1).upper()})]
    if "status" in text and (last := turn.last_action("payment_status")):
        return [("verify_payment_status", {"payment_id": last["payment_id"]})]
    if COMPLAINT.search(text):  # a wrong charge needs a person who can see the bank's side
        return [("open_handoff_ticket", {"reason": f"payment complaint: {turn.text[:400]}"})]
    if asks_policy(turn.text, turn.language) or follows_policy(
            turn.text, turn.language, turn.memory):  # "can I pay cash?" pays nothing
        return [("search_policy", {"question": policy_question(turn.text, turn.memory),
                                   "language": turn.language})]
    if (talk := plan_cart(turn.text, turn.memory, lines_of(turn.brief), owner=True)) is not None:
        # "Add the stand and check out": the cart changes first, then the payment of the new cart.
        pays = talk.calls and _asks_to_pay(turn) and not COMPLAINT.search(text)
        return [*talk.calls, ("process_payment", {})] if pays else talk.calls
    if _asks_to_pay(turn) and not ABOUT_PAYING.search(text) and not COMPLAINT.search(text):
        return [("process_payment", {"order_id": extract.order_id(turn.text)})]
    if asks_cart(turn.text) or reference_words.said(turn.text, "total"):
        return [("view_cart", {})]  # "what's my total now?" is answered from the cart
    return []


def _how(result: dict[str, Any], _: Gettext, lang: str) -> str:
    """Where the money comes from, in plain words."""
    card = card_words(result.get("card"), _)
    credit = float(result.get("store_credit") or 0)
    if not credit:
        return _("charged to {card}").format(card=card)
    if not float(result.get("card_charge") or 0):
        return _("paid with {credit} of your store credit").format(
            credit=money(credit, lang))
    return _("{credit} from your store credit and {rest} charged to {card}").format(
        credit=money(credit, lang), rest=money(result["card_charge"], lang),
        card=card)


def render(turn: Turn, results: list[dict[str, Any]]) -> str:
    """Ask for confirmation, or report the status, and say what comes next."""
    _, lang, text = turn.gettext, turn.language, turn.text
    if message := first_error(results):
        return _("Sorry, {problem}. Nothing has been charged.").format(problem=problem(message, _))
    if not results and turn.pending is None and (which := unclear(
            turn.text, turn.memory, Reference(), lines_of(turn.brief), owner=True)) is not None:
        return question(turn.gettext, which)
    result = results[-1] if results else {}
    kind = result.get("type")
    if kind == "payment_confirmation":
        return _("Ready to pay for {items}: {total}, {how}. Shall I go ahead, yes or no?"
                 ).format(items=items_text(result["items"], lang),
                          total=money(result["total"], lang, result["currency"]),
                          how=_how(result, _, lang))
    if kind == "payment_status":
        total = money(result["total"], lang, result.get("currency", "USD"))
        if result["status"] == "paid":
            return _("Your payment of {total} went through: your order is {order}. Anything "
                     "else I can help with?").format(total=total, order=result.get("order_id"))
        if result["status"] == "pending":
            return _("Your payment of {total} is going through; I'll confirm it in a moment."
                     ).format(total=total)
        if result["status"] == "cancelled":
            return _("Your payment of {total} was cancelled: nothing was charged. Anything else "
                     "I can help with?").format(total=total)
        return _("Sorry, your payment of {total} did not go through: nothing was charged. Would "
                 "you like to try again?").format(total=total)
    if kind == "handoff_ticket":
        return _("I'm really sorry about this. I've passed it to a colleague (ticket "
                 "{ticket}), who will put it right.").format(ticket=result["ticket_id"])
    if kind == "policy":
        return policy_text(turn, result, _("Is there anything else I can check for you?"))
    if kind == "product_list":  # a product named: which one?
        return question(_, result.get("products", []))
    if kind == "cart":
        return cart_text(result, _, lang)
    if turn.pending is not None:
        if CHANGE.search(text):
            return _("I could not tell which product you mean: say its name as the terms show "
                     "it, and I will show the new total. Nothing has been charged.")
        return _("Nothing has been charged: I go ahead only on a clear yes, and the total below "
                 "is the shop's final price.")
    if COMPLAINT.search(text):
        return _("I'm sorry about that! Tell me the payment number (it looks like "
                 "PAY-1A2B3C4D5E6F) and I will check it, or ask for a human and a colleague will "
                 "look into it.")
    if ABOUT_PAYING.search(text):
        return _("I take payment with the card saved on your account, and your store credit is "
                 "used first, for your cart or an unpaid order. Say \"pay for my cart\" when you "
                 "are ready; nothing is charged until you say yes.")
    return _("What would you like to pay for? I can take payment for your cart or an unpaid "
             "order.")


AGENT = Agent("payment", PAYMENT_PROMPT,
              (process_payment, verify_payment_status, view_cart, add_to_cart,
               add_named_to_cart, remove_from_cart, set_cart_quantity, empty_cart,
               get_product_details, recommend_products, search_policy, open_handoff_ticket), plan,
              render,
              brief=("customer", Offline("cart")))
