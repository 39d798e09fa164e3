"""The inbox under faults (W12, A16): the Graph API down, busy sessions, dead turns, floods."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest

import channels.leases
import channels.workers
import server
from channels.web import MESSAGE_MAX
from channels.whatsapp import InboundMessage
from checkpoints.turns import Busy
from settings import Settings
from tests.api_support import (
    ALICE_WA,
    BOB_WA,
    Api,
    change,
    concurrently,
    dumps,
    graph_ok,
    status,
    text_message,
    until,
    voice_headers,
    wa_signature,
    webhook,
)
from tests.conftest import Commands
from tests.test_webhooks import delivered, one_message, recording_inbox, voice_turn
from tools.context import Services


class FastClock:
    """Wall time that runs `speed` times as fast as real time, from now."""

    def __init__(self, speed: float) -> None:
        self.speed = speed
        self.start = datetime.now(UTC)
        self.began = time.monotonic()

    def __call__(self) -> datetime:
        return self.start + timedelta(seconds=(time.monotonic() - self.began) * self.speed)


def scaled(api: Api, speed: float) -> FastClock:
    """Run the outbox's send window and every wait `speed` times faster than real time."""
    clock = FastClock(speed)
    api.inbox.outbox.clock = clock
    api.inbox.outbox.time_scale = 1 / speed
    return clock


def unavailable(retry_after: str | None) -> httpx.Response:
    """The Graph API's answer while it is down, in its wire format."""
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    return httpx.Response(503, headers=headers, json={"error": {
        "message": "Service temporarily unavailable", "type": "OAuthException", "code": 2,
        "fbtrace_id": "AbCdEf"}})


# --- W12: the Graph API down for 10 minutes, then down for a day ---------------------------------


async def test_graph_api_down_for_ten_minutes_loses_and_doubles_nothing(api: Api) -> None:
    clock = scaled(api, speed=2000)  # 10 minutes in 0.3 s
    up_at = clock() + timedelta(minutes=10)
    attempts: dict[str, list[tuple[datetime, float]]] = defaultdict(list)  # to: (when, told)

    def graph(request: httpx.Request) -> httpx.Response:
        now = clock()
        to = json.loads(request.content)["to"]
        if now >= up_at:
            attempts[to].append((now, 0.0))
            return graph_ok(request)
        # Alternately delay-seconds and an HTTP date, both 45 s ahead.
        told = 45.0
        header = "45" if len(attempts[to]) % 2 else format_datetime(
            now + timedelta(seconds=told), usegmt=True)
        attempts[to].append((now, told))
        return unavailable(header)

    api.graph_api.side_effect = graph
    senders = [ALICE_WA, BOB_WA, "447700900123", "447700900124", "447700900125"]
    for i, sender in enumerate(senders):
        assert (await api.whatsapp(one_message(wamid=f"wamid.O{i}", sender=sender,
                                               text="hello"))).status_code == 200
    await delivered(api, *(f"wamid.O{i}" for i in range(len(senders))))
    outbox = await api.store.db["wa_outbox"].find({}).to_list()
    assert len(outbox) == len(senders) and all(d["state"] == "sent" for d in outbox)
    sent = [r for r in api.graph_api.calls if r.response.status_code == 200]
    assert sorted(json.loads(r.request.content)["to"] for r in sent) == sorted(senders)
    for to in senders:
        tries = attempts[to]
        assert len(tries) >= 3, to  # retried through the outage
        # Retry-After was honoured: never asked again before the time the API gave (the
        # scaled clock reads a little late, never early).
        for (at, told), (next_at, _) in zip(tries, tries[1:], strict=False):
            assert (next_at - at).total_seconds() >= told * 0.95, (to, at, next_at)
        assert tries[-1][0] >= up_at and tries[-2][0] < up_at
    assert len(api.turns) == len(senders)  # the retries resent the stored reply


@pytest.mark.slow
async def test_a_reply_failing_for_a_day_is_marked_failed_with_the_cause_logged(
        api: Api, caplog: pytest.LogCaptureFixture) -> None:
    clock = scaled(api, speed=50_000)  # a day in under 2 s
    asked: list[datetime] = []

    def down(request: httpx.Request) -> httpx.Response:
        asked.append(clock())
        return unavailable(None)

    api.graph_api.side_effect = down
    began = clock()
    with caplog.at_level(logging.ERROR, logger="channels.outbox"):
        assert (await api.whatsapp(one_message(wamid="wamid.X1"))).status_code == 200

        async def failed() -> bool:
            doc = await api.store.db["wa_outbox"].find_one({"_id": "wamid.X1"})
            return doc is not None and doc["state"] == "failed"

        await until(failed, 60.0, "the reply marked failed")
        await api.settled()
    doc = await api.store.db["wa_outbox"].find_one({"_id": "wamid.X1"})
    assert doc is not None and "503" in doc["error"]
    assert doc["attempts"] == api.graph_api.call_count > 100  # backoff capped at 5 minutes
    # Retried for the whole day from when the reply was queued, and not much longer (a real
    # millisecond is 50 s here).
    queued = doc["queued_at"]
    assert began < queued and asked[0] - queued < timedelta(minutes=30)
    assert timedelta(hours=23, minutes=30) <= asked[-1] - queued <= timedelta(hours=24, minutes=30)
    (record,) = [r for r in caplog.records if "wamid.X1" in r.getMessage()]
    assert "failed for good" in record.getMessage() and "status=503" in record.getMessage()


async def test_a_sent_reply_is_never_sent_again(api: Api) -> None:
    assert (await api.whatsapp(one_message(wamid="wamid.S1"))).status_code == 200
    await delivered(api, "wamid.S1")

    async def again() -> None:  # a sweep, a second worker, a restart
        await api.inbox.deliver("wamid.S1")
        api.inbox.workers.send("wamid.S1")

    api.client.blocking_portal.call(again)
    await api.settled()
    assert api.graph_api.call_count == 1


# --- a busy session is retried promptly ----------------------------------------------------------


async def test_a_message_whose_session_was_busy_is_retried_within_seconds(api: Api) -> None:
    real_turn = api.inbox.turn
    calls: list[float] = []

    async def busy_once(phone: str, name: str, text: str) -> dict[str, Any]:
        calls.append(time.monotonic())
        if len(calls) == 1:
            raise Busy("whatsapp:demo-alice:wa")  # the session's queue was full
        return dict(await real_turn(phone, name, text))

    api.inbox.turn = busy_once
    assert (await api.whatsapp(one_message(wamid="wamid.B1"))).status_code == 200
    await delivered(api, "wamid.B1")
    assert len(calls) == 2 and calls[1] - calls[0] < 5.0
    assert api.graph_api.call_count == 1
    inbound = await api.store.db["wa_inbound"].find_one({"_id": "wamid.B1"})
    assert inbound is not None and inbound["state"] == "done"
    assert inbound["tries"] == 1 and inbound["waits"] == 1  # a busy session costs no try


@pytest.mark.slow
async def test_a_chatty_sender_does_not_hold_every_worker(api: Api) -> None:
    """Six messages from one sender and then one from another: the other is answered before
    the six are, the six one at a time and in order."""
    began: list[str] = []
    running: dict[str, int] = defaultdict(int)
    most = 0

    async def turn(phone: str, name: str, text: str) -> dict[str, Any]:
        nonlocal most
        began.append(text)
        running[phone] += 1
        most = max(most, running[phone])
        try:
            await asyncio.sleep(0.3)  # a model taking its time
            return {"reply": f"About {text}.", "actions": [], "awaiting_confirmation": False}
        finally:
            running[phone] -= 1

    api.inbox.turn = turn
    chatty = [text_message(f"wamid.C{i}", ALICE_WA, f"question {i}") for i in range(6)]
    assert (await api.whatsapp(webhook(change(chatty)))).status_code == 200
    assert (await api.whatsapp(one_message(wamid="wamid.other", sender=BOB_WA,
                                           text="just one"))).status_code == 200
    await delivered(api, "wamid.other", *(f"wamid.C{i}" for i in range(6)))
    assert most == 1
    assert [t for t in began if t.startswith("question")] == [f"question {i}" for i in range(6)]
    assert began.index("just one") < 3
    assert api.graph_api.call_count == 7


# --- the voice webhook: a dead turn is taken over ------------------------------------------------


async def test_voice_event_whose_turn_died_is_taken_over_by_the_retry(api: Api) -> None:
    events = api.store.db["voice_events"]
    lapsed = datetime.now(UTC) - timedelta(seconds=1)
    await events.insert_many([
        # a server killed mid-turn: its lease was not renewed
        {"_id": "evt-dead", "state": "started", "lease": "killed", "lease_until": lapsed},
        # a row left by a server before leases existed (answered 409 for ever)
        {"_id": "evt-old", "state": "started"}])
    for event_id in ("evt-dead", "evt-old"):
        response = await api.voice(voice_turn(event_id))
        assert response.status_code == 200, response.text
        assert "ORD-1002" in response.json()["text"]
        again = await api.voice(voice_turn(event_id))
        assert again.status_code == 200 and again.json() == response.json()
    assert len(api.turns) == 2
    assert await events.count_documents({"state": "done"}) == 2


@pytest.mark.slow
async def test_voice_retry_while_the_first_is_alive_gets_the_first_answer(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    recorded = server.run_turn

    async def slow(*args: Any, **kwargs: Any) -> Any:
        await asyncio.sleep(1.5)  # past a heartbeat: the lease is renewed, not lost
        return await recorded(*args, **kwargs)

    monkeypatch.setattr(server, "run_turn", slow)
    monkeypatch.setattr(channels.leases, "HEARTBEAT_S", 0.2)
    monkeypatch.setattr(channels.leases, "LEASE", timedelta(seconds=0.5))
    raw = dumps(voice_turn("evt-live"))
    requests = [("POST", "/webhook/superu", {
        "content": raw, "headers": voice_headers(raw, str(int(time.time())))})] * 3
    responses = await concurrently(api.client, requests)
    assert [r.status_code for r in responses] == [200] * 3
    assert responses[0].json() == responses[1].json() == responses[2].json()
    assert len(api.turns) == 1


# --- A16: malformed but signed content -----------------------------------------------------------


async def test_nul_and_wrong_types_are_acknowledged_and_the_rest_processed(api: Api) -> None:
    nul_status = status("wamid.out-1", "deli\x00vered") | {"bad\x00key": {"x": 1},
                                                             "errors": [{"code": 131047}]}
    wrong = [{"from": 15550000001, "id": "wamid.W1", "type": "text", "text": {"body": "a"}},
             {"from": ALICE_WA, "id": ["wamid.W2"], "type": "text", "text": {"body": "b"}},
             {"from": ALICE_WA, "id": "wamid.W3", "type": "text", "text": ["not", "a", "body"]},
             {"from": ALICE_WA, "id": "wamid.W\x004", "type": "text", "text": {"body": "c"}},
             7, "text", None]
    good = text_message("wamid.W5", BOB_WA, "track order\x00 ORD-1003")
    payload = webhook(change([*wrong, good], statuses=[nul_status]))  # type: ignore[list-item]
    payload["entry"].append({"id": "x", "changes": "not a list"})
    payload["entry"].append("not an entry")
    response = await api.whatsapp(payload)
    assert response.status_code == 200 and response.json() == {"status": "received"}
    await delivered(api, "wamid.W5")
    stored = await api.store.db["wa_inbound"].find({}).to_list()
    # W3's text is unreadable: kept, and answered politely without a turn
    assert sorted(d["_id"] for d in stored) == ["wamid.W3", "wamid.W5"]
    assert [t.message for t in api.turns] == ["track order ORD-1003"]
    (kept,) = await api.store.db["wa_statuses"].find({}).to_list()
    assert kept["status"] == {"id": "wamid.out-1", "status": "delivered",
                              "timestamp": nul_status["timestamp"], "recipient_id": ALICE_WA,
                              "error_codes": [131047]}


async def test_a_megabyte_text_is_cut_like_a_chat_message_and_answered(api: Api) -> None:
    text = "track order ORD-1002 " + "please " * 150_000
    assert len(text) > 1_000_000
    assert (await api.whatsapp(one_message(wamid="wamid.L1", text=text))).status_code == 200
    await delivered(api, "wamid.L1")
    stored = await api.store.db["wa_inbound"].find_one({"_id": "wamid.L1"})
    assert stored is not None and stored["text"] == text[:MESSAGE_MAX]
    assert [t.message for t in api.turns] == [text[:MESSAGE_MAX]]
    assert api.graph_api.call_count == 1


async def test_deep_json_is_acknowledged_and_stores_nothing(api: Api) -> None:
    deep: Any = "x"
    for _ in range(60):  # under the interpreter's limit, over the webhook's
        deep = {"a": deep}
    payload = webhook(change([text_message("wamid.D1", ALICE_WA, "hi")],
                             statuses=[status("wamid.out-2") | {"nested": deep}]))
    for raw in (dumps(payload), b'{"a":' * 200_000 + b"1" + b"}" * 200_000):
        response = await api.whatsapp(raw)
        assert response.status_code == 200 and response.json() == {"status": "received"}
    await api.settled()
    assert await api.store.db["wa_inbound"].count_documents({}) == 0
    assert await api.store.db["wa_statuses"].count_documents({}) == 0


async def test_accept_stores_a_webhook_in_one_insert_ignoring_redeliveries(
        watched: tuple[Services, Commands], settings: Settings) -> None:
    services, commands = watched
    inbox, _ = recording_inbox(services, settings)

    def message(i: int) -> InboundMessage:
        return InboundMessage(id=f"wamid.bulk{i}", sender=f"+1555000{i:04d}", text="hi",
                              kind="text", timestamp=0, name=None)

    assert await inbox.accept([message(i) for i in range(10)], []) == [
        f"wamid.bulk{i}" for i in range(10)]
    commands.names.clear()
    again = [message(i) for i in range(5, 15)] + [message(14)]
    assert await inbox.accept(again, []) == [f"wamid.bulk{i}" for i in range(10, 15)]
    assert commands.names.count("insert") == 1
    assert await services.store.db["wa_inbound"].count_documents({}) == 15


@pytest.mark.slow
async def test_a_webhook_with_2000_messages_is_worked_a_few_at_a_time(api: Api) -> None:
    """A16: acknowledged once stored; a bounded pool; `/health` answers within 1 s meanwhile."""
    running, most, done = 0, 0, 0

    async def turn(phone: str, name: str, text: str) -> dict[str, Any]:
        nonlocal running, most, done
        running += 1
        most = max(most, running)
        try:
            await asyncio.sleep(0.02)  # a quick model
            return {"reply": "Noted.", "actions": [], "awaiting_confirmation": False}
        finally:
            running -= 1
            done += 1

    api.inbox.turn = turn
    payload = webhook(change([text_message(f"wamid.flood{i}", f"1555{i:07d}", f"hello {i}")
                              for i in range(2000)]))
    raw = dumps(payload)
    started = time.monotonic()
    response = await api.client.post("/webhook/whatsapp", content=raw, headers={
        "Content-Type": "application/json", "X-Hub-Signature-256": wa_signature(raw)})
    ack_s = time.monotonic() - started
    assert response.status_code == 200
    assert await api.store.db["wa_inbound"].count_documents({}) == 2000
    health: list[float] = []
    while len(health) < 20:
        began = time.monotonic()
        assert (await api.client.get("/health")).status_code == 200
        health.append(time.monotonic() - began)
        await asyncio.sleep(0.1)
    assert max(health) < 1.0, health
    assert 0 < done < 2000 and most <= channels.workers.WORKERS
    print(f"A16: ack {ack_s:.2f} s for 2,000 messages; /health max {max(health) * 1000:.0f} ms "
          f"over {len(health)} probes; {done} turns done meanwhile, at most {most} at once")
