"""Handoff: opens a ticket for a human colleague and says how they will be in touch."""

from __future__ import annotations

from typing import Any

from graph.agents.base import Agent, Call, Turn, first_error
from graph.i18n import N_
from graph.problems import problem
from graph.wording import apology
from tools.handoff import open_handoff_ticket

HANDOFF_PROMPT = """The customer wants a human. Call open_handoff_ticket with a one-line reason and
tell the customer how and when they will be contacted."""


def plan(turn: Turn) -> list[Call]:
    """Always open (or reuse) the session's ticket."""
    return [("open_handoff_ticket", {"reason": turn.text[:500] or "customer asked for a human"})]


_CONTACT = {
    "whatsapp": N_("A member of our team will reply on WhatsApp, in this chat, within business "
                   "hours (Monday to Friday, 9am to 5pm)."),
    "phone": N_("A member of our team will call you at the number ending {last4} within "
                "business hours (Monday to Friday, 9am to 5pm)."),
    "email": N_("A member of our team will email you at the address on your account within "
                "business hours (Monday to Friday, 9am to 5pm)."),
    "here": N_("A member of our team will answer you here, in this conversation, within "
               "business hours (Monday to Friday, 9am to 5pm)."),
}


def render(turn: Turn, results: list[dict[str, Any]]) -> str:
    """Say sorry for a complaint, who will contact the customer and how."""
    _ = turn.gettext
    if message := first_error(results):
        return _("Sorry, {problem}. You can also reach us by email or at any of our stores."
                 ).format(problem=problem(message, _))
    result = results[-1] if results else {}
    means = result.get("contact_by", "here")
    if means == "phone" and not result.get("phone_ending"):
        means = "here"
    contact = _(_CONTACT.get(means, _CONTACT["here"])).format(last4=result.get("phone_ending"))
    return (apology(turn.text, _) + _("I have asked a colleague to help (ticket {ticket}).")
            .format(ticket=result.get("ticket_id")) + " " + contact)


AGENT = Agent("handoff", HANDOFF_PROMPT, (open_handoff_ticket,), plan, render,
              brief=("customer", "orders"))
