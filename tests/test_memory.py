"""The session's memory: what the talk refers back to outlives the five kept messages."""

import json
from typing import Any

from graph.memory import LISTED, learned, merge
from graph.session import thread_id
from tests.test_graph_offline import Say


async def state_of(graph: Any, session: str = "s1", user: str = "demo-alice") -> dict[str, Any]:
    config = {"configurable": {"thread_id": thread_id("web", user, session)}}
    return dict((await graph.aget_state(config)).values)


async def test_the_last_list_and_order_outlive_the_kept_messages(turn: Say, graph: Any) -> None:
    listing = (await turn("recommend me some headphones for running"))["actions"][0]
    await turn("where is my order ORD-1002?")
    for _ in range(3):  # enough turns to push the list out of the five kept messages
        await turn("hello")
    state = await state_of(graph)
    assert all("headphones" not in str(m.content).lower() for m in state["messages"])
    memory = state["memory"]
    shown = [p["sku"] for p in listing["products"][:LISTED]]
    assert [p["sku"] for p in memory["listing"]["items"]] == shown
    assert memory["order"]["order_id"] == "ORD-1002" and memory["order"]["items"]
    assert memory["topic"] == "general" and memory["language"] == "en"


def test_the_memory_stays_small_whatever_was_shown() -> None:
    products = [{"sku": f"LAP-{i:05d}", "name": f"Laptop {i}", "price": 999.0, "currency": "USD",
                 "category": "laptops", "description": "x" * 2000, "reasons": ["y" * 500]}
                for i in range(200)]
    memory = merge({}, learned({}, "recommendation", [
        {"type": "product_list", "query": "laptop", "products": products}]))
    assert len(memory["listing"]["items"]) == LISTED
    assert len(json.dumps(memory)) < 1000


def test_a_newer_value_replaces_a_key_and_none_forgets_it() -> None:
    memory = merge({"focus": {"sku": "A"}, "language": "es"}, {"focus": {"sku": "B"}})
    assert memory == {"focus": {"sku": "B"}, "language": "es"}
    assert merge(memory, {"focus": None}) == {"language": "es"}  # type: ignore[arg-type]


async def test_a_product_named_in_full_is_the_one_in_focus(turn: Say, graph: Any) -> None:
    """Its neighbours in the list do not make "it" ambiguous; a loose name leaves no focus."""
    await turn("do you have the Razer K70 4 Plus?")
    assert (await state_of(graph))["memory"]["focus"]["name"] == "Razer K70 4 Plus"
    result = await turn("does it come in black?")
    assert "Which one" not in result["reply"] and "Razer K70 4 Plus" in result["reply"]
    await turn("show me some razer keyboards", session="s2")
    assert "focus" not in (await state_of(graph, session="s2"))["memory"]
