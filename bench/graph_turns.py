"""Measure a graph turn against a minimal LangGraph turn, and a long session against a short one."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import bson
from langchain_core.messages import AIMessage, HumanMessage
from langgraph.graph import START, MessagesState, StateGraph

from bench.common import Measure, demo_shop, embedded_database, median, timed_ms
from checkpoints.saver import SessionSaver
from graph.builder import build_graph
from graph.context import customer_brief
from graph.session import run_turn, settled, thread_id
from tools.context import ToolContext

MESSAGES = ["hello", "where is my order ORD-1002?", "laptop for coding under $900",
            "is LAP-00001 in stock at the mall?", "how many points do I have?"]


class CountingSaver(SessionSaver):
    """Counts checkpoint writes, to report writes per turn."""

    puts = 0

    async def aput(self, *args: Any, **kwargs: Any) -> Any:
        """Count, then save."""
        CountingSaver.puts += 1
        return await super().aput(*args, **kwargs)


def _minimal_graph(saver: SessionSaver) -> Any:
    async def echo(state: MessagesState) -> dict[str, Any]:
        return {"messages": [AIMessage(f"echo: {state['messages'][-1].text}")]}

    graph = StateGraph(MessagesState)
    graph.add_node("echo", echo)
    graph.add_edge(START, "echo")
    return graph.compile(checkpointer=saver)


async def session_bytes(saver: SessionSaver, thread: str) -> int:
    """Bytes stored for one session: its checkpoint and pending writes."""
    return sum([len(bson.encode(doc)) async for doc in saver.sessions.find({"thread_id": thread})])


async def measure(turns: int = 500, rounds: int = 60, window: int = 30) -> list[Measure]:
    """graph_floor, long_session (latency and bytes) and checkpoint_writes."""
    with embedded_database() as uri:
        async with demo_shop(uri, "bench_graph") as services:
            store = services.store
            saver = CountingSaver(store.db, settled=settled)
            await saver.setup()
            graph = build_graph(services).compile(checkpointer=saver)
            minimal = _minimal_graph(saver)
            ctx = ToolContext(services=services, customer_id="demo-alice")
            parts: dict[str, list[float]] = {"brief": [], "lock": [], "read": [], "write": []}
            for i in range(rounds):  # the parts of a turn the one-node graph does not have
                started = time.perf_counter()
                await customer_brief(ctx)
                parts["brief"].append(timed_ms(started))
                started = time.perf_counter()
                async with saver.turn(f"lock-{i}"):
                    parts["lock"].append(timed_ms(started))
                parts["lock"][-1] = timed_ms(started)  # taken and released: two writes
                started = time.perf_counter()
                await store.customers.find_one({"_id": "demo-alice"})
                parts["read"].append(timed_ms(started))
                started = time.perf_counter()
                await store.db["bench_writes"].update_one({"_id": i % 5}, {"$inc": {"n": 1}},
                                                          upsert=True)
                parts["write"].append(timed_ms(started))
            ours, floor = [], []
            for i in range(rounds):  # interleaved, so that drift hits both sides alike
                text = MESSAGES[i % len(MESSAGES)]
                started = time.perf_counter()
                await run_turn(graph, customer_id="demo-alice", session_id=f"f{i}", message=text)
                ours.append(timed_ms(started))
                started = time.perf_counter()
                await minimal.ainvoke({"messages": [HumanMessage(text)]},
                                      {"configurable": {"thread_id": f"m{i}"}},
                                      durability="exit")
                floor.append(timed_ms(started))
            thread = thread_id("web", "demo-alice", "long")
            size_at: dict[int, int] = {}
            late: list[float] = []
            early: list[float] = []

            async def say(session: str, i: int, into: list[float] | None = None) -> None:
                """One turn of `session` saying message `i` (of five, in a cycle)."""
                started = time.perf_counter()
                await run_turn(graph, customer_id="demo-alice", session_id=session,
                               message=MESSAGES[i % len(MESSAGES)])
                if into is not None:
                    into.append(timed_ms(started))

            puts_before = CountingSaver.puts
            for n in range(1, turns - window + 1):
                await say("long", n)  # the same five messages over and over
                if n == 5:
                    size_at[n] = await session_bytes(saver, thread)
            for n in range(1, 5):
                await say("short", n)
            # The long session's last turns, interleaved with turns 5 onwards of a new one, so
            # that the machine's drift hits both sides alike.
            for k in range(1, window + 1):  # the messages go on in the same cycle
                await say("long", k, late)  # the same message on both sides of a pair
                await say("short", k, early)
            size_at[turns] = await session_bytes(saver, thread)
            writes_per_turn = (CountingSaver.puts - puts_before) / (turns + 4 + window)
    return [
        Measure("graph_floor", median(ours), median(floor), median(ours) / median(floor), 1.3,
                "ms p50", "an offline turn (`run_turn`: session lock, graph, tools, checkpoint) "
                "vs a one-node LangGraph turn, same saver, messages of 5 kinds. On the embedded "
                f"database a read takes {median(parts['read']):.2f} ms and a write "
                f"{median(parts['write']):.2f} ms; the session lock that keeps a session's turns "
                f"in order across workers (take and release: two writes) takes "
                f"{median(parts['lock']):.1f} ms and the customer brief (one aggregate, read "
                f"when the answer uses it) {median(parts['brief']):.1f} ms, more together than "
                f"the 1.3x target leaves ({0.3 * median(floor):.1f} ms) before any tool runs"),
        Measure("long_session_latency", median(late), median(early), median(late) / median(early),
                1.1, "ms p50", f"turns {turns - window + 1}-{turns} of a session vs turns "
                f"5-{4 + window} of another, one turn of each in turn"),
        Measure("long_session_bytes", size_at[turns], size_at[5], size_at[turns] / size_at[5], 1.1,
                "bytes", f"stored for the session after {turns} vs 5 turns"),
        Measure("checkpoint_writes", writes_per_turn, 1.0, writes_per_turn, 1.0, "writes/turn",
                "checkpoint documents written per turn"),
    ]


if __name__ == "__main__":
    for row in asyncio.run(measure()):
        print(row.as_json())
