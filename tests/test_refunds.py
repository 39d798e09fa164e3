"""M5: a return is refunded when it is received, once; points come back; store credit spends."""

import asyncio
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from settings import Settings
from tests.api_support import API_KEY, api_settings, assert_error, concurrently, running_api
from tests.test_production import env_of, omnisales
from tools.confirm import confirm
from tools.context import ToolContext
from tools.loyalty import balance_of
from tools.payments import process_payment
from tools.returns import initiate_return, receive_return
from tools.store import Store
from tools.store_credit import credit_balance

POS_KEY = "pos-key-for-tests-0123456789-abcdefghij"


async def paid_and_delivered(ctx: ToolContext) -> dict[str, Any]:
    """Alice pays her cart (a keyboard and 2 chargers) and the order is delivered."""
    paid = await confirm(ctx, (await process_payment(ctx))["confirmation_id"])
    assert paid["status"] == "paid"
    await ctx.store.orders.update_one({"order_id": paid["order_id"]}, {"$set": {
        "status": "delivered", "delivered_at": ctx.services.clock() - timedelta(days=2)}})
    return paid


async def unit_price(ctx: ToolContext, order_id: str, sku: str) -> int:
    order = await ctx.store.orders.find_one({"order_id": order_id})
    assert order is not None
    return next(int(line["unit_price_cents"]) for line in order["items"] if line["sku"] == sku)


async def charge_of(ctx: ToolContext, payment_id: str) -> dict[str, Any]:
    charge = await ctx.store.db["gateway_charges"].find_one({"_id": payment_id})
    assert charge is not None
    return charge


async def test_card_refund_waits_for_receipt_and_is_paid_once(alice: ToolContext) -> None:
    paid = await paid_and_delivered(alice)
    price = await unit_price(alice, paid["order_id"], "ACC-00002")
    payment = await alice.store.payments.find_one({"payment_id": paid["payment_id"]})
    assert payment is not None
    earned = payment["total_cents"] // 100
    points_before = await balance_of(alice)

    asked = await initiate_return(alice, paid["order_id"], sku="ACC-00002", quantity=1,
                                  reason="one is enough")
    assert asked["refund"] == price / 100 and asked["refund_method"] == "card"
    assert [(i["sku"], i["quantity"]) for i in asked["items"]] == [("ACC-00002", 1)]
    opened = await confirm(alice, asked["confirmation_id"])
    assert opened["status"] == "awaiting_receipt" and opened["refund_method"] == "card"
    stored = await alice.store.returns.find_one({"return_id": opened["return_id"]})
    assert stored is not None and stored["items"][0]["quantity"] == 1
    assert stored["reason"] == "one is enough"
    # Refunds before receipt: none, and the points are still there.
    assert (await charge_of(alice, paid["payment_id"]))["refunded_cents"] == 0
    assert await balance_of(alice) == points_before

    results = await asyncio.gather(*(receive_return(alice.services, opened["return_id"])
                                     for _ in range(3)))
    assert {r["status"] for r in results} == {"refunded"}
    again = await receive_return(alice.services, opened["return_id"].lower())
    assert again["refunded_to_card"] == price / 100 and again["store_credit"] == 0
    charge = await charge_of(alice, paid["payment_id"])
    assert charge["refunded_cents"] == price and charge["refunds"] == [opened["return_id"]]
    taken = earned * price // payment["total_cents"]
    assert taken > 0 and again["points_taken_back"] == taken
    assert await balance_of(alice) == points_before - taken
    assert await alice.store.loyalty_ledger.count_documents(
        {"_id": f"unearn:{opened['return_id']}"}) == 1
    assert await credit_balance(alice.store, "demo-alice") == 0


async def test_partial_returns_up_to_the_quantity_bought(alice: ToolContext) -> None:
    paid = await paid_and_delivered(alice)
    order_id = paid["order_id"]
    first = await initiate_return(alice, order_id, sku="ACC-00002", quantity=1)
    assert (await confirm(alice, first["confirmation_id"]))["status"] == "awaiting_receipt"
    too_many = await initiate_return(alice, order_id, sku="ACC-00002", quantity=2)
    assert too_many == {"type": "error",
                        "message": f"you can return 1 to 1 of ACC-00002 from order {order_id}"}
    assert (await initiate_return(alice, order_id, quantity=1))["type"] == "error"  # which item?
    # The rest of the order: the keyboard and the one charger left.
    rest = await initiate_return(alice, order_id)
    assert sorted((i["sku"], i["quantity"]) for i in rest["items"]) == [
        ("ACC-00002", 1), ("KEY-00001", 1)]
    # Two confirmations for the same last charger: only one return takes it.
    other = await initiate_return(alice, order_id, sku="ACC-00002")
    results = await asyncio.gather(confirm(alice, rest["confirmation_id"]),
                                   confirm(alice, other["confirmation_id"]))
    assert sorted(r["type"] for r in results) == ["error", "return"]
    order = await alice.store.orders.find_one({"order_id": order_id})
    assert order is not None and order["returned_qty"]["ACC-00002"] == 2
    done = await initiate_return(alice, order_id, sku="ACC-00002")
    assert done["type"] == "error" and "already being returned" in done["message"]


async def test_store_credit_is_recorded_and_spent_once(alice: ToolContext) -> None:
    # ORD-1001 was not paid through the gateway: there is no card to refund to.
    asked = await initiate_return(alice, "ORD-1001", sku="HPH-00001")
    assert asked["refund_method"] == "store_credit"
    opened = await confirm(alice, asked["confirmation_id"])
    assert await credit_balance(alice.store, "demo-alice") == 0  # nothing before receipt
    await asyncio.gather(receive_return(alice.services, opened["return_id"]),
                         receive_return(alice.services, opened["return_id"]))
    credit = await unit_price(alice, "ORD-1001", "HPH-00001")
    assert await credit_balance(alice.store, "demo-alice") == credit

    # A placed, unpaid order beside the cart; each payment is prepared with all the credit.
    order = await alice.store.orders.find_one({"order_id": "ORD-1001"})
    assert order is not None
    await alice.store.orders.insert_one({
        "order_id": "ORD-7001", "customer_id": "demo-alice", "status": "placed",
        "items": order["items"][:1], "total_cents": credit, "currency": "USD",
        "created_at": alice.services.clock()})
    cart = await process_payment(alice)
    assert cart["store_credit"] == cart["total"] and cart["card_charge"] == 0
    whole = await process_payment(alice, "ORD-7001")
    assert whole["store_credit"] == credit / 100 and whole["card_charge"] == 0
    results = await asyncio.gather(confirm(alice, cart["confirmation_id"]),
                                   confirm(alice, whole["confirmation_id"]))
    statuses = sorted(r["status"] for r in results)
    assert statuses == ["failed", "paid"]
    paid = next(r for r in results if r["status"] == "paid")
    assert await credit_balance(alice.store, "demo-alice") == credit - round(paid["total"] * 100)
    assert await alice.store.db["gateway_charges"].count_documents({}) == 0  # no card charged


async def test_credit_pays_first_and_the_card_the_rest(alice: ToolContext) -> None:
    await alice.store.db["store_credit"].insert_one(
        {"_id": "test:goodwill", "customer_id": "demo-alice", "delta_cents": 5000,
         "reason": "goodwill", "at": alice.services.clock()})
    prepared = await process_payment(alice)
    total = round(prepared["total"] * 100)
    assert prepared["store_credit"] == 50.0 and round(prepared["card_charge"] * 100) == total - 5000
    paid = await confirm(alice, prepared["confirmation_id"])
    assert paid["status"] == "paid" and paid["store_credit"] == 50.0
    assert (await charge_of(alice, paid["payment_id"]))["amount_cents"] == total - 5000
    assert await credit_balance(alice.store, "demo-alice") == 0


async def test_declined_card_gives_the_credit_back(alice: ToolContext) -> None:
    await alice.store.db["store_credit"].insert_one(
        {"_id": "test:goodwill", "customer_id": "demo-alice", "delta_cents": 1000,
         "reason": "goodwill", "at": alice.services.clock()})
    await alice.store.customers.update_one({"_id": "demo-alice"},
                                           {"$set": {"cards.0.token": "4000000000000002"}})
    declined = await confirm(alice, (await process_payment(alice))["confirmation_id"])
    assert declined["status"] == "declined"
    assert await credit_balance(alice.store, "demo-alice") == 1000


async def test_chosen_store_credit_and_points_never_below_zero(alice: ToolContext) -> None:
    paid = await paid_and_delivered(alice)
    total = (await charge_of(alice, paid["payment_id"]))["amount_cents"]
    spent = await balance_of(alice)
    await alice.store.loyalty_ledger.insert_one(
        {"_id": "test:spent", "customer_id": "demo-alice", "delta": -spent, "reason": "spent",
         "at": alice.services.clock()})
    asked = await initiate_return(alice, paid["order_id"], store_credit=True)
    assert asked["refund_method"] == "store_credit"
    opened = await confirm(alice, asked["confirmation_id"])
    received = await receive_return(alice.services, opened["return_id"])
    assert received["refunded_to_card"] == 0 and received["store_credit"] == total / 100
    assert (await charge_of(alice, paid["payment_id"]))["refunded_cents"] == 0
    assert await credit_balance(alice.store, "demo-alice") == total
    assert await balance_of(alice) == 0  # capped: the points already spent are not a debt
    entry = await alice.store.loyalty_ledger.find_one({"_id": f"unearn:{opened['return_id']}"})
    assert entry is not None and entry["delta"] == 0 and entry["uncollected"] == total // 100


async def test_staff_receive_a_return_through_the_pos_api(
    settings: Settings, seeded: Store, monkeypatch: pytest.MonkeyPatch, alice: ToolContext,
) -> None:
    asked = await initiate_return(alice, "ORD-1001", sku="ACC-00001", quantity=1)
    opened = await confirm(alice, asked["confirmation_id"])
    url = f"/pos/returns/{opened['return_id']}/receive"
    async with running_api(api_settings(settings, pos_api_key=POS_KEY), seeded,
                           monkeypatch) as api:
        assert_error(await api.client.post(url), 401, "unauthorized")
        assert_error(await api.client.post(url, headers={"Authorization": f"Bearer {API_KEY}"}),
                     401, "unauthorized")
        assert_error(await api.client.post("/pos/returns/RET-NOPE/receive", headers={
            "Authorization": f"Bearer {POS_KEY}"}), 404, "not_found")
        answers = await concurrently(api.client, [
            ("POST", url, {"headers": {"Authorization": f"Bearer {POS_KEY}"}})] * 2)
    assert [a.status_code for a in answers] == [200, 200]
    assert {a.json()["status"] for a in answers} == {"refunded"}
    price = await unit_price(alice, "ORD-1001", "ACC-00001")
    assert await credit_balance(alice.store, "demo-alice") == price


async def test_without_a_pos_key_the_till_refuses_everyone(
    settings: Settings, seeded: Store, monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with running_api(api_settings(settings), seeded, monkeypatch) as api:
        assert_error(await api.client.post("/pos/returns/RET-X/receive",
                                           headers={"Authorization": "Bearer "}), 401)


async def test_a_partial_return_in_conversation_waits_for_the_parcel(
    turn: Any, seeded: Store,
) -> None:
    asked = await turn("return 1 of the 2 ACC-00001 from ORD-1001 please, as store credit")
    assert asked["agent_used"] == "post_purchase" and asked["awaiting_confirmation"]
    assert "Apple Mouse 6 Pro" in asked["reply"] and "$110.99" in asked["reply"]
    assert "refunded as store credit" in asked["reply"]
    done = await turn("yes")
    [opened] = done["actions"]
    assert opened["status"] == "awaiting_receipt" and opened["label_url"] in done["reply"]
    assert "once we receive them" in done["reply"]
    stored = await seeded.returns.find_one({"return_id": opened["return_id"]})
    assert stored is not None and stored["status"] == "awaiting_receipt"
    assert [(i["sku"], i["quantity"]) for i in stored["items"]] == [("ACC-00001", 1)]
    assert await seeded.db["store_credit"].count_documents({}) == 0


@pytest.mark.slow
async def test_the_sandbox_receipt_from_the_command_line(
    alice: ToolContext, settings: Settings, tmp_path: Path,
) -> None:
    asked = await initiate_return(alice, "ORD-1001", sku="HPH-00001")
    opened = await confirm(alice, asked["confirmation_id"])
    env = env_of(tmp_path, MONGO_URI=str(settings.mongo_uri), DB_NAME=settings.db_name)
    unknown = omnisales(env, tmp_path, "returns", "receive", "RET-NOPE")
    assert unknown.returncode == 1
    said, failed = unknown.stderr.splitlines()  # where it looked (issue 20), then why it failed
    assert said.startswith("omnisales: database ") and failed == (
        "omnisales: return RET-NOPE not found")
    received = omnisales(env, tmp_path, "returns", "receive", opened["return_id"])
    assert received.returncode == 0, received.stderr
    assert json.loads(received.stdout)["status"] == "refunded"
    price = await unit_price(alice, "ORD-1001", "HPH-00001")
    assert await credit_balance(alice.store, "demo-alice") == price
