import asyncio
import dataclasses
from datetime import timedelta

from tools.confirm import confirm, decline
from tools.context import ToolContext
from tools.loyalty import balance_of, get_offers, get_points, redeem_rewards
from tools.store import now


async def test_points_balance_is_the_sum_of_the_ledger(alice: ToolContext) -> None:
    result = await get_points(alice)
    assert result["type"] == "points" and result["balance"] == 2500 and result["tier"] == "gold"
    rewards = {r["reward_id"]: r for r in result["rewards"]}
    assert rewards["RW-10OFF"] == {"reward_id": "RW-10OFF", "name": "$10 off your next order",
                                   "points": 1000, "value": 10.0, "affordable": True}


async def test_a_guest_has_no_points_and_the_lowest_tier(alice: ToolContext) -> None:
    guest = dataclasses.replace(alice, customer_id="guest-15559990000")
    result = await get_points(guest)
    assert result["balance"] == 0 and result["tier"] == "bronze"
    points = [r["points"] for r in result["rewards"]]
    assert points == sorted(points) and len(points) == await alice.store.rewards.count_documents(
        {})
    assert not any(r["affordable"] for r in result["rewards"])


async def test_more_points_than_the_balance_are_refused(bob: ToolContext) -> None:
    result = await redeem_rewards(bob, "RW-10OFF")
    assert result["type"] == "error"
    assert "800" in result["message"] and "1000" in result["message"]
    assert await bob.store.db["confirmations"].count_documents({}) == 0
    assert await balance_of(bob) == 800


async def test_unknown_reward_is_not_found(alice: ToolContext) -> None:
    assert await redeem_rewards(alice, "RW-FREE-LAPTOP") == {
        "type": "error", "message": "reward RW-FREE-LAPTOP not found"}


async def test_points_are_spent_only_on_confirmation_and_once(alice: ToolContext) -> None:
    asked = await redeem_rewards(alice, "rw-10off")
    assert asked["type"] == "redeem_confirmation" and asked["balance_after"] == 1500
    assert await balance_of(alice) == 2500
    done = await confirm(alice, asked["confirmation_id"])
    assert done["type"] == "points" and done["balance"] == 1500
    voucher = await alice.store.db["vouchers"].find_one({"code": done["redeemed"]["code"]})
    assert voucher is not None and voucher["customer_id"] == "demo-alice"
    assert voucher["value_cents"] == 1000
    assert await confirm(alice, asked["confirmation_id"]) == done  # a replay
    assert await balance_of(alice) == 1500
    assert await alice.store.db["vouchers"].count_documents({}) == 1


async def test_concurrent_redemptions_never_overdraw(alice: ToolContext) -> None:
    asked = [await redeem_rewards(alice, "RW-10OFF") for _ in range(5)]
    assert all(a["type"] == "redeem_confirmation" for a in asked)
    results = await asyncio.gather(*(confirm(alice, a["confirmation_id"]) for a in asked))
    spent = [r for r in results if r["type"] == "points"]
    assert len(spent) == 2 and sum(r["type"] == "error" for r in results) == 3
    assert await balance_of(alice) == 500
    assert await alice.store.db["vouchers"].count_documents({}) == 2


async def test_concurrent_redemptions_from_two_sessions_never_overdraw(bob: ToolContext) -> None:
    other = dataclasses.replace(bob, session_id="s2")
    asked = [await redeem_rewards(ctx, "RW-5OFF") for ctx in (bob, other, bob, other)]
    results = await asyncio.gather(*(
        confirm(ctx, a["confirmation_id"]) for ctx, a in zip((bob, other, bob, other), asked,
                                                             strict=True)))
    assert sum(r["type"] == "points" for r in results) == 1
    assert await balance_of(bob) == 300


async def test_declining_a_redemption_spends_nothing(alice: ToolContext) -> None:
    asked = await redeem_rewards(alice, "RW-5OFF")
    result = await decline(alice, asked["confirmation_id"])
    assert result["type"] == "points" and result["status"] == "cancelled"
    assert result["balance"] == 2500
    assert (await confirm(alice, asked["confirmation_id"]))["type"] == "error"
    assert await balance_of(alice) == 2500


async def test_offers_follow_the_tier(alice: ToolContext, bob: ToolContext) -> None:
    gold = {o["offer_id"] for o in (await get_offers(alice))["offers"]}
    silver = {o["offer_id"] for o in (await get_offers(bob))["offers"]}
    assert gold == {"OFF-LAPTOP10", "OFF-AUDIO15", "OFF-GOLD-SHIP"}
    assert silver == {"OFF-LAPTOP10", "OFF-AUDIO15"}


async def test_offers_by_category_and_still_valid(alice: ToolContext) -> None:
    laptops = {o["offer_id"] for o in (await get_offers(alice, category="laptop"))["offers"]}
    assert laptops == {"OFF-LAPTOP10", "OFF-GOLD-SHIP"}
    later = dataclasses.replace(alice.services, clock=lambda: now() + timedelta(days=20))
    result = await get_offers(dataclasses.replace(alice, services=later))
    assert {o["offer_id"] for o in result["offers"]} == {"OFF-LAPTOP10", "OFF-GOLD-SHIP"}
