"""The conversation archive: every turn kept, on every channel, and `GET /chat/history` over it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.api_support import (
    ALICE_WA,
    API_KEY,
    Api,
    assert_error,
    change,
    running_api,
    text_message,
    until,
    webhook,
)
from tests.api_support import api_settings as with_secrets
from tools import transcripts
from tools.context import session_key
from tools.store import Doc, Store
from tools.transcripts import COLLECTION, TTL_INDEX, entry

AUTH = {"Authorization": f"Bearer {API_KEY}"}


async def _archived(api: Api, query: Doc, count: int = 1) -> list[Doc]:
    rows: list[Doc] = []

    async def enough() -> bool:
        nonlocal rows
        rows = await api.store.db[COLLECTION].find(query).sort("at", 1).to_list()
        return len(rows) >= count

    await until(enough, 10, f"{count} archive entries for {query}")
    return rows


async def _history(api: Api, session: str = "s1", user: str = "demo-alice",
                   **headers: str) -> httpx.Response:
    return await api.client.get("/chat/history", params={"session_id": session, "user_id": user},
                                headers=AUTH | headers)


async def test_a_web_turn_is_archived_with_how_it_went(api: Api) -> None:
    said = (await api.chat("where is my order ORD-1002?")).json()
    [row] = await _archived(api, {"channel": "web", "user_id": "demo-alice"})
    assert row["kind"] == "turn" and row["session_id"] == "s1"
    assert row["session_key"] == session_key("web", "demo-alice", "s1")
    assert row["text"] == "where is my order ORD-1002?" and row["reply"] == said["reply"]
    assert row["route"] == "fulfillment" and row["agent"] == said["agent_used"]
    assert row["routed_by"] == "classifier" and 0.5 < row["confidence"] <= 1
    assert row["answered_by"] == "offline" and row["tokens"] == 0
    assert row["language"] == "en" and row["mode"] == "assistant" == said["mode"]
    assert [a["type"] for a in row["actions"]] == [a["type"] for a in said["actions"]]
    assert any(a.get("order_id") == "ORD-1002" for a in row["actions"])
    assert 0 < row["latency_ms"] < 10_000 and row["replied_at"] >= row["at"]


async def test_a_whatsapp_turn_is_archived_under_its_channel(api: Api) -> None:
    payload = webhook(change([text_message("wamid.arch1", ALICE_WA, "how many points do I have?")],
                             names={ALICE_WA: "Alice"}))
    assert (await api.whatsapp(payload)).status_code == 200
    await api.settled()
    [row] = await _archived(api, {"channel": "whatsapp"})
    assert (row["user_id"], row["session_id"]) == ("demo-alice", "wa")
    assert row["text"] == "how many points do I have?" and row["route"] == "loyalty"
    sent = api.sent()
    assert len(sent) == 1 and row["reply"] and row["reply"][:40] in str(sent[0])


async def test_history_is_the_conversation_oldest_first(api: Api) -> None:
    first = (await api.chat("hello")).json()
    second = (await api.chat("where is my order ORD-1002?")).json()
    await _archived(api, {"user_id": "demo-alice"}, 2)
    response = await _history(api)
    assert response.status_code == 200
    messages = response.json()["messages"]
    assert [(m["role"], m["text"]) for m in messages] == [
        ("customer", "hello"), ("assistant", first["reply"]),
        ("customer", "where is my order ORD-1002?"), ("assistant", second["reply"])]
    assert all(set(m) == {"role", "text", "at", "actions"} for m in messages)
    stamps = [datetime.fromisoformat(m["at"]) for m in messages]
    assert stamps == sorted(stamps) and all(s.tzinfo is not None for s in stamps)
    assert messages[3]["actions"] == second["actions"] and messages[2]["actions"] == []


async def test_history_is_the_newest_hundred_messages(api: Api) -> None:
    thread = session_key("web", "demo-alice", "long")
    start = datetime.now(UTC) - timedelta(hours=1)
    await api.store.db[COLLECTION].insert_many([
        entry("turn", thread, "web", "demo-alice", "long", at=start + timedelta(seconds=i),
              replied_at=start + timedelta(seconds=i, milliseconds=5), text=f"q{i}",
              reply=f"a{i}", actions=[]) for i in range(80)])
    messages = (await _history(api, "long")).json()["messages"]
    assert len(messages) == 100
    assert [m["text"] for m in messages[:2]] == ["q30", "a30"]
    assert [m["text"] for m in messages[-2:]] == ["q79", "a79"]


async def test_another_customers_session_of_the_same_id_is_not_shown(api: Api) -> None:
    await api.chat("hello", user="demo-bob", session="shared-id")
    await _archived(api, {"user_id": "demo-bob"})
    assert (await _history(api, "shared-id")).json() == {"messages": [], "mode": "assistant"}
    bobs = (await _history(api, "shared-id", user="demo-bob")).json()["messages"]
    assert [m["text"] for m in bobs][:1] == ["hello"]


async def test_history_needs_the_key_and_valid_ids(api: Api) -> None:
    assert_error(await _history(api, Authorization="Bearer wrong"), 401)
    assert_error(await api.client.get("/chat/history", params={"session_id": "s1"},
                                      headers=AUTH), 422)
    assert_error(await _history(api, "bad id!"), 422)


async def test_the_archive_expires_after_the_configured_days(settings: Any, seeded: Any,
                                                              monkeypatch: Any) -> None:
    configured = with_secrets(settings, transcript_retention_days=7)
    async with running_api(configured, seeded, monkeypatch) as api:
        indexes = await api.store.db[COLLECTION].index_information()
        assert indexes[TTL_INDEX]["expireAfterSeconds"] == 7 * 86_400
        assert indexes[TTL_INDEX]["key"] == [("at", 1)]
    longer = with_secrets(settings, transcript_retention_days=30)  # a changed setting applies
    async with running_api(longer, seeded, monkeypatch) as api:
        indexes = await api.store.db[COLLECTION].index_information()
        assert indexes[TTL_INDEX]["expireAfterSeconds"] == 30 * 86_400


async def test_the_archive_queue_is_bounded_and_batched(store: Store, monkeypatch: Any) -> None:
    monkeypatch.setattr(transcripts, "MAX_WAITING", 3)
    archive = transcripts.Archive(store)
    now = datetime.now(UTC)
    for i in range(5):  # all within the writer's gathering time: one insert, two dropped
        archive.append(entry("turn", "k", "web", "u", "s", at=now, text=str(i), reply="r",
                             actions=[{"type": "odd", "when": now, "ids": {1, 2}}]))
    await archive.flush()
    kept = await store.db[COLLECTION].find({}).to_list()
    assert [d["text"] for d in kept] == ["0", "1", "2"] and archive.dropped == 2
    assert kept[0]["actions"][0]["ids"] == "{1, 2}"  # a value BSON cannot hold, as text
