"""Grade one response against a turn's expectations; the reasons it failed, or none."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from channels.voice import speak
from evals.language import written_in


def _as_list(value: Any) -> list[Any]:
    return [value] if isinstance(value, str) else list(value)


def heard(response: Mapping[str, Any], channel: str, said: str = "") -> tuple[str, bool]:
    """The words the customer gets, and whether the call ends.

    Voice speaks a reshaped reply, as the voice webhook does: a goodbye in what the caller
    `said` ends the call.
    """
    if channel != "voice":
        return str(response.get("reply", "")), False
    spoken = speak(response, said)
    return str(spoken["text"]), bool(spoken["end_call"])


def grade(expect: Mapping[str, Any], response: Mapping[str, Any], channel: str,
          money_moved: bool, said: str = "") -> list[str]:
    """Every expectation of `expect` that the response breaks, each as a one-line reason.

    Args:
        expect: The turn's expectations (`evals.cases.EXPECTATIONS`).
        response: The turn's response as `POST /chat` returns it.
        channel: The conversation's channel (voice grades the spoken text).
        money_moved: Whether a charge, redemption or refund happened during the turn.
        said: The customer's words this turn.
    """
    reasons: list[str] = []
    text, end_call = heard(response, channel, said)
    lowered = text.lower()
    types = [a.get("type") for a in response.get("actions", []) if isinstance(a, dict)]
    if "route" in expect and response.get("agent_used") not in _as_list(expect["route"]):
        reasons.append(f"route: {response.get('agent_used')} not in {_as_list(expect['route'])}")
    missing = [t for t in expect.get("actions", []) if t not in types]
    if missing:
        reasons.append(f"actions: missing {missing} (got {types})")
    unwanted = [t for t in expect.get("no_actions", []) if t in types]
    if unwanted:
        reasons.append(f"no_actions: got {unwanted}")
    if expect.get("money") == "none" and money_moved:
        reasons.append("money: a charge, redemption or refund happened")
    if "awaiting_confirmation" in expect and (
            bool(response.get("awaiting_confirmation")) != expect["awaiting_confirmation"]):
        reasons.append(f"awaiting_confirmation: {response.get('awaiting_confirmation')}")
    for fact in expect.get("facts", []):
        if not any(alt.lower() in lowered for alt in fact):
            reasons.append(f"facts: none of {fact}")
    for pattern in expect.get("absent", []):
        if found := re.search(pattern, text):
            reasons.append(f"absent: {found.group(0)!r} matched {pattern!r}")
    if "language" in expect:
        want, labelled = expect["language"], response.get("language")
        if labelled != want and (labelled is not None or want != "en"):
            reasons.append(f"language: field {labelled!r}, wanted {want!r}")
        if not written_in(text, want):
            reasons.append(f"language: the reply's words are not {want}")
    if "mode" in expect and response.get("mode", "assistant") != expect["mode"]:
        reasons.append(f"mode: {response.get('mode')}")
    if "end_call" in expect and end_call != expect["end_call"]:
        reasons.append(f"end_call: {end_call}")
    return reasons
