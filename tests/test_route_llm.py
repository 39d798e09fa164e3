# ruff: noqa: F811 (the graph tests' fixtures, imported, are parameters here)
"""Routing with a model configured: asked for follow-ups and other languages, shown the memory
and the previous turn; an unreachable model never stops a turn from being routed.

OpenRouter and Ollama are faked on the wire (`tests.fakes`); the fixtures are the graph tests'.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from tests.fakes import Body
from tests.test_graph_llm import (  # noqa: F401 (fixtures)
    LAPTOP,
    Fakes,
    Graph,
    Say,
    calls,
    fakes,
    llm_graph,
    llm_settings,
    say,
    says,
    stored,
)


def routing(body: Body) -> bool:
    """Whether a request is the router's structured-output call, not an agent's."""
    return bool(body.get("response_format") or body.get("format"))


class Shop:
    """A model that routes as told and, as an agent, uses the first tool offered once."""

    def __init__(self, route: dict[str, Any]) -> None:
        self.route = route

    def __call__(self, body: Body) -> httpx.Response:
        if routing(body):
            return says(json.dumps(self.route))
        messages = body["messages"]
        tools = [t["function"]["name"] for t in body.get("tools", [])]
        if messages[-1]["role"] == "user" and "recommend_products" in tools:
            return calls(("recommend_products", {"query": "laptop for coding", "budget": 1500}))
        return says("Here you are.")


async def test_a_follow_up_asks_the_model_with_the_memory_and_the_previous_turn(
        say: Say, fakes: Fakes, llm_graph: Graph) -> None:
    fakes.openrouter.default = Shop({"route": "recommendation"})
    await say(LAPTOP)
    before = sum(routing(b) for b in fakes.openrouter.bodies)
    result = await say("does it come in black?")
    asked = [b for b in fakes.openrouter.bodies if routing(b)][before:]
    assert len(asked) == 1
    prompt = asked[0]["messages"][0]["content"]
    listed = (await stored(llm_graph))["memory"]["listing"]["items"]
    assert listed and all(item["name"] in prompt for item in listed)  # the memory
    assert "laptop for coding" in prompt  # the previous turn's words
    assert asked[0]["messages"][-1]["content"] == "does it come in black?"
    assert result["agent_used"] == "recommendation"
    assert (await stored(llm_graph))["routed_by"] == "llm"


async def test_a_message_not_in_english_asks_the_model(say: Say, fakes: Fakes,
                                                       llm_graph: Graph) -> None:
    fakes.openrouter.default = Shop({"route": "fulfillment"})
    result = await say("¿dónde está mi pedido?")
    assert sum(routing(b) for b in fakes.openrouter.bodies) == 1
    assert result["agent_used"] == "fulfillment" and result["language"] == "es"
    assert (await stored(llm_graph))["routed_by"] == "llm"


async def test_a_clear_english_request_is_routed_without_the_model(say: Say,
                                                                    fakes: Fakes) -> None:
    fakes.openrouter.default = Shop({"route": "general"})
    result = await say("where is my order ORD-1002?")
    assert result["agent_used"] == "fulfillment"
    assert not any(routing(b) for b in fakes.openrouter.bodies)


async def test_the_model_can_name_two_requests_and_both_agents_answer(
        say: Say, fakes: Fakes, llm_graph: Graph) -> None:
    fakes.openrouter.default = Shop({"route": "fulfillment", "second": "loyalty"})
    result = await say("¿dónde está mi pedido? ¿y mis puntos?")
    # Each agent's first call (the customer's words last), each with its own tools.
    agents = [b for b in fakes.openrouter.bodies
              if not routing(b) and b["messages"][-1]["role"] == "user"]
    assert len(agents) == 2
    tools = [{t["function"]["name"] for t in b.get("tools", [])} for b in agents]
    assert "track_order" in tools[0] and "get_points" in tools[1]
    assert result["agent_used"] == "fulfillment"
    assert result["reply"].count("Here you are.") == 2


def down(body: Body) -> httpx.Response:
    return httpx.Response(503, json={"error": {"message": "down"}})


async def test_an_unreachable_model_still_routes_and_answers(say: Say, fakes: Fakes) -> None:
    fakes.openrouter.default = down
    fakes.ollama.default = down
    result = await say("¿dónde está mi pedido?")
    assert result["agent_used"] == "fulfillment"
    assert "order_status" in {a["type"] for a in result["actions"]}
    assert result["answered_by"] == "offline"
    assert any(routing(b) for b in fakes.openrouter.bodies)  # it was asked, and failed
    result = await say("and how many points do I have? also where is it now")
    assert result["answered_by"] == "offline"
    assert {"points", "order_status"} <= {a["type"] for a in result["actions"]}
