"""Build the sales graph (uncompiled): supervisor, ten agents, two-request node, confirmation."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Sequence

from langgraph.graph import END, START, StateGraph

from graph import language
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
from graph.budget import Meter
from graph.classifier import RouteClassifier, build_classifier
from graph.confirmation import make_confirm_node
from graph.context import Context
from graph.llm import NamedModel
from graph.multi import make_multi_node
from graph.prompts import PromptSet
from graph.routes import ROUTES
from graph.state import State
from graph.supervisor import MULTI_NODE, Router, make_supervisor
from tools.context import Services

AGENTS: dict[str, Agent] = {module.AGENT.name: module.AGENT for module in (
    recommendation, inventory, payment, fulfillment, loyalty, post_purchase, proactive_call,
    pos_adapter, handoff, general)}


@functools.cache
def trained_classifier() -> RouteClassifier:
    """The route classifier, trained once per process: it is the same every time, and read-only."""
    return build_classifier()


def build_graph(services: Services, models: Sequence[NamedModel] = (),
                router: Router | None = None, prompts: PromptSet | None = None
                ) -> StateGraph[State, Context, State, State]:
    """The uncompiled graph; compile it with the checkpointer the caller needs.

    `prompts` replaces the prompts the models read (a replay's changed set); None keeps the
    product's. The offline paths read no prompt and are the same either way.
    """
    router = router or Router(trained_classifier(), models)
    agents = AGENTS
    if prompts is not None:
        router = dataclasses.replace(router, prompt=prompts.router)
        agents = {name: dataclasses.replace(agent, prompt=prompts.agents.get(name, agent.prompt))
                  for name, agent in AGENTS.items()}
    system = (prompts or PromptSet()).system
    language.ready()  # about a second, once per process: at start, not in the first turn
    meter = Meter(services.store)  # the agents' token use, written together when they end together

    graph = StateGraph(State, context_schema=Context)
    graph.add_node("supervisor", make_supervisor(router),
                   destinations=(*ROUTES, MULTI_NODE, END))
    nodes = {route: make_agent_node(agents[route], services, models, meter, system)
             for route in ROUTES}
    for route, node in nodes.items():
        # An agent ends the turn, or hands it to `confirm` to wait for a yes.
        graph.add_node(route, node, destinations=("confirm", END))  # type: ignore[call-overload]
    graph.add_node(MULTI_NODE, make_multi_node(nodes, services),  # type: ignore[call-overload]
                   destinations=("confirm", END))
    # `confirm` carries out or drops the terms, or hands a non-yes back to the agent.
    graph.add_node("confirm", make_confirm_node(services),
                   destinations=("confirm", END, *ROUTES))
    graph.add_edge(START, "supervisor")
    return graph
