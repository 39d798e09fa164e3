"""Price as customers ask for it: cheapest, cheaper than that, under $800, premium."""

from __future__ import annotations

from typing import Any

import pytest

from tools.catalog import recommend_products
from tools.context import ToolContext
from tools.intent import price_intent


async def _prices(store: Any, category: str) -> list[float]:
    docs = await store.products.find({"category": category}, {"price_cents": 1}).to_list()
    return sorted(d["price_cents"] / 100 for d in docs)


@pytest.mark.parametrize("said", [
    "what's the cheapest laptop you have", "cheapest laptops?", "a budget laptop please",
    "laptop, nothing too expensive", "I want a laptop but nothing crazy expensive",
    "an affordable laptop", "lowest price laptop",
])
async def test_cheap_words_list_the_cheapest_first(alice: ToolContext, said: str) -> None:
    asked = price_intent(said)
    assert asked.get("sort") == "price_asc", said
    result = await recommend_products(alice, query=said, sort=asked["sort"])
    shown = [p["price"] for p in result["products"]]
    assert shown == sorted(shown)
    assert shown[:3] == (await _prices(alice.store, "laptops"))[:3]


@pytest.mark.parametrize("said", [
    "your most premium camera", "the best camera money can buy", "a high-end camera",
    "top of the line camera",
])
async def test_premium_words_list_the_dearest_first(alice: ToolContext, said: str) -> None:
    asked = price_intent(said)
    assert asked == {"sort": "price_desc"}, said
    result = await recommend_products(alice, query=said, sort="price_desc")
    shown = [p["price"] for p in result["products"]]
    assert shown == sorted(shown, reverse=True)
    assert shown[0] == (await _prices(alice.store, "cameras"))[-1] and shown[0] > 1500


@pytest.mark.parametrize("said, low, high", [
    ("headphones under $200", None, 200.0), ("headphones below 150 dollars", None, 150.0),
    ("headphones for less than $99.99", None, 99.99), ("headphones up to $1.2k", None, 1200.0),
    ("headphones over $300", 300.0, None), ("headphones between $100 and $250", 100.0, 250.0),
    ("headphones at least $400", 400.0, None),
])
async def test_price_limits_hold(alice: ToolContext, said: str, low: float | None,
                                 high: float | None) -> None:
    asked = price_intent(said)
    assert (asked.get("min_price"), asked.get("max_price")) == (low, high), said
    result = await recommend_products(alice, query=said, min_price=asked.get("min_price"),
                                      max_price=asked.get("max_price"))
    assert result["products"], said
    for product in result["products"]:
        assert (low is None or product["price"] >= low) and (
            high is None or product["price"] <= high), (said, product)


async def test_cheaper_than_the_product_shown(alice: ToolContext) -> None:
    first = (await recommend_products(alice, query="premium phone", sort="price_desc"))
    shown = first["products"][0]
    assert price_intent("anything cheaper?") == {"relative": "cheaper", "sort": "price_asc"}
    cheaper = await recommend_products(alice, query="phone", cheaper_than=shown["price"])
    assert cheaper["products"]
    assert all(p["price"] < shown["price"] for p in cheaper["products"])
    cheapest = await recommend_products(alice, query="phone", cheaper_than=shown["price"],
                                        sort="price_asc")
    assert cheapest["products"][0]["price"] == (await _prices(alice.store, "phones"))[0]


async def test_a_named_product_keeps_the_customers_price_limit(alice: ToolContext) -> None:
    dear = await recommend_products(alice, query="razer k70", sort="price_desc")
    named = [p for p in dear["products"] if p["name"].startswith("Razer K70")]
    assert len(named) >= 2
    assert [p["price"] for p in named] == sorted((p["price"] for p in named), reverse=True)
    limit = named[0]["price"] - 0.01
    capped = await recommend_products(alice, query="razer k70", max_price=limit)
    assert all(p["price"] <= limit for p in capped["products"])


async def test_bad_price_arguments_are_refused(alice: ToolContext) -> None:
    assert (await recommend_products(alice, query="laptop", max_price=-1))["type"] == "error"
    assert (await recommend_products(alice, query="laptop", cheaper_than=-1))["type"] == "error"
    bad = await recommend_products(alice, query="laptop", sort="random")  # type: ignore[arg-type]
    assert bad["type"] == "error"


@pytest.mark.parametrize("said, expected", [
    ("show me laptops", {}),
    ("something cheaper", {"relative": "cheaper", "sort": "price_asc"}),
    ("a more expensive one", {"relative": "pricier"}),
    ("cheaper than $500", {"max_price": 500.0, "sort": "price_asc"}),
    ("not too pricey please", {"sort": "price_asc"}),
    ("money is no object", {"sort": "price_desc"}),
    ("my budget is $800", {"max_price": 800.0}),
    ("budget of 1.5k for a laptop", {"max_price": 1500.0}),
    ("a budget phone", {"sort": "price_asc"}),
])
def test_price_intent(said: str, expected: dict[str, Any]) -> None:
    assert price_intent(said) == expected
