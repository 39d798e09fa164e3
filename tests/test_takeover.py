"""People in the loop: a handoff gives the session to a person, who answers on its channel."""

from __future__ import annotations

import asyncio
import functools
import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from channels import conversations
from tests.api_support import (
    ALICE_WA,
    API_KEY,
    Api,
    _send_blocking,
    assert_error,
    change,
    text_message,
    webhook,
)
from tools import takeover

AUTH = {"Authorization": f"Bearer {API_KEY}"}
PERSON = "I want to talk to a person"


async def _open_tickets(api: Api) -> list[dict[str, Any]]:
    response = await api.client.get("/admin/api/tickets", params={"status": "open"},
                                    headers=AUTH)
    assert response.status_code == 200
    return list(response.json()["tickets"])


async def _reply(api: Api, ticket: str, text: str) -> httpx.Response:
    return await api.client.post(f"/admin/api/tickets/{ticket}/reply", json={"text": text},
                                 headers=AUTH)


async def _close(api: Api, ticket: str) -> httpx.Response:
    return await api.client.post(f"/admin/api/tickets/{ticket}/close", headers=AUTH)


async def _history(api: Api, session: str = "s1") -> list[dict[str, Any]]:
    return list((await _history_of(api, session))["messages"])


async def _history_of(api: Api, session: str = "s1") -> dict[str, Any]:
    response = await api.client.get("/chat/history", headers=AUTH,
                                    params={"session_id": session, "user_id": "demo-alice"})
    return dict(response.json())


async def _handed_over(api: Api, session: str = "s1") -> str:
    asked = (await api.chat(PERSON, session=session)).json()
    assert asked["agent_used"] == "handoff" and asked["mode"] == "human"
    [ticket] = [t for t in await _open_tickets(api) if t["session_id"] == session]
    return str(ticket["ticket_id"])


async def test_a_handoff_lists_the_ticket_and_holds_the_assistant(api: Api) -> None:
    ticket_id = await _handed_over(api)
    [ticket] = await _open_tickets(api)
    assert ticket == ticket | {"ticket_id": ticket_id, "channel": "web", "user_id": "demo-alice",
                               "session_id": "s1", "status": "open"}
    assert ticket["reason"] and ticket["opened_at"].endswith("Z")
    ran = len(api.ran)
    for message in ("pay for my cart", "yes", "hola, ¿dónde está mi pedido?"):
        held = await api.chat(message)
        assert held.status_code == 200
        body = held.json()
        assert body["mode"] == "human" and body["actions"] == []
        assert body["awaiting_confirmation"] is False
    assert body["language"] == "es" and "colega" in body["reply"]
    assert len(api.ran) == ran  # the graph never ran: no route, no tool
    assert await api.store.payments.count_documents({}) == 0
    assert await api.store.db["gateway_charges"].count_documents({}) == 0
    texts = [m["text"] for m in await _history(api)]
    assert "pay for my cart" in texts and "yes" in texts  # kept for the person to read
    held_entry = await api.store.db["transcripts"].find_one({"text": "pay for my cart"})
    assert held_entry is not None
    assert (held_entry["mode"], held_entry["routed_by"], held_entry["route"]) == (
        "human", "human", None)


async def test_an_operator_reply_reaches_history_and_events(api: Api, monkeypatch: Any) -> None:
    monkeypatch.setattr(conversations, "POLL_S", 0.1)
    monkeypatch.setattr(conversations, "STREAM_S", 2.5)
    assert (await _history_of(api))["mode"] == "assistant"
    ticket_id = await _handed_over(api)
    assert (await _history_of(api))["mode"] == "human"  # a page opened again shows it at once
    loop = asyncio.get_running_loop()
    request = ("GET", "/chat/events", {"params": {"session_id": "s1", "user_id": "demo-alice"},
                                       "headers": AUTH})
    with ThreadPoolExecutor(max_workers=1) as pool:
        stream = loop.run_in_executor(pool, functools.partial(_send_blocking, api.client,
                                                              *request))
        await asyncio.sleep(0.8)  # connected by now
        replied = await _reply(api, ticket_id, "Hello Alice, I am Sam. Let me look.")
        assert replied.status_code == 200 and replied.json()["delivered_by"] == "web"
        closed = await _close(api, ticket_id)
        assert closed.status_code == 200 and closed.json()["mode"] == "assistant"
        events = _events((await stream).text)
    assert [(kind, data.get("text") if kind == "operator" else data["mode"])
            for kind, data in events] == [
        ("operator", "Hello Alice, I am Sam. Let me look."), ("mode", "assistant")]
    assert events[1][1]["text"]  # the assistant says it is back
    roles = [(m["role"], m["text"]) for m in await _history(api)]
    assert ("operator", "Hello Alice, I am Sam. Let me look.") in roles
    archived = await api.store.db["transcripts"].find_one({"kind": "operator"})
    assert archived and archived["by"] == "api"  # the shop's backend wrote it with the API key
    assert roles[-1] == ("assistant", events[1][1]["text"])
    assert (await _history_of(api))["mode"] == "assistant"
    back = (await api.chat("where is my order ORD-1002?")).json()
    assert back["mode"] == "assistant" and back["agent_used"] == "fulfillment"
    assert await _open_tickets(api) == []


async def test_a_streamed_turn_while_a_person_has_the_session_is_the_holding_line(
        api: Api) -> None:
    await _handed_over(api)
    streamed = await api.client.post("/chat/stream", headers=AUTH, json={
        "user_id": "demo-alice", "session_id": "s1", "message": "laptop for coding"})
    assert streamed.status_code == 200
    events = _events(streamed.text)
    kinds = [kind for kind, _ in events]
    assert kinds == ["token", "response"]
    response = events[-1][1]
    assert response["mode"] == "human" and response["reply"] == events[0][1]["text"]
    assert response["agent_used"] == "handoff" and response["actions"] == []  # no product search


def _events(raw: str) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for block in raw.replace("\r\n", "\n").split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines()
                      if ": " in line and not line.startswith(":"))
        if "event" in fields:
            out.append((fields["event"], json.loads(fields["data"])))
    return out


async def test_events_resume_after_the_last_event_id(api: Api, monkeypatch: Any) -> None:
    monkeypatch.setattr(conversations, "POLL_S", 0.05)
    monkeypatch.setattr(conversations, "STREAM_S", 0.3)
    ticket_id = await _handed_over(api)
    await _reply(api, ticket_id, "first")
    params = {"session_id": "s1", "user_id": "demo-alice"}
    raw = await api.client.get("/chat/events", params=params, headers=AUTH)
    assert _events(raw.text) == []  # a new client read the history: nothing is repeated
    entry = await api.store.db["transcripts"].find_one({"kind": "operator", "text": "first"})
    assert entry is not None
    # Written by another server process: the stream reads the shared database, not this one.
    ticket = await takeover.ticket(api.store, ticket_id)
    assert ticket is not None
    await takeover.record_operator(api.store, ticket, "second", datetime.now(UTC), "api")
    resumed = await api.client.get("/chat/events", params=params,
                                   headers=AUTH | {"Last-Event-ID": str(entry["_id"])})
    assert [d["text"] for k, d in _events(resumed.text)] == ["second"]


async def test_a_whatsapp_session_gets_the_operator_on_whatsapp_once(api: Api) -> None:
    payload = webhook(change([text_message("wamid.ho1", ALICE_WA, PERSON)],
                             names={ALICE_WA: "Alice"}))
    assert (await api.whatsapp(payload)).status_code == 200
    await api.settled()
    [ticket] = await _open_tickets(api)
    assert (ticket["channel"], ticket["session_id"]) == ("whatsapp", "wa")
    replied = await _reply(api, ticket["ticket_id"], "Hi Alice, Sam here from the shop.")
    assert replied.json()["delivered_by"] == "whatsapp"
    await api.settled()
    sent = api.sent()
    assert len(sent) == 2 and sent[1]["to"] == ALICE_WA
    assert sent[1]["type"] == "text"
    assert sent[1]["text"]["body"] == "Hi Alice, Sam here from the shop."
    [out] = await api.store.db["wa_outbox"].find({"body.text.body": sent[1]["text"]["body"]}
                                                 ).to_list()
    assert out["state"] == "sent"
    assert (await _close(api, ticket["ticket_id"])).status_code == 200
    await api.settled()
    assert len(api.sent()) == 3  # the assistant says it is back, on WhatsApp too
    assert (await _close(api, ticket["ticket_id"])).status_code == 200  # again: nothing more
    await api.settled()
    assert len(api.sent()) == 3


async def test_a_voice_sessions_operator_reply_asks_for_a_call_back(api: Api) -> None:
    answer = await api.voice({"call_id": "call-9", "event_id": "ev-1", "from": "+15550000001",
                              "transcript": PERSON})
    assert answer.status_code == 200
    [ticket] = await _open_tickets(api)
    assert ticket["channel"] == "voice"
    held = await api.voice({"call_id": "call-9", "event_id": "ev-2", "from": "+15550000001",
                            "transcript": "are you still there?"})
    assert "call you back" in held.json()["text"]
    replied = await _reply(api, ticket["ticket_id"], "Your refund is approved.")
    assert replied.json()["delivered_by"] == "call_back"
    stored = await api.store.handoff_tickets.find_one({"ticket_id": ticket["ticket_id"]})
    assert stored is not None
    assert [(c["text"], c["state"]) for c in stored["call_backs"]] == [
        ("Your refund is approved.", "to_call")]


@pytest.mark.parametrize("body", [{"text": ""}, {"text": "   "}, {}, {"text": 5}])
async def test_an_empty_reply_is_refused(api: Api, body: dict[str, Any]) -> None:
    ticket_id = await _handed_over(api)
    response = await api.client.post(f"/admin/api/tickets/{ticket_id}/reply", json=body,
                                      headers=AUTH)
    assert_error(response, 422)
    assert await api.store.db["transcripts"].count_documents({"kind": "operator"}) == 0


async def test_unknown_closed_and_unauthorised_tickets(api: Api) -> None:
    assert_error(await _reply(api, "TCK-NOPE", "hi"), 404, "not_found")
    assert_error(await _close(api, "TCK-NOPE"), 404, "not_found")
    ticket_id = await _handed_over(api)
    assert_error(await api.client.get("/admin/api/tickets"), 401)
    assert_error(await api.client.post(f"/admin/api/tickets/{ticket_id}/reply",
                                       json={"text": "hi"}), 401)
    assert (await _close(api, ticket_id)).status_code == 200
    assert_error(await _reply(api, ticket_id, "too late"), 409, "ticket_closed")
    closed = await api.client.get("/admin/api/tickets", params={"status": "closed"},
                                  headers=AUTH)
    assert [t["ticket_id"] for t in closed.json()["tickets"]] == [ticket_id]
    assert_error(await api.client.get("/admin/api/tickets", params={"status": "lost"},
                                      headers=AUTH), 422)
