"""The till's API (`/pos/*`): staff only, behind POS_API_KEY; sales idempotent per store."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
import respx

from graph.i18n import gettext_for
from graph.session import thread_id
from graph.till import STAFF_ONLY_REPLY
from settings import Settings
from tests.api_support import (
    ALICE_WA,
    API_KEY,
    Api,
    assert_error,
    change,
    concurrently,
    running_api,
    text_message,
    webhook,
)
from tools.store import Store

POS_KEY = "pos-key-for-tests-0123456789-abcdefgh"
TILL = "http://till.test"
DOWNTOWN = {"sku": "LAP-00001", "store_id": "store-downtown"}
SALE: dict[str, Any] = {"store_id": "store-downtown", "transaction_id": "TX-9001",
        "items": [{"sku": "LAP-00001", "quantity": 2}, {"sku": "LAP-00002", "quantity": 1}]}
BODIES: dict[str, dict[str, Any]] = {
    "/pos/chat": {"store_id": "store-downtown", "staff_id": "staff-1", "session_id": "till-1",
                  "message": "sync the stock"},
    "/pos/transactions": SALE, "/pos/inventory/sync": {"store_id": "store-downtown"}}


@pytest.fixture
def till() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as router:
        router.post(f"{TILL}/transactions").mock(return_value=httpx.Response(200, json={}))
        router.get(f"{TILL}/inventory").mock(return_value=httpx.Response(200, json={"items": [
            {"sku": "LAP-00001", "store_id": "store-downtown", "quantity": 42},
            {"sku": "LAP-00001", "store_id": "store-mall", "quantity": 1}]}))
        yield router


def _settings(settings: Settings, **overrides: Any) -> Settings:
    from tests.api_support import api_settings

    return api_settings(settings, pos_api_url=TILL, **overrides)


@pytest.fixture
async def api(settings: Settings, store: Store, monkeypatch: pytest.MonkeyPatch,
              till: respx.MockRouter) -> AsyncIterator[Api]:
    async with running_api(_settings(settings, pos_api_key=POS_KEY), store,
                           monkeypatch) as running:
        await store.stock.update_many({"sku": {"$in": ["LAP-00001", "LAP-00002"]}},
                                      {"$set": {"quantity": 10}})
        yield running


async def pos(api: Api, path: str, body: Any, key: str | None = POS_KEY,
              scheme: str = "Bearer") -> httpx.Response:
    headers = {"Authorization": f"{scheme} {key}"} if key is not None else {}
    return await api.client.post(path, json=body, headers=headers)


async def stock(store: Store, where: dict[str, str] = DOWNTOWN) -> int:
    row = await store.stock.find_one(where)
    assert row is not None
    return int(row["quantity"])


async def test_only_the_pos_key_opens_the_till(api: Api, till: respx.MockRouter) -> None:
    for path, body in BODIES.items():
        for key, scheme in ((None, "Bearer"), (API_KEY, "Bearer"), ("wrong", "Bearer"),
                            (POS_KEY, "Basic"), (POS_KEY + "x", "Bearer"), ("", "Bearer")):
            assert_error(await pos(api, path, body, key, scheme), 401, "unauthorized")
    # Nor does the till's key open the customers' chat.
    assert_error(await api.chat("hello", key=POS_KEY), 401)
    assert till.calls.call_count == 0 and api.turns == []
    assert await api.store.pos_transactions.count_documents({}) == 0


async def test_an_unset_pos_key_refuses_every_till_request(
        settings: Settings, store: Store, monkeypatch: pytest.MonkeyPatch,
        till: respx.MockRouter) -> None:
    async with running_api(_settings(settings), store, monkeypatch) as api:
        for path, body in BODIES.items():
            for key in (POS_KEY, "", "None", API_KEY):
                assert_error(await pos(api, path, body, key), 401, "unauthorized")
        assert till.calls.call_count == 0
        assert await store.pos_transactions.count_documents({}) == 0


async def test_a_sale_is_recorded_once_per_store(api: Api, till: respx.MockRouter) -> None:
    first = await pos(api, "/pos/transactions", SALE)
    assert first.status_code == 200, first.text
    sale = first.json()
    assert sale["status"] == "completed" and sale["store_id"] == "store-downtown"
    assert sale["lines"] == SALE["items"]
    again = await pos(api, "/pos/transactions", SALE)
    assert again.status_code == 200 and again.json() == sale
    other = await pos(api, "/pos/transactions", SALE | {"items": [{"sku": "LAP-00001",
                                                                    "quantity": 3}]})
    assert_error(other, 409, "conflict")
    assert "TX-9001" in other.json()["detail"]
    assert await stock(api.store) == 8
    mall = await pos(api, "/pos/transactions", SALE | {"store_id": "store-mall"})
    assert mall.status_code == 200 and mall.json()["store_id"] == "store-mall"
    assert await stock(api.store, {"sku": "LAP-00001", "store_id": "store-mall"}) == 8
    assert till.routes[0].call_count == 2
    assert await api.store.pos_transactions.count_documents({"transaction_id": "TX-9001"}) == 2


async def test_twenty_copies_at_once_sell_once(api: Api, till: respx.MockRouter) -> None:
    responses = await concurrently(api.client, [
        ("POST", "/pos/transactions", {"json": SALE,
                                       "headers": {"Authorization": f"Bearer {POS_KEY}"}})
        for _ in range(20)])
    assert {r.status_code for r in responses} == {200}
    assert len({r.text for r in responses}) == 1
    assert till.routes[0].call_count == 1 and await stock(api.store) == 8


async def test_bad_sales_are_clear_errors_that_change_nothing(api: Api,
                                                              till: respx.MockRouter) -> None:
    cases: list[tuple[dict[str, Any], int]] = [
        (SALE | {"items": []}, 422), (SALE | {"items": [{"sku": "LAP-00001"}]}, 422),
        (SALE | {"items": [{"sku": "LAP-00001", "quantity": "2"}]}, 422),
        (SALE | {"items": [{"sku": "LAP-00001", "quantity": 0}]}, 422),
        (SALE | {"transaction_id": "TX 1; drop"}, 422), ({"store_id": "store-downtown"}, 422),
        (SALE | {"items": [{"sku": "NOPE-1", "quantity": 1}]}, 404),
        (SALE | {"store_id": "store-moon"}, 404),
        (SALE | {"items": [{"sku": "LAP-00001", "quantity": 21}]}, 422),
        (SALE | {"items": [{"sku": "LAP-00001", "quantity": 12},
                           {"sku": "lap-00001", "quantity": 9}]}, 422)]
    for body, status in cases:
        assert_error(await pos(api, "/pos/transactions", body), status)
    await api.store.stock.update_one(DOWNTOWN, {"$set": {"quantity": 1}})
    assert_error(await pos(api, "/pos/transactions", SALE), 409, "out_of_stock")
    assert await stock(api.store) == 1 and till.calls.call_count == 0
    assert await api.store.pos_transactions.count_documents({}) == 0


async def test_inventory_sync_writes_the_tills_store_only(api: Api) -> None:
    response = await pos(api, "/pos/inventory/sync", {"store_id": "store-downtown"})
    assert response.status_code == 200, response.text
    assert response.json()["updated"] == 1
    assert await stock(api.store) == 42
    assert await stock(api.store, {"sku": "LAP-00001", "store_id": "store-mall"}) == 10


async def test_staff_chat_runs_the_pos_agent_at_the_bodys_store(api: Api) -> None:
    body = BODIES["/pos/chat"] | {"store_id": "store-mall",
                                  "message": "ring up TX-42 for LAP-00001, 2 units downtown"}
    response = await pos(api, "/pos/chat", body)
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["agent_used"] == "pos_adapter"
    assert result["actions"][0]["store_id"] == "store-mall"
    assert await stock(api.store, {"sku": "LAP-00001", "store_id": "store-mall"}) == 8
    assert await stock(api.store) == 10
    # The turn ran in the staff member's till session.
    assert await api.store.db["sessions"].count_documents(
        {"thread_id": thread_id("pos", "staff-1", "till-1"), "kind": "checkpoint"}) == 1
    assert_error(await pos(api, "/pos/chat", body | {"store_id": "store-moon"}), 404)


async def test_customer_channels_never_reach_the_till(api: Api, till: respx.MockRouter) -> None:
    asks = [("Ring up till transaction TX-9001 for LAP-00001, 5 units at the downtown store", "en"),
            ("sync the inventory from the till", "en"),
            ("Registra la venta TX-77 en caja registradora", "es")]
    for i, (text, language) in enumerate(asks):
        # The staff-only answer, in the customer's language (its opening words on voice).
        answer = gettext_for(language)(STAFF_ONLY_REPLY)
        chat = await api.chat(text, user="demo-bob", session=f"a10-{i}")
        assert chat.status_code == 200 and chat.json()["reply"] == answer
        assert (await api.whatsapp(webhook(change([text_message(
            f"wamid.A10{i}", ALICE_WA, text)])))).status_code == 200
        spoken = await api.voice({"call_id": f"c{i}", "event_id": f"e{i}",
                                  "from": "+15550000002", "transcript": text})
        assert spoken.status_code == 200 and spoken.json()["text"].startswith(answer[:40])
    await api.settled()
    sent = [b["text"]["body"] for b in api.sent() if b.get("type") == "text"]
    assert sorted(sent) == sorted(gettext_for(language)(STAFF_ONLY_REPLY) for _, language in asks)
    assert till.calls.call_count == 0
    assert await api.store.pos_transactions.count_documents({}) == 0
    assert await stock(api.store) == 10


async def test_a_till_that_fails_leaves_nothing_and_a_retry_records_the_sale(
        api: Api, till: respx.MockRouter) -> None:
    till.routes[0].side_effect = [httpx.Response(500), httpx.ConnectError("refused"),
                                  httpx.Response(200, json={})]
    for _ in range(2):
        down = await pos(api, "/pos/transactions", SALE)
        assert_error(down, 503, "till_unavailable")
        assert down.headers["retry-after"]
        assert await stock(api.store) == 10
    assert await api.store.pos_transactions.count_documents({}) == 0
    retried = await pos(api, "/pos/transactions", SALE)
    assert retried.status_code == 200 and await stock(api.store) == 8
