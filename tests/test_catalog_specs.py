"""Specs as customers ask about them: 16GB RAM, in black, which has the most RAM."""

from __future__ import annotations

from typing import Any

import pytest

from tools.catalog import get_product_details, recommend_products
from tools.catalog_data import generate_products
from tools.compare import compare_products
from tools.context import ToolContext
from tools.intent import compared_spec, spec_intent


async def _doc(ctx: ToolContext, sku: str) -> dict[str, Any]:
    doc = await ctx.store.products.find_one({"_id": sku})
    assert doc is not None
    return doc


@pytest.mark.parametrize("said", [
    "a laptop with at least 16GB RAM", "laptop 16 gb of memory", "laptop with 16gigs ram",
])
async def test_ram_filter(alice: ToolContext, said: str) -> None:
    asked = spec_intent(said)
    assert asked == {"min_ram_gb": 16}
    result = await recommend_products(alice, query=said, **asked)
    assert result["products"]
    for product in result["products"]:
        assert (await _doc(alice, product["sku"]))["specs"]["ram_gb"] >= 16


async def test_storage_screen_and_colour_filters(alice: ToolContext) -> None:
    asked = spec_intent("a black laptop with 1TB storage and a 15 inch screen")
    assert asked == {"min_storage_gb": 1024, "min_screen_in": 15.0, "colour": "black"}
    result = await recommend_products(alice, query="laptop", max_price=3000, **asked)
    assert result["products"]
    for product in result["products"]:
        doc = await _doc(alice, product["sku"])
        assert doc["specs"]["storage_gb"] >= 1024 and doc["specs"]["screen_in"] >= 15
        assert "black" in doc["colours"]


async def test_does_it_come_in_black_is_answered_from_the_catalogue(alice: ToolContext) -> None:
    details = await get_product_details(alice, "KEY-00001")
    doc = await _doc(alice, "KEY-00001")
    assert details["colours"] == doc["colours"] and details["colours"]
    assert details["colours"][0] == doc["specs"]["color"]  # the colour it was first sold in
    assert details["name"] == "Razer K70 4 Plus" and details["price"] == 118.99


async def test_which_of_those_has_the_most_ram(alice: ToolContext) -> None:
    shown = await recommend_products(alice, query="laptop for coding", budget=1000)
    skus = [p["sku"] for p in shown["products"]]
    spec, most = compared_spec("which of those has the most RAM?") or ("price", False)
    assert (spec, most) == ("ram_gb", True)
    compared = await compare_products(alice, skus, spec, most)
    rams = [(await _doc(alice, sku))["specs"]["ram_gb"] for sku in skus]
    assert compared["type"] == "product" and compared["compared"]["spec"] == "ram_gb"
    assert compared["compared"]["value"] == max(rams) == compared["specs"]["ram_gb"]
    assert sorted(v["sku"] for v in compared["compared"]["values"]) == sorted(skus)
    assert {"sku", "name", "price", "currency"} <= set(compared)


async def test_compare_the_cheapest_and_the_biggest_screen(alice: ToolContext) -> None:
    skus = ["LAP-00001", "LAP-00002", "LAP-00003", "PHN-00001"]
    spec, most = compared_spec("which one is cheapest") or ("ram_gb", True)
    cheapest = await compare_products(alice, skus, spec, most)
    prices = [(await _doc(alice, s))["price_cents"] / 100 for s in skus]
    assert cheapest["price"] == min(prices)
    spec, most = compared_spec("which has the biggest screen") or ("price", True)
    screens = await compare_products(alice, skus, spec, most)
    sizes = [(await _doc(alice, s))["specs"]["screen_in"] for s in skus]
    assert screens["compared"]["value"] == max(sizes)


async def test_compare_refuses_what_it_cannot_compare(alice: ToolContext) -> None:
    assert (await compare_products(alice, [], "ram_gb"))["type"] == "error"
    assert (await compare_products(alice, ["NOPE-00001", "NOPE-00002"], "ram_gb"))["type"] == (
        "error")
    assert (await compare_products(alice, ["KEY-00001", "KEY-00002"], "ram_gb"))["type"] == (
        "error")
    assert (await compare_products(alice, ["KEY-00001", "KEY-00002"], "weight"))["type"] == (
        "error")


@pytest.mark.parametrize("said", [
    "headphones with a 40 hour battery", "headphones whose battery lasts 40+ hours",
    "headphones, 40hrs of battery at least",
])
async def test_battery_filter(alice: ToolContext, said: str) -> None:
    asked = spec_intent(said)
    assert asked == {"min_battery_h": 40.0}, said
    result = await recommend_products(alice, query=said, **asked)
    assert result["products"]
    for product in result["products"]:
        assert (await _doc(alice, product["sku"]))["specs"]["battery_h"] >= 40


def test_specs_are_added_without_changing_a_product() -> None:
    """Names, prices and descriptions of the demo catalogue are as they always were."""
    first = next(generate_products(1))
    assert (first["sku"], first["name"], first["price_cents"]) == ("LAP-00001", "Asus Swift 2",
                                                                   94899)
    assert first["description"].endswith("color silver.")
    assert first["specs"]["ram_gb"] == 32 and "battery_h" in first["specs"]


@pytest.mark.parametrize("said, expected", [
    ("which has the most storage", ("storage_gb", True)),
    ("which one has the least memory", ("ram_gb", False)),
    ("which battery lasts longest", ("battery_h", True)),
    ("which is the priciest", ("price", True)),
    ("tell me a joke", None),
])
def test_compared_spec(said: str, expected: tuple[str, bool] | None) -> None:
    assert compared_spec(said) == expected
