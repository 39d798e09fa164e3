"""What a turn did, as a replay compares it: its route, its actions, the money it moved."""

from __future__ import annotations

from typing import Any

from tools.analytics_span import SHOWN_TYPES, STEPS
from tools.store import Doc

# The keys that say what an action was about; ids made afresh each time (a payment's, a
# confirmation's, a ticket's) are left out, so that the same deed compares equal.
ABOUT = ("sku", "added", "order_id", "status", "kind", "return_id", "reason")
FUNNEL = tuple(step for step, _ in STEPS)


def action_of(action: dict[str, Any]) -> str:
    """One action in a few words: its type and what it was about."""
    parts = [str(action.get("type", "?"))]
    # A payment's order is numbered afresh in each version: its number says nothing.
    about = ABOUT[:2] + ABOUT[3:] if parts[0].startswith("payment_") else ABOUT
    parts += [f"{key}={action[key]}" for key in about if action.get(key) not in (None, "")]
    if action.get("type") == "product_list":  # which products were shown, in their order
        shown = action.get("products") or []
        parts.append("skus=" + ",".join(str(i.get("sku")) for i in shown))
    return " ".join(parts)


def money_of(actions: list[dict[str, Any]]) -> int:
    """Cents charged in a turn: the payments its actions report paid."""
    return sum(round(float(a.get("total") or 0) * 100) for a in actions
               if a.get("type") == "payment_status" and a.get("status") == "paid")


def turn_of(doc: Doc | None) -> dict[str, Any]:
    """An archived turn (the original's or the replay's) as the report shows it."""
    if doc is None:
        return {"route": None, "routed_by": None, "confidence": None, "agent": None,
                "answered_by": None, "actions": [], "money_cents": 0, "reply": ""}
    actions = list(doc.get("actions") or [])
    return {"route": doc.get("route"), "routed_by": doc.get("routed_by"),
            "confidence": doc.get("confidence"), "agent": doc.get("agent"),
            "answered_by": doc.get("answered_by"),
            "actions": [action_of(a) for a in actions], "money_cents": money_of(actions),
            "reply": doc.get("reply", "")}


def differences(original: dict[str, Any], replayed: dict[str, Any]) -> list[str]:
    """What differs between two versions of one turn: route, actions, money."""
    out = []
    if original["route"] != replayed["route"]:
        out.append("route")
    if sorted(original["actions"]) != sorted(replayed["actions"]):
        out.append("actions")
    if original["money_cents"] != replayed["money_cents"]:
        out.append("money")
    return out


def funnel_of(turns: list[dict[str, Any]]) -> dict[str, bool]:
    """The funnel steps one version of a conversation reached."""
    kinds = {a.split(" ", 1)[0] for t in turns for a in t["actions"]}
    added = any(a.startswith("cart ") and "added=" in a for t in turns for a in t["actions"])
    return {"sessions": bool(turns), "product_shown": bool(kinds & set(SHOWN_TYPES)),
            "added_to_cart": added, "confirmation_asked": "payment_confirmation" in kinds,
            "paid": any(t["money_cents"] for t in turns)}
