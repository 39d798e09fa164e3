"""Post-purchase agent: returns with refunds the customer confirms, and warranty checks."""

from __future__ import annotations

import re
from typing import Any

from graph import extract
from graph.agents.base import Agent, Call, Offline, Turn, first_error, usd
from tools.returns import RETURN_WINDOW, check_warranty, initiate_return

POST_PURCHASE_PROMPT = """You handle returns, refunds and warranty. initiate_return prepares a
return and the refund the server computes; the customer then confirms it. check_warranty says
whether an order's items are still covered. Complaints and reviews: thank the customer, and offer
a return or a colleague."""


ABOUT_RETURNS = re.compile(r"\b(polic\w*|rules?|how (do|does|can|long)|what('?s| is| are)|"
                           r"(can|could|may) i|do you (accept|take|allow|do))\b", re.IGNORECASE)


def _order(turn: Turn, statuses: tuple[str, ...]) -> str | None:
    named = extract.order_id(turn.text)
    if named:
        return named
    return next((o["order_id"] for o in turn.brief.get("orders", []) if o["status"] in statuses),
                None)


SOME_OF = re.compile(r"\b(\d{1,3}|one|two|three)\s+of\b")
NUMBERS = {"one": 1, "two": 2, "three": 3}


def _some_of(text: str) -> int | None:
    """How many of an item: "return 1 of the 2", "one of them"; None for all of them."""
    match = SOME_OF.search(text)
    return None if match is None else NUMBERS.get(match.group(1)) or int(match.group(1))


def plan(turn: Turn) -> list[Call]:
    """Check a warranty or start a return on the named or latest delivered order."""
    text = turn.text.lower()
    order_id = _order(turn, ("delivered",))
    if order_id is None:
        return []
    sku = extract.sku(turn.text)
    if re.search(r"warrant|guarantee|covered", text):
        return [("check_warranty", {"order_id": order_id, "sku": sku})]
    if ABOUT_RETURNS.search(text) and not extract.order_id(turn.text):
        return []  # a question about returns in general prepares nothing
    if re.search(r"return|refund|send (it )?back|broken|defective|faulty|damaged|exchange", text):
        return [("initiate_return", {
            "order_id": order_id, "sku": sku, "quantity": _some_of(text),
            "reason": turn.text[:300], "store_credit": "store credit" in text})]
    return []


def render(turn: Turn, results: list[dict[str, Any]]) -> str:
    """Ask to confirm the refund, or report the warranty."""
    if message := first_error(results):
        return f"Sorry, {message}."
    result = results[0] if results else {}
    if result.get("type") == "return":
        if result.get("status") == "awaiting_confirmation":
            items = ", ".join(f"{i['quantity']} x {i['name']}" for i in result["items"])
            to = "your card" if result["refund_method"] == "card" else "store credit"
            return (f"I can return {items} from order {result['order_id']} for a refund of "
                    f"{usd(result['refund'])} {result['currency']} to {to}, paid when we "
                    "receive the items. Shall I go ahead? Reply yes or no.")
        return f"Return {result.get('return_id', '')} is {result['status']}."
    if result.get("type") == "warranty":
        lines = [f"{i['name']}: {'covered until ' + i['expires'] if i['active'] else 'expired'}"
                 for i in result["items"]]
        return f"Warranty for {result['order_id']}: " + "; ".join(lines) + "."
    if ABOUT_RETURNS.search(turn.text) and not results:
        return (f"You can return a delivered item within {RETURN_WINDOW.days} days of delivery "
                "for a refund to your card. Tell me the order (e.g. ORD-1001) and what is wrong, "
                "and I will prepare the return for you to confirm.")
    if re.search(r"complain|review|feedback|terrible|awful|love", turn.text, re.IGNORECASE):
        return ("Thank you for telling us. I have noted it; if something is wrong with an item, "
                "I can start a return or get a colleague to call you.")
    return "Which order is it about? Order numbers look like ORD-1001."


AGENT = Agent("post_purchase", POST_PURCHASE_PROMPT, (initiate_return, check_warranty), plan,
              render, brief=("customer", Offline("orders")))
