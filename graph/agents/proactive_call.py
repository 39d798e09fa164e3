"""Proactive-call agent: schedules outbound calls through the voice provider."""

from __future__ import annotations

import re
from typing import Any

from graph import extract
from graph.agents.base import Agent, Call, Turn, first_error
from tools.calls import initiate_call

PROACTIVE_CALL_PROMPT = """You schedule phone calls: a call-back the customer asks for, a call
about their abandoned cart, or about a promotion. Call initiate_call with the purpose and, when
given, an ISO date and time. The phone number is the customer's own on file."""


def plan(turn: Turn) -> list[Call]:
    """Schedule a call for the purpose and time the customer names."""
    text = turn.text.lower()
    if not re.search(r"\b(call|ring|phone|callback|call-back|contact)\b", text):
        return []  # no call is booked unless the customer asks for one
    purpose = "callback"
    if re.search(r"\bcart\b|checkout", text):
        purpose = "abandoned_cart"
    elif re.search(r"promo|offer|deal|sale", text):
        purpose = "promotion"
    at = extract.when(turn.text, turn.now)
    return [("initiate_call", {"purpose": purpose, "when": at.isoformat() if at else None})]


def render(turn: Turn, results: list[dict[str, Any]]) -> str:
    """Confirm when the call will come."""
    if message := first_error(results):
        return f"Sorry, {message}."
    result = results[0] if results else {}
    if result.get("type") == "call_scheduled":
        if result["status"] == "failed":
            return ("Sorry, I could not book the call just now. Please try again in a few "
                    f"minutes (reference {result['call_id']}).")
        booked = "Done: we will call you" if result["status"] == "scheduled" else (
            "Noted: your call is queued, and we will call you")
        return (f"{booked} at {result['scheduled_for']} "
                f"({result['purpose'].replace('_', ' ')}). Reference {result['call_id']}.")
    return "When would you like us to call?"


AGENT = Agent("proactive_call", PROACTIVE_CALL_PROMPT, (initiate_call,), plan, render,
              brief=("customer", "cart"))
