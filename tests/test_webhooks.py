"""The WhatsApp and voice webhooks through the real app, with the Graph API faked by respx."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

import channels.inbox
import channels.leases
import channels.workers
from channels.limits import MemoryLimits
from channels.whatsapp import InboundMessage
from settings import Settings
from tests.api_support import (
    ALICE_WA,
    APP_SECRET,
    BOB_WA,
    SUPERU_SECRET,
    VERIFY_TOKEN,
    Api,
    api_settings,
    assert_error,
    assert_no_leak,
    button_reply,
    change,
    concurrently,
    dumps,
    frozen_rate_window,
    graph_ok,
    running_api,
    status,
    text_message,
    until,
    voice_headers,
    wa_signature,
    webhook,
)
from tests.conftest import Commands
from tools.context import Services
from tools.store import Store


@pytest.fixture
async def unconfigured(settings: Settings, seeded: Store,
                       monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Api]:
    """The API with no webhook secrets configured."""
    async with running_api(api_settings(settings, secrets=False), seeded, monkeypatch) as running:
        yield running


def one_message(wamid: str = "wamid.A1", sender: str = ALICE_WA,
                text: str = "where is my order ORD-1002?") -> dict[str, Any]:
    return webhook(change([text_message(wamid, sender, text)], names={sender: "Alice"}))


async def outbox_states(api: Api) -> dict[str, str]:
    return {d["_id"]: d["state"] async for d in api.store.db["wa_outbox"].find({})}


async def sent_ids(api: Api, *wamids: str) -> bool:
    states = await outbox_states(api)
    return all(states.get(w) == "sent" for w in wamids)


async def delivered(api: Api, *wamids: str) -> None:
    """Wait until each message's reply was sent and no background job is left."""
    await until(lambda: sent_ids(api, *wamids), 30.0, f"replies to {wamids} sent")
    await api.settled()


def voice_turn(event_id: str = "evt-1", transcript: str = "where is my order ORD-1002?",
               caller: str = "+15550000001") -> dict[str, Any]:
    return {"call_id": "call-1", "event_id": event_id, "from": caller, "transcript": transcript}


# --- W1: the handshake ---------------------------------------------------------------------------


@pytest.mark.parametrize(("mode", "token", "expected"), [
    ("subscribe", VERIFY_TOKEN, 200),
    ("subscribe", VERIFY_TOKEN + "x", 403),
    ("subscribe", "", 403),
    ("unsubscribe", VERIFY_TOKEN, 403),
], ids=["right", "wrong-token", "empty-token", "wrong-mode"])
async def test_handshake(api: Api, mode: str, token: str, expected: int) -> None:
    response = await api.client.get("/webhook/whatsapp", params={
        "hub.mode": mode, "hub.verify_token": token, "hub.challenge": "1158201444"})
    assert response.status_code == expected
    if expected == 200:
        assert response.text == "1158201444"
        assert response.headers["content-type"].startswith("text/plain")
    else:
        assert "1158201444" not in response.text


# --- W2: forged signatures -----------------------------------------------------------------------


async def test_forged_signatures_reach_nothing(api: Api) -> None:
    payload = one_message()
    raw = dumps(payload)
    reserialised = json.dumps(json.loads(raw), indent=2).encode()
    import hashlib
    import hmac

    sha1 = "sha1=" + hmac.new(APP_SECRET.encode(), raw, hashlib.sha1).hexdigest()
    forged = {
        "none": None,
        "wrong": wa_signature(raw, secret="not-the-secret"),
        "sha1-only": sha1,
        "re-serialised": wa_signature(reserialised),
        "garbage": "sha256=zz",
        "bare-hex": wa_signature(raw).removeprefix("sha256="),
    }
    for name, signature in forged.items():
        response = await api.whatsapp(raw, signature=signature)
        assert response.status_code in (401, 403), name
        assert_error(response, response.status_code)
    await api.settled()
    assert await api.store.db["wa_inbound"].count_documents({}) == 0
    assert await api.store.db["wa_outbox"].count_documents({}) == 0
    assert api.graph_api.call_count == 0 and api.turns == []


# --- W3: the HMAC is over the raw bytes ----------------------------------------------------------


@pytest.mark.parametrize("text", ["Café crème, s'il vous plaît", "أريد حاسوبا محمولا للبرمجة",
                                  "laptop 💻🔥 under $1000 👍🏽"],
                         ids=["latin", "arabic", "emoji"])
async def test_valid_signature_over_non_ascii_bodies(api: Api, text: str) -> None:
    raw = dumps(one_message(wamid="wamid.U1", text=text))  # UTF-8, not \\u escapes
    assert not raw.isascii()
    response = await api.whatsapp(raw)
    assert response.status_code == 200 and response.json() == {"status": "received"}
    stored = await api.store.db["wa_inbound"].find_one({"_id": "wamid.U1"})
    assert stored is not None and stored["text"] == text
    await delivered(api, "wamid.U1")
    assert [t.message for t in api.turns] == [text]


# --- W7: acknowledged once stored, before the graph runs --------------------------------------


async def test_ack_comes_before_a_slow_turn(api: Api) -> None:
    release = threading.Event()
    real_turn = api.inbox.turn

    async def slow_turn(phone: str, name: str, text: str) -> dict[str, Any]:
        await asyncio.to_thread(release.wait, 30)  # a model that takes its time
        return dict(await real_turn(phone, name, text))

    api.inbox.turn = slow_turn
    try:
        started = time.monotonic()
        response = await api.whatsapp(one_message(wamid="wamid.slow"))
        assert response.status_code == 200
        assert time.monotonic() - started < 1.0
        stored = await api.store.db["wa_inbound"].find_one({"_id": "wamid.slow"})
        assert stored is not None and stored["state"] in ("received", "processing")
        assert api.graph_api.call_count == 0
    finally:
        release.set()
    await delivered(api, "wamid.slow")
    assert api.graph_api.call_count == 1


# --- W4, W5: redelivery --------------------------------------------------------------------------


async def test_redelivered_message_is_answered_once(api: Api) -> None:
    payload = one_message(wamid="wamid.R1")
    for _ in range(5):
        response = await api.whatsapp(payload)
        assert response.status_code == 200
    await delivered(api, "wamid.R1")
    for _ in range(2):  # again, after it was answered
        assert (await api.whatsapp(payload)).status_code == 200
    await api.settled()
    assert api.graph_api.call_count == 1
    assert len(api.turns) == 1
    assert await api.store.db["wa_inbound"].count_documents({}) == 1
    assert await api.store.db["wa_outbox"].count_documents({}) == 1
    (body,) = api.sent()
    assert body["to"] == ALICE_WA and body["messaging_product"] == "whatsapp"
    assert "ORD-1002" in json.dumps(body)
    inbound = await api.store.db["wa_inbound"].find_one({"_id": "wamid.R1"})
    assert inbound is not None and inbound["state"] == "done"


async def test_twenty_parallel_copies_are_processed_once(api: Api) -> None:
    raw = dumps(one_message(wamid="wamid.P1"))
    headers = {"X-Hub-Signature-256": wa_signature(raw), "Content-Type": "application/json"}
    responses = await concurrently(api.client, [
        ("POST", "/webhook/whatsapp", {"content": raw, "headers": headers})] * 20)
    assert [r.status_code for r in responses] == [200] * 20
    await delivered(api, "wamid.P1")
    assert await api.store.db["wa_inbound"].count_documents({}) == 1
    assert await api.store.db["wa_outbox"].count_documents({}) == 1
    assert api.graph_api.call_count == 1 and len(api.turns) == 1


# --- W6: several entries, messages and statuses --------------------------------------------------


async def test_several_entries_messages_and_statuses(api: Api) -> None:
    payload = webhook(
        change([text_message("wamid.M1", ALICE_WA, "how many loyalty points do I have?"),
                text_message("wamid.M2", BOB_WA, "track order ORD-1003")],
               statuses=[status("wamid.out-old-1", "delivered")],
               names={ALICE_WA: "Alice", BOB_WA: "Bob"}),
        change([text_message("wamid.M3", "447700900123", "hello")],
               statuses=[status("wamid.out-old-2", "read")], names={"447700900123": "Sam"}))
    assert len(payload["entry"]) == 2
    assert (await api.whatsapp(payload)).status_code == 200
    await delivered(api, "wamid.M1", "wamid.M2", "wamid.M3")
    assert api.graph_api.call_count == 3
    assert sorted(b["to"] for b in api.sent()) == sorted([ALICE_WA, BOB_WA, "447700900123"])
    assert sorted((t.channel, t.customer_id) for t in api.turns) == [
        ("whatsapp", "demo-alice"), ("whatsapp", "demo-bob"), ("whatsapp", "guest-447700900123")]
    stored = await api.store.db["wa_statuses"].find({}).to_list()
    assert sorted(s["status"]["status"] for s in stored) == ["delivered", "read"]

    # statuses alone run nothing and send nothing
    only = webhook(change([], statuses=[status("wamid.out-old-3", "sent")]))
    assert (await api.whatsapp(only)).status_code == 200
    await api.settled()
    assert len(api.turns) == 3 and api.graph_api.call_count == 3
    assert await api.store.db["wa_statuses"].count_documents({}) == 3


async def test_unreadable_message_kind_gets_a_polite_reply_without_a_turn(api: Api) -> None:
    image = {"from": BOB_WA, "id": "wamid.I1", "timestamp": str(int(time.time())),
             "type": "image", "image": {"id": "media-1", "mime_type": "image/jpeg"}}
    assert (await api.whatsapp(webhook(change([image])))).status_code == 200
    await delivered(api, "wamid.I1")
    assert api.turns == []
    (body,) = api.sent()
    assert body["type"] == "text" and "text" in body["text"]["body"].lower()


# --- W9: the Graph API fails, then recovers ------------------------------------------------------


async def test_send_retries_after_500s_and_sends_once(api: Api) -> None:
    api.inbox.outbox.time_scale = 0.001  # stamina's waits of seconds, in milliseconds
    answers = iter([httpx.Response(500, json={"error": {"code": 2, "message": "down"}}),
                    httpx.Response(503, text="unavailable")])

    def flaky(request: httpx.Request) -> httpx.Response:
        return next(answers, None) or graph_ok(request)

    api.graph_api.side_effect = flaky
    assert (await api.whatsapp(one_message(wamid="wamid.F1"))).status_code == 200
    await delivered(api, "wamid.F1")
    assert api.graph_api.call_count == 3
    outbox = await api.store.db["wa_outbox"].find_one({"_id": "wamid.F1"})
    assert outbox is not None
    assert outbox["state"] == "sent" and outbox["attempts"] == 3
    assert outbox["message_id"].startswith("wamid.out")
    assert len(api.turns) == 1  # the retries resend the stored reply; the graph ran once
    bodies = api.sent()
    assert bodies[0] == bodies[1] == bodies[2]


async def test_send_rejected_for_good_is_not_retried(api: Api) -> None:
    api.inbox.outbox.time_scale = 0.001  # stamina's waits of seconds, in milliseconds
    api.graph_api.side_effect = lambda request: httpx.Response(
        400, json={"error": {"code": 131030, "message": "recipient not allowed"}})
    assert (await api.whatsapp(one_message(wamid="wamid.F2"))).status_code == 200
    await until(lambda: _state_is(api, "wamid.F2", "failed"), 30.0, "outbox failed")
    await api.settled()
    assert api.graph_api.call_count == 1


async def _state_is(api: Api, wamid: str, state: str) -> bool:
    return (await outbox_states(api)).get(wamid) == state


# --- A3: the sender limit ------------------------------------------------------------------------


@pytest.mark.slow
async def test_flooding_sender_is_limited_and_others_are_not(api: Api) -> None:
    flooder = "4915112345678"

    def image(i: int) -> dict[str, Any]:  # no graph turn: keeps a flood of 105 quick
        return {"from": flooder, "id": f"wamid.flood{i}", "timestamp": str(int(time.time())),
                "type": "image", "image": {"id": f"media-{i}"}}

    with frozen_rate_window():
        for start in range(0, 105, 35):
            batch = webhook(change([image(i) for i in range(start, start + 35)]))
            assert (await api.whatsapp(batch)).status_code == 200
        assert (await api.whatsapp(one_message(wamid="wamid.other", sender=BOB_WA,
                                               text="hi"))).status_code == 200
        await until(lambda: _all_processed(api), 60.0, "the accepted messages processed")
        await api.settled()
    inbound = api.store.db["wa_inbound"]
    assert await inbound.count_documents({"sender": f"+{flooder}"}) == 105
    limited = await inbound.distinct("_id", {"state": "rate_limited"})
    assert len(limited) == 5 and all(wamid.startswith("wamid.flood") for wamid in limited)
    assert await inbound.count_documents({"sender": f"+{flooder}", "state": "done"}) == 100
    assert await api.store.db["wa_outbox"].count_documents({"_id": {"$in": limited}}) == 0
    assert api.graph_api.call_count == 101
    assert await _state_is(api, "wamid.other", "sent")
    assert [t.customer_id for t in api.turns] == ["demo-bob"]


async def _all_processed(api: Api) -> bool:
    waiting = await api.store.db["wa_inbound"].count_documents(
        {"state": {"$in": ["received", "processing"]}})
    pending = await api.store.db["wa_outbox"].count_documents({"state": "pending"})
    return waiting == 0 and pending == 0


# --- payment confirmation by button --------------------------------------------------------------


async def test_confirm_button_charges_once(api: Api) -> None:
    assert (await api.whatsapp(one_message(wamid="wamid.C1", text="pay for my cart"))
            ).status_code == 200
    await delivered(api, "wamid.C1")
    (ask,) = api.sent()
    assert ask["type"] == "interactive" and ask["interactive"]["type"] == "button"
    buttons = [b["reply"]["id"] for b in ask["interactive"]["action"]["buttons"]]
    payment = await api.store.payments.find_one({"customer_id": "demo-alice"})
    assert payment is not None and payment["status"] == "pending"
    # Each button names the confirmation it answers, so an old message's button confirms nothing.
    yes = f"confirm_yes:{payment['confirmation_id']}"
    assert buttons == [yes, f"confirm_no:{payment['confirmation_id']}"]
    charges = api.store.db["gateway_charges"]
    assert await charges.count_documents({}) == 0

    tap = webhook(change([button_reply("wamid.C2", ALICE_WA, yes, "Yes")]))
    for _ in range(3):  # Meta redelivers
        assert (await api.whatsapp(tap)).status_code == 200
    await delivered(api, "wamid.C2")
    assert [t.message for t in api.turns] == ["pay for my cart", yes]
    assert await charges.count_documents({}) == 1
    paid = await api.store.payments.find_one({"payment_id": payment["payment_id"]})
    assert paid is not None and paid["status"] == "paid"
    charge = await charges.find_one({})
    assert charge is not None and charge["amount_cents"] == payment["total_cents"]
    assert api.graph_api.call_count == 2
    receipt = api.sent()[1]
    assert receipt["to"] == ALICE_WA and paid["order_id"] in receipt["text"]["body"]


# --- W10: the voice webhook ----------------------------------------------------------------------


async def test_voice_forged_and_stale_requests_are_refused(api: Api) -> None:
    forged = await api.voice(voice_turn("evt-f"), secret="not-the-secret")
    assert_error(forged, 401)
    stale = await api.voice(voice_turn("evt-s"), ts=int(time.time()) - 400)
    assert_error(stale, 401)
    future = await api.voice(voice_turn("evt-t"), ts=int(time.time()) + 400)
    assert_error(future, 401)
    raw = dumps(voice_turn("evt-h"))
    headers = voice_headers(raw, str(int(time.time())))
    del headers["X-SuperU-Signature"]
    assert_error(await api.client.post("/webhook/superu", content=raw, headers=headers), 401)
    assert api.turns == []
    assert await api.store.db["voice_events"].count_documents({}) == 0


async def test_voice_turn_and_repeated_event(api: Api) -> None:
    first = await api.voice(voice_turn("evt-1"))
    assert first.status_code == 200
    answer = first.json()
    assert set(answer) == {"text", "end_call"}
    assert isinstance(answer["text"], str) and answer["text"] and answer["end_call"] is False
    assert "ORD-1002" in answer["text"]
    for _ in range(3):
        again = await api.voice(voice_turn("evt-1"))  # a fresh signature, the same event
        assert again.status_code == 200 and again.json() == answer
    assert [(t.channel, t.customer_id, t.session_id) for t in api.turns] == [
        ("voice", "demo-alice", "call-1")]
    assert await api.store.db["voice_events"].count_documents({}) == 1
    second = await api.voice(voice_turn("evt-2", transcript="thanks, goodbye"))
    assert second.status_code == 200 and len(api.turns) == 2


async def test_voice_invalid_body_is_422_after_the_signature(api: Api) -> None:
    response = await api.voice({"call_id": "c", "event_id": "e", "from": "not-a-number",
                                "transcript": "hi"})
    assert_error(response, 422)
    assert api.turns == []


# --- W11: body limits ----------------------------------------------------------------------------


async def test_webhook_bodies_over_the_limit_are_413(api: Api) -> None:
    big = b'{"object": "whatsapp_business_account", "pad": "' + b"x" * 3_600_000 + b'"}'
    whatsapp = await api.whatsapp(big)
    assert_error(whatsapp, 413, "payload_too_large")
    stamp = str(int(time.time()))
    voice = await api.client.post("/webhook/superu", content=big,
                                  headers=voice_headers(big, stamp))
    assert_error(voice, 413, "payload_too_large")
    assert await api.store.db["wa_inbound"].count_documents({}) == 0
    assert api.turns == []


async def test_malformed_but_signed_body_is_acknowledged_and_ignored(api: Api) -> None:
    """A signed body that is no webhook is logged and answered 200: Meta redelivers anything
    else for ever."""
    for raw in (b"not json", b"[1, 2, 3]", b'{"entry": 5}', b"[" * 50_000 + b"]" * 50_000):
        response = await api.whatsapp(raw)
        assert response.status_code == 200 and response.json() == {"status": "received"}
    await api.settled()
    assert await api.store.db["wa_inbound"].count_documents({}) == 0
    assert api.turns == [] and api.graph_api.call_count == 0


# --- fail closed ---------------------------------------------------------------------------------


async def test_unset_secrets_refuse_every_webhook(unconfigured: Api) -> None:
    api = unconfigured
    raw = dumps(one_message())
    for signature in (None, wa_signature(raw), wa_signature(raw, secret=""), "sha256=" + "0" * 64):
        response = await api.whatsapp(raw, signature=signature)
        assert response.status_code in (401, 403)
        assert_no_leak(response)
    handshake = await api.client.get("/webhook/whatsapp", params={
        "hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "42"})
    assert handshake.status_code == 403
    stamp = str(int(time.time()))
    raw_voice = dumps(voice_turn())
    for secret in (SUPERU_SECRET, ""):
        voice = await api.client.post("/webhook/superu", content=raw_voice,
                                      headers=voice_headers(raw_voice, stamp, secret))
        assert voice.status_code in (401, 403)
    await api.settled()
    assert await api.store.db["wa_inbound"].count_documents({}) == 0
    assert api.turns == [] and api.graph_api.call_count == 0


# --- W8, W9: the outbox under concurrent senders -------------------------------------------------


async def test_concurrent_deliveries_of_one_reply_send_it_once(api: Api) -> None:
    """Workers that recover at the same start-up, or a sweep beside a live retry, send once."""
    api.inbox.outbox.time_scale = 0.001  # stamina's waits of seconds, in milliseconds

    async def slow_graph(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.2)
        return graph_ok(request)

    api.graph_api.side_effect = slow_graph
    await api.store.db["wa_outbox"].insert_one({
        "_id": "wamid.D1", "to": f"+{ALICE_WA}", "state": "pending", "attempts": 0,
        "body": {"messaging_product": "whatsapp", "to": ALICE_WA, "type": "text",
                 "text": {"body": "hello"}}})

    async def five_senders() -> None:
        await asyncio.gather(*(api.inbox.deliver("wamid.D1") for _ in range(5)))

    api.client.blocking_portal.call(five_senders)
    await delivered(api, "wamid.D1")  # the inbox's own sweep may have been one of them
    assert api.graph_api.call_count == 1
    outbox = await api.store.db["wa_outbox"].find_one({"_id": "wamid.D1"})
    assert outbox is not None and outbox["state"] == "sent"


@pytest.mark.slow
async def test_work_left_by_a_dead_worker_is_taken_up_without_a_restart(
    settings: Settings, store: Store, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(channels.workers, "SWEEP_EVERY_S", 0.2)
    async with running_api(api_settings(settings), store, monkeypatch) as api:
        now = datetime.now(UTC)
        # claimed by a worker that died mid-turn a moment ago: its lease lapses in a second
        await store.db["wa_inbound"].insert_one({
            "_id": "wamid.dead1", "sender": f"+{ALICE_WA}", "text": "track order ORD-1002",
            "kind": "text", "name": "Alice", "state": "processing", "lease": "dead-worker",
            "lease_until": now + timedelta(seconds=1), "tries": 1, "received_at": now})
        # a reply whose sender died holding the lease
        await store.db["wa_outbox"].insert_one({
            "_id": "wamid.dead2", "to": f"+{BOB_WA}", "state": "pending", "attempts": 1,
            "lease": "dead-worker", "lease_until": now + timedelta(seconds=1),
            "body": {"messaging_product": "whatsapp", "to": BOB_WA, "type": "text",
                     "text": {"body": "your order has shipped"}}})
        await until(lambda: sent_ids(api, "wamid.dead1", "wamid.dead2"), 30.0, "taken up")
        await asyncio.sleep(1.0)  # more sweeps: nothing is done twice
        await api.settled()
        assert api.graph_api.call_count == 2
        assert [t.message for t in api.turns] == ["track order ORD-1002"]
        inbound = await store.db["wa_inbound"].find_one({"_id": "wamid.dead1"})
        assert inbound is not None and inbound["state"] == "done"


@pytest.mark.slow
async def test_a_message_that_keeps_failing_is_not_retried_forever(
    settings: Settings, store: Store, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(channels.inbox, "RETRY_S", 0.1)
    monkeypatch.setattr(channels.workers, "SWEEP_EVERY_S", 0.1)
    async with running_api(api_settings(settings), store, monkeypatch) as api:
        attempts: list[str] = []

        async def broken(phone: str, name: str, text: str) -> dict[str, Any]:
            attempts.append(text)
            raise KeyError("poison")

        api.inbox.turn = broken
        assert (await api.whatsapp(one_message(wamid="wamid.poison"))).status_code == 200

        async def gave_up() -> bool:
            return len(attempts) >= channels.inbox.PROCESS_TRIES

        await until(gave_up, 30.0, "the tries used up")
        await asyncio.sleep(1.0)  # ten more sweeps
        assert len(attempts) == channels.inbox.PROCESS_TRIES
        assert api.graph_api.call_count == 0
        failed = await store.db["wa_inbound"].find_one({"_id": "wamid.poison"})
        assert failed is not None and failed["state"] == "failed"


def recording_inbox(services: Services, settings: Settings
                    ) -> tuple[channels.inbox.WhatsAppInbox, list[str]]:
    """An inbox on `services` whose turns record the customer's words and answer at once."""
    replies: list[str] = []

    async def turn(phone: str, name: str, text: str) -> dict[str, Any]:
        replies.append(text)
        return {"reply": "Noted.", "actions": [], "awaiting_confirmation": False}

    return channels.inbox.WhatsAppInbox(services.store, settings, services.http, turn,
                                        MemoryLimits()), replies


@pytest.mark.slow
async def test_a_message_is_claimed_by_its_id_alone_however_full_the_inbox(
        watched: tuple[Services, Commands], settings: Settings) -> None:
    """No `$or` and no findAndModify: the embedded server answers those by reading the whole
    inbox, which grows with every message, and the webhook's acks then wait on it."""
    services, commands = watched
    inbound = services.store.db["wa_inbound"]
    await inbound.insert_many([{"_id": f"wamid.old{i}", "sender": f"+{BOB_WA}", "text": "hi",
                                "kind": "text", "state": "done"} for i in range(200)])
    inbox, replies = recording_inbox(services, settings)
    message = InboundMessage(id="wamid.new", sender=f"+{ALICE_WA}", text="where is my order?",
                             kind="text", timestamp=int(time.time()), name="Alice")
    assert await inbox.accept([message], []) == ["wamid.new"]
    commands.sent.clear()
    commands.names.clear()
    await inbox.process("wamid.new")
    await inbox.process("wamid.new")  # a second claim of the same message does nothing
    assert replies == ["where is my order?"]
    done = await inbound.find_one({"_id": "wamid.new"})
    assert done is not None and done["state"] == "done" and done["tries"] == 1
    assert await services.store.db["wa_outbox"].count_documents({"_id": "wamid.new"}) == 1
    assert "findAndModify" not in commands.names
    assert "$or" not in str(commands.sent)


@pytest.mark.slow
async def test_the_sweep_finds_unfinished_messages_by_state_however_full_the_inbox(
        watched: tuple[Services, Commands], settings: Settings) -> None:
    """One read per state, on its index, not an `$or`, which the embedded server answers by
    reading every message ever received (493 ms at 20,000 messages, against 3 ms)."""
    services, commands = watched
    inbound = services.store.db["wa_inbound"]
    now = datetime.now(UTC)
    old = now - channels.leases.LEASE - timedelta(seconds=1)

    def message(wamid: str, state: str, **fields: Any) -> dict[str, Any]:
        return {"_id": wamid, "sender": f"+{ALICE_WA}", "text": f"about {wamid}", "kind": "text",
                "name": "Alice", "state": state, "received_at": now, **fields}

    await inbound.insert_many([message(f"wamid.old{i}", "done", tries=1) for i in range(200)])
    await inbound.insert_many([
        message("wamid.received", "received", tries=0),
        message("wamid.lapsed", "processing", lease="dead", lease_until=now, tries=1),
        message("wamid.stale", "processing", claimed_at=old, tries=1),  # claimed before leases
        message("wamid.busy", "processing", claimed_at=now, tries=1),  # a live worker has it
        message("wamid.alive", "processing", lease="live", tries=1,
                lease_until=now + timedelta(seconds=5)),
        message("wamid.later", "received", tries=1, retry_at=now + timedelta(seconds=5)),
        message("wamid.given_up", "received", tries=channels.inbox.PROCESS_TRIES),
        message("wamid.killer", "processing", lease="dead", lease_until=now,
                tries=channels.inbox.PROCESS_TRIES)])
    inbox, replies = recording_inbox(services, settings)
    commands.sent.clear()
    assert await inbox.recover() == 3
    assert sorted(replies) == ["about wamid.lapsed", "about wamid.received", "about wamid.stale"]
    killer = await inbound.find_one({"_id": "wamid.killer"})
    assert killer is not None and killer["state"] == "failed"
    assert "$or" not in str(commands.sent)
