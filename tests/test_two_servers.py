"""Two `omnisales serve` processes on one database, as behind a load balancer (issue 20, item 6).

A client alternates between them: rate limits, a session's turns, the WhatsApp inbox and the
operators' tickets must behave as on one server.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from pymongo import MongoClient

from checkpoints.embedded import EmbeddedServer
from checkpoints.saver import SessionSaver
from graph.session import thread_id
from tests.fakes import completion, completion_chunks
from tests.test_server_process import (
    ALICE_WA,
    API_KEY,
    BOB_WA,
    FakeGraph,
    environment,
    inbound_text,
    served,
    signed,
    wait_for,
)
from tools.store import Store

pytestmark = pytest.mark.slow
AUTH = {"Authorization": f"Bearer {API_KEY}"}
PER_CUSTOMER = 20  # turns a minute per customer (INTERFACE.md, "Limits")


class Pair:
    """The two servers' URLs, the fake Graph API they send through, and the database."""

    def __init__(self, bases: list[str], graph: FakeGraph, uri: str, name: str,
                 db: Any) -> None:
        self.bases, self.graph, self.uri, self.name, self.db = bases, graph, uri, name, db

    def chat(self, server: int, user: str, session: str, message: str) -> httpx.Response:
        return httpx.post(f"{self.bases[server]}/chat", headers=AUTH, timeout=60, json={
            "user_id": user, "session_id": session, "message": message})

    def admin(self, server: int, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return httpx.request(method, f"{self.bases[server]}/admin/api{path}", headers=AUTH,
                             timeout=30, **kwargs)


class SlowModel:
    """An OpenRouter stand-in on loopback that answers every completion after `delay_s`."""

    def __init__(self, delay_s: float) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server API
                asked = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                time.sleep(delay_s)
                body = completion("Hello! How can I help?")
                if asked.get("stream"):
                    raw = "".join(f"data: {json.dumps(c)}\n\n" for c in completion_chunks(body))
                    answer, kind = (raw + "data: [DONE]\n\n").encode(), "text/event-stream"
                else:
                    answer, kind = json.dumps(body).encode(), "application/json"
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextlib.contextmanager
def two_servers(mongo: EmbeddedServer, tmp_path_factory: pytest.TempPathFactory,
                **extra: str) -> Iterator[Pair]:
    """Two servers with `COORDINATION=database` on one fresh database, started one by one."""
    name = f"p_{uuid.uuid4().hex[:12]}"
    graph = FakeGraph()
    client: MongoClient[dict[str, Any]] = MongoClient(mongo.uri, tz_aware=True)
    try:
        with contextlib.ExitStack() as stack:
            bases = []
            for n in range(2):
                workdir = tmp_path_factory.mktemp(f"server{n}")
                env = environment(mongo.uri, name, workdir, graph.url) | {
                    "COORDINATION": "database"} | extra
                base, _ = stack.enter_context(served(env, workdir))
                bases.append(base)
            yield Pair(bases, graph, mongo.uri, name, client[name])
    finally:
        graph.close()
        client.drop_database(name)
        client.close()


@pytest.fixture(scope="module")
def pair(mongo: EmbeddedServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    """Two offline servers (the shop's own replies), shared by this module's tests."""
    with two_servers(mongo, tmp_path_factory) as servers:
        yield servers


@pytest.fixture
def slow_pair(mongo: EmbeddedServer, tmp_path_factory: pytest.TempPathFactory
              ) -> Iterator[Pair]:
    """Two servers whose model takes a second a turn: two turns sent together overlap."""
    model = SlowModel(delay_s=1.0)
    try:
        with two_servers(mongo, tmp_path_factory, OPENROUTER_API_KEY="sk-or-scale",
                         OPENROUTER_BASE_URL=model.url, LLM_TIMEOUT_S="10") as servers:
            yield servers
    finally:
        model.close()


def a_fresh_minute(needed_s: float = 25.0) -> None:
    """Wait for a rate-limit window with `needed_s` left, so that the test's turns share one."""
    left = 60 - time.time() % 60
    if left < needed_s:
        time.sleep(left + 0.2)


def test_the_per_customer_limit_is_exact_across_both(pair: Pair) -> None:
    user = f"scale-{uuid.uuid4().hex[:6]}"
    a_fresh_minute()
    codes = [pair.chat(n % 2, user, f"r{n % 3}", f"hello {n}").status_code
             for n in range(PER_CUSTOMER)]
    assert codes == [200] * PER_CUSTOMER
    for server in (0, 1):  # the 21st, on either server, is refused
        refused = pair.chat(server, user, "r0", "one more")
        assert refused.status_code == 429, refused.text
        assert refused.json()["error"] == "rate_limited"
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
    other = pair.chat(1, f"{user}-other", "r0", "hello")  # another customer is not held up
    assert other.status_code == 200


def checkpointed(pair: Pair, user: str, session: str, channel: str = "web") -> list[str]:
    """The customer's messages in the session's checkpoint, as the servers read it."""
    async def read() -> list[str]:
        store = Store.connect(pair.uri, pair.name)
        try:
            saved = await SessionSaver(store.db).aget_tuple(
                {"configurable": {"thread_id": thread_id(channel, user, session)}})
        finally:
            await store.close()
        assert saved is not None
        return [m.text for m in saved.checkpoint["channel_values"]["messages"]
                if m.type == "human"]
    return asyncio.run(read())


def test_one_turn_at_a_time_per_session_across_both(slow_pair: Pair) -> None:
    pair = slow_pair
    user, session = f"scale-{uuid.uuid4().hex[:6]}", "together"
    answered_in_all: list[str] = []
    for round_ in range(4):  # a round: one turn to each server at the same moment
        messages = [f"hello from round {round_} server {n}" for n in (0, 1)]
        start = threading.Barrier(2)

        def send(n: int, messages: list[str] = messages,
                 start: threading.Barrier = start) -> httpx.Response:
            start.wait()
            return pair.chat(n, user, session, messages[n])

        with ThreadPoolExecutor(max_workers=2) as pool:
            responses = list(pool.map(send, (0, 1)))
        codes = [r.status_code for r in responses]
        assert set(codes) <= {200, 409} and 200 in codes, codes
        for busy in (r for r in responses if r.status_code == 409):
            assert busy.json()["error"] == "session_busy"
        answered = [m for m, r in zip(messages, responses, strict=True) if r.status_code == 200]
        if len(answered) == 2:  # the second waited for the first: their model calls never overlap
            assert max(r.elapsed.total_seconds() for r in responses) >= 1.9, responses
        answered_in_all += answered
        humans = checkpointed(pair, user, session)
        # Both answered turns are in the checkpoint, each once: neither overwrote the other.
        assert all(humans.count(m) == 1 for m in answered), (answered, humans)
        assert not set(messages) - set(answered) & set(humans)  # a refused one never ran
    assert len(answered_in_all) >= 4
    leased = pair.db["sessions"].count_documents({"token": {"$exists": True}})
    assert leased == 0  # every lease released


def deliver(pair: Pair, server: int, raw: bytes, headers: dict[str, str]) -> int:
    return httpx.post(f"{pair.bases[server]}/webhook/whatsapp", content=raw, headers=headers,
                      timeout=10).status_code


def test_a_whatsapp_message_redelivered_to_the_other_server_is_answered_once(
        pair: Pair) -> None:
    raw, headers = signed(inbound_text("wamid.scale1", ALICE_WA, "where is my order ORD-1002?"))
    assert deliver(pair, 0, raw, headers) == 200
    assert deliver(pair, 1, raw, headers) == 200  # Meta's retry lands on the other server
    wait_for(lambda: len(pair.graph.sent_to(ALICE_WA)) >= 1, 30, "the WhatsApp reply")
    time.sleep(2.0)  # room for a second reply, were one to be sent
    (reply,) = pair.graph.sent_to(ALICE_WA)
    assert "ORD-1002" in str(reply)
    assert pair.db["wa_inbound"].find_one({"_id": "wamid.scale1"})["state"] == "done"
    assert pair.db["wa_outbox"].find_one({"_id": "wamid.scale1"})["state"] == "sent"

    # Both deliveries at the same moment: still one reply.
    raw, headers = signed(inbound_text("wamid.scale2", BOB_WA, "where is my order ORD-1003?"))
    start = threading.Barrier(2)

    def both(n: int) -> int:
        start.wait()
        return deliver(pair, n, raw, headers)

    with ThreadPoolExecutor(max_workers=2) as pool:
        assert list(pool.map(both, (0, 1))) == [200, 200]
    wait_for(lambda: len(pair.graph.sent_to(BOB_WA)) >= 1, 30, "the second WhatsApp reply")
    time.sleep(2.0)
    (reply,) = pair.graph.sent_to(BOB_WA)
    assert "ORD-1003" in str(reply)

    # Two messages of one sender, each to another server at once: each answered, once.
    texts = {"wamid.scale3": "where is my order ORD-1002?",
             "wamid.scale4": "where is my order ORD-1003?"}
    start = threading.Barrier(2)

    def each(n: int) -> int:
        wamid = sorted(texts)[n]
        start.wait()
        return deliver(pair, n, *signed(inbound_text(wamid, ALICE_WA, texts[wamid])))

    with ThreadPoolExecutor(max_workers=2) as pool:
        assert list(pool.map(each, (0, 1))) == [200, 200]
    wait_for(lambda: len(pair.graph.sent_to(ALICE_WA)) >= 3, 30, "both replies")
    time.sleep(2.0)
    replies = [body["text"]["body"] for body in pair.graph.sent_to(ALICE_WA)[1:]]
    assert len(replies) == 2 and sorted("ORD-1003" in r for r in replies) == [False, True]
    assert pair.db["wa_inbound"].count_documents({"_id": {"$in": list(texts)},
                                                  "state": "done"}) == 2


def voice(pair: Pair, server: int, event: dict[str, str]) -> httpx.Response:
    raw = json.dumps(event).encode()
    stamp = str(int(time.time()))
    digest = hmac.new(b"process-superu", stamp.encode() + b"." + raw, hashlib.sha256).hexdigest()
    return httpx.post(f"{pair.bases[server]}/webhook/superu", content=raw, timeout=30, headers={
        "Content-Type": "application/json", "X-SuperU-Timestamp": stamp,
        "X-SuperU-Signature": digest})


def test_a_voice_event_repeated_to_the_other_server_runs_once(pair: Pair) -> None:
    call = f"call-{uuid.uuid4().hex[:6]}"
    event = {"call_id": call, "event_id": f"{call}-1", "from": f"+{ALICE_WA}",
             "transcript": "where is my order ORD-1002?"}
    first = voice(pair, 0, event)
    assert first.status_code == 200 and "ORD-1002" in first.json()["text"]
    again = voice(pair, 1, event)  # the provider's retry, through the other server
    assert again.status_code == 200 and again.json() == first.json()
    assert checkpointed(pair, "demo-alice", call, "voice") == [event["transcript"]]

    # The same event to both servers at the same moment: one turn, one answer.
    event = event | {"event_id": f"{call}-2", "transcript": "where is my order ORD-1003?"}
    start = threading.Barrier(2)

    def both(n: int) -> httpx.Response:
        start.wait()
        return voice(pair, n, event)

    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(both, (0, 1)))
    assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]
    assert answers[0].json() == answers[1].json()
    assert checkpointed(pair, "demo-alice", call, "voice").count(event["transcript"]) == 1


def tickets(pair: Pair, server: int, status: str) -> list[dict[str, Any]]:
    listed = pair.admin(server, "GET", "/tickets", params={"status": status})
    assert listed.status_code == 200, listed.text
    return list(listed.json()["tickets"])


def first_event(pair: Pair, session: str, kind: str) -> str:
    """The data of the first `kind` event of the session's stream on server 0."""
    with httpx.stream("GET", f"{pair.bases[0]}/chat/events", headers=AUTH, timeout=30,
                      params={"session_id": session, "user_id": "demo-alice"}) as events:
        current = None
        for line in events.iter_lines():
            if line.startswith("event:"):
                current = line.partition(":")[2].strip()
            elif line.startswith("data:") and current == kind:
                return line.partition(":")[2].strip()
    raise AssertionError(f"the stream ended without a {kind} event")


def test_a_ticket_handled_on_one_server_is_seen_so_on_the_other(pair: Pair) -> None:
    session = f"t-{uuid.uuid4().hex[:6]}"
    asked = pair.chat(0, "demo-alice", session, "I want to talk to a person").json()
    assert asked["mode"] == "human"
    mine = [[t for t in tickets(pair, n, "open") if t["session_id"] == session] for n in (0, 1)]
    assert mine[0] == mine[1] and len(mine[0]) == 1
    ticket_id = mine[0][0]["ticket_id"]
    for server in (0, 1):  # a person has the session, whichever server the customer reaches
        held = pair.chat(server, "demo-alice", session, "where is my order ORD-1002?").json()
        assert held["mode"] == "human" and held["actions"] == [], held

    with ThreadPoolExecutor(max_workers=1) as pool:  # the customer's page listens on server 0
        stream = pool.submit(first_event, pair, session, "operator")
        time.sleep(1.0)  # connected by now
        replied = pair.admin(1, "POST", f"/tickets/{ticket_id}/reply",
                             json={"text": "Hi, I am Sam"})
        assert replied.status_code == 200 and replied.json()["delivered_by"] == "web"
        assert json.loads(stream.result(timeout=30))["text"] == "Hi, I am Sam"
    history = httpx.get(f"{pair.bases[0]}/chat/history", headers=AUTH, timeout=10, params={
        "session_id": session, "user_id": "demo-alice"}).json()["messages"]
    assert ("operator", "Hi, I am Sam") in [(m["role"], m["text"]) for m in history]

    closed = pair.admin(0, "POST", f"/tickets/{ticket_id}/close")
    assert closed.status_code == 200 and closed.json()["mode"] == "assistant"
    for server in (0, 1):
        assert ticket_id not in [t["ticket_id"] for t in tickets(pair, server, "open")]
        assert ticket_id in [t["ticket_id"] for t in tickets(pair, server, "closed")]
    late = pair.admin(1, "POST", f"/tickets/{ticket_id}/reply", json={"text": "too late"})
    assert late.status_code == 409 and late.json()["error"] == "ticket_closed"
    back = pair.chat(1, "demo-alice", session, "where is my order ORD-1002?").json()
    assert back["mode"] == "assistant" and back["agent_used"] == "fulfillment"


def test_a_confirmation_asked_on_one_server_is_answered_on_the_other_once(pair: Pair) -> None:
    session = f"pay-{uuid.uuid4().hex[:6]}"
    asked = pair.chat(0, "demo-bob", session, "pay for my cart")
    assert asked.status_code == 200 and asked.json()["awaiting_confirmation"] is True, asked.text
    before = pair.db["payments"].count_documents({"customer_id": "demo-bob", "status": "paid"})
    charges_before = pair.db["gateway_charges"].count_documents({})
    start = threading.Barrier(2)

    def yes(n: int) -> httpx.Response:  # a double tap, each tap to another server
        start.wait()
        return pair.chat(n, "demo-bob", session, "yes")

    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(yes, (0, 1)))
    assert {a.status_code for a in answers} <= {200, 409}, [a.text for a in answers]
    paid = pair.db["payments"].count_documents({"customer_id": "demo-bob", "status": "paid"})
    assert paid == before + 1
    receipts = [action for a in answers if a.status_code == 200 for action in a.json()["actions"]
                if action["type"] == "payment_status" and action["status"] == "paid"]
    assert len(receipts) == 1  # the other tap found nothing left to confirm, or was busy
    assert pair.db["gateway_charges"].count_documents({}) == charges_before + 1  # charged once
