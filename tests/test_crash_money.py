"""M1: the embedded database killed with SIGKILL mid-checkout, restarted, and settled."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from checkpoints.embedded import EmbeddedServer, start_embedded
from graph.builder import build_graph
from graph.session import Graph, make_saver, run_turn
from settings import Settings
from tools.context import Services
from tools.gateway import SandboxGateway
from tools.seed import seed
from tools.settle import settle_interrupted
from tools.store import Store

CUSTOMERS = 40
KILL_AFTER_CHARGES = 12
SETTLED_WITHIN_S = 60.0
ANSWERED_WITHIN_S = 30.0

pytestmark = pytest.mark.slow


def kill(server: EmbeddedServer) -> None:
    """SIGKILL the database process, as a crash or an OOM killer would."""
    assert server.process is not None
    os.kill(server.process.pid, signal.SIGKILL)
    server.process.wait()


async def open_shop(uri: str, settings: Settings, http: httpx.AsyncClient,
                    gateway: type[SandboxGateway] = SandboxGateway) -> tuple[Services, Graph]:
    store = Store.connect(uri, "m1")
    await store.ensure_indexes()
    services = Services(store=store, settings=settings, gateway=gateway(store), http=http)
    saver = make_saver(store.db)
    await saver.setup()
    return services, build_graph(services).compile(checkpointer=saver)


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


def customer_ids() -> list[str]:
    return [f"m1-{i:02d}" for i in range(CUSTOMERS)]


def channel_of(customer: str) -> tuple[str, str]:
    """Every fourth customer checks out on WhatsApp, the others on the web."""
    return ("whatsapp", "wa") if int(customer[-2:]) % 4 == 0 else ("web", "s")


async def add_customers(store: Store) -> None:
    """Forty customers like Alice: a saved card and her cart."""
    alice = await store.customers.find_one({"_id": "demo-alice"})
    cart = await store.carts.find_one({"_id": "demo-alice"})
    assert alice is not None and cart is not None and cart["items"]
    await store.customers.insert_many([
        alice | {"_id": cid, "phone": f"+1555900{int(cid[-2:]):04d}",
                 "email": f"{cid}@example.com"} for cid in customer_ids()])
    await store.carts.insert_many([cart | {"_id": cid} for cid in customer_ids()])


async def test_acknowledged_money_and_inbox_writes_survive_sigkill(tmp_path: Path) -> None:
    server = start_embedded(tmp_path)
    store = Store.connect(server.uri, "dur")
    acknowledged: dict[str, list[str]] = {}
    money = ("payments", "gateway_charges", "actions", "orders", "loyalty_ledger", "wa_inbound")

    async def write(name: str, i: int) -> None:
        await store.db[name].insert_one({"_id": f"{name}-{i}", "key": f"{name}-{i}", "n": i})
        acknowledged.setdefault(name, []).append(f"{name}-{i}")

    await asyncio.gather(*(write(name, i) for i in range(200) for name in money))
    kill(server)  # right after the last acknowledgement
    await store.close()
    again = start_embedded(tmp_path)
    try:
        after = Store.connect(again.uri, "dur")
        for name in money:
            kept = set(await after.db[name].distinct("_id"))
            assert set(acknowledged[name]) <= kept, f"{name}: acknowledged writes lost"
        await after.close()
    finally:
        again.stop()


async def test_m1_checkouts_killed_mid_way_are_settled_once(
        tmp_path: Path, http: httpx.AsyncClient) -> None:
    settings = Settings(_env_file=None, db_name="m1", data_dir=tmp_path)  # type: ignore[call-arg]
    server = start_embedded(tmp_path)
    charged: list[str] = []

    class KillingGateway(SandboxGateway):
        """The sandbox gateway; the database dies right after its 12th acknowledged charge."""

        async def charge(self, **kwargs: Any) -> dict[str, Any]:
            outcome = await super().charge(**kwargs)
            charged.append(kwargs["idempotency_key"])
            if len(charged) == KILL_AFTER_CHARGES:
                kill(server)
            return outcome

    services, graph = await open_shop(server.uri, settings, http, KillingGateway)
    await seed(services.store)
    await add_customers(services.store)

    async def checkout(customer: str) -> None:
        channel, session = channel_of(customer)
        for message in ("checkout and pay for my cart", "yes"):
            await run_turn(graph, customer_id=customer, session_id=session, message=message,
                           channel=channel)

    outcomes = await asyncio.gather(*(checkout(c) for c in customer_ids()),
                                    return_exceptions=True)
    assert server.process is not None and server.process.poll() is not None, "never killed"
    assert any(isinstance(o, Exception) for o in outcomes)  # the crash interrupted checkouts
    await services.store.close()

    restarted = start_embedded(tmp_path)  # the same storage, a new process
    try:
        services, graph = await open_shop(restarted.uri, settings, http)
        store = services.store
        # Every charge the gateway acknowledged before the kill is still recorded.
        assert set(charged) <= set(await store.db["gateway_charges"].distinct("_id"))

        async def say(customer: str, message: str) -> tuple[str, str]:
            channel, session = channel_of(customer)
            result = await run_turn(graph, customer_id=customer, session_id=session,
                                    message=message, channel=channel)
            return customer, result["reply"]

        # At once, before any settling, every session answers. Half say yes again: it meets
        # its charge still leased to the dead process, or takes it over. The others say
        # something else, and their charges are left to the settler.
        restarted_at = time.monotonic()
        again = dict(await asyncio.gather(*(say(c, "yes" if int(c[-2:]) % 2 else "hello")
                                            for c in customer_ids())))
        answered_in = time.monotonic() - restarted_at
        assert all(reply.strip() for reply in again.values())
        assert answered_in < ANSWERED_WITHIN_S
        started = time.monotonic()
        while True:  # the settler, as the API's lifespan runs it (here every 2 s)
            await settle_interrupted(services)
            stuck = await store.actions.count_documents({"state": "started"})
            unsettled = await store.payments.count_documents(
                {"status": "pending", "charging_at": {"$exists": True}})
            if not stuck and not unsettled:
                break
            assert time.monotonic() - started < SETTLED_WITHIN_S, (stuck, unsettled)
            await asyncio.sleep(2)

        charges = await store.db["gateway_charges"].find({}).to_list()
        assert len(charges) >= KILL_AFTER_CHARGES
        for charge in charges:  # every charge settled once: paid, one order, points once
            payment = await store.payments.find_one({"payment_id": charge["_id"]})
            assert payment is not None and payment["status"] == "paid", charge["_id"]
            orders = await store.orders.find({"payment_id": charge["_id"]}).to_list()
            assert [o["order_id"] for o in orders] == [payment["order_id"]]
            assert await store.loyalty_ledger.count_documents(
                {"_id": f"earn:{charge['_id']}"}) == 1
        paid = await store.payments.count_documents({"status": "paid"})
        assert paid == len(charges)  # charges per paid order = 1
        assert await store.orders.count_documents({"customer_id": {"$in": customer_ids()}}) == paid

        notices = await store.notices.find({}).to_list()
        # What each notice names: the order a paid payment made, else the amount not charged.
        named: dict[str, str] = {}
        # Customers told on their channel: WhatsApp through the outbox, the web at the next reply.
        for notice in notices:
            payment = await store.payments.find_one({"payment_id": notice["_id"]})
            assert payment is not None
            named[notice["_id"]] = (payment["order_id"] if payment["status"] == "paid"
                                    else f"${payment['total_cents'] / 100:,.2f}")
            if payment["channel"] == "whatsapp":
                sent = await store.db["wa_outbox"].find_one({"_id": f"notice:{notice['_id']}"})
                assert sent is not None and named[notice["_id"]] in sent["body"]["text"]["body"]

        replies = dict(await asyncio.gather(*(say(c, "hello") for c in customer_ids())))
        assert all(reply.strip() for reply in replies.values())  # none raised, none empty
        assert notices  # the settler settled some, and told their customers
        for notice in notices:
            if notice["state"] == "pending":
                assert named[notice["_id"]] in replies[notice["customer_id"]]
        assert await store.notices.count_documents({"state": "pending"}) == 0
        print(f"\nM1: {len(charged)} charges before the kill, {len(charges)} after; "
              f"{paid} paid; {len(notices)} customers told; every session answered in "
              f"{answered_in:.1f} s; settled in {time.monotonic() - started:.1f} s")
        await store.close()
    finally:
        restarted.stop()
