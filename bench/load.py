"""Measure 200 concurrent sessions against one session alone, the LLM faked at 300 ms.

The model is a local server in the OpenAI chat-completions wire format (its own process, on
127.0.0.1) that waits 300 ms and answers with text, no tool call. The turns run through
`graph.session.run_turn` on the product graph as `open_app` builds it (project checkpointer on
the async driver), without HTTP.

    .venv/bin/python -m bench.load
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import logging
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
from langchain_core.messages import HumanMessage
from langgraph.graph import START, MessagesState, StateGraph
from pydantic import SecretStr

from app import App, open_app
from bench.common import Measure, median
from bench.http import MESSAGES, cpu_seconds, database, free_port, served
from graph.session import TurnResult, run_turn
from settings import Settings

LLM_DELAY_S = 0.3
REPLY = "Here is what I found for you."


# --- the fake model ----------------------------------------------------------------------------


def _fake_llm_app(delay: float) -> Any:
    from litestar import Litestar, get, post

    calls = [0]

    @post("/v1/chat/completions", status_code=200)
    async def completions(data: dict[str, Any]) -> dict[str, Any]:
        calls[0] += 1
        await asyncio.sleep(delay)
        return {"id": f"chatcmpl-bench-{calls[0]}", "object": "chat.completion",
                "created": int(time.time()), "model": data.get("model", "bench"),
                "choices": [{"index": 0, "finish_reason": "stop", "logprobs": None,
                             "message": {"role": "assistant", "content": REPLY}}],
                "usage": {"prompt_tokens": 100, "completion_tokens": 8, "total_tokens": 108}}

    @get("/calls")
    async def count() -> dict[str, int]:
        return {"calls": calls[0]}

    @get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return Litestar(route_handlers=[completions, count, health])


def _serve_fake_llm(port: int, delay: float) -> None:
    import uvicorn

    uvicorn.run(_fake_llm_app(delay), host="127.0.0.1", port=port, log_level="warning",
                access_log=False, backlog=4096,
                timeout_keep_alive=600)  # never close a pooled connection mid-benchmark


# --- instruments -------------------------------------------------------------------------------


@dataclass
class Probe:
    """What a burst of turns cost: loop lag, GC pauses, the checkpointer's time, failures.

    The 200-turn burst is CPU-bound in the event loop's thread; these figures say whether
    anything else (a blocking call, the database, the collector, the model) takes its share.
    """

    lag_ms: list[float] = field(default_factory=list)
    gc_ms: list[tuple[int, float]] = field(default_factory=list)
    saver_ms: list[float] = field(default_factory=list)
    failures: Counter[str] = field(default_factory=Counter)
    _gc_started: float = 0.0

    def reset(self) -> None:
        """Forget the previous burst."""
        for figures in (self.lag_ms, self.gc_ms, self.saver_ms, self.failures):
            figures.clear()

    def on_gc(self, phase: str, info: dict[str, int]) -> None:
        """A `gc.callbacks` hook: the length of each collection and its generation."""
        if phase == "start":
            self._gc_started = time.perf_counter()
        else:
            self.gc_ms.append((info["generation"], (time.perf_counter() - self._gc_started) * 1000))


class _Failures(logging.Handler):
    """Counts the model failures the agents and the supervisor log (then answer offline)."""

    def __init__(self, probe: Probe):
        super().__init__(logging.WARNING)
        self.probe = probe

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno == logging.WARNING and "failed" in str(record.msg):
            args = record.args if isinstance(record.args, tuple) else ()
            self.probe.failures[str(args[-1]) if args else record.getMessage()] += 1


def _time_checkpointer(app: App, probe: Probe) -> None:
    """Time the checkpointer's calls (read, write, writes), on this instance only."""
    saver: Any = app.checkpointer

    def timed(call: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        async def run(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return await call(*args, **kwargs)
            finally:
                probe.saver_ms.append((time.perf_counter() - started) * 1000)

        return run

    for name in ("aget_tuple", "aput", "aput_writes"):
        setattr(saver, name, timed(getattr(saver, name)))


@contextlib.contextmanager
def _probing(app: App) -> Iterator[Probe]:
    probe = Probe()
    _time_checkpointer(app, probe)
    handler = _Failures(probe)
    logging.getLogger("graph").addHandler(handler)
    gc.callbacks.append(probe.on_gc)
    try:
        yield probe
    finally:
        gc.callbacks.remove(probe.on_gc)
        logging.getLogger("graph").removeHandler(handler)


async def _lag(probe: Probe, stop: asyncio.Event, tick_s: float = 0.005) -> None:
    """How late the event loop wakes a 5 ms sleeper: how long something held the loop."""
    while not stop.is_set():
        started = time.perf_counter()
        await asyncio.sleep(tick_s)
        probe.lag_ms.append((time.perf_counter() - started - tick_s) * 1000)


@dataclass
class Burst:
    """One burst of concurrent turns and what the probe saw during it."""

    wall_s: float
    cpu_s: float
    db_cpu_s: float
    max_lag_ms: float
    gc_ms: float
    max_gc_ms: float
    saver_ms: float
    offline: int
    failures: Counter[str]


async def _burst(probe: Probe, llm: httpx.AsyncClient, db_pid: int, tag: str, sessions: int,
                 turn: Callable[[str, int], Awaitable[TurnResult]]) -> Burst:
    before = (await llm.get("/calls")).json()["calls"]
    probe.reset()
    stop = asyncio.Event()
    ticker = asyncio.create_task(_lag(probe, stop))
    # The database's CPU first: reading it scans /proc, which must not count as this process's.
    db_cpu, cpu, started = cpu_seconds(db_pid), time.process_time(), time.perf_counter()
    results = await asyncio.gather(*(turn(f"{tag}-{i}", i) for i in range(sessions)))
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    db_cpu = cpu_seconds(db_pid) - db_cpu
    stop.set()
    await ticker
    calls = (await llm.get("/calls")).json()["calls"] - before
    offline = sum(r["answered_by"] != "openrouter" or r["reply"] != REPLY for r in results)
    if calls < sessions - offline:
        raise RuntimeError(f"{calls} model calls for {sessions - offline} model answers")
    return Burst(wall, cpu, db_cpu, max(probe.lag_ms, default=0.0),
                 sum(ms for _, ms in probe.gc_ms), max((ms for _, ms in probe.gc_ms), default=0.0),
                 sum(probe.saver_ms) / max(1, len(probe.saver_ms)), offline,
                 Counter(probe.failures))


def _note(sessions: int, rounds: int, many: list[Burst], alone: list[Burst],
          floor_many: list[Burst], floor_alone: list[Burst]) -> str:
    worst = max(many, key=lambda x: x.wall_s)
    offline = sum(x.offline for x in many + alone)
    failures = sum((x.failures for x in many + alone), Counter[str]())
    budget_s = 3.0 * median([x.wall_s for x in alone])
    cpu_s, db_s = median([x.cpu_s for x in many]), median([x.db_cpu_s for x in many])
    floor = median([x.wall_s for x in floor_many]) / median([x.wall_s for x in floor_alone])
    note = (
        f"{sessions} concurrent sessions (one turn each) vs one session alone, LLM faked at "
        f"{LLM_DELAY_S * 1000:.0f} ms over HTTP, median of {rounds} rounds. The burst is CPU "
        f"work on two cores: this process (one event loop, so one core) spent {cpu_s:.2f} s "
        f"and the embedded database (one Python process) {db_s:.2f} s, against a 3x budget of "
        f"{budget_s:.2f} s. A one-node LangGraph graph making the same model call with the "
        f"same saver scales {floor:.1f}x from 1 to {sessions} sessions "
        f"({median([x.cpu_s for x in floor_many]) / sessions * 1000:.1f} ms CPU per turn). At "
        f"{sessions}: {cpu_s / sessions * 1000:.1f} ms CPU per turn in this process (alone: "
        f"{median([x.cpu_s for x in alone]) * 1000:.1f} ms) and {db_s / sessions * 1000:.1f} ms "
        "in the database, of which garbage "
        f"collection {median([x.gc_ms for x in many]) / sessions:.1f} ms (longest pause "
        f"{max(x.max_gc_ms for x in many):.0f} ms); slowest burst: loop held up to "
        f"{worst.max_lag_ms:.0f} ms, a checkpointer call took {worst.saver_ms:.1f} ms on average")
    if offline:
        note += (f". WARNING: {offline} turns fell back to offline answers (model failures: "
                 f"{dict(failures) or 'none logged'})")
    return note


async def measure(sessions: int = 200, rounds: int = 3) -> list[Measure]:
    """concurrency: wall time of 200 concurrent first turns vs one turn alone."""
    port = free_port()
    command = [sys.executable, "-m", "bench.load", "fake-llm", "--port", str(port)]
    with database() as db, served(command, port) as fake:
        uri = db.base
        settings = Settings(_env_file=None, mongo_uri=uri,  # type: ignore[call-arg]
                            db_name="bench_load", openrouter_api_key=SecretStr("x"),
                            openrouter_base_url=f"{fake.base}/v1")
        async with (open_app(settings, seed_if_empty=True, uri=uri) as app,
                    httpx.AsyncClient(base_url=fake.base) as llm):

            async def turn(session: str, i: int) -> TurnResult:
                # a customer per session: one customer's daily model budget would run out
                return await run_turn(app.graph, customer_id=f"load-{session}", session_id="s",
                                      message=MESSAGES[i % len(MESSAGES)])

            minimal = _minimal_graph(app)

            async def floor_turn(session: str, i: int) -> TurnResult:
                out = await minimal.ainvoke(
                    {"messages": [HumanMessage(MESSAGES[i % len(MESSAGES)])]},
                    {"configurable": {"thread_id": f"floor-{session}"}}, durability="exit")
                return TurnResult(reply=out["messages"][-1].text, agent_used="general",
                                  actions=[], awaiting_confirmation=False,
                                  answered_by="openrouter")

            with _probing(app) as probe:
                await _burst(probe, llm, db.pid, "warm1", 1, turn)
                await _burst(probe, llm, db.pid, "warm20", 20, turn)
                alone, many, floor_alone, floor_many = [], [], [], []
                for r in range(rounds):
                    alone.append(await _burst(probe, llm, db.pid, f"one{r}", 1, turn))
                    many.append(await _burst(probe, llm, db.pid, f"many{r}", sessions, turn))
                    floor_alone.append(await _burst(probe, llm, db.pid, f"fone{r}", 1,
                                                    floor_turn))
                    floor_many.append(await _burst(probe, llm, db.pid, f"fmany{r}", sessions,
                                                   floor_turn))
    a, b = median([x.wall_s for x in many]), median([x.wall_s for x in alone])
    return [Measure("concurrency", a, b, a / b, 3.0, "s wall",
                    _note(sessions, rounds, many, alone, floor_many, floor_alone))]


def _minimal_graph(app: App) -> Any:
    """One node that makes the model call our agents make, on the product's saver."""
    model = app.models[0].model  # the product's model and HTTP client

    async def answer(state: MessagesState) -> dict[str, Any]:
        return {"messages": [await model.ainvoke(state["messages"])]}

    graph = StateGraph(MessagesState)
    graph.add_node("answer", answer)
    graph.add_edge(START, "answer")
    return graph.compile(checkpointer=app.checkpointer)


def main(argv: list[str] | None = None) -> None:
    """Print the measure, or (`fake-llm`) serve the fake model."""
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__)
    commands = parser.add_subparsers(dest="command")
    fake = commands.add_parser("fake-llm", help="serve the fake chat-completions model")
    fake.add_argument("--port", type=int, required=True)
    fake.add_argument("--delay", type=float, default=LLM_DELAY_S)
    args = parser.parse_args(argv)
    if args.command == "fake-llm":
        _serve_fake_llm(args.port, args.delay)
        return
    for row in asyncio.run(measure()):
        print(row.as_json())


if __name__ == "__main__":
    main()
