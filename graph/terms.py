"""After an agent has read the customer's answer to pending terms: keep, renew or drop them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from graph.i18n import gettext_for
from graph.problems import problem
from graph.routes import Route
from graph.state import Pending
from tools import confirm as confirmations
from tools.context import ToolContext
from tools.pending import confirmation_status

Prepare = Callable[[], Awaitable[dict[str, Any]]]


def confirmation_of(results: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The newest tool result that waits for the customer's yes, if any."""
    return next((r for r in reversed(results)
                 if r.get("confirmation_id") and r.get("type") != "error"), None)


def pending_of(agent: Route, result: dict[str, Any] | None, summary: str) -> Pending | None:
    """The terms a tool prepared, as the state keeps them while the customer answers."""
    if result is None:
        return None
    return Pending(confirmation_id=result["confirmation_id"], kind=result["type"],
                   agent=agent, summary=summary, expires_at=str(result.get("expires_at", "")),
                   terms=result)


def terms_note(pending: Pending) -> str:
    """What a model is told about terms that wait for the customer's yes."""
    return ("\n\nThe customer has NOT confirmed these terms yet (the server asks them, and only "
            f"their clear yes carries them out): {pending['summary']} Their new message is not "
            "a yes. Answer a question from the terms; for a change, change the cart "
            "(remove_from_cart, set_cart_quantity, add_to_cart) and prepare the payment again; "
            "never say that anything was paid.")


async def follow_up(ctx: ToolContext, old: Pending, new: dict[str, Any] | None,
                    results: list[dict[str, Any]], prepare: Prepare | None,
                    language: str = "en") -> tuple[dict[str, Any] | None, Pending | None, str]:
    """New terms, the old terms kept, or neither with a note saying why.

    The old terms never survive a change: a changed cart has already cancelled its payment
    (`tools.cart`), and the server then prepares the new terms itself if the agent did not, so
    that the customer is never asked to confirm terms that no longer match what they buy.

    Args:
        ctx: The customer's session.
        old: The terms the customer answered.
        new: New terms the agent prepared this turn, if any.
        results: The turn's tool results; a payment the server prepares is added to them.
        prepare: Prepares a payment of the cart, when the agent can.
        language: The customer's language, for the note.
    """
    _ = gettext_for(language)
    status = await confirmation_status(ctx, old["confirmation_id"])
    for_cart = old["kind"] == "payment_confirmation" and not old.get("terms", {}).get("order_id")
    if new is None and status == "cancelled" and for_cart and prepare is not None:
        result = await prepare()
        results.append(result)
        if result.get("type") == "error":
            return None, None, _("The earlier terms were dropped ({problem}): nothing was "
                                 "charged.").format(problem=problem(result["message"], _))
        new = result
    if new is not None:
        if status == "pending" and new["confirmation_id"] != old["confirmation_id"]:
            await confirmations.decline(ctx, old["confirmation_id"])  # superseded
        return new, None, ""
    if status == "pending":
        return None, old, ""
    return None, None, _("The earlier request is no longer open: nothing was charged.")
