"""A model's reply states only what the server knows: no amount, id or money move of its own.

Money and identity live on the server. A model that obeys its prompt takes every price, total,
order and payment from the tools; one that does not (a confused model, an injected prompt) may
state another amount, name an order the tools never returned, or claim a refund that never
happened. Such a reply is not sent: the agent writes its own from the turn's tool results.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

# A number as the five locales write it: "1,264.99", "1.264,99", "1 264,99" (a space or a
# no-break space between thousands), "25".
_NUMBER = r"\d{1,3}(?:[.,\u00a0\u202f ]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?"
# An amount as a reply states it: "$1,264.99", "1.264,99 €", "25 dollars".
_AMOUNT = re.compile(
    rf"[$€£]\s?({_NUMBER})|({_NUMBER})\s?(?:[$€£]|usd|us\$|dollars?|euros?)", re.IGNORECASE)
# The shop's ids: an order, a payment, a return, a call, a ticket, a warranty claim.
_ID = re.compile(r"\b(?:ORD|PAY|RET|CALL|TKT|WCL|CNF)-[A-Z0-9]+\b", re.IGNORECASE)
# A money move claimed as done, in the five languages ("I've refunded you", "te he reembolsado").
_DONE = re.compile(
    r"\b(?:i(?:'ve| have)|we(?:'ve| have))\s+(?:just\s+)?(?:refunded|charged|credited|"
    r"reimbursed|paid)\b|\bhe\s+(?:reembolsado|cobrado)\b|\bj'ai\s+(?:rembours|débit|factur)\w*"
    r"|\bhabe\s+(?:ihnen\s+)?\w*\s*(?:erstattet|abgebucht)\b|\brefund\s+kar\s+diya\b",
    re.IGNORECASE)
# What a tool reports when money really moved this turn.
_MOVED = frozenset({"payment_status", "points", "return"})


def _value(number: str) -> float:
    """An amount as written in any of the five locales: "1,264.99", "1.264,99", "1 264"."""
    cents = re.search(r"[.,](\d{1,2})$", number)
    whole = number[:cents.start()] if cents else number
    value = float(re.sub(r"\D", "", whole) or 0)
    return round(value + (int(cents.group(1).ljust(2, "0")) / 100 if cents else 0), 2)


def _known_amounts(evidence: str) -> set[float]:
    """Every number the evidence holds, read as a locale writes it and as JSON writes it."""
    known: set[float] = set()
    for match in re.finditer(_NUMBER, evidence):
        token = match.group(0)
        known.add(_value(token))
    for match in re.finditer(r"\d+\.\d+", evidence):  # 25.0 or 1264.9, as JSON writes floats
        known.add(round(float(match.group(0)), 2))
    return known


def ungrounded(reply: str, results: Iterable[dict[str, Any]], *known: Any) -> str | None:
    """Why `reply` states something the server did not give it, or None when it does not.

    Args:
        reply: The model's reply to the customer.
        results: The turn's tool results.
        known: Whatever else the model was shown (the brief, the memory, the customer's words).
    """
    # A refusal ("order ORD-1003 not found") names what the customer may not have.
    results = [r for r in results if r.get("type") != "error"]
    evidence = json.dumps([results, *known], default=str, ensure_ascii=False)
    amounts = _known_amounts(evidence)
    for match in _AMOUNT.finditer(reply):
        number = match.group(1) or match.group(2)
        if _value(number) not in amounts:
            return f"an amount the tools did not give ({match.group(0)})"
    upper = evidence.upper()
    for match in _ID.finditer(reply):
        if match.group(0).upper() not in upper:
            return f"an id the tools did not give ({match.group(0)})"
    if _DONE.search(reply) and not any(r.get("type") in _MOVED for r in results):
        return "a money move the tools did not make"
    return None
