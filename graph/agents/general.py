"""General agent: greetings, account help, store information and anything else."""

from __future__ import annotations

import re
from typing import Any

from graph.agents.base import Agent, Call, Offline, Turn
from graph.confirmation import is_bare_answer
from graph.route_context import cues
from tools.catalog_data import STORES

GENERAL_PROMPT = """You handle greetings, account questions and store information. Stores: """ + (
    "; ".join(f"{s['name']} ({s['city']})" for s in STORES)
) + """, open 9:00-20:00 Monday to Saturday. Account changes are made in the account settings
page or by a colleague. Say briefly what you can help with: products, stock, payments, orders,
points, returns, calls."""


def plan(turn: Turn) -> list[Call]:
    """No tools: general questions are answered from what the shop publishes."""
    return []


def render(turn: Turn, results: list[dict[str, Any]]) -> str:
    """A short answer for greetings, account and store questions."""
    text = turn.text.lower()
    name = turn.brief.get("name", "there")
    if re.search(r"hour|open|close|location|address|where are you|store", text):
        stores = "; ".join(f"{s['name']} in {s['city']}" for s in STORES)
        return f"Our stores: {stores}. Open 9:00-20:00, Monday to Saturday."
    if re.search(r"account|password|log ?in|sign ?up|register|profile|email", text):
        return ("You can manage your account (password, details, sign-up) in the account "
                "settings page; if something does not work, ask for a human and a colleague "
                "will help.")
    if text.startswith("confirm_"):  # a button of terms that expired or were replaced
        return "That button belongs to a request that is no longer open: nothing was done."
    if is_bare_answer(text):
        return "There is nothing waiting for your answer right now. What can I do for you?"
    _ = turn.gettext
    if cues("closing", turn.language).search(text):  # "merci, au revoir", "danke"
        return _("You are welcome! Anything else I can do?")
    return _("Hi {name}! I can recommend products, check stock, take payments, track orders, "
             "show your points and offers, handle returns and warranty, or arrange a call."
             ).format(name=name)


AGENT = Agent("general", GENERAL_PROMPT, (), plan, render, brief=(Offline("customer"),))
