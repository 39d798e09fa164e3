"""What a customer sees, offline, when they name a product or ask for a price."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from graph.session import TurnResult
from tools.store import Store

Say = Callable[..., Awaitable[TurnResult]]


def _action(result: TurnResult, kind: str) -> dict[str, Any]:
    found = [a for a in result["actions"] if a.get("type") == kind]
    assert found, (kind, result["reply"], result["actions"])
    return found[-1]


async def test_stock_of_a_product_named_without_its_sku(turn: Say, seeded: Store) -> None:
    doc = await seeded.products.find({"name": "Razer K70 4 Plus"}).sort("_id", 1).to_list()
    result = await turn("is the Razer K70 4 Plus in stock?")
    stock = _action(result, "stock")
    assert stock["sku"] == doc[0]["sku"]
    assert "Which one do you mean" not in result["reply"]
    assert stock["name"] in result["reply"]


async def test_a_dear_camera_named_is_found(turn: Say, seeded: Store) -> None:
    dear = await seeded.products.find({"category": "cameras", "price_cents": {"$gt": 150_000}}
                                      ).sort("_id", 1).to_list()
    result = await turn(f"tell me about the {dear[0]['name']}")
    listed = [a for a in result["actions"] if a.get("type") in {"product_list", "product"}]
    assert listed, result["actions"]
    first = listed[-1]["products"][0] if listed[-1]["type"] == "product_list" else listed[-1]
    assert first["name"] == dear[0]["name"] and first["price"] > 1500


async def test_cheapest_then_cheaper(turn: Say, seeded: Store) -> None:
    result = await turn("what's the cheapest laptop you have?")
    listing = _action(result, "product_list")
    prices = [p["price"] for p in listing["products"]]
    low = await seeded.products.find({"category": "laptops"}).sort("price_cents", 1).limit(
        1).to_list()
    assert prices == sorted(prices) and prices[0] == low[0]["price_cents"] / 100
    shown = await turn("show me a premium laptop")
    dear = _action(shown, "product_list")["products"]
    assert dear[0]["price"] > 1500
    cheaper = await turn("what about something cheaper?")
    cheaper_list = _action(cheaper, "product_list")["products"]
    assert cheaper_list and all(p["price"] < min(p["price"] for p in dear)
                                for p in cheaper_list)
