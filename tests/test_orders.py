from dataclasses import replace
from datetime import UTC, datetime

import pytest

from tools.context import Services, ToolContext
from tools.orders import add_business_days, estimate_delivery, track_order


def at(ctx: ToolContext, when: datetime) -> ToolContext:
    """The same customer with the clock stopped at `when`."""
    return replace(ctx, services=replace(ctx.services, clock=lambda: when))


async def test_track_order_shows_own_order_with_tracking(alice: ToolContext) -> None:
    result = await track_order(alice, " ord-1002 ")
    assert result["type"] == "order_status"
    assert result["order_id"] == "ORD-1002" and result["status"] == "shipped"
    assert result["tracking"]["carrier"] == "UPS" and result["tracking"]["number"]
    assert result["items"][0]["sku"] == "LAP-00001" and result["items"][0]["quantity"] == 1
    assert [h["status"] for h in result["history"]] == ["placed", "processing", "shipped"]
    datetime.fromisoformat(result["history"][0]["at"])
    assert result["estimated_delivery"]


async def test_track_order_without_id_picks_latest_open_order(
        alice: ToolContext, bob: ToolContext) -> None:
    assert (await track_order(alice))["order_id"] == "ORD-1002"
    bobs = await track_order(bob)
    assert bobs["order_id"] == "ORD-1003" and bobs["tracking"] is None
    assert bobs["estimated_delivery"]  # computed from the order date
    await bob.store.orders.update_one({"order_id": "ORD-1003"}, {"$set": {"status": "cancelled"}})
    assert (await track_order(bob))["order_id"] == "ORD-1003"  # newest, none open
    delivered = await track_order(bob, "ORD-1004")
    assert delivered["status"] == "delivered" and delivered["estimated_delivery"] is None


@pytest.mark.parametrize("order_id", ["ORD-1003", "ORD-9999", "'; drop", "ORD-1003 ", "ord-1004"])
async def test_other_customers_unknown_and_malformed_ids_look_the_same(
        alice: ToolContext, order_id: str) -> None:
    result = await track_order(alice, order_id)
    assert result == {"type": "error",
                      "message": f"order {order_id.strip().upper()} not found"}
    assert "bob" not in str(result).lower() and "PHN" not in str(result)


async def test_track_order_with_no_orders(services: Services) -> None:
    result = await track_order(ToolContext(services=services, customer_id="new-customer"))
    assert result["type"] == "error" and "no orders" in result["message"]


def test_add_business_days_skips_weekends() -> None:
    friday = datetime(2025, 6, 6).date()
    assert add_business_days(friday, 1).isoformat() == "2025-06-09"
    assert add_business_days(friday, 5).isoformat() == "2025-06-13"


async def test_estimate_after_friday_cut_off_ships_monday(alice: ToolContext) -> None:
    ctx = at(alice, datetime(2025, 6, 6, 15, 30, tzinfo=UTC))  # Friday, after 14:00
    result = await estimate_delivery(ctx)
    assert result == {"type": "delivery_estimate", "method": "standard", "postcode": "10001",
                      "ship_date": "2025-06-09", "earliest": "2025-06-12",
                      "latest": "2025-06-16", "business_days": 5, "notes": []}


async def test_estimate_before_cut_off_ships_same_day(alice: ToolContext) -> None:
    ctx = at(alice, datetime(2025, 6, 6, 9, 0, tzinfo=UTC))  # Friday morning
    express = await estimate_delivery(ctx, method="express")
    assert (express["ship_date"], express["latest"]) == ("2025-06-06", "2025-06-10")
    next_day = await estimate_delivery(ctx, method="next-day")
    assert (next_day["method"], next_day["latest"]) == ("next_day", "2025-06-09")


async def test_estimate_on_a_weekend_starts_next_business_day(alice: ToolContext) -> None:
    ctx = at(alice, datetime(2025, 6, 7, 10, 0, tzinfo=UTC))  # Saturday morning
    result = await estimate_delivery(ctx, postcode="99501", method="express")
    assert result["ship_date"] == "2025-06-09"
    assert result["business_days"] == 4  # 2 express + 2 remote zone
    assert result["latest"] == "2025-06-13" and result["postcode"] == "99501"


async def test_estimate_backorder_and_pickup(alice: ToolContext) -> None:
    ctx = at(alice, datetime(2025, 6, 4, 10, 0, tzinfo=UTC))  # Wednesday
    await alice.store.stock.update_many({"sku": "LAP-00003"}, {"$set": {"quantity": 0}})
    late = await estimate_delivery(ctx, sku="lap-00003")
    assert late["business_days"] == 10 and late["latest"] == "2025-06-18"
    assert (await estimate_delivery(ctx, method="pickup", sku="LAP-00003"))["type"] == "error"
    await alice.store.stock.update_one({"sku": "LAP-00003", "store_id": "store-mall"},
                                       {"$set": {"quantity": 3}})
    pickup = await estimate_delivery(ctx, method="pickup", sku="LAP-00003")
    assert pickup["earliest"] == pickup["latest"] == "2025-06-04"
    assert "store-mall" in pickup["notes"][0]


async def test_estimate_rejects_bad_input(alice: ToolContext) -> None:
    bad_method = await estimate_delivery(alice, method="drone")
    assert bad_method["type"] == "error" and "standard" in bad_method["message"]
    assert "next_day" in bad_method["message"] and "pickup" in bad_method["message"]
    for postcode in ("SW1A 1AA", "1234", "123456", "1000a"):
        assert (await estimate_delivery(alice, postcode=postcode))["type"] == "error"
    assert (await estimate_delivery(alice, sku="NOPE-1"))["message"] == "product NOPE-1 not found"
