"""Two `omnisales serve` processes on one database, as behind a load balancer (issue 20, item 6).

A client alternates between them: rate limits, a session's turns, the WhatsApp inbox and the
operators' tickets must behave as on one server.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from checkpoints.embedded import EmbeddedServer
from tests.test_server_process import ALICE_WA, BOB_WA, inbound_text, signed, wait_for
from tests.two_servers import (
    AUTH,
    Pair,
    SlowModel,
    a_fresh_minute,
    checkpointed,
    deliver,
    first_event,
    tickets,
    two_servers,
    voice,
)

pytestmark = pytest.mark.slow
PER_CUSTOMER = 20  # turns a minute per customer, the API's own limit


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
