"""The post-purchase agent's offline replies: returns, warranty, complaints, the shop's rules."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graph.agents.base import Turn, first_error, usd
from graph.agents.speech import counted, gettext_of, language_of, names
from graph.problems import problem
from tools.call_time import say_date

Result = dict[str, Any]
Gettext = Callable[[str], str]


def _refund_to(_: Gettext, result: Result) -> str:
    """The honest word for where the money goes."""
    return _("to your card") if result.get("refund_method") == "card" else _("as store credit")


def _return(_: Gettext, result: Result, language: str) -> str:
    oid = result["order_id"]
    status = result.get("status")
    if status == "choose":
        if result.get("found"):
            return _("Which one would you like to return from order {order}: {options}?").format(
                order=oid, options=names(result["candidates"], language))
        return _("I couldn't find that in order {order}; it has {items}. Which one would you "
                 "like to return?").format(
            order=oid, items=names(result["candidates"], language, "standard"))
    if status == "awaiting_confirmation":
        return _("I can return {items} from order {order}: {refund} refunded {to} once the items "
                 "reach us. Shall I go ahead? Reply yes or no.").format(
            items=counted(result["items"], language), order=oid, refund=usd(result["refund"]),
            to=_refund_to(_, result))
    if status == "cancelled":
        return _("All right, nothing from order {order} will be returned.").format(order=oid)
    return _("Your return {id} is open: {refund} refunded {to} once the items reach us.").format(
        id=result.get("return_id", ""), refund=usd(result.get("refund", 0)),
        to=_refund_to(_, result))


def _warranty(_: Gettext, result: Result, language: str) -> str:
    status = result.get("status")
    if status == "choose":
        return _("Which item is giving you trouble: {options}?").format(
            options=names(result["candidates"], language))
    if status == "claim_open":
        return _("I'm sorry your {item} is giving you trouble. I've opened warranty claim "
                 "{claim}: we'll email you a prepaid label, then repair or replace it free of "
                 "charge. Anything else I can help with?").format(
            item=result["name"], claim=result["claim_id"])
    if status == "out_of_warranty":
        return _("I'm sorry: the warranty on your {item} ended on {date}. I can arrange a paid "
                 "repair, or ask a colleague to look at it with you. Which would you prefer?"
                 ).format(item=result["name"], date=say_date(result["expires"], language))
    items = result.get("items", [])
    lines = [(_("the warranty on your {item} ended on {date}") if not i["active"] else
              _("your {item} has a {months}-month warranty and is covered until {date}")
              if i.get("months") else _("your {item} is covered until {date}")).format(
        item=i["name"], months=i.get("months"), date=say_date(i["expires"], language))
        for i in items]
    if any(i["active"] for i in items):
        return _("Good news: {lines}. If something is wrong with it, tell me what and I'll open "
                 "a claim.").format(lines="; ".join(lines))
    return _("I'm sorry: {lines}. I can arrange a paid repair if you'd like.").format(
        lines="; ".join(lines))


def policy_text(turn: Turn, result: Result, next_step: str) -> str:
    """The sections found, as the policy writes them in the customer's language, and a step."""
    sections = [s["text"] for s in result.get("sections", [])]
    if turn.brief.get("channel") == "voice":
        sections = sections[:1]  # said aloud: the one best section, kept short
    if not sections:
        return gettext_of(turn)("I don't have that written down. Would you like a colleague to "
                                "answer it? Just say \"talk to a person\".")
    return " ".join([*sections, next_step]).strip()


def render(turn: Turn, results: list[Result]) -> str:
    """Apologise for a complaint, ask which item, confirm the refund, or report the warranty."""
    _, language = gettext_of(turn), language_of(turn)
    parts: list[str] = []
    ticket = next((r for r in results if r.get("type") == "handoff_ticket"), None)
    if ticket is not None:
        parts.append(_("I'm really sorry about this. I've passed it to a colleague (ticket "
                       "{ticket}), who will put it right.").format(ticket=ticket["ticket_id"]))
        parts.append(str(ticket.get("contact", "")))
    if message := first_error(results):
        # A refusal the customer reads, in the customer's language (graph.problems).
        message = problem(message, _)
        return " ".join([*parts, _("Sorry, {problem}.").format(problem=message)]).strip()
    result = next((r for r in results if r.get("type") != "handoff_ticket"), None)
    if result is None:
        return " ".join(parts).strip() or _(
            "Which order is it about, and which item? For example: \"return the mouse from "
            "ORD-1001\".")
    if result.get("type") == "return":
        parts.append(_return(_, result, language))
    elif result.get("type") == "warranty":
        parts.append(_warranty(_, result, language))
    elif result.get("type") == "policy":
        parts.append(policy_text(turn, result, _(
            "Would you like me to start a return on one of your orders?")))
    return " ".join(p for p in parts if p)
