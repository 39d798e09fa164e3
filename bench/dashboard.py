"""Measure the operators' dashboard's queries on an archive of 1,000,000 turns vs 10,000.

`python -m bench.dashboard [--archive N] [--small N] [--busy]` runs it alone. Two databases on
one embedded server: the small archive (30 days of sessions on three channels, with routes,
actions, languages, models, latencies and confidences as the product writes them, handoff
tickets and paid payments), and the same 30 days with the archive grown to `--archive` turns
by the months before (the shop later on), or with `--busy` by a hundred times the traffic in
the same 30 days. Each view is timed as the dashboard calls it (`tools.dashboard`,
`tools.analytics`) on both, in turn: its p95 against 300 ms and against the small archive.
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
from bench.dashboard_data import SPREAD, fill
from tools import analytics, dashboard, transcripts
from tools.store import Store
from tools.transcripts import COLLECTION

TARGET_MS = 300.0
TARGET_RATIO = 3.0
DB = "bench_dashboard"
RETENTION_DAYS = 90  # the archive's default retention: older entries expire
HISTORY = timedelta(days=RETENTION_DAYS - 32)  # the months before the last 30 days, kept
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


async def _time(pairs: dict[str, tuple[View, View]], requests: int
                ) -> dict[str, tuple[list[float], list[float]]]:
    """Each view's milliseconds on the small and the large archive, called in turn.

    Calls alternate between the two databases, so that what else the machine does at a moment
    weighs on both sides alike; each side's first call is left out (a cold cache).
    """
    out = {}
    for name, (small, large) in pairs.items():
        await small()
        await large()
        ms: tuple[list[float], list[float]] = ([], [])
        for _ in range(requests):
            for side, view in enumerate((small, large)):
                started = time.perf_counter()
                await view()
                ms[side].append(timed_ms(started))
        out[name] = ms
    return out


async def _archive(store: Store, size: int, small: int, busy: bool) -> tuple[str, float]:
    """Fill one database: the small archive's 30 days, and (to `size`) earlier ones or busier.

    Returns the longest session's key of the last 30 days and how long the filling took.
    """
    started = time.perf_counter()
    await store.ensure_indexes()
    await transcripts.ensure_indexes(store, RETENTION_DAYS)
    key = await fill(store, 0, small)  # the same seed: both databases share these 30 days
    if size > small:
        if busy:  # a shop a hundred times busier: every turn in the last 30 days
            await fill(store, small, size)
        else:  # the same shop, months later: the archive holds its earlier conversations
            await fill(store, small, size, ago=SPREAD, spread=HISTORY)
    await analytics.keep_up(store)  # as a server's background job would have
    return key, time.perf_counter() - started


async def measure(archive: int = 1_000_000, small: int = 10_000, requests: int = 30,
                  busy: bool = False) -> list[Measure]:
    """Two rows a view: its p95 at `archive` turns against 300 ms, and against `small` turns."""
    with embedded_database() as uri:
        stores = Store.connect(uri, f"{DB}_small"), Store.connect(uri, f"{DB}_large")
        try:
            small_key, _ = await _archive(stores[0], small, small, busy)
            large_key, filled_s = await _archive(stores[1], archive, small, busy)
            small_views, large_views = _views(stores[0], small_key), _views(stores[1], large_key)
            timed = await _time({name: (small_views[name], large_views[name])
                                 for name in small_views}, requests)
            count = await stores[1].db[COLLECTION].estimated_document_count()
            open_tickets = [await s.handoff_tickets.count_documents({"status": "open"})
                            for s in stores]
        finally:
            for store in stores:
                await store.close()
    shape = ("every turn in the last 30 days" if busy else
             f"{small:,} in the last 30 days and the rest in the {HISTORY.days} days before")
    rows = []
    for name, (small_ms, large_ms) in timed.items():
        p95, p95_small = percentile(large_ms, 95), percentile(small_ms, 95)
        note = (f"p95 of {requests} calls on {count:,} turns ({shape}) vs {small:,}, called in "
                f"turn (p50 {median(large_ms):.1f} vs {median(small_ms):.1f} ms); open tickets "
                f"{open_tickets[1]} vs {open_tickets[0]}; the large archive filled and its "
                f"hours kept in {filled_s:.0f} s")
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
    parser.add_argument("--busy", action="store_true",
                        help="put the whole large archive in the last 30 days")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    for row in asyncio.run(measure(args.archive, args.small, args.requests, args.busy)):
        print(f"{row.name:<28} {row.a:9.1f} vs {row.b:9.1f}  ratio {row.ratio:6.2f} "
              f"(target {row.target:g}) {row.verdict}", flush=True)
        print(f"    {row.note}", flush=True)


if __name__ == "__main__":
    main()
