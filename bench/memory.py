"""Measure the resident memory 1,000 idle sessions cost this process vs their stored bytes.

A session is idle once its turn is over: everything it needs is in its checkpoint in MongoDB,
so the process should keep (close to) nothing per session.

    .venv/bin/python -m bench.memory
"""

from __future__ import annotations

import asyncio
import gc
import re
from pathlib import Path
from typing import Any

import bson

from bench.common import Measure, demo_shop, embedded_database, median
from bench.http import MESSAGES
from checkpoints.saver import SessionSaver
from graph.builder import build_graph
from graph.session import make_saver, run_turn, thread_id

CUSTOMER = "demo-alice"


def rss_bytes() -> int:
    """This process's resident set size (VmRSS), in bytes."""
    match = re.search(r"^VmRSS:\s+(\d+)\s+kB", Path("/proc/self/status").read_text(), re.M)
    assert match is not None, "no VmRSS in /proc/self/status"
    return int(match.group(1)) * 1024


def settled_rss() -> int:
    """RSS after a full garbage collection."""
    gc.collect()
    return rss_bytes()


async def _sessions(graph: Any, tag: str, count: int) -> None:
    """`count` new sessions, one offline turn each, one after another."""
    for i in range(count):
        result = await run_turn(graph, customer_id=CUSTOMER, session_id=f"{tag}-{i}",
                                message=MESSAGES[i % len(MESSAGES)])
        assert result["reply"], result


async def stored_bytes(saver: SessionSaver, tag: str) -> tuple[int, int]:
    """BSON bytes of the checkpoints (and pending writes) of the sessions `tag` names; threads."""
    prefix = {"$regex": "^" + re.escape(
        thread_id("web", CUSTOMER, f"{tag}-").removesuffix('"]'))}
    total, threads = 0, set()
    async for doc in saver.sessions.find({"thread_id": prefix}):
        total += len(bson.encode(doc))
        threads.add(doc["thread_id"])
    return total, len(threads)


async def measure(sessions: int = 1000, rounds: int = 3, warm: int = 300) -> list[Measure]:
    """memory: RSS growth per 1,000 idle sessions vs the bytes stored for them."""
    with embedded_database() as uri:
        async with demo_shop(uri, "bench_memory") as services:
            saver = make_saver(services.store.db)
            await saver.setup()
            graph = build_graph(services).compile(checkpointer=saver)
            await _sessions(graph, "warm", warm)  # pools, caches and lazy imports settle
            growth: list[float] = []
            stored: list[float] = []
            for r in range(rounds):
                before = settled_rss()
                await _sessions(graph, f"mem{r}", sessions)
                growth.append(settled_rss() - before)
                size, threads = await stored_bytes(saver, f"mem{r}")
                assert threads == sessions, (threads, sessions)
                stored.append(size)
    a, b = median(growth), median(stored)
    return [Measure(
        "memory", a, b, a / b, 1.5, "bytes",
        f"resident memory growth of this process per {sessions:,} idle sessions (one offline "
        f"turn each; gc.collect() first) vs the BSON bytes of their checkpoints; median of "
        f"{rounds} rounds, growth per round: {', '.join(f'{g / 1024:.0f}' for g in growth)} KiB, "
        f"after {warm} warm-up sessions")]


if __name__ == "__main__":
    for row in asyncio.run(measure()):
        print(row.as_json())
