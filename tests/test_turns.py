"""Turns of a session one at a time, across processes too, and what a turn costs in round trips."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime
from typing import Any

import pytest
from langchain_core.messages import HumanMessage
from langgraph.checkpoint.base import empty_checkpoint
from langgraph.constants import INTERRUPT
from langgraph.types import Interrupt
from pydantic import SecretStr
from pymongo.errors import ConnectionFailure

from checkpoints.saver import SessionSaver
from checkpoints.turns import Busy, doc_id
from graph.budget import USAGE, Meter, usage_key
from graph.builder import build_graph
from graph.llm import build_models
from graph.session import make_saver, run_turn, stream_turn, thread_id
from tests.conftest import Commands
from tests.fakes import completion, mock_providers, ok, streamed
from tools.context import Services
from tools.store import Store


def _graph(services: Services, shared: bool) -> Any:
    return build_graph(services).compile(checkpointer=make_saver(services.store.db,
                                                                 shared=shared))


def _config(session: str) -> Any:
    return {"configurable": {"thread_id": thread_id("web", "demo-alice", session),
                             "checkpoint_ns": ""}}


def _hot_path(commands: Commands) -> list[str]:
    """The turn's own round trips: its archive entry is written in the background, apart."""
    return [name for name, sent in zip(commands.names, commands.sent, strict=True)
            if sent.get("insert") != "transcripts"]


def _archived(commands: Commands) -> int:
    return sum(len(sent["documents"]) for sent in commands.sent
               if sent.get("insert") == "transcripts")


async def _humans(saver: SessionSaver, session: str) -> list[str]:
    found = await saver.aget_tuple(_config(session))
    assert found is not None
    messages = found.checkpoint["channel_values"]["messages"]
    return [m.text for m in messages if isinstance(m, HumanMessage)]


@pytest.mark.parametrize(("shared", "first", "next_"), [
    # one process: read the session, the greeting's brief (the name: a find of the customer),
    # write the checkpoint (a new session's first: an insert)
    (False, ["find", "find", "insert"], ["find", "find", "update"]),
    # a lease: take it (the upsert that makes a new session needs no read), the brief, and the
    # checkpoint write that also releases it
    (True, ["update", "find", "update"], ["update", "find", "find", "update"]),
])
async def test_round_trips_of_a_greeting(watched: tuple[Services, Commands], shared: bool,
                                         first: list[str], next_: list[str]) -> None:
    services, commands = watched
    graph = _graph(services, shared)
    for expected in (first, next_):
        commands.names.clear()
        commands.sent.clear()
        result = await run_turn(graph, customer_id="demo-alice", session_id="hi", message="hello")
        assert result["reply"].startswith("Hi Alice Example!")
        await graph.checkpointer.archive.flush()
        assert _hot_path(commands) == expected
        assert _archived(commands) == 1


async def test_round_trips_of_a_model_turn(watched: tuple[Services, Commands]) -> None:
    services, commands = watched
    settings = services.settings.model_copy(update={
        "openrouter_api_key": SecretStr("k"), "openrouter_base_url": "http://openrouter.test/v1",
        "llm_daily_tokens_per_customer": 1000})
    services = dataclasses.replace(services, settings=settings)
    saver = make_saver(services.store.db)
    graph = build_graph(services, build_models(settings)).compile(checkpointer=saver)
    day = usage_key("demo-alice", services.clock())
    await services.store.db[USAGE].insert_one({"_id": day, "tokens": 900})  # under 1,000
    with mock_providers() as router:
        router.post("http://openrouter.test/v1/chat/completions").mock(
            return_value=ok(completion("Hello from the model")))  # 140 tokens
        commands.names.clear()
        commands.sent.clear()
        result = await run_turn(graph, customer_id="demo-alice", session_id="m", message="hello")
    assert (result["answered_by"], result["reply"]) == ("openrouter", "Hello from the model")
    # read the session; the brief and the day's budget in one read; add the tokens; write the
    # checkpoint
    assert _hot_path(commands) == ["find", "aggregate", "update", "insert"]
    assert await services.store.db[USAGE].find_one({"_id": day}) == {"_id": day, "tokens": 1040}
    await saver.archive.flush()  # the archive keeps who answered and the tokens
    [entry] = await services.store.db["transcripts"].find({"session_id": "m"}).to_list()
    assert (entry["answered_by"], entry["tokens"], entry["reply"]) == (
        "openrouter", 140, "Hello from the model")

    # The same turn streamed: the same round trips, and its tokens on the same day.
    await services.store.db[USAGE].update_one({"_id": day}, {"$set": {"tokens": 900}})
    with mock_providers() as router:
        router.post("http://openrouter.test/v1/chat/completions").mock(
            return_value=streamed(ok(completion("Hello from the model"))))
        commands.names.clear()
        commands.sent.clear()
        events = [e async for e in stream_turn(graph, customer_id="demo-alice", session_id="n",
                                               message="hello")]
    assert [e for e in events if e[0] == "token"] == [
        ("token", {"text": "Hello "}), ("token", {"text": "from "}),
        ("token", {"text": "the "}), ("token", {"text": "model"})]
    assert events[-1][1]["reply"] == "Hello from the model"
    assert _hot_path(commands) == ["find", "aggregate", "update", "insert"]
    assert await services.store.db[USAGE].find_one({"_id": day}) == {"_id": day, "tokens": 1040}


async def test_model_turns_that_end_together_record_their_tokens_in_one_write(
        watched: tuple[Services, Commands]) -> None:
    services, commands = watched
    meter = Meter(services.store)
    now = services.clock()
    customers = [f"c{i % 50}" for i in range(200)]  # four turns of each of 50 customers
    commands.names.clear()
    commands.sent.clear()
    first = asyncio.create_task(meter.spend(customers[0], now, 100))
    for _ in range(3):  # until its write is on its way
        await asyncio.sleep(0)
    await asyncio.gather(first, *(meter.spend(c, now, 100 + i)
                                  for i, c in enumerate(customers) if i))
    # The first turn's write, then one for all the turns that ended while it was in flight.
    assert commands.names == ["update", "update"]
    assert [len(c["updates"]) for c in commands.sent] == [1, 50]
    stored = {d["_id"]: d["tokens"] async for d in services.store.db[USAGE].find()}
    assert stored == {usage_key(f"c{k}", now): sum(100 + i for i in range(k, 200, 50))
                      for k in range(50)}
    await meter.spend("c0", now, 7)  # a turn alone is written alone, straight away
    assert (await services.store.db[USAGE].find_one({"_id": usage_key("c0", now)}) or {})[
        "tokens"] == stored[usage_key("c0", now)] + 7


@pytest.mark.slow
async def test_a_failed_token_write_fails_each_turn_that_waited_for_it() -> None:
    down = Store.connect("mongodb://127.0.0.1:9/?directConnection=true", "nowhere")
    meter = Meter(down)
    try:
        failures = await asyncio.gather(*(meter.spend("c", datetime.now(UTC), 10)
                                          for _ in range(20)), return_exceptions=True)
        assert len(failures) == 20 and all(isinstance(f, ConnectionFailure) for f in failures)
        with pytest.raises(ConnectionFailure):  # and the next turn tries again
            await meter.spend("c", datetime.now(UTC), 10)
    finally:
        await down.close()


async def test_a_lease_is_kept_while_a_confirmation_waits(watched: tuple[Services, Commands],
                                                           seeded: Store) -> None:
    services, commands = watched
    graph = _graph(services, shared=True)
    key = doc_id(thread_id("web", "demo-alice", "pay"), "")
    asked = await run_turn(graph, customer_id="demo-alice", session_id="pay",
                           message="pay for my cart")
    assert asked["awaiting_confirmation"]
    # the checkpoint, then the interrupt's writes, then the lease released on its own
    checkpoint, writes, release = (c["updates"] for c in commands.sent[-3:])
    assert checkpoint[0]["u"]["$set"]["kind"] == "checkpoint"
    assert "$unset" not in checkpoint[0]["u"]
    assert {u["u"]["$set"].get("kind") for u in writes} == {"write", None}  # and the marks
    assert [(u["q"], u["u"]) for u in release] == [
        ({"_id": key, "token": checkpoint[0]["q"]["token"]},
         {"$unset": {"token": "", "lease_until": ""}})]
    session = await seeded.db["sessions"].find_one({"_id": key})
    assert session is not None and "token" not in session and session["interrupted"]
    paid = await run_turn(graph, customer_id="demo-alice", session_id="pay", message="yes")
    assert paid["actions"][0]["status"] == "paid"
    session = await seeded.db["sessions"].find_one({"_id": key})
    assert session is not None and "token" not in session and "lease_until" not in session


async def test_shared_turns_of_one_session_run_one_at_a_time_across_processes(
        services: Services, seeded: Store) -> None:
    graphs = [_graph(services, shared=True) for _ in range(2)]  # as two workers have
    running, peak, ran = 0, 0, []
    for graph in graphs:
        ainvoke = graph.ainvoke

        async def counted(payload: Any, config: Any, *, _ainvoke: Any = ainvoke,
                          **kwargs: Any) -> Any:
            nonlocal running, peak
            running += 1
            peak = max(peak, running)
            ran.append(payload["messages"][-1].text)
            try:
                await asyncio.sleep(0.01)  # long enough for the other process to try
                return await _ainvoke(payload, config, **kwargs)
            finally:
                running -= 1

        graph.ainvoke = counted  # type: ignore[method-assign]
    messages = [f"hello {i}" for i in range(12)]
    await asyncio.gather(*(run_turn(graphs[i % 2], customer_id="demo-alice", session_id="both",
                                    message=m) for i, m in enumerate(messages)))
    assert peak == 1 and sorted(ran) == sorted(messages)
    saver = graphs[0].checkpointer
    assert (await _humans(saver, "both"))[-1] == ran[-1]  # the state stored is the last turn's


@pytest.mark.parametrize("shared", [False, True])
async def test_a_turn_overtaken_by_another_process_does_not_overwrite_it(
        services: Services, shared: bool) -> None:
    ours, theirs = _graph(services, shared), _graph(services, shared)
    await run_turn(ours, customer_id="demo-alice", session_id="race", message="hello")
    saver: SessionSaver = ours.checkpointer
    checkpoint = empty_checkpoint()
    async with saver.turn(thread_id("web", "demo-alice", "race")):
        if shared:  # our lease lapsed (a turn of more than two minutes) and was taken over
            await services.store.db["sessions"].update_one(
                {"_id": doc_id(thread_id("web", "demo-alice", "race"), "")},
                {"$unset": {"token": "", "lease_until": ""}})
        await run_turn(theirs, customer_id="demo-alice", session_id="race", message="theirs")
        with pytest.raises(Busy):
            await saver.aput(_config("race"), checkpoint, {}, {})
    assert (await _humans(saver, "race"))[-1] == "theirs"


async def test_a_new_session_another_process_made_meanwhile_is_not_overwritten(
        services: Services) -> None:
    ours, theirs = _graph(services, False), _graph(services, False)
    saver: SessionSaver = ours.checkpointer
    async with saver.turn(thread_id("web", "demo-alice", "fresh")):  # finds no session
        await run_turn(theirs, customer_id="demo-alice", session_id="fresh", message="theirs")
        with pytest.raises(Busy):  # our first checkpoint is an insert, and the _id is taken
            await saver.aput(_config("fresh"), empty_checkpoint(), {}, {})
    assert await _humans(saver, "fresh") == ["theirs"]


async def test_a_new_sessions_own_writes_may_land_before_its_first_checkpoint(
        services: Services) -> None:
    saver: SessionSaver = _graph(services, False).checkpointer
    checkpoint = empty_checkpoint()
    at_checkpoint: Any = {"configurable": {**_config("early")["configurable"],
                                           "checkpoint_id": checkpoint["id"]}}
    async with saver.turn(thread_id("web", "demo-alice", "early")):  # finds no session
        # A run that stops at a confirmation: its interrupt's writes make the session document
        await saver.aput_writes(at_checkpoint, [(INTERRUPT, [Interrupt(value="pay?")])], "t1")
        await saver.aput(_config("early"), checkpoint, {}, {})  # then its checkpoint: no Busy
    found = await saver.aget_tuple(_config("early"))
    assert found is not None and found.checkpoint["id"] == checkpoint["id"]
    assert [(task, channel) for task, channel, _ in found.pending_writes or []] == [
        ("t1", INTERRUPT)]
