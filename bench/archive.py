"""Measure the conversation archive: a turn with and without it, and history in a big archive.

`python -m bench.archive [--archive N] [--session-turns N]` runs it alone (defaults: 1,000,000
turns in the archive, 1,000 of them one session's).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from litestar.testing import AsyncTestClient
from pydantic import SecretStr
from pymongo.errors import AutoReconnect

from app import tune_collector
from bench.common import Measure, demo_shop, median, percentile, process_cpu_s, timed_ms
from bench.http import MESSAGES, database
from checkpoints.saver import SessionSaver
from graph.builder import build_graph
from graph.session import make_saver, run_turn, settled
from settings import Settings
from tools import transcripts
from tools.context import session_key
from tools.store import Doc, Store

BLOCK = 50  # turns a side runs back to back; its archive entries written within its time
KEY = "bench-archive-key-0123456789abcdefghij"
BATCH = 20_000  # archive entries a bulk insert carries
SHORT = 20  # turns of the typical session measured beside the long one
SPREAD = timedelta(days=30)  # the archive's entries span the last month (kept 90 days)


async def turn_overhead(blocks: int = 16) -> Measure:
    """Offline turns with the archive vs the same without: the latency a customer sees.

    The sides run in interleaved blocks; a block with the archive ends when its last entries
    are written, so its background inserts slow its own turns and never the other side's.
    """
    with database() as db:
        async with demo_shop(db.base, "bench_archive") as services:
            plain = SessionSaver(services.store.db, shared=False, settled=settled)
            archived = make_saver(services.store.db)
            await archived.setup()
            await transcripts.ensure_indexes(services.store, 90)
            graphs = {"with": build_graph(services).compile(checkpointer=archived),
                      "without": build_graph(services).compile(checkpointer=plain)}
            tune_collector()
            for name, graph in graphs.items():  # connections, caches and lazy imports settle
                for i in range(10):
                    await run_turn(graph, customer_id="demo-alice", session_id=f"w{name}{i}",
                                   message=MESSAGES[i % len(MESSAGES)])
            await archived.archive.flush()
            per_turn: dict[str, list[float]] = {"with": [], "without": []}
            turns: dict[str, list[float]] = {"with": [], "without": []}
            db_cpu: dict[str, float] = {"with": 0.0, "without": 0.0}
            for k in range(blocks):
                for name in ("with", "without") if k % 2 else ("without", "with"):
                    cpu, started = process_cpu_s(db.pid), time.perf_counter()
                    for i in range(BLOCK):
                        one = time.perf_counter()
                        await run_turn(graphs[name], customer_id="demo-alice",
                                       session_id=f"{name}{k}", message=MESSAGES[i % 5])
                        turns[name].append(timed_ms(one))
                    await archived.archive.flush()
                    per_turn[name].append(timed_ms(started) / BLOCK)
                    db_cpu[name] += process_cpu_s(db.pid) - cpu
            stored = await services.store.db[transcripts.COLLECTION].count_documents({})
    a, b = median(turns["with"]), median(turns["without"])
    n = blocks * BLOCK
    serial = median(per_turn["with"]) / median(per_turn["without"])
    return Measure(
        "archive_turn", a, b, a / b, 1.1, "ms p50",
        f"offline turns ({len(MESSAGES)} kinds of message) with the archive vs without it, "
        f"{n} a side in {blocks} interleaved blocks of {BLOCK}; the archive's entries go in "
        "background insert_many calls (each carrying the turns that ended within 0.1 s), "
        "written within their own block. p95 "
        f"{percentile(turns['with'], 95):.2f} vs {percentile(turns['without'], 95):.2f} ms. "
        "Counting every block until its last entry is written, as if no insert overlapped a "
        f"turn: {median(per_turn['with']):.2f} vs {median(per_turn['without']):.2f} ms a turn "
        f"({serial:.2f}x). Database CPU per turn {db_cpu['with'] / n * 1000:.2f} vs "
        f"{db_cpu['without'] / n * 1000:.2f} ms; {stored} entries written")


def _turn(user: str, session: str, at: datetime, i: int) -> Doc:
    return transcripts.entry(
        "turn", session_key("web", user, session), "web", user, session, at=at,
        replied_at=at + timedelta(milliseconds=12), text=MESSAGES[i % len(MESSAGES)],
        reply="Your order ORD-1002 has shipped; tracking 1Z999AA10123456784.",
        route="fulfillment", routed_by="classifier", confidence=0.93, agent="fulfillment",
        answered_by="offline", actions=[{"type": "order_status", "order_id": "ORD-1002",
                                         "status": "shipped", "tracking": "1Z999AA10123456784"}],
        language="en", latency_ms=12.0, tokens=0, mode="assistant")


async def _fill(store: Store, start: int, stop: int, total: int, session_every: int) -> None:
    """Entries `start` to `stop` of an archive of `total`, every `session_every`th the session's.

    With the long session, a short one of `SHORT` turns (bob's); other customers hold sessions
    of 20 turns. Every entry's time is spread over `SPREAD`.
    """
    origin = datetime.now(UTC) - SPREAD
    step = SPREAD / total
    for first in range(start, stop, BATCH):
        docs = []
        for i in range(first, min(stop, first + BATCH)):
            at = origin + step * i
            if session_every and i % session_every == 0:
                docs.append(_turn("demo-alice", "long", at, i))
            elif session_every and i % session_every == 1 and i // session_every < SHORT:
                docs.append(_turn("demo-bob", "short", at, i))
            else:
                docs.append(_turn(f"c{i // 20}", "s", at, i))
        for attempt in range(3):  # a loaded machine's missed heartbeat resets the connection
            try:  # a retry skips the entries the last attempt inserted (their `_id` is set)
                await store.insert_new(transcripts.COLLECTION, docs)
                break
            except AutoReconnect:
                if attempt == 2:
                    raise


async def _p95(client: AsyncTestClient[Any], requests: int, user: str = "demo-alice",
               session: str = "long") -> tuple[float, float, int]:
    params = {"session_id": session, "user_id": user}
    headers = {"Authorization": f"Bearer {KEY}"}
    ms = []
    for _ in range(requests):
        started = time.perf_counter()
        response = await client.get("/chat/history", params=params, headers=headers)
        ms.append(timed_ms(started))
        assert response.status_code == 200, response.text
    return percentile(ms, 95), median(ms), len(response.json()["messages"])


async def history(archive: int = 1_000_000, session_turns: int = 1_000, small: int = 10_000,
                  requests: int = 300) -> Measure:
    """`GET /chat/history` p95 for a session of `session_turns` in an archive of `archive`.

    Against the same session in an archive of `small` (the same session's turns, fewer of
    everyone else's), in one run: the archive is grown between the two.
    """
    from server import create_app  # the API, as served

    with database() as db, tempfile.TemporaryDirectory() as folder:
        settings = Settings(_env_file=None, mongo_uri=db.base,  # type: ignore[call-arg]
                            db_name="bench_history", data_dir=Path(folder),
                            api_secret_key=SecretStr(KEY))
        store = Store.connect(db.base, "bench_history")
        async with AsyncTestClient(app=create_app(settings, mongo_uri=db.base)) as client:
            await _fill(store, 0, small, small, small // session_turns)
            await _p95(client, 20)
            p95_small, p50_small, shown = await _p95(client, requests)
            short_small, _, _ = await _p95(client, requests, "demo-bob", "short")
            started = time.perf_counter()
            await _fill(store, small, archive, archive, 0)
            filled_s = time.perf_counter() - started
            await _p95(client, 20)
            p95_big, p50_big, _ = await _p95(client, requests)
            short_big, _, _ = await _p95(client, requests, "demo-bob", "short")
            count = await store.db[transcripts.COLLECTION].estimated_document_count()
            mine = await store.db[transcripts.COLLECTION].count_documents(
                {"session_key": session_key("web", "demo-alice", "long")})
        await store.close()
    return Measure(
        "history_p95", p95_big, p95_small, p95_big / p95_small, 1.5, "ms p95",
        f"`GET /chat/history` (in-process test client, API key) of a session of {mine:,} turns "
        f"({shown} messages shown) in an archive of {count:,} turns vs {small:,} turns; "
        f"{requests} requests each; p50 {p50_big:.2f} vs {p50_small:.2f} ms. A session of "
        f"{SHORT} turns in the same archives: p95 {short_big:.2f} vs {short_small:.2f} ms (the "
        "embedded server reads and sorts all of a session's entries; MongoDB reads the newest "
        "100 from the index). The archive grew "
        f"by {archive - small:,} entries (bulk inserts of {BATCH:,}, every index in place) in "
        f"{filled_s:.0f} s")


async def measure(archive: int = 1_000_000, session_turns: int = 1_000) -> list[Measure]:
    """archive_turn and history_p95."""
    return [await turn_overhead(), await history(archive, session_turns)]


def main(argv: list[str] | None = None) -> None:
    """Run the archive's measures alone and print them."""
    parser = argparse.ArgumentParser(prog="python -m bench.archive")
    parser.add_argument("--archive", type=int, default=1_000_000)
    parser.add_argument("--session-turns", type=int, default=1_000)
    parser.add_argument("--only", choices=("turn", "history"))
    args = parser.parse_args(argv)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # a line a request otherwise
    rows = []
    if args.only != "history":
        rows.append(asyncio.run(turn_overhead()))
    if args.only != "turn":
        rows.append(asyncio.run(history(args.archive, args.session_turns)))
    for row in rows:
        print(row.as_json(), flush=True)


if __name__ == "__main__":
    main()

