"""The graph's state: the capped conversation, the route taken and what awaits confirmation."""

from __future__ import annotations

from typing import Annotated, Any, NotRequired, TypedDict

from langchain_core.messages import AnyMessage
from langgraph.graph.message import Messages, add_messages

from graph.memory import Memory, merge
from graph.routes import Route
from graph.trim import keep_last


def add_capped(left: Messages, right: Messages) -> list[AnyMessage]:
    """`add_messages`, then the newest five (`graph.trim.keep_last`).

    The cap lives in the reducer so that every update, and so every checkpoint, holds at most
    five messages, with no graph step of its own to apply it.
    """
    return keep_last(add_messages(left, right))  # type: ignore[arg-type]


class Pending(TypedDict):
    """A money or points move that waits for the customer's yes in this session."""

    confirmation_id: str
    kind: str
    agent: Route
    summary: str
    expires_at: str
    # The server's terms as the preparing tool returned them (items, total, card), which the
    # agent reads when the customer answers with a change or a question.
    terms: NotRequired[dict[str, Any]]
    # On voice: the caller said yes and the PIN is now asked for.
    pin_asked: NotRequired[bool]


class Conversation(TypedDict):
    """The messages of a session, capped at the newest five."""

    messages: Annotated[list[AnyMessage], add_capped]


class State(Conversation, total=False):
    """One session. Who the customer is lives in the run-time context, not here."""

    # Beside the capped messages: what the conversation refers back to (`graph.memory`).
    memory: Annotated[Memory, merge]
    route: Route
    routed_by: str
    pending: Pending | None
    actions: list[dict[str, Any]]
    answered_by: str
