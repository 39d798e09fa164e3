"""Handoff: opens a ticket for a human colleague and says how they will be in touch."""

from __future__ import annotations

from typing import Any

from graph.agents.base import Agent, Call, Turn, first_error
from tools.handoff import open_handoff_ticket

HANDOFF_PROMPT = """The customer wants a human. Call open_handoff_ticket with a one-line reason and
tell the customer how and when they will be contacted."""


def plan(turn: Turn) -> list[Call]:
    """Always open (or reuse) the session's ticket."""
    return [("open_handoff_ticket", {"reason": turn.text[:500] or "customer asked for a human"})]


def render(turn: Turn, results: list[dict[str, Any]]) -> str:
    """Say who will contact the customer and how."""
    if message := first_error(results):
        return f"Sorry, {message}."
    result = results[0] if results else {}
    return (f"I have asked a colleague to help (ticket {result.get('ticket_id')}). "
            f"{result.get('contact', 'They will contact you soon.')}")


AGENT = Agent("handoff", HANDOFF_PROMPT, (open_handoff_ticket,), plan, render,
              brief=("customer", "orders"))
