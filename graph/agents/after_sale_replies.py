"""The post-purchase agent's offline replies: returns, warranty, complaints, the shop's rules."""

from __future__ import annotations

from typing import Any

from graph.agents.base import Turn, first_error, usd
from graph.agents.speech import counted, language_of, names
from tools.call_time import say_date
from tools.returns import RETURN_WINDOW

Result = dict[str, Any]


def _refund_to(result: Result) -> str:
    """The honest word for where the money goes."""
    return "to your card" if result.get("refund_method") == "card" else "as store credit"


def _return(result: Result) -> str:
    oid = result["order_id"]
    status = result.get("status")
    if status == "choose":
        options = names(result["candidates"])
        if result.get("found"):
            return f"Which one would you like to return from order {oid}: {options}?"
        return (f"I couldn't find that in order {oid}; it has {names(result['candidates'], 'and')}."
                " Which one would you like to return?")
    if status == "awaiting_confirmation":
        return (f"I can return {counted(result['items'])} from order {oid}: "
                f"{usd(result['refund'])} refunded {_refund_to(result)} once the items reach us. "
                "Shall I go ahead? Reply yes or no.")
    if status == "cancelled":
        return f"All right, nothing from order {oid} will be returned."
    return (f"Your return {result.get('return_id', '')} is {str(status).replace('_', ' ')}: "
            f"{usd(result.get('refund', 0))} refunded {_refund_to(result)} once the items reach "
            "us.")


def _warranty(result: Result, language: str) -> str:
    status = result.get("status")
    if status == "choose":
        return f"Which item is giving you trouble: {names(result['candidates'])}?"
    if status == "claim_open":
        return (f"I'm sorry your {result['name']} is giving you trouble. I've opened warranty "
                f"claim {result['claim_id']}: we'll email you a prepaid label, then repair or "
                "replace it free of charge. Anything else I can help with?")
    if status == "out_of_warranty":
        return (f"I'm sorry: the warranty on your {result['name']} ended on "
                f"{say_date(result['expires'], language)}. I can arrange a paid repair, or ask a "
                "colleague to look at it with you. Which would you prefer?")
    covered = [i for i in result.get("items", []) if i["active"]]
    lines = [f"your {i['name']} is covered until {say_date(i['expires'], language)}"
             if i["active"] else
             f"the warranty on your {i['name']} ended on {say_date(i['expires'], language)}"
             for i in result.get("items", [])]
    text = "Good news: " if covered else "I'm sorry: "
    next_step = (" If something is wrong with it, tell me what and I'll open a claim."
                 if covered else " I can arrange a paid repair if you'd like.")
    return text + "; ".join(lines) + "." + next_step


def policy_text(result: Result, next_step: str) -> str:
    """The sections found, as they are written, and one next step."""
    sections = [s["text"] for s in result.get("sections", [])]
    if not sections:
        return ("I don't have that written down. Would you like a colleague to answer it? "
                "Just say \"talk to a person\".")
    return " ".join(sections) + " " + next_step


def render(turn: Turn, results: list[Result]) -> str:
    """Apologise for a complaint, ask which item, confirm the refund, or report the warranty."""
    language = language_of(turn)
    parts: list[str] = []
    ticket = next((r for r in results if r.get("type") == "handoff_ticket"), None)
    if ticket is not None:
        parts.append(f"I'm really sorry about this. I've passed it to a colleague (ticket "
                     f"{ticket['ticket_id']}), who will put it right. {ticket.get('contact', '')}"
                     .strip())
    if message := first_error(results):
        return " ".join([*parts, f"Sorry, {message}."])
    result = next((r for r in results if r.get("type") != "handoff_ticket"), None)
    if result is None:
        if parts:
            return " ".join(parts)
        return ("Which order is it about, and which item? For example: \"return the mouse from "
                "ORD-1001\".")
    if result.get("type") == "return":
        parts.append(_return(result))
    elif result.get("type") == "warranty":
        parts.append(_warranty(result, language))
    elif result.get("type") == "policy":
        parts.append(policy_text(result, "Would you like me to start a return on one of your "
                                         "orders?"))
    else:
        parts.append(f"You can return a delivered item within {RETURN_WINDOW.days} days.")
    return " ".join(parts)
