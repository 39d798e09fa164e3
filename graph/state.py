"""The graph's state: the capped conversation, the route taken and what awaits confirmation."""

from __future__ import annotations

from typing import Any, TypedDict

from langgraph.graph import MessagesState

from graph.routes import Route


class Pending(TypedDict):
    """A money or points move that waits for the customer's yes in this session."""

    confirmation_id: str
    kind: str
    agent: Route
    summary: str
    expires_at: str


class State(MessagesState, total=False):
    """One session. Who the customer is lives in the run-time context, not here."""

    route: Route
    routed_by: str
    pending: Pending | None
    actions: list[dict[str, Any]]
    answered_by: str
