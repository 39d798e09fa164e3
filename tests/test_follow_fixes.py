"""Follow-ups through the graph: a named product's question, "that one" after a superlative."""

from typing import Any

from tests.test_graph_offline import Say
from tests.test_references_graph import cart_of, types
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


async def test_take_it_out_removes_the_product_just_added(turn: Say, seeded: Store) -> None:
    stand = await a_product(seeded, "monitors")
    before = await cart_of(seeded)
    added = await turn(f"add the {stand['name']} to my cart")
    assert "cart" in types(added)
    assert (await cart_of(seeded)).get(stand["sku"]) == before.get(stand["sku"], 0) + 1
    removed = await turn("actually take it out again")
    assert "cart" in types(removed)
    assert await cart_of(seeded) == before


async def test_which_is_the_biggest_compares_screen_sizes(turn: Say, seeded: Store) -> None:
    first = await turn("I need a 4k monitor for design work")
    products = next(a for a in first["actions"] if a["type"] == "product_list")["products"]
    assert len(products) >= 2
    docs = [d async for d in seeded.products.find({"sku": {"$in": [p["sku"] for p in products]}})]
    sizes = {d["name"]: d["specs"].get("size_in") or d["specs"].get("screen_in") for d in docs}
    biggest = max(sizes, key=lambda n: float(sizes[n] or 0))
    second = await turn("which is the biggest?")
    assert second["agent_used"] == "recommendation"
    assert biggest in second["reply"]
    assert str(sizes[biggest]).removesuffix(".0") in second["reply"]


async def test_warranty_on_the_order_in_focus_checks_its_warranty(turn: Say) -> None:
    await turn("where's my order ORD-1004", user="demo-bob")
    second = await turn("how long is the warranty on it?", user="demo-bob")
    assert "warranty" in types(second)
    assert "policy" not in types(second)
    checked = next(a for a in second["actions"] if a["type"] == "warranty")
    assert checked["order_id"] == "ORD-1004"
    assert checked["items"][0]["name"] in second["reply"]


async def test_warranty_policy_question_after_an_order_is_the_policy(turn: Say) -> None:
    await turn("where's my order ORD-1004", user="demo-bob")
    second = await turn("what's your warranty policy?", user="demo-bob")
    assert "warranty" not in types(second)


async def test_warranty_after_a_product_is_that_products(turn: Say, seeded: Store) -> None:
    product = await seeded.products.find_one({"warranty_months": {"$nin": [12, None]}})
    assert product is not None
    first = await turn(f"tell me about {product['sku']}")
    assert product["name"] in first["reply"]
    second = await turn("how long is the warranty?")
    assert second["agent_used"] == "recommendation"
    months = product["warranty_months"]
    assert f"{months}-month" in second["reply"] or f"{months} months" in second["reply"]
    assert "policy" not in types(second)

