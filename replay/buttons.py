"""A replayed Pay or Cancel tap answers the replay's own terms, not the original's."""

from __future__ import annotations

from typing import Any

from graph.confirmation import BUTTON


async def said_again(graph: Any, thread: str, text: str) -> str:
    """The customer's words to say again in `thread`, a button's payload pointed at the replay.

    A tap on Pay or Cancel (WhatsApp's buttons, the widget's) is archived as its payload,
    `confirm_yes:CNF-…` or `confirm_no:CNF-…`, naming the confirmation the original asked for;
    the copy never had it, so said as is the replay would refuse it as an expired button and
    report a money difference that is not one. The tap is said as the same answer to the
    confirmation the replay itself is waiting on in that session. With none waiting, it is said
    as it was: the replayed conversation asked for nothing, and that difference is real.

    Args:
        graph: The replay's compiled graph (its checkpointer holds the copy's sessions).
        thread: The session's key, the graph's thread.
        text: What the customer said in the original.
    """
    button = BUTTON.fullmatch(text.strip())
    if button is None or button.group(2) is None:  # words, or a tap that named nothing
        return text
    state = await graph.aget_state({"configurable": {"thread_id": thread}})
    pending = (state.values or {}).get("pending")
    if not pending:
        return text
    return f"confirm_{button.group(1)}:{pending['confirmation_id']}"
