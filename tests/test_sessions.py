"""A11: no two different (channel, user, session) triples share a session, whatever the ids hold."""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from langchain_core.messages import HumanMessage

from graph.session import TurnResult, thread_id
from settings import Settings
from tests.api_support import api_settings, running_api
from tools.context import ToolContext, session_key
from tools.store import Store

Say = Callable[..., Awaitable[TurnResult]]

# Ids a hostile customer or a careless integration might send: separators, JSON and regex
# syntax, escapes, unicode that normalises or looks empty.
TRICKY = ["a", "a:b", ":", "::", "", " ", '"', '","', '["a"]', "]", "[", "\\", "\\\"", "null",
          "é", "e\u0301", "\u200b", "日本:語", "a\nb", "%3A", "*", ".*"]


def colliding_pairs() -> list[tuple[str, str]]:
    """(user, session) pairs that a `user + ":" + session` key would merge: every split of
    strings built from the tricky pieces, so that each group shares one naive key."""
    pairs: set[tuple[str, str]] = set()
    for left, right in itertools.product(["a", '"', "é", "[", ""], repeat=2):
        whole = f"{left}:b:{right}"
        for cut in range(len(whole) + 1):
            pairs.add((whole[:cut], whole[cut:]))
    for user, session in itertools.product(TRICKY[:8], repeat=2):
        pairs.add((user, session))
    return sorted(pairs)


def test_the_key_is_one_to_one_over_tricky_triples() -> None:
    triples = [(channel, user, session) for channel in ("web", "whatsapp", "voice", "pos", "w:e")
               for user, session in itertools.product(TRICKY, repeat=2)]
    keys = {session_key(*triple) for triple in triples}
    assert len(keys) == len(set(triples))
    assert all(thread_id(*t) == session_key(*t) for t in triples[:50])


async def test_user_a_colon_b_and_session_b_colon_c_are_two_sessions(
        turn: Say, graph: Any, seeded: Store) -> None:
    await turn("hello, I am the first", user="a:b", session="c")
    await turn("hello, I am the second", user="a", session="b:c")
    first = await _said(graph, "web", "a:b", "c")
    second = await _said(graph, "web", "a", "b:c")
    assert first == ["hello, I am the first"] and second == ["hello, I am the second"]
    assert await seeded.db["sessions"].count_documents({"kind": "checkpoint"}) == 2


async def test_one_users_pending_payment_is_invisible_to_the_other(
        turn: Say, seeded: Store) -> None:
    asked = await turn("I'd like to checkout and pay for my cart", user="demo-alice",
                       session="col:1")
    assert asked["awaiting_confirmation"]
    confirmations = seeded.db["confirmations"]
    # The other triple answers yes, then no: neither reaches Alice's payment.
    for answer in ("yes", "no", "cancel my payment"):
        other = await turn(answer, user="demo-alice:col", session="1")
        assert not other["awaiting_confirmation"]
        assert not [a for a in other["actions"] if a["type"] == "payment_status"]
    assert await seeded.db["gateway_charges"].count_documents({}) == 0
    assert await confirmations.count_documents({"status": "pending"}) == 1
    assert await seeded.payments.count_documents({"status": {"$ne": "pending"}}) == 0
    # Alice's own session still has it, and her yes charges her once.
    paid = await turn("yes", user="demo-alice", session="col:1")
    assert paid["actions"][0]["status"] == "paid"
    assert await seeded.db["gateway_charges"].count_documents({}) == 1


async def test_tool_records_are_filed_per_triple(alice: ToolContext) -> None:
    """The key the tools file confirmations and tickets under follows the same rule."""
    one = ToolContext(alice.services, customer_id="x:y", session_id="z")
    other = ToolContext(alice.services, customer_id="x", session_id="y:z")
    assert one.session_key != other.session_key
    assert one.session_key == thread_id("web", "x:y", "z")


async def test_sweep_of_tricky_ids_through_real_turns(turn: Say, graph: Any,
                                                      seeded: Store) -> None:
    pairs = colliding_pairs()
    channels = ("web", "whatsapp", "voice")
    triples = [(channels[i % 3], user, session) for i, (user, session) in enumerate(pairs)]
    # Also the same pair on every channel: three more sessions, not one.
    triples += [(channel, "a:b", "c") for channel in channels if (channel, "a:b", "c")
                not in triples]
    for i, (channel, user, session) in enumerate(triples):
        await turn(f"hello {i}", user=user, session=session, channel=channel)
    shared = 0
    for i, (channel, user, session) in enumerate(triples):
        if await _said(graph, channel, user, session) != [f"hello {i}"]:
            shared += 1
    assert shared == 0
    assert await seeded.db["sessions"].count_documents({"kind": "checkpoint"}) == len(triples)


async def _said(graph: Any, channel: str, user: str, session: str) -> list[str]:
    config = {"configurable": {"thread_id": thread_id(channel, user, session)}}
    values = (await graph.aget_state(config)).values
    return [m.text for m in values.get("messages", []) if isinstance(m, HumanMessage)]


async def test_over_http_the_colon_user_cannot_answer_alices_payment(
        settings: Settings, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """The reproduction of issue 16, through `/chat`: `demo-alice:col`/`1` against
    `demo-alice`/`col:1`."""
    async with running_api(api_settings(settings), store, monkeypatch) as api:
        asked = await api.chat("I'd like to checkout and pay for my cart", user="demo-alice",
                               session="col:1")
        assert asked.json()["awaiting_confirmation"]
        terms = f"{asked.json()['actions'][0]['total']:,.2f}"
        for answer in ("what is waiting for my answer?", "yes", "cancel"):
            other = await api.chat(answer, user="demo-alice:col", session="1")
            assert other.status_code == 200 and not other.json()["awaiting_confirmation"]
            assert terms not in other.json()["reply"]  # Alice's terms are not read out
        assert await store.db["gateway_charges"].count_documents({}) == 0
        # Alice's session still waits on her payment, and her yes pays it once.
        paid = await api.chat("yes", user="demo-alice", session="col:1")
        assert paid.json()["actions"][0]["status"] == "paid"
        assert await store.db["gateway_charges"].count_documents({}) == 1
