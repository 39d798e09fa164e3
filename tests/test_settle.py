"""Leased claims, the settler and in-flight confirmations, against the embedded database."""

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest

from graph.session import TurnResult
from tools import claims as claims_module
from tools import notices
from tools import store as store_module
from tools.claims import LEASE
from tools.confirm import confirm
from tools.context import ToolContext
from tools.loyalty import balance_of, redeem_rewards
from tools.payments import process_payment
from tools.pending import claim_confirmation
from tools.settle import settle_forever, settle_interrupted
from tools.store import ActionInFlightError, Store, durable_writes, now

Say = Callable[..., Awaitable[TurnResult]]


async def dead_claim(store: Store, key: str, kind: str, customer_id: str, *,
                     keyed: bool = True) -> None:
    """A claim as a process that died while acting leaves it: started, its lease run out.

    `keyed=False` writes it as claims were written before their `_id` was their key.
    """
    at = now() - LEASE - timedelta(seconds=5)
    await store.actions.insert_one(({"_id": key} if keyed else {}) | {
        "key": key, "kind": kind, "customer_id": customer_id, "state": "started",
        "owner": "dead", "lease_until": at + LEASE, "expires_at": at + timedelta(minutes=10),
        "created_at": at, "attempts": 1})


async def interrupted_checkout(ctx: ToolContext, *, charged: bool,
                               began: timedelta = LEASE + timedelta(seconds=5)) -> dict[str, Any]:
    """A yes whose process died after the claim and the gateway call (if `charged`)."""
    prepared = await process_payment(ctx)
    payment_id = prepared["payment_id"]
    await claim_confirmation(ctx, prepared["confirmation_id"])
    await dead_claim(ctx.store, f"charge:{payment_id}", "charge", ctx.customer_id)
    await ctx.store.payments.update_one({"payment_id": payment_id},
                                        {"$set": {"charging_at": now() - began}})
    if charged:
        await ctx.services.gateway.charge(card_token="4242424242424242",
                                          amount_cents=round(prepared["total"] * 100),
                                          currency="USD", idempotency_key=payment_id)
    return prepared


@pytest.mark.parametrize("keyed", [True, False])
async def test_an_expired_claim_is_taken_over_and_finished_once(store: Store, keyed: bool) -> None:
    await dead_claim(store, "pos:T1", "pos", "demo-alice", keyed=keyed)
    runs: list[int] = []

    async def act() -> dict[str, Any]:
        runs.append(1)
        return {"type": "done", "n": len(runs)}

    copies = await asyncio.gather(*(store.once("pos:T1", "pos", "demo-alice", act)
                                    for _ in range(10)))
    assert runs == [1] and all(copy == {"type": "done", "n": 1} for copy in copies)
    claim = await store.actions.find_one({"key": "pos:T1"})
    assert claim is not None
    assert claim["state"] == "done" and claim["attempts"] == 2 and claim["owner"] != "dead"


async def test_a_live_claim_is_waited_for_not_taken_over(store: Store) -> None:
    release = asyncio.Event()

    async def slow() -> dict[str, Any]:
        await release.wait()
        return {"type": "done"}

    first = asyncio.create_task(store.once("call:C1", "call", "demo-alice", slow))
    await asyncio.sleep(0.2)
    with pytest.raises(ActionInFlightError):
        await store.once("call:C1", "call", "demo-alice", slow, wait_s=0.2)
    release.set()
    assert await first == {"type": "done"}
    assert await store.once("call:C1", "call", "demo-alice", slow) == {"type": "done"}


async def test_the_settler_settles_a_charge_the_gateway_made_once(alice: ToolContext) -> None:
    store = alice.store
    cart = await store.carts.find_one({"_id": alice.customer_id})
    assert cart and cart["items"]
    prepared = await interrupted_checkout(alice, charged=True)
    payment_id = prepared["payment_id"]
    counts = await settle_interrupted(alice.services)
    assert counts == {"payments_settled": 1}
    payment = await store.payments.find_one({"payment_id": payment_id})
    assert payment is not None and payment["status"] == "paid"
    assert await store.orders.count_documents({"payment_id": payment_id}) == 1
    assert await store.db["gateway_charges"].count_documents({}) == 1
    earned = await store.loyalty_ledger.find({"_id": f"earn:{payment_id}"}).to_list()
    assert [e["delta"] for e in earned] == [payment["total_cents"] // 100]
    cart = await store.carts.find_one({"_id": alice.customer_id})
    assert cart is not None and cart["items"] == []
    claim = await store.actions.find_one({"key": f"charge:{payment_id}"})
    assert claim is not None and claim["state"] == "done"
    # A second run, and a third, find nothing to do and change nothing.
    assert await settle_interrupted(alice.services) == {}
    assert await settle_interrupted(alice.services) == {}
    assert await store.orders.count_documents({"payment_id": payment_id}) == 1
    assert await store.loyalty_ledger.count_documents({"_id": f"earn:{payment_id}"}) == 1
    assert await store.db["gateway_charges"].count_documents({}) == 1


async def test_an_old_charge_the_gateway_never_made_fails_and_charges_nothing(
        alice: ToolContext) -> None:
    prepared = await interrupted_checkout(alice, charged=False, began=timedelta(hours=1))
    assert await settle_interrupted(alice.services) == {"payments_settled": 1}
    payment = await alice.store.payments.find_one({"payment_id": prepared["payment_id"]})
    assert payment is not None and (payment["status"], payment["code"]) == ("failed",
                                                                             "interrupted")
    assert await alice.store.db["gateway_charges"].count_documents({}) == 0
    assert await alice.store.orders.count_documents({"payment_id": prepared["payment_id"]}) == 0


async def test_a_recent_charge_the_gateway_never_made_is_made_once_under_its_key(
        alice: ToolContext) -> None:
    prepared = await interrupted_checkout(alice, charged=False)
    await asyncio.gather(settle_interrupted(alice.services), settle_interrupted(alice.services))
    payment = await alice.store.payments.find_one({"payment_id": prepared["payment_id"]})
    assert payment is not None and payment["status"] == "paid"
    charges = await alice.store.db["gateway_charges"].find({}).to_list()
    assert [c["_id"] for c in charges] == [prepared["payment_id"]]


async def test_a_whatsapp_customer_is_told_through_the_outbox_once(
        alice: ToolContext) -> None:
    wa = dataclasses.replace(alice, channel="whatsapp", session_id="wa")
    prepared = await interrupted_checkout(wa, charged=True)
    await settle_interrupted(alice.services)
    await settle_interrupted(alice.services)
    sent = await alice.store.db["wa_outbox"].find({}).to_list()
    customer = await alice.store.customers.find_one({"_id": alice.customer_id})
    assert customer is not None and len(sent) == 1
    message = sent[0]
    assert (message["to"], message["state"], message["attempts"]) == (customer["phone"],
                                                                      "pending", 0)
    payment = await alice.store.payments.find_one({"payment_id": prepared["payment_id"]})
    assert payment is not None
    assert message["body"]["to"] == customer["phone"].lstrip("+")
    assert (f"went through. Your order number is {payment['order_id']}"
            in message["body"]["text"]["body"])


async def test_a_dead_claim_with_nothing_to_finish_from_is_released(alice: ToolContext) -> None:
    await dead_claim(alice.store, "pos:T9", "pos", "demo-alice")
    await dead_claim(alice.store, "call:T9", "call", "demo-alice", keyed=False)
    assert await settle_interrupted(alice.services) == {"claims_released": 2}
    assert await alice.store.actions.count_documents({}) == 0
    assert await settle_interrupted(alice.services) == {}


async def test_a_yes_that_meets_a_charge_in_flight_answers_and_is_told_later(
        turn: Say, seeded: Store, alice: ToolContext, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store_module, "IN_FLIGHT_WAIT_S", 0.3)
    asked = await turn("I'd like to checkout and pay for my cart")
    payment_id = asked["actions"][0]["payment_id"]
    # Another process holds the charge, alive: its lease is current.
    at = now()
    await seeded.actions.insert_one({
        "key": f"charge:{payment_id}", "kind": "charge", "customer_id": "demo-alice",
        "state": "started", "owner": "other", "lease_until": at + LEASE,
        "expires_at": at + timedelta(minutes=10), "created_at": at, "attempts": 1})
    await seeded.payments.update_one({"payment_id": payment_id}, {"$set": {"charging_at": at}})
    answered = await turn("yes")
    assert "is going through" in answered["reply"]
    assert answered["actions"][0]["status"] == "pending"
    assert await seeded.db["gateway_charges"].count_documents({}) == 0
    # The other process died; the settler finishes its charge once the lease has run out.
    await seeded.actions.update_one({"key": f"charge:{payment_id}"},
                                    {"$set": {"lease_until": at - timedelta(seconds=1)}})
    await seeded.payments.update_one({"payment_id": payment_id},
                                     {"$set": {"charging_at": at - LEASE * 2}})
    assert await settle_interrupted(alice.services) == {"payments_settled": 1}
    payment = await seeded.payments.find_one({"payment_id": payment_id})
    assert payment is not None and payment["status"] == "paid"
    later = await turn("hello")
    assert f"went through. Your order number is {payment['order_id']}" in later["reply"]
    assert later["actions"][0]["status"] == "paid"
    again = await turn("hello")
    assert payment_id not in again["reply"]
    assert await seeded.db["gateway_charges"].count_documents({}) == 1


async def test_money_and_inbox_collections_journal_every_write(store: Store) -> None:
    for name in ("payments", "gateway_charges", "actions", "orders", "loyalty_ledger",
                 "wa_inbound"):
        assert store.db[name].write_concern.document == {"w": "majority", "j": True}, name
    assert store.payments.write_concern.document == {"w": "majority", "j": True}
    assert store.db["sessions"].write_concern.document == {}  # the deployment's default
    assert durable_writes().document == {"w": "majority", "j": True}
    written = await store.payments.insert_one({"payment_id": "PAY-WC", "idempotency_key": "wc"})
    assert written.acknowledged  # the embedded server takes a majority of one


async def test_reads_go_to_the_primary_whatever_the_uri_asks() -> None:
    """A turn reads back the lease it wrote, a payment its charge: never from a secondary."""
    asked = Store.connect("mongodb://a,b,c/?replicaSet=rs0&readPreference=secondaryPreferred",
                          "shop")
    try:
        assert asked.client.read_preference.mongos_mode == "secondaryPreferred"
        for name in ("sessions", "payments", "wa_inbound", "rate_limits", "handoff_tickets"):
            assert asked.db[name].read_preference.mongos_mode == "primary", name
    finally:
        await asked.close()


async def test_the_settler_runs_at_once_and_then_periodically(alice: ToolContext) -> None:
    await dead_claim(alice.store, "pos:T1", "pos", "demo-alice")
    task = asyncio.create_task(settle_forever(alice.services, every_s=0.1))
    try:
        for _ in range(100):
            if await alice.store.actions.count_documents({}) == 0:
                break
            await asyncio.sleep(0.05)
        assert await alice.store.actions.count_documents({}) == 0
        await dead_claim(alice.store, "pos:T2", "pos", "demo-alice")  # a later crash
        for _ in range(100):
            if await alice.store.actions.count_documents({}) == 0:
                break
            await asyncio.sleep(0.05)
        assert await alice.store.actions.count_documents({}) == 0
    finally:
        task.cancel()


async def test_a_refund_repeated_under_its_key_refunds_once(alice: ToolContext) -> None:
    gateway = alice.services.gateway
    charged = await gateway.charge(card_token="4242424242424242", amount_cents=5000,
                                   currency="USD", idempotency_key="PAY-R1")
    for _ in range(3):
        refunded = await gateway.refund(reference=charged["reference"], amount_cents=2000,
                                        currency="USD", idempotency_key="RET-1")
        assert refunded["status"] == "refunded"
    charge = await alice.store.db["gateway_charges"].find_one({"_id": "PAY-R1"})
    assert charge is not None and charge["refunded_cents"] == 2000


async def test_a_notice_another_process_recorded_reaches_the_session_after_a_refresh(
        alice: ToolContext, turn: Say) -> None:
    await interrupted_checkout(alice, charged=True)
    await settle_interrupted(alice.services)
    notices._waiting.clear()  # as in a worker that neither recorded nor refreshed it
    assert "went through" not in (await turn("hello", session="s9"))["reply"]
    session = alice.session_id
    assert "went through" not in (await turn("hello", session=session))["reply"]
    await settle_interrupted(alice.services)  # the settler's round refreshes what is waiting
    told = await turn("hello", session=session)
    assert "your payment of $" in told["reply"] and "went through" in told["reply"]


async def test_a_redemption_a_crash_interrupted_is_finished_once(alice: ToolContext) -> None:
    asked = await redeem_rewards(alice, "rw-10off")
    await claim_confirmation(alice, asked["confirmation_id"])  # the yes, then the crash
    await dead_claim(alice.store, f"redeem:{asked['confirmation_id']}", "redeem", "demo-alice")
    assert await settle_interrupted(alice.services) == {"claims_finished": 1}
    assert await settle_interrupted(alice.services) == {}
    assert await balance_of(alice) == 1500
    assert await alice.store.db["vouchers"].count_documents({}) == 1
    replay = await confirm(alice, asked["confirmation_id"])  # the yes said again
    assert replay["type"] == "points" and replay["balance"] == 1500
    assert await alice.store.db["vouchers"].count_documents({}) == 1


@pytest.mark.slow
async def test_a_long_act_keeps_its_claim_by_renewing_its_lease(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(claims_module, "LEASE", timedelta(seconds=0.6))
    runs: list[int] = []

    async def slow() -> dict[str, Any]:
        runs.append(1)
        await asyncio.sleep(1.5)  # well past one lease
        return {"type": "done"}

    first = asyncio.create_task(store.once("call:C2", "call", "demo-alice", slow))
    await asyncio.sleep(1.0)
    with pytest.raises(ActionInFlightError):  # not taken over: the holder renews its lease
        await store.once("call:C2", "call", "demo-alice", slow, wait_s=0.2)
    assert await first == {"type": "done"} and runs == [1]
