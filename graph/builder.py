"""Build the sales graph (uncompiled): supervisor, ten agents, confirmation, trim."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from langchain_core.messages import RemoveMessage
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import REMOVE_ALL_MESSAGES
from langgraph.types import Command

from graph.agents import (
    fulfillment,
    general,
    handoff,
    inventory,
    loyalty,
    payment,
    pos_adapter,
    post_purchase,
    proactive_call,
    recommendation,
)
from graph.agents.base import Agent, make_agent_node
from graph.classifier import build_classifier
from graph.confirmation import make_confirm_node
from graph.context import Context
from graph.llm import NamedModel
from graph.routes import ROUTES
from graph.state import State
from graph.supervisor import Router, make_supervisor
from graph.trim import keep_last
from tools.context import Services

AGENTS: dict[str, Agent] = {module.AGENT.name: module.AGENT for module in (
    recommendation, inventory, payment, fulfillment, loyalty, post_purchase, proactive_call,
    pos_adapter, handoff, general)}


async def finish(state: State) -> Command[Literal["confirm", "__end__"]]:
    """Cap the session at five messages, then wait for a confirmation if one is pending.

    Async, as every node: LangGraph runs a plain function node of an async run in a thread.
    """
    kept = keep_last(state["messages"])
    update: dict[str, Any] = {}
    if len(kept) != len(state["messages"]):
        update["messages"] = [RemoveMessage(id=REMOVE_ALL_MESSAGES), *kept]
    return Command(goto="confirm" if state.get("pending") else "__end__", update=update)


def build_graph(services: Services, models: Sequence[NamedModel] = (),
                router: Router | None = None) -> StateGraph[State, Context, State, State]:
    """The uncompiled graph; compile it with the checkpointer the caller needs."""
    router = router or Router(build_classifier(), models)

    graph = StateGraph(State, context_schema=Context)
    graph.add_node("supervisor", make_supervisor(router), destinations=ROUTES)
    for route in ROUTES:
        graph.add_node(route, make_agent_node(AGENTS[route], services, models))  # type: ignore[call-overload]
        graph.add_edge(route, "finish")
    graph.add_node("finish", finish, destinations=("confirm", END))
    graph.add_node("confirm", make_confirm_node(services), destinations=("finish",))
    graph.add_edge(START, "supervisor")
    return graph
