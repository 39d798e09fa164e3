"""Conversations through the graph: references resolve after the five kept messages forgot them."""

from typing import Any

import pytest

from graph.session import TurnResult
from tests.test_graph_offline import Say, stored_messages
from tools.store import Store

FILLERS = {"en": "hello", "es": "hola", "fr": "bonjour", "de": "hallo", "hi": "namaste"}


async def forget(turn: Say, graph: Any, shown: list[dict[str, Any]], lang: str = "en") -> None:
    """Small talk until the products shown are out of the five kept messages."""
    for _ in range(3):
        await turn(FILLERS[lang])
    kept = " ".join(str(m.content) for m in await stored_messages(graph))
    assert not any(p["sku"] in kept for p in shown)


async def listed(turn: Say, text: str) -> list[dict[str, Any]]:
    result = await turn(text)
    products = next(a for a in result["actions"] if a["type"] == "product_list")["products"]
    assert len(products) >= 2
    return list(products)


async def cart_of(store: Store, user: str = "demo-alice") -> dict[str, int]:
    cart = await store.carts.find_one({"_id": user}) or {"items": []}
    return {item["sku"]: item["quantity"] for item in cart["items"]}


def cheapest(products: list[dict[str, Any]]) -> dict[str, Any]:
    return min(products, key=lambda p: p["price"])


def types(result: TurnResult) -> list[str]:
    return [a["type"] for a in result["actions"]]


async def test_the_cheaper_one_goes_in_the_cart(turn: Say, graph: Any, seeded: Store) -> None:
    shown = await listed(turn, "I need a laptop for coding under $1000")
    await forget(turn, graph, shown)
    before = await cart_of(seeded)
    result = await turn("add the cheaper one to my cart")
    assert types(result) == ["cart"]
    after = await cart_of(seeded)
    picked = cheapest(shown)["sku"]
    assert after == {**before, picked: before.get(picked, 0) + 1}


@pytest.mark.parametrize(("lang", "listing", "reference", "pick"), [
    ("es", "busco una laptop para programar", "añade el más barato al carrito", "cheapest"),
    ("de", "empfiehl mir einen Laptop zum Programmieren", "leg das günstigere in den Warenkorb",
     "cheapest"),
    ("hi", "coding ke liye laptop dikhao", "dusra wala cart mein add kar do", "second"),
    ("fr", "I need a laptop for coding under $1000", "ajoute le moins cher au panier",
     "cheapest"),
])
async def test_a_reference_in_each_language_fills_the_cart(
        turn: Say, graph: Any, seeded: Store, lang: str, listing: str, reference: str,
        pick: str) -> None:
    shown = await listed(turn, listing)
    await forget(turn, graph, shown, lang)
    before = await cart_of(seeded)
    await turn(reference)
    picked = cheapest(shown)["sku"] if pick == "cheapest" else shown[1]["sku"]
    assert await cart_of(seeded) == {**before, picked: before.get(picked, 0) + 1}


async def test_remove_by_sku_removes_and_empty_empties(turn: Say, seeded: Store) -> None:
    await turn("add LAP-00003 to my cart")
    assert (await cart_of(seeded))["LAP-00003"] == 1
    before = await cart_of(seeded)
    result = await turn("remove LAP-00003 from my cart")
    assert types(result) == ["cart"]
    assert await cart_of(seeded) == {k: v for k, v in before.items() if k != "LAP-00003"}
    await turn("empty my cart")
    assert await cart_of(seeded) == {}


async def test_add_it_then_make_it_two(turn: Say, graph: Any, seeded: Store) -> None:
    shown = await listed(turn, "recommend me some headphones for running")
    second = shown[1]
    detail = await turn("tell me more about the second one")
    assert detail["actions"][0]["sku"] == second["sku"]
    await turn("add it to my cart")
    await forget(turn, graph, shown)
    result = await turn("make it two")
    assert types(result) == ["cart"]
    assert (await cart_of(seeded))[second["sku"]] == 2


async def test_it_with_several_shown_asks_which_by_name(turn: Say, graph: Any,
                                                       seeded: Store) -> None:
    shown = await listed(turn, "I need a laptop for coding under $1000")
    await forget(turn, graph, shown)
    before = await cart_of(seeded)
    result = await turn("add it to my cart")
    assert result["actions"] == [] and await cart_of(seeded) == before
    assert all(p["name"] in result["reply"] for p in shown[:4])
    assert "LAP-" not in result["reply"] and result["reply"].rstrip().endswith("?")


async def test_which_of_those_has_the_most_ram(turn: Say, graph: Any, seeded: Store) -> None:
    shown = await listed(turn, "I need a laptop for coding under $1000")
    await forget(turn, graph, shown)
    result = await turn("which of those has the most RAM?")
    ram = {p["sku"]: p["specs"]["ram_gb"] async for p in seeded.products.find(
        {"sku": {"$in": [p["sku"] for p in shown]}})}
    picked = result["actions"][0]
    assert picked["type"] == "product" and ram[picked["sku"]] == max(ram.values())
    assert picked["name"] in result["reply"] and "RAM" in result["reply"]
    # The winner is now the product in focus: "add it" adds it.
    before = await cart_of(seeded)
    await turn("add it to my cart")
    assert (await cart_of(seeded)).get(picked["sku"]) == before.get(picked["sku"], 0) + 1


async def test_the_second_and_something_cheaper(turn: Say, graph: Any) -> None:
    shown = await listed(turn, "recommend me some headphones for running")
    await forget(turn, graph, shown)
    detail = await turn("tell me more about the second one")
    assert detail["agent_used"] == "recommendation"
    assert [(a["type"], a["sku"]) for a in detail["actions"]] == [("product", shown[1]["sku"])]
    cheaper = await turn("something cheaper")
    found = next(a for a in cheaper["actions"] if a["type"] == "product_list")["products"]
    assert found and all(p["price"] < shown[1]["price"] and p["category"] == "headphones"
                         for p in found)


async def test_is_it_in_stock_downtown(turn: Say, graph: Any, seeded: Store) -> None:
    shown = await listed(turn, "recommend me some headphones for running")
    await turn("tell me more about the last one")
    await forget(turn, graph, shown)
    result = await turn("is it in stock downtown?")
    stock = result["actions"][0]
    assert result["agent_used"] == "inventory"
    assert stock["type"] == "stock" and stock["sku"] == shown[-1]["sku"]
    row = await seeded.stock.find_one({"sku": shown[-1]["sku"], "store_id": "store-downtown"})
    assert row is not None and stock["stores"] == [
        {"store_id": "store-downtown", "store": "Downtown", "quantity": row["quantity"]}]


async def test_where_is_it_now_is_the_order_in_focus(turn: Say, graph: Any) -> None:
    first = await turn("where is my order ORD-1001?")
    assert first["actions"][0]["order_id"] == "ORD-1001"
    for _ in range(3):
        await turn("hello")
    result = await turn("where is it now?")
    assert result["agent_used"] == "fulfillment"
    assert [(a["type"], a["order_id"]) for a in result["actions"]] == [
        ("order_status", "ORD-1001")]  # not ORD-1002, the latest open order


async def test_does_it_come_in_black_reads_its_specs(turn: Say, graph: Any, seeded: Store) -> None:
    shown = await listed(turn, "recommend me some headphones for running")
    await turn("tell me more about the first one")
    await forget(turn, graph, shown)
    result = await turn("does it come in black?")
    assert [(a["type"], a["sku"]) for a in result["actions"]] == [("product", shown[0]["sku"])]
    product = await seeded.products.find_one({"sku": shown[0]["sku"]})
    assert product is not None
    said_yes = "Yes, it comes in black" in result["reply"]
    assert said_yes is (product["specs"]["color"] == "black")
    assert said_yes or f"comes in {product['specs']['color']}, not black" in result["reply"]


async def test_offers_on_it_after_a_stock_check(turn: Say, graph: Any) -> None:
    shown = await listed(turn, "I need a laptop for coding under $1000")
    await turn("tell me more about the second one")
    await turn("is it in stock downtown?")  # the stock result names the product only
    await forget(turn, graph, shown)
    result = await turn("any offers on it?")
    offers = next(a for a in result["actions"] if a["type"] == "offers")["offers"]
    assert offers and {o["category"] for o in offers} <= {"laptops", None}


async def test_the_dell_one_is_looked_up_whoever_answers(turn: Say, graph: Any) -> None:
    shown = await listed(turn, "I need a laptop for coding under $1000")
    await forget(turn, graph, shown)
    brand = shown[1]["name"].split()[0]
    sharing = [p for p in shown if p["name"].split()[0] == brand]
    result = await turn(f"ok, and the {brand} one?")
    if len(sharing) == 1:
        assert [(a["type"], a["sku"]) for a in result["actions"]] == [
            ("product", shown[1]["sku"])]
    else:  # two listed share the brand: the reply asks which, by name
        assert result["actions"] == [] and all(p["name"] in result["reply"] for p in sharing)


async def test_the_cheapest_in_stock_downtown_in_french(turn: Say, graph: Any,
                                                       seeded: Store) -> None:
    shown = await listed(turn, "I need a laptop for coding under $1000")
    await forget(turn, graph, shown, "fr")
    result = await turn("le moins cher est en stock au centre-ville ?")
    sku = cheapest(shown)["sku"]
    row = await seeded.stock.find_one({"sku": sku, "store_id": "store-downtown"})
    assert row is not None
    assert [(a["type"], a["sku"], a["stores"]) for a in result["actions"]] == [
        ("stock", sku, [{"store_id": "store-downtown", "store": "Downtown",
                         "quantity": row["quantity"]}])]


async def test_removing_from_an_empty_cart_shows_it_empty(turn: Say, seeded: Store) -> None:
    await turn("empty my cart")
    assert await cart_of(seeded) == {}
    result = await turn("remove LAP-00003 from my cart")
    assert types(result) == ["cart"] and result["actions"][0]["items"] == []
    assert await cart_of(seeded) == {}


async def test_a_product_named_that_was_not_shown_is_found_not_the_focus(
        turn: Say, graph: Any, seeded: Store) -> None:
    shown = await listed(turn, "recommend me some headphones for running")
    await turn("tell me more about the first one")
    await forget(turn, graph, shown)
    keyboard = await seeded.products.find_one({"sku": "KEY-00002"})
    assert keyboard is not None
    before = await cart_of(seeded)
    result = await turn(f"add the {keyboard['name']} to my cart")
    assert await cart_of(seeded) == before  # neither the headphones in focus nor a guess
    found = next(a for a in result["actions"] if a["type"] == "product_list")["products"]
    assert found[0]["sku"] == keyboard["sku"] and keyboard["name"] in result["reply"]
    assert "KEY-" not in result["reply"]
