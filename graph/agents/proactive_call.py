"""Proactive-call agent: calls at the time the customer names, and do-not-call when they ask."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from langchain_core.messages import ToolMessage

from graph.agents.base import Agent, Call, Turn, first_error, parse_result
from graph.agents.speech import gettext_of, language_of
from tools.call_prefs import stop_calls
from tools.call_time import moved, parse_words, say, zone
from tools.calls import initiate_call

PROACTIVE_CALL_PROMPT = """You schedule phone calls: a call-back the customer asks for, a call
about their abandoned cart, or about a promotion. Call initiate_call with the purpose and `when`
as the customer said it ("in an hour", "tomorrow at 10") or as an ISO date and time: the server
reads it in the customer's time zone. When the customer asks not to be called, call stop_calls:
never book a call then. Say the time back in words, never as a timestamp."""

STOP = re.compile(
    r"\b(stop (calling|ringing|phoning)|(do not|don'?t|never) (call|ring|phone)|no more calls|"
    r"remove me from .*call|unsubscribe|opt[- ]?out|"
    r"(deja|dejen|deje) de llamar\w*|no me llam\w+|"
    r"(arr[eê]te[rz]?|cessez) de m'?appeler|ne m'?appele[rz]? plus|"
    r"(nicht|nie) mehr an(zu)?rufen|h[oö]r(en sie|t)? auf,? mich anzurufen|keine anrufe|"
    r"call (mat|na) kar\w*|phone (mat|na) kar\w*)", re.IGNORECASE)
CALL = re.compile(
    r"\b(call|ring|phone|callback|call-back|contact|ll[aá]m\w*|appel\w*|rappel\w*|"
    r"ruf\w*|anruf\w*|zurückrufen)\b|कॉल|फोन", re.IGNORECASE)


def plan(turn: Turn) -> list[Call]:
    """Stop calls when asked; else schedule a call for the purpose and time the customer names."""
    text = turn.text
    if STOP.search(text):
        return [("stop_calls", {})]
    if (move := _moved_call(turn)) is not None:
        return [move]
    if not CALL.search(text):
        return []  # no call is booked unless the customer asks for one
    purpose = "callback"
    if re.search(r"\bcart\b|checkout|carrito|panier|warenkorb", text, re.IGNORECASE):
        purpose = "abandoned_cart"
    elif re.search(r"promo|offer|deal|sale|oferta|offre|angebot", text, re.IGNORECASE):
        purpose = "promotion"
    # The customer's words go to the tool, which reads them in the customer's time zone; with
    # no time in them, the call is for now.
    said = parse_words(text, turn.now, zone(None)) is not None
    return [("initiate_call", {"purpose": purpose, "when": text[:300] if said else None})]


def _moved_call(turn: Turn) -> Call | None:
    """A new time for the call booked in this conversation ("actually make it 11 instead").

    The call keeps its purpose and moves: the earlier time is cancelled by the tool.
    """
    booked = next((result for message in reversed(turn.history)
                   if isinstance(message, ToolMessage)
                   and (result := parse_result(message)).get("type") == "call_scheduled"
                   and result.get("status") != "failed"), None)
    if booked is None:
        return None
    tz = zone(booked.get("timezone"))
    at = moved(turn.text, datetime.fromisoformat(booked["scheduled_for"]), turn.now, tz)
    if at is None:
        return None
    return ("initiate_call", {"purpose": booked["purpose"], "when": at.isoformat(),
                              "replaces": booked["call_id"]})


def _when(result: dict[str, Any], now: datetime, language: str, _: Callable[[str], str]) -> str:
    """The call time in words, where the customer lives."""
    at = datetime.fromisoformat(result["scheduled_for"])
    if at <= now:
        return _("shortly")
    return say(at, now, zone(result.get("timezone")), language)


def render(turn: Turn, results: list[dict[str, Any]]) -> str:
    """Say when the call will come, or that we will not call again."""
    _ = gettext_of(turn)
    ask_when = _('When would you like us to call? For example "in an hour" or "tomorrow at 10".')
    result = results[0] if results else {}
    if result.get("type") == "do_not_call":
        cancelled = int(result.get("cancelled_calls", 0))
        dropped = (_("I've cancelled the calls we had planned ({count}).").format(count=cancelled)
                   if cancelled else "")
        return " ".join(filter(None, [
            _("Understood, and sorry for the bother: we won't call you again."), dropped,
            _("If you ever want a call back, just ask here.")]))
    if message := first_error(results):
        if "say when to call" in message:
            return ask_when
        return _("Sorry, {problem}.").format(problem=message)
    if result.get("type") == "call_scheduled":
        if result["status"] == "failed":
            return _("Sorry, I couldn't book the call just now. Please try again in a few "
                     "minutes (reference {id}).").format(id=result["call_id"])
        when = _when(result, turn.now, language_of(turn), _)
        if result["purpose"] == "abandoned_cart":
            booked = _("Done: we'll call you {when} about your cart.")
        elif result["purpose"] == "promotion":
            booked = _("Done: we'll call you {when} about our offers.")
        else:
            booked = _("Done: we'll call you {when}.")
        return " ".join([booked.format(when=when),
                         _("If that time stops suiting you, just tell me another.")])
    return ask_when

AGENT = Agent("proactive_call", PROACTIVE_CALL_PROMPT, (initiate_call, stop_calls), plan, render,
              brief=("customer", "cart"))
