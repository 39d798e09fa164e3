"""A customer's cart as it was when the period began, from what the archive showed of it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING

from tools.store import Doc, Store
from tools.transcripts import COLLECTION

Lines = dict[str, int]  # SKU -> quantity


@dataclass(frozen=True)
class Seen:
    """The whole cart as one action showed it, and the SKU that action added, if it added one."""

    at: datetime
    items: Lines
    added: str | None = None


def seen_in(action: dict[str, Any]) -> Lines | None:
    """The whole cart an action shows: a cart tool's answer, or the terms of paying for the cart.

    The cart tools (view, add, remove, set a quantity, empty) all answer with the cart after
    them; payment terms for the cart list its lines (for an order they list the order's).
    """
    kind = action.get("type")
    if kind == "cart" or (kind == "payment_confirmation" and "order_id" not in action):
        return {str(line["sku"]): int(line.get("quantity", 1))
                for line in action.get("items") or [] if line.get("sku")}
    return None


async def _sightings(original: Store, customer: str, match: Doc, newest: bool) -> list[Seen]:
    """The customer's cart as their archived turns showed it (turns matching `match`)."""
    turns = original.db[COLLECTION].find(
        {"user_id": customer, "kind": "turn",
         "actions.type": {"$in": ["cart", "payment_confirmation"]}, **match},
        {"actions": 1, "at": 1}).sort("at", DESCENDING if newest else ASCENDING)
    if newest:
        turns = turns.limit(1)
    out = []
    async for turn in turns:
        for action in turn.get("actions") or []:
            if (items := seen_in(action)) is not None:
                added = action.get("added") if action.get("type") == "cart" else None
                out.append(Seen(turn["at"], items, str(added) if added else None))
    return out


async def _paid_lines(original: Store, customer: str, since: datetime
                      ) -> list[tuple[datetime, Lines]]:
    """The lines each cart payment paid since `since` took out of the cart (`tools.fulfil`).

    When it was paid (`settled_at`), not asked for: terms shown before a sight of the cart and
    paid after it took their lines out after it.
    """
    payments = original.payments.find({"status": "paid", "settled_at": {"$gte": since},
                                       "customer_id": customer, "source": "cart"})
    return [(p["settled_at"], {str(line["sku"]): int(line.get("quantity", 1))
                               for line in p.get("items") or []}) async for p in payments]


def from_the_period(seen: list[Seen], now: Lines, paid: list[Lines]) -> Lines:
    """Each line's quantity before the period, from the period's sightings, oldest first.

    A product's first sighting before the period's first add of it says how many the cart
    held; a product the period never added and no sighting showed was there as it is now, or
    as a paid payment took it out. A product first seen as the period added it was not there.
    """
    before: Lines = {}
    products = {*now, *(sku for s in seen for sku in s.items), *(sku for p in paid for sku in p)}
    for sku in products:
        added_at = next((i for i, s in enumerate(seen) if s.added == sku), len(seen))
        shown = next((s.items[sku] for s in seen[:added_at] if sku in s.items), None)
        if shown is not None:
            before[sku] = shown
        elif added_at == len(seen):
            held = now.get(sku) or max((p.get(sku, 0) for p in paid), default=0)
            if held:
                before[sku] = held
    return before


async def cart_before(original: Store, customer: str, start: datetime, now: Lines) -> Lines:
    """The customer's cart lines at `start`: the archive's last sight of it before, else rebuilt.

    Every change to a cart is a cart tool in an archived turn or a paid payment taking its
    lines out (`tools.fulfil`). So the cart last shown before the period, less what payments
    took out after that, is the cart at the start. Without such a sight, the cart of now is
    walked back through the period's sightings (`from_the_period`).

    Args:
        original: The live shop, whose archive is read.
        customer: Whose cart.
        start: The period's first instant.
        now: The cart's lines now.
    """
    last = await _sightings(original, customer, {"at": {"$lt": start}}, newest=True)
    if last:
        seen = last[-1]  # the turn's last action: the cart as that turn left it
        lines = dict(seen.items)
        for at, took in await _paid_lines(original, customer, seen.at):
            if at < start:
                for sku in took:
                    lines.pop(sku, None)
        return lines
    during = await _sightings(original, customer, {"at": {"$gte": start}}, newest=False)
    paid = [took for _, took in await _paid_lines(original, customer, start)]
    return from_the_period(during, now, paid)
