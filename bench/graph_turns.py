"""Measure a graph turn against a minimal LangGraph turn, and a long session against a short one."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import bson
from langchain_core.messages import AIMessage, HumanMessage
from langgraph.graph import START, MessagesState, StateGraph
from langgraph.types import Command

from app import tune_collector
from bench.common import Measure, demo_shop, median, process_cpu_s, timed_ms
from bench.http import MESSAGES, database
from checkpoints.saver import SessionSaver
from graph.archive import ArchivedSaver
from graph.builder import build_graph
from graph.classifier import build_classifier
from graph.routes import ROUTES, Route
from graph.session import run_turn, settled, thread_id
from graph.state import State
from graph.supervisor import Router, make_supervisor
from tools.store import Store

# The kinds of message each side says in turn, as `bench.http` sends them.
KINDS = dict(zip(("greeting", "order", "search", "stock", "points"), MESSAGES, strict=True))


@dataclass
class Side:
    """The latencies of one side of a comparison, and the CPU they cost."""

    ms: list[float] = field(default_factory=list)
    cpu_s: float = 0.0
    db_cpu_s: float = 0.0

    @contextlib.contextmanager
    def timed(self, db_pid: int) -> Iterator[None]:
        """Time one turn: its latency, this process's CPU and the database's."""
        db_cpu, cpu, started = process_cpu_s(db_pid), time.process_time(), time.perf_counter()
        yield
        self.ms.append(timed_ms(started))
        self.cpu_s += time.process_time() - cpu
        self.db_cpu_s += process_cpu_s(db_pid) - db_cpu

    @property
    def p50(self) -> float:
        """The median latency, in ms."""
        return median(self.ms)

    @property
    def cpu_ms(self) -> float:
        """This process's CPU per turn, in ms."""
        return self.cpu_s / len(self.ms) * 1000

    @property
    def db_ms(self) -> float:
        """The database's CPU per turn, in ms."""
        return self.db_cpu_s / len(self.ms) * 1000


class CountingSaver(ArchivedSaver):
    """The product's checkpointer (with the archive its turns append to), counting writes."""

    puts = 0

    async def aput(self, *args: Any, **kwargs: Any) -> Any:
        """Count, then save."""
        CountingSaver.puts += 1
        return await super().aput(*args, **kwargs)


def _minimal_graph(saver: SessionSaver) -> Any:
    """One node that echoes the message."""
    async def echo(state: MessagesState) -> dict[str, Any]:
        return {"messages": [AIMessage(f"echo: {state['messages'][-1].text}")]}

    graph = StateGraph(MessagesState)
    graph.add_node("echo", echo)
    graph.add_edge(START, "echo")
    return graph.compile(checkpointer=saver)


def _smallest_turn(saver: SessionSaver, store: Store, classify: bool = True) -> Any:
    """The least a turn of this product does: the supervisor routes, an agent reads and answers.

    The real supervisor node (classifier and hand-off), or with `classify=False` a supervisor
    that sends every message to `general` without classifying it; every route goes to one agent
    that reads the customer's name.
    """
    async def answer(state: State) -> dict[str, Any]:
        customer = await store.customers.find_one({"_id": "demo-alice"}, {"name": 1})
        assert customer is not None
        return {"messages": [AIMessage(f"Hi {customer['name']}: {state['messages'][-1].text}")]}

    async def unclassified(state: State) -> Command[Route]:
        return Command(goto="general", update={"route": "general", "routed_by": "bench"})

    graph = StateGraph(State)
    graph.add_node("supervisor", make_supervisor(Router(build_classifier())) if classify
                   else unclassified, destinations=ROUTES)
    for route in ROUTES:
        graph.add_node(route, answer)
    graph.add_edge(START, "supervisor")
    return graph.compile(checkpointer=saver)


async def session_bytes(saver: SessionSaver, thread: str) -> int:
    """Bytes stored for one session: its checkpoint and pending writes."""
    return sum([len(bson.encode(doc)) async for doc in saver.sessions.find({"thread_id": thread})])


def _saver(db: Any, shared: bool) -> CountingSaver:
    """The product's checkpointer (`graph.session.make_saver`), counting its writes."""
    return CountingSaver(db, shared=shared, settled=settled)


async def measure(turns: int = 500, rounds: int = 100, window: int = 30, long_rounds: int = 3
                  ) -> list[Measure]:
    """graph_floor, long_session (latency and bytes) and checkpoint_writes."""
    with database() as db:
        async with demo_shop(db.base, "bench_graph") as services:
            store = services.store
            saver = _saver(store.db, shared=False)  # one server process, as `make run` serves
            await saver.setup()
            graph = build_graph(services).compile(checkpointer=saver)
            # As `omnisales serve --workers N` runs it: each turn takes a lease on its session.
            with_lease = build_graph(services).compile(
                checkpointer=_saver(store.db, shared=True))
            minimal = _minimal_graph(saver)
            smallest = _smallest_turn(saver, store)
            unclassified = _smallest_turn(saver, store, classify=False)
            tune_collector()  # as `app.open_app` does once the graph is built
            for i in range(10):  # connections, caches and lazy imports settle
                await run_turn(graph, customer_id="demo-alice", session_id=f"w{i}",
                               message=MESSAGES[i % len(MESSAGES)])
            sides: dict[str, Side] = {name: Side() for name in ("ours", "leased", "smallest",
                                                                  "unclassified", "floor")}
            for i in range(rounds):  # interleaved, so that drift hits every side alike
                text = MESSAGES[i % len(MESSAGES)]
                with sides["ours"].timed(db.pid):
                    await run_turn(graph, customer_id="demo-alice", session_id=f"f{i}",
                                   message=text)
                with sides["leased"].timed(db.pid):
                    await run_turn(with_lease, customer_id="demo-alice", session_id=f"l{i}",
                                   message=text)
                with sides["smallest"].timed(db.pid):
                    await run_turn(smallest, customer_id="demo-alice", session_id=f"s{i}",
                                   message=text)
                with sides["unclassified"].timed(db.pid):
                    await run_turn(unclassified, customer_id="demo-alice",
                                   session_id=f"u{i}", message=text)
                with sides["floor"].timed(db.pid):
                    await minimal.ainvoke({"messages": [HumanMessage(text)]},
                                          {"configurable": {"thread_id": f"m{i}"}},
                                          durability="exit")
            size_at: dict[int, int] = {}
            late: list[list[float]] = []
            early: list[list[float]] = []

            async def say(session: str, i: int, into: list[float] | None = None) -> None:
                """One turn of `session` saying message `i` (of five, in a cycle)."""
                started = time.perf_counter()
                await run_turn(graph, customer_id="demo-alice", session_id=session,
                               message=MESSAGES[i % len(MESSAGES)])
                if into is not None:
                    into.append(timed_ms(started))

            puts_before = CountingSaver.puts
            for r in range(long_rounds):  # a long and a short session each round
                long, short = f"long{r}", f"short{r}"
                thread = thread_id("web", "demo-alice", long)
                for n in range(1, turns - window + 1):
                    await say(long, n)  # the same five messages over and over
                    if n == 5 and r == 0:
                        size_at[n] = await session_bytes(saver, thread)
                for n in range(1, 5):
                    await say(short, n)
                # The long session's last turns, interleaved with turns 5 onwards of a new one,
                # so that the machine's drift hits both sides alike.
                late.append([])
                early.append([])
                for k in range(1, window + 1):  # the messages go on in the same cycle
                    await say(long, k, late[r])  # the same message on both sides of a pair
                    await say(short, k, early[r])
                if r == 0:
                    size_at[turns] = await session_bytes(saver, thread)
            writes_per_turn = (CountingSaver.puts - puts_before) / (
                long_rounds * (turns + 4 + window))
    ours, leased, smallest, unclassified, floor = (
        sides[n] for n in ("ours", "leased", "smallest", "unclassified", "floor"))
    ratios = [median(a) / median(b) for a, b in zip(late, early, strict=True)]
    step = len(KINDS)  # turn i says message i % step, on every side
    by_kind = ", ".join(f"{kind} {median(ours.ms[k::step]) / median(floor.ms[k::step]):.2f}x"
                        for k, kind in enumerate(KINDS))
    return [
        Measure("graph_floor", ours.p50, floor.p50, ours.p50 / floor.p50, 1.3, "ms p50",
                "an offline turn as one server process runs it (`run_turn`: the turn queued "
                "in-process, supervisor, agent and tools, checkpoint) vs a one-node LangGraph "
                f"turn on the same saver; {len(KINDS)} kinds of message, {rounds} turns of each "
                f"side interleaved. By kind: {by_kind}. Every kind but the search makes as many "
                "round trips as the one-node turn (ours: read the session, the agent's read, "
                "write the checkpoint; the floor: read, write, delete stale writes). CPU per "
                f"turn: this process {ours.cpu_ms:.2f} ms against {floor.cpu_ms:.2f} ms, the "
                f"database {ours.db_ms:.2f} ms against {floor.db_ms:.2f} ms. The smallest turn "
                "of this shape (`run_turn`, the real supervisor, an agent that reads a name "
                f"with one find) takes {smallest.p50:.2f} ms ({smallest.p50 / floor.p50:.2f}x), "
                f"the database {smallest.db_ms:.2f} ms of CPU; with a supervisor that does "
                f"not classify, {unclassified.p50:.2f} ms ({unclassified.p50 / floor.p50:.2f}x). "
                "So routing costs a graph step and the classifier, and the rest is the agents' "
                "work (reads that join collections, tool calls and their results in the "
                "transcript). With the session lease that "
                f"`--workers N` takes: {leased.p50:.2f} ms ({leased.p50 / floor.p50:.2f}x)"),
        Measure("long_session_latency", median([median(r) for r in late]),
                median([median(r) for r in early]), median(ratios), 1.1, "ms p50",
                f"turns {turns - window + 1}-{turns} of a session vs turns 5-{4 + window} of "
                f"another, one turn of each in turn; median of {long_rounds} rounds, each a new "
                f"pair of sessions (ratios {', '.join(f'{x:.2f}' for x in ratios)})"),
        Measure("long_session_bytes", size_at[turns], size_at[5], size_at[turns] / size_at[5], 1.1,
                "bytes", f"stored for the session after {turns} vs 5 turns"),
        Measure("checkpoint_writes", writes_per_turn, 1.0, writes_per_turn, 1.0, "writes/turn",
                "checkpoint documents written per turn"),
    ]


if __name__ == "__main__":
    for row in asyncio.run(measure()):
        print(row.as_json())
