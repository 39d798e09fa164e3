"""The routes a turn can take: one name for the node, the agent module and the route."""

from __future__ import annotations

from typing import Literal, get_args

Route = Literal[
    "recommendation",
    "inventory",
    "payment",
    "fulfillment",
    "loyalty",
    "post_purchase",
    "proactive_call",
    "pos_adapter",
    "handoff",
    "general",
]
ROUTES: tuple[Route, ...] = get_args(Route)
