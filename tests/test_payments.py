import asyncio
import dataclasses
import re
from datetime import timedelta
from typing import Any

from tests.conftest import Commands
from tools.cart import add_to_cart, priced_cart
from tools.charge import charge_confirmed
from tools.confirm import confirm, decline
from tools.context import Services, ToolContext
from tools.gateway import SandboxGateway
from tools.loyalty import redeem_rewards
from tools.payments import process_payment, verify_payment_status
from tools.pending import claim_confirmation
from tools.returns import initiate_return
from tools.seed import CARD_DECLINED
from tools.store import now


class CountingGateway(SandboxGateway):
    """The sandbox gateway, counting the charge calls that reach it."""

    def __init__(self, services: Services) -> None:
        super().__init__(services.store)
        self.charges: list[dict[str, Any]] = []

    async def charge(self, **kwargs: Any) -> dict[str, Any]:
        self.charges.append(kwargs)
        await asyncio.sleep(0.05)  # a slow gateway widens the window for a duplicate
        return await super().charge(**kwargs)


def counting(ctx: ToolContext) -> tuple[ToolContext, CountingGateway]:
    gateway = CountingGateway(ctx.services)
    services = dataclasses.replace(ctx.services, gateway=gateway)
    return dataclasses.replace(ctx, services=services), gateway


async def charges(ctx: ToolContext) -> int:
    return await ctx.store.db["gateway_charges"].count_documents({})


async def test_another_customers_order_is_not_found_like_a_missing_one(alice: ToolContext) -> None:
    theirs = await process_payment(alice, order_id="ORD-1003")
    missing = await process_payment(alice, order_id="ORD-9999")
    assert theirs == {"type": "error", "message": "order ORD-1003 not found"}
    assert missing == {"type": "error", "message": "order ORD-9999 not found"}
    assert (await process_payment(alice, order_id="DROP TABLE orders"))["type"] == "error"
    assert await alice.store.payments.count_documents({}) == 0


async def test_another_customers_payment_is_not_found(alice: ToolContext, bob: ToolContext) -> None:
    prepared = await process_payment(bob)
    seen = await verify_payment_status(alice, prepared["payment_id"])
    assert seen == {"type": "error", "message": f"payment {prepared['payment_id']} not found"}
    assert (await verify_payment_status(bob, prepared["payment_id"]))["status"] == "pending"


async def test_nothing_is_charged_until_the_customer_confirms(alice: ToolContext) -> None:
    lines, total = await priced_cart(alice)
    prepared = await process_payment(alice)
    assert prepared["type"] == "payment_confirmation"
    assert prepared["total"] == total / 100 and prepared["card"] == "visa •••• 4242"
    assert [i["sku"] for i in prepared["items"]] == [line["sku"] for line in lines]
    assert await charges(alice) == 0
    payment = await alice.store.payments.find_one({"payment_id": prepared["payment_id"]})
    assert payment is not None and payment["status"] == "pending"
    assert payment["total_cents"] == total
    assert payment["idempotency_key"] == f"pay:{prepared['confirmation_id']}"

    result = await confirm(alice, prepared["confirmation_id"])
    assert result["type"] == "payment_status" and result["status"] == "paid"
    charge = await alice.store.db["gateway_charges"].find_one({"_id": prepared["payment_id"]})
    assert charge is not None and charge["amount_cents"] == total
    assert re.fullmatch(r"ORD-\d{4,8}", result["order_id"])  # numbered like the ones quoted
    order = await alice.store.orders.find_one({"order_id": result["order_id"]})
    assert order is not None and order["payment_id"] == prepared["payment_id"]
    assert order["status"] == "placed" and order["total_cents"] == total
    # Each line as it was bought, its category too (the search weighs what a customer bought).
    products = {p["sku"]: p async for p in alice.store.products.find(
        {"sku": {"$in": [line["sku"] for line in lines]}})}
    assert [(line["sku"], line["category"], line["unit_price_cents"]) for line in order["items"]
            ] == [(sku, products[sku]["category"], products[sku]["price_cents"])
                  for sku in (line["sku"] for line in lines)]
    cart = await alice.store.carts.find_one({"_id": "demo-alice"})
    assert cart is not None and cart["items"] == []
    earned = await alice.store.loyalty_ledger.find_one({"_id": f"earn:{prepared['payment_id']}"})
    assert earned is not None and earned["delta"] == total // 100


async def test_twenty_concurrent_yeses_charge_once(alice: ToolContext) -> None:
    ctx, gateway = counting(alice)
    prepared = await process_payment(ctx)
    results = await asyncio.gather(*(confirm(ctx, prepared["confirmation_id"])
                                     for _ in range(20)))
    assert all(r["status"] == "paid" for r in results)
    assert len({r["order_id"] for r in results}) == 1
    assert len(gateway.charges) == 1 and await charges(ctx) == 1
    assert await ctx.store.orders.count_documents({"payment_id": prepared["payment_id"]}) == 1
    assert await ctx.store.loyalty_ledger.count_documents({"_id": {"$regex": "^earn:"}}) == 1


async def test_repeated_charge_confirmed_charges_once_and_returns_the_first_result(
    alice: ToolContext,
) -> None:
    ctx, gateway = counting(alice)
    prepared = await process_payment(ctx)
    doc = await claim_confirmation(ctx, prepared["confirmation_id"])
    results = await asyncio.gather(*(charge_confirmed(ctx, doc) for _ in range(20)))
    assert len({(r["status"], r["order_id"]) for r in results}) == 1
    again = await charge_confirmed(ctx, doc)
    assert again == results[0]
    assert len(gateway.charges) == 1 and await charges(ctx) == 1


async def test_yes_from_another_session_charges_nothing(alice: ToolContext) -> None:
    prepared = await process_payment(alice)
    elsewhere = dataclasses.replace(alice, session_id="s2")
    assert (await confirm(elsewhere, prepared["confirmation_id"]))["type"] == "error"
    assert (await confirm(dataclasses.replace(alice, channel="whatsapp"),
                          prepared["confirmation_id"]))["type"] == "error"
    assert await charges(alice) == 0
    assert (await verify_payment_status(alice, prepared["payment_id"]))["status"] == "pending"


async def test_another_customer_cannot_confirm_or_charge(alice: ToolContext,
                                                         bob: ToolContext) -> None:
    prepared = await process_payment(alice)
    assert (await confirm(bob, prepared["confirmation_id"]))["type"] == "error"
    doc = await alice.store.db["confirmations"].find_one({"_id": prepared["confirmation_id"]})
    assert doc is not None
    assert (await charge_confirmed(bob, doc))["type"] == "error"
    assert await charges(alice) == 0
    assert (await confirm(alice, prepared["confirmation_id"]))["status"] == "paid"


async def test_expired_confirmation_charges_nothing(alice: ToolContext) -> None:
    prepared = await process_payment(alice)
    later = dataclasses.replace(alice.services, clock=lambda: now() + timedelta(minutes=11))
    result = await confirm(dataclasses.replace(alice, services=later), prepared["confirmation_id"])
    assert result["type"] == "error" and "expired" in result["message"]
    assert (await confirm(alice, prepared["confirmation_id"]))["type"] == "error"
    assert await charges(alice) == 0


async def test_declined_card_changes_nothing_but_the_payment(alice: ToolContext) -> None:
    await alice.store.customers.update_one({"_id": "demo-alice"},
                                           {"$set": {"cards.0.token": CARD_DECLINED}})
    cart_before = await alice.store.carts.find_one({"_id": "demo-alice"})
    orders_before = await alice.store.orders.count_documents({})
    prepared = await process_payment(alice)
    assert prepared["card"] == "visa •••• 0002"
    result = await confirm(alice, prepared["confirmation_id"])
    assert result["status"] == "declined" and "order_id" not in result
    payment = await alice.store.payments.find_one({"payment_id": prepared["payment_id"]})
    assert payment is not None and payment["status"] == "declined"
    assert await alice.store.orders.count_documents({}) == orders_before
    cart_after = await alice.store.carts.find_one({"_id": "demo-alice"})
    assert cart_before is not None and cart_after is not None
    assert cart_after["items"] == cart_before["items"]
    assert await alice.store.loyalty_ledger.count_documents({"_id": {"$regex": "^earn:"}}) == 0


async def test_declining_cancels_the_payment(alice: ToolContext) -> None:
    prepared = await process_payment(alice)
    result = await decline(alice, prepared["confirmation_id"])
    assert result == {**result, "type": "payment_status", "status": "cancelled"}
    assert (await confirm(alice, prepared["confirmation_id"]))["type"] == "error"
    assert await charges(alice) == 0


async def test_pays_an_unpaid_order_at_its_recorded_total(alice: ToolContext,
                                                          bob: ToolContext) -> None:
    await alice.store.orders.insert_one({
        "order_id": "ORD-2001", "customer_id": "demo-alice", "status": "placed",
        "items": [{"sku": "MON-00001", "name": "A monitor", "quantity": 2,
                   "unit_price_cents": 12345}],
        "total_cents": 24690, "currency": "USD", "created_at": now()})
    assert (await process_payment(bob, order_id="ORD-2001"))["message"] == \
        "order ORD-2001 not found"
    prepared = await process_payment(alice, order_id="ord-2001")
    assert prepared["total"] == 246.90 and prepared["order_id"] == "ORD-2001"
    result = await confirm(alice, prepared["confirmation_id"])
    assert result["status"] == "paid" and result["order_id"] == "ORD-2001"
    charge = await alice.store.db["gateway_charges"].find_one({"_id": prepared["payment_id"]})
    assert charge is not None and charge["amount_cents"] == 24690
    order = await alice.store.orders.find_one({"order_id": "ORD-2001"})
    assert order is not None and order["payment_id"] == prepared["payment_id"]
    assert "paying" not in order
    assert (await process_payment(alice, order_id="ORD-2001"))["message"] == \
        "order ORD-2001 is already paid"


async def test_a_newer_payment_of_the_cart_supersedes_the_older(alice: ToolContext) -> None:
    first = await process_payment(alice)
    second = await process_payment(alice)
    assert (await verify_payment_status(alice, first["payment_id"]))["status"] == "cancelled"
    assert (await confirm(alice, first["confirmation_id"]))["type"] == "error"
    assert (await confirm(alice, second["confirmation_id"]))["status"] == "paid"
    assert await charges(alice) == 1


async def test_empty_cart_is_refused(alice: ToolContext) -> None:
    await alice.store.carts.update_one({"_id": "demo-alice"}, {"$set": {"items": []}})
    result = await process_payment(alice)
    assert result["type"] == "error" and "empty" in result["message"]


async def test_money_moves_write_by_key_without_a_find_and_modify(
        watched: tuple[Services, Commands]) -> None:
    """The embedded server answers a findAndModify whose filter is more than the `_id`, and any
    filter with an `$or`, by reading the whole collection: a payment took 67 ms with 1,000
    earlier payments and 232 ms with 5,000. Paying, returning to the card, redeeming,
    asking again and declining must write by key instead."""
    services, commands = watched
    ctx = ToolContext(services=services, customer_id="demo-alice", session_id="s1")
    paid = await confirm(ctx, (await process_payment(ctx))["confirmation_id"])
    assert paid["status"] == "paid"
    await services.store.orders.update_one({"order_id": paid["order_id"]}, {"$set": {
        "status": "delivered", "delivered_at": services.clock() - timedelta(days=1)}})
    order = await services.store.orders.find_one({"order_id": paid["order_id"]})
    assert order is not None
    asked = await initiate_return(ctx, paid["order_id"], sku=order["items"][0]["sku"])
    assert (await confirm(ctx, asked["confirmation_id"]))["refund_method"] == "card"
    redeemed = await confirm(ctx, (await redeem_rewards(ctx, "RW-10OFF"))["confirmation_id"])
    assert redeemed["redeemed"]["code"].startswith("VCH-")
    await add_to_cart(ctx, "SPK-00001", 1)
    first = await process_payment(ctx)
    declined = await decline(ctx, (await process_payment(ctx))["confirmation_id"])  # the newer
    assert declined["status"] == "cancelled"
    superseded = await services.store.payments.find_one({"payment_id": first["payment_id"]})
    assert superseded is not None and superseded["code"] == "superseded"

    modified = {c["findAndModify"]: c["query"] for c in commands.sent if "findAndModify" in c}
    assert set(modified) == {"counters"}
    assert all(set(query) == {"_id"} for query in modified.values())
    filters = [u["q"] for c in commands.sent if next(iter(c)) == "update" for u in c["updates"]]
    assert filters and not any("$or" in q for q in filters)
    # Each update names a key whose index finds its document (all unique but a charge's
    # reference, which is one charge's).
    keys = {"_id", "payment_id", "order_id", "key", "return_id", "reference"}
    assert all(keys & set(q) for q in filters), [q for q in filters if not keys & set(q)]
