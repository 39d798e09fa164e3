"""Products found by the names customers type: exact, careless, misspelt, dear, among many."""

from __future__ import annotations

from typing import Any

import pytest

from tools.catalog import (
    check_stock,
    get_product_details,
    recommend_products,
    refresh_catalog_stats,
)
from tools.context import ToolContext
from tools.names import match_name
from tools.seed import seed
from tools.store import Store


async def _first(ctx: ToolContext, query: str) -> dict[str, Any]:
    result = await recommend_products(ctx, query=query)
    assert result["type"] == "product_list", result
    return result["products"][0]


async def _sku_named(store: Store, name: str) -> str:
    """The demo product of that name with the lowest SKU: read from the catalogue itself."""
    docs = await store.products.find({"name": name}).sort("_id", 1).to_list()
    assert docs, name
    return str(docs[0]["sku"])


@pytest.mark.parametrize("said, name", [
    ("Razer K70 4 Plus", "Razer K70 4 Plus"),
    ("do you have the razer k70 4 plus?", "Razer K70 4 Plus"),
    ("razr k70 4 plus", "Razer K70 4 Plus"),
    ("RAZER K70 4 PLUS keyboard", "Razer K70 4 Plus"),
    ("the nikon z 6 plus", "Nikon Z 6 Plus"),
    ("nikon z6 plus", "Nikon Z 6 Plus"),
    ("nikn z 6 plus please", "Nikon Z 6 Plus"),
    ("is the Keychron BlackWidow 4 Plus any good", "Keychron BlackWidow 4 Plus"),
    ("Logitech K70 8 Plus", "Logitech K70 8 Plus"),
])
async def test_a_named_product_comes_first(alice: ToolContext, said: str, name: str) -> None:
    first = await _first(alice, said)
    assert first["name"] == name
    assert first["sku"] == await _sku_named(alice.store, name)


async def test_a_product_line_named_in_part_lists_that_line_first(alice: ToolContext) -> None:
    result = await recommend_products(alice, query="razr k70")
    names = [p["name"] for p in result["products"]]
    assert names[0].startswith("Razer K70")
    assert result["named"] == result["products"][0]["sku"]


async def test_a_named_product_over_1500_dollars_is_found(alice: ToolContext) -> None:
    dear = await alice.store.products.find({"price_cents": {"$gt": 150_000},
                                            "category": "cameras"}).sort("_id", 1).to_list()
    assert dear, "the demo shop sells cameras over $1,500"
    for doc in dear[:3]:
        first = await _first(alice, f"how much is the {doc['name']}?")
        assert first["name"] == doc["name"] and first["price"] > 1500
        assert first["price"] == doc["price_cents"] / 100 and first["currency"] == "USD"


async def test_a_brand_alone_or_a_need_names_no_product(alice: ToolContext) -> None:
    for query in ("something from nikon", "laptop for coding", "quiet keyboard"):
        result = await recommend_products(alice, query=query)
        assert result["named"] is None, query


async def test_reasons_never_show_search_internals(alice: ToolContext) -> None:
    for query in ("Razer K70 4 Plus", "laptop for coding", "razer keyboard", "4k monitor"):
        result = await recommend_products(alice, query=query)
        reasons = [r for p in result["products"] for r in p["reasons"]]
        assert not any(r.startswith("matches") for r in reasons), reasons


async def test_stock_and_details_by_name(alice: ToolContext) -> None:
    sku = await _sku_named(alice.store, "Razer K70 4 Plus")
    stock = await check_stock(alice, name="is the razer k70 4 plus in stock downtown")
    assert stock["type"] == "stock" and stock["sku"] == sku
    details = await get_product_details(alice, name="tell me about the Razer K70 4 Plus")
    assert details["type"] == "product" and details["sku"] == sku
    unclear = await check_stock(alice, name="do you have headphones")
    assert unclear["type"] == "product_list" and unclear["products"]
    assert (await check_stock(alice))["type"] == "error"


def test_match_name_picks_from_the_last_list() -> None:
    shown = ["Nikon Z 6 Plus", "Canon X 9 Plus", "Dell Inspiron 7 Pro", "Sony X 2 Plus"]
    assert match_name("the Nikon", shown) == 0
    assert match_name("what about the dell one?", shown) == 2
    assert match_name("the canon pls", shown) == 1
    assert match_name("the sonny", shown) == 3
    assert match_name("the second one", shown) is None
    assert match_name("the cheaper one", shown) is None
    assert match_name("the plus", shown) is None  # three of them: ask which
    assert match_name("the nikon", []) is None


@pytest.mark.slow
async def test_many_more_products_of_the_same_names_leave_the_first_result(
        alice: ToolContext) -> None:
    """A large catalogue repeats the demo's names under later SKUs, dearer or cheaper."""
    demo = await alice.store.products.find({"sku": {"$regex": "-0000[1-2]$"}}).to_list()
    before = {d["name"]: (await _first(alice, d["name"]))["sku"] for d in demo}
    typed = {d["name"]: (await _first(alice, f"the {d['name'].lower()} please"))["sku"]
             for d in demo}
    copies = [d | {"_id": f"{d['sku']}{n}", "sku": f"{d['sku']}{n}",
                   "price_cents": d["price_cents"] + 1000 * (n - 5),
                   "popularity": 1000 + n}
              for d in await alice.store.products.find().to_list() for n in range(1, 11)]
    await alice.store.products.insert_many(copies)
    await refresh_catalog_stats(alice.store)
    for name, sku in before.items():
        assert (await _first(alice, name))["sku"] == sku, name
        assert (await _first(alice, f"the {name.lower()} please"))["sku"] == typed[name], name


async def test_a_catalogue_seeded_before_names_is_upgraded_by_seeding(alice: ToolContext) -> None:
    products = alice.store.products
    before = {d["_id"]: (d["name"], d["price_cents"]) for d in await products.find().to_list()}
    await products.update_many({}, {"$unset": {"name_terms": "", "name_key": "", "colours": "",
                                               "specs.battery_h": ""}})
    assert (await recommend_products(alice, query="Razer K70 4 Plus"))["named"] is None
    counts = await seed(alice.store)
    assert counts["products"] == 0 and counts["upgraded"] == len(before)
    after = {d["_id"]: (d["name"], d["price_cents"]) for d in await products.find().to_list()}
    assert after == before
    assert (await _first(alice, "Razer K70 4 Plus"))["name"] == "Razer K70 4 Plus"
    assert (await get_product_details(alice, "KEY-00001"))["colours"]
    assert "upgraded" not in await seed(alice.store)
