"""Measure the operators' dashboard's queries on an archive of 1,000,000 turns vs 10,000.

`python -m bench.dashboard [--archive N] [--small N]` runs it alone. The archive is grown in
one database between the two measures: 30 days of sessions on three channels, with routes,
actions, languages, models, latencies and confidences as the product writes them, handoff
tickets and paid payments. Each view is timed as the dashboard calls it (`tools.dashboard`,
`tools.analytics`), its p95 against 300 ms and against the small archive.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.common import Measure, embedded_database, median, percentile, timed_ms
from bench.dashboard_data import fill
from tools import analytics, dashboard, transcripts
from tools.store import Store
from tools.transcripts import COLLECTION

TARGET_MS = 300.0
TARGET_RATIO = 3.0
DB = "bench_dashboard"
View = Callable[[], Awaitable[Any]]


def _views(store: Store, key: str) -> dict[str, View]:
    """The dashboard's queries, as its pages make them."""
    end = datetime.now(UTC)
    return {
        "live": lambda: dashboard.live(store, "openrouter"),
        "conversation": lambda: dashboard.transcript(store, key),
        "tickets": lambda: dashboard.queue(store),
        "analytics_week": lambda: analytics.figures(store, end - timedelta(days=7), end),
        "analytics_day": lambda: analytics.figures(store, end - timedelta(days=1), end),
    }


async def _time(views: dict[str, View], requests: int) -> dict[str, tuple[float, float, float]]:
    """Each view's first call (ms), then its p95 and p50 over `requests` calls."""
    out = {}
    for name, view in views.items():
        started = time.perf_counter()
        await view()
        first = timed_ms(started)
        ms = []
        for _ in range(requests):
            started = time.perf_counter()
            await view()
            ms.append(timed_ms(started))
        out[name] = (first, percentile(ms, 95), median(ms))
    return out


async def measure(archive: int = 1_000_000, small: int = 10_000, requests: int = 30
                  ) -> list[Measure]:
    """Two rows a view: its p95 at `archive` turns against 300 ms, and against `small` turns."""
    with embedded_database() as uri:
        store = Store.connect(uri, DB)
        try:
            await store.ensure_indexes()
            await transcripts.ensure_indexes(store, 90)
            key = await fill(store, 0, small)
            views = _views(store, key)
            await analytics.keep_up(store)  # as a server's background job would have
            before = await _time(views, requests)
            started = time.perf_counter()
            await fill(store, small, archive)
            filled_s = time.perf_counter() - started
            # The kept hours were of the small archive: a big one would have kept its own.
            await store.db[analytics.CACHE].drop()
            cold_started = time.perf_counter()
            await analytics.keep_up(store)
            cold_s = time.perf_counter() - cold_started
            after = await _time(views, requests)
            count = await store.db[COLLECTION].estimated_document_count()
            open_tickets = await store.handoff_tickets.count_documents({"status": "open"})
        finally:
            await store.close()
    rows = []
    for name, (first, p95, p50) in after.items():
        first_small, p95_small, p50_small = before[name]
        note = (f"p95 of {requests} calls on {count:,} turns vs {small:,} (p50 {p50:.1f} vs "
                f"{p50_small:.1f} ms; first call {first:.0f} vs {first_small:.0f} ms); "
                f"{open_tickets} open tickets; archive grown in {filled_s:.0f} s; the week's "
                f"hours kept (`analytics.keep_up`) in {cold_s:.0f} s")
        rows.append(Measure(f"dash_{name}_p95", p95, TARGET_MS, p95 / TARGET_MS, 1.0, "ms p95",
                            f"{note}; against the 300 ms target"))
        rows.append(Measure(f"dash_{name}_ratio", p95, p95_small, p95 / p95_small,
                            TARGET_RATIO, "ms p95", note))
    return rows


def main(argv: list[str] | None = None) -> None:
    """Run the dashboard's measures alone and print them."""
    parser = argparse.ArgumentParser(prog="python -m bench.dashboard")
    parser.add_argument("--archive", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    for row in asyncio.run(measure(args.archive, args.small, args.requests)):
        print(f"{row.name:<28} {row.a:9.1f} vs {row.b:9.1f}  ratio {row.ratio:6.2f} "
              f"(target {row.target:g}) {row.verdict}", flush=True)
        print(f"    {row.note}", flush=True)


if __name__ == "__main__":
    main()
