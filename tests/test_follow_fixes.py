"""Follow-ups through the graph: a named product's question, "that one" after a superlative."""

from typing import Any

from tests.test_graph_offline import Say
from tests.test_references_graph import types
from tools.store import Store


async def a_product(store: Store, category: str) -> dict[str, Any]:
    doc = await store.products.find_one({"category": category})
    assert doc is not None
    return dict(doc)


async def test_whats_a_named_product_like_is_recommendation_then_it_is_stock(
        turn: Say, seeded: Store) -> None:
    camera = await a_product(seeded, "cameras")
    first = await turn(f"what's the {camera['name']} like?")
    assert first["agent_used"] == "recommendation"
    assert camera["name"] in first["reply"]
    second = await turn("is it in stock at the mall?")
    assert second["agent_used"] == "inventory"
    assert "stock" in types(second)
    assert camera["name"] in second["reply"]
