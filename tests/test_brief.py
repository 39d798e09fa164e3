"""The customer brief: one round trip, and the same answer as reading each collection on its own."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from pymongo import monitoring

from graph.context import ALL_PARTS, OPEN_STATUSES, customer_brief
from settings import Settings
from tools.cart import priced_cart
from tools.catalog import money
from tools.context import Services, ToolContext
from tools.loyalty import balance_of
from tools.store import Store, now


async def reference_brief(ctx: ToolContext) -> dict[str, Any]:
    """The brief as it was built from five separate reads; the one-query brief must match it."""
    store = ctx.store
    customer, points, orders, (lines, total) = await asyncio.gather(
        store.customers.find_one({"_id": ctx.customer_id}),
        balance_of(ctx),
        store.orders.find({"customer_id": ctx.customer_id}, {"_id": 0, "order_id": 1, "status": 1})
        .sort("created_at", -1).limit(5).to_list(),
        priced_cart(ctx),
    )
    customer = customer or {}
    return {
        "name": customer.get("name", "there"),
        "known": bool(customer),
        "tier": customer.get("tier", "bronze"),
        "preferences": customer.get("preferences", {}),
        "postcode": customer.get("address", {}).get("postcode"),
        "points": points,
        "cart": {"items": sum(line["quantity"] for line in lines), "total": money(total),
                 "lines": [{"sku": line["sku"], "name": line["name"], "quantity": line["quantity"],
                            "price": money(line["unit_price_cents"])} for line in lines[:10]]},
        "orders": orders,
        "open_orders": [o["order_id"] for o in orders if o["status"] in OPEN_STATUSES],
        "channel": ctx.channel,
    }


def as_customer(services: Services, customer_id: str) -> ToolContext:
    return ToolContext(services=services, customer_id=customer_id, channel="whatsapp")


async def assert_same_as_reference(ctx: ToolContext) -> dict[str, Any]:
    brief = await customer_brief(ctx)
    expected = await reference_brief(ctx)
    assert brief == expected
    assert repr(brief) == repr(expected)  # the same types too: 0 is not 0.0, 2500 is not 2500.0
    for part in ALL_PARTS:  # each part read alone is that part of the whole
        alone = await customer_brief(ctx, (part,))
        assert alone.keys() < expected.keys() and "channel" in alone and len(alone) > 1
        assert repr(alone) == repr({k: v for k, v in expected.items() if k in alone})
    return brief


async def test_alice_brief_is_what_the_store_holds(alice: ToolContext, seeded: Store) -> None:
    brief = await customer_brief(alice)

    customer = await seeded.customers.find_one({"_id": "demo-alice"})
    assert customer is not None
    ledger = await seeded.loyalty_ledger.find({"customer_id": "demo-alice"}).to_list()
    cart = await seeded.carts.find_one({"_id": "demo-alice"})
    assert cart is not None
    prices = {p["sku"]: p["price_cents"] async for p in seeded.products.find(
        {"sku": {"$in": [item["sku"] for item in cart["items"]]}})}
    assert brief["name"] == customer["name"] == "Alice Example"
    assert brief["known"] is True
    assert brief["tier"] == customer["tier"] == "gold"
    assert brief["points"] == sum(entry["delta"] for entry in ledger) == 2500
    assert brief["cart"]["items"] == sum(item["quantity"] for item in cart["items"]) == 3
    total = sum(prices[item["sku"]] * item["quantity"] for item in cart["items"])
    assert total > 0
    assert brief["cart"]["total"] == round(total / 100, 2)
    assert isinstance(brief["cart"]["total"], float)
    assert brief["orders"] == [{"order_id": "ORD-1002", "status": "shipped"},
                               {"order_id": "ORD-1001", "status": "delivered"}]
    assert brief["open_orders"] == ["ORD-1002"]
    assert brief["preferences"] == customer["preferences"]
    assert brief["postcode"] == "10001"
    assert brief["channel"] == "web"
    await assert_same_as_reference(alice)


async def test_unknown_customer_with_nothing(services: Services) -> None:
    brief = await assert_same_as_reference(as_customer(services, "nobody-at-all"))
    assert brief == {"name": "there", "known": False, "tier": "bronze", "points": 0,
                     "cart": {"items": 0, "total": 0.0, "lines": []}, "orders": [],
                     "open_orders": [], "preferences": {}, "postcode": None, "channel": "whatsapp"}


async def test_matches_the_separate_reads_in_every_state(services: Services, seeded: Store) -> None:
    await assert_same_as_reference(as_customer(services, "demo-bob"))

    # Not a customer yet, but with a cart and points: both still count.
    await seeded.carts.insert_one({"_id": "walk-in",
                                   "items": [{"sku": "LAP-00001", "quantity": 2}]})
    await seeded.loyalty_ledger.insert_one({"_id": "w1", "customer_id": "walk-in", "delta": 40})
    brief = await assert_same_as_reference(as_customer(services, "walk-in"))
    assert brief["known"] is False and brief["points"] == 40 and brief["cart"]["items"] == 2

    # A known customer with an empty cart, no orders and no ledger.
    await seeded.customers.insert_one({"_id": "carol", "name": "Carol", "tier": "silver"})
    await seeded.carts.insert_one({"_id": "carol", "items": []})
    brief = await assert_same_as_reference(as_customer(services, "carol"))
    assert brief["cart"] == {"items": 0, "total": 0.0, "lines": []} and brief["points"] == 0

    # Lines priced from the catalogue; unknown SKUs and non-positive quantities are dropped;
    # the same SKU twice counts twice; spending points lowers the balance.
    await seeded.carts.update_one({"_id": "carol"}, {"$set": {"items": [
        {"sku": "LAP-00001", "quantity": 1}, {"sku": "NOPE-00000", "quantity": 3},
        {"sku": "PHN-00001", "quantity": 0}, {"sku": "HPH-00002", "quantity": -1},
        {"sku": "LAP-00001", "quantity": 2}]}})
    await seeded.loyalty_ledger.insert_many([
        {"_id": "c1", "customer_id": "carol", "delta": 1000},
        {"_id": "c2", "customer_id": "carol", "delta": -350}])
    brief = await assert_same_as_reference(as_customer(services, "carol"))
    laptop = await seeded.products.find_one({"sku": "LAP-00001"})
    assert laptop is not None
    assert {k: brief["cart"][k] for k in ("items", "total")} == {
        "items": 3, "total": money(3 * laptop["price_cents"])}
    assert [(line["sku"], line["quantity"]) for line in brief["cart"]["lines"]] == [
        ("LAP-00001", 1), ("LAP-00001", 2)]
    assert brief["points"] == 650

    # Only the five latest orders, newest first.
    at = now()
    await seeded.orders.insert_many([
        {"order_id": f"ORD-C{i}", "customer_id": "carol", "created_at": at - timedelta(days=i),
         "status": "processing" if i % 2 else "delivered"} for i in range(7)])
    brief = await assert_same_as_reference(as_customer(services, "carol"))
    assert [o["order_id"] for o in brief["orders"]] == [f"ORD-C{i}" for i in range(5)]
    assert brief["open_orders"] == ["ORD-C1", "ORD-C3"]


class CommandCounter(monitoring.CommandListener):
    def __init__(self) -> None:
        self.commands: list[str] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        self.commands.append(event.command_name)

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


async def test_brief_is_one_round_trip(services: Services, seeded: Store,
                                       settings: Settings) -> None:
    assert settings.mongo_uri
    counter = CommandCounter()
    watched = Store.connect(settings.mongo_uri, settings.db_name, event_listeners=[counter])
    try:
        await watched.ping()
        counter.commands.clear()
        ctx = ToolContext(services=Services(store=watched, settings=settings,
                                            gateway=services.gateway, http=services.http),
                          customer_id="demo-alice")
        brief = await customer_brief(ctx)
        sent = list(counter.commands)
    finally:
        await watched.close()
    assert brief["name"] == "Alice Example"
    assert sent == ["aggregate"]
