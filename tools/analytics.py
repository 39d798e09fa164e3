"""What the assistant sells and where customers give up, for a period and a channel.

A period's figures are the sum of its spans' (`tools.analytics_span`). A span that is over (by
`GRACE`, for the archive's late writes) never changes, so its figures are computed once by the
bounded pipelines and kept in `analytics_hours`: whole hours, and five-minute spans where the
period starts or ends within an hour. Only the minutes not yet closed at either end are computed
on every call. So a week reads about 190 small documents and a few minutes of turns, however
large the archive has grown.
"""

from __future__ import annotations

import asyncio
import heapq
import logging
import math
from datetime import UTC, datetime, timedelta
from typing import Any

from tools.analytics_span import (
    LEAST_KEPT,
    PAID,
    STEPS,
    bin_ms,
    empty,
    merge,
    pack,
    span,
    unpack,
)
from tools.store import Store, now

log = logging.getLogger(__name__)
# How often the server keeps the hours that closed since (`keep_up_forever`).
KEEP_UP_EVERY_S = 300.0
KEEP_UP_FIRST_S = 60.0

CACHE = "analytics_hours"
# Kept spans: whole hours, and five minutes at a period's ragged edges and in the running hour.
SIZES = (timedelta(hours=1), timedelta(minutes=5))
GRACE = timedelta(minutes=5)  # a span's entries are all written this long after it ends
LEAST_CONFIDENT = 10
CURRENCY = "USD"


def _utc(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def _ceil(at: datetime, size: timedelta) -> datetime:
    step = size.total_seconds()
    return datetime.fromtimestamp(math.ceil(at.timestamp() / step) * step, UTC)


def _key(size: timedelta, at: datetime) -> str:
    """A kept span's `_id`: its length, then its start, so that one length's sort by time."""
    return f"{int(size.total_seconds()):05d}|{at.isoformat()}"


def plan(start: datetime, end: datetime, closed_before: datetime
         ) -> tuple[list[tuple[timedelta, datetime]], list[tuple[datetime, datetime]]]:
    """The kept spans (length, start) that cover [start, end), and what is left to compute live.

    A span is kept when it is whole inside the period and ended `GRACE` before `closed_before`.
    """
    kept: list[tuple[timedelta, datetime]] = []
    live: list[tuple[datetime, datetime]] = []

    def cover(a: datetime, b: datetime, sizes: tuple[timedelta, ...]) -> None:
        if not sizes:
            live.append((a, b))
            return
        size, first = sizes[0], _ceil(a, sizes[0])
        if first >= b:
            cover(a, b, sizes[1:])
            return
        if a < first:
            cover(a, first, sizes[1:])
        at = first
        while at + size <= b and at + size + GRACE <= closed_before:
            kept.append((size, at))
            at += size
        if at < b:
            cover(at, b, sizes[1:])

    cover(start, end, SIZES)
    return kept, live


async def _kept(store: Store, spans: list[tuple[timedelta, datetime]]
                ) -> list[dict[str, dict[str, Any]]]:
    """The figures of closed spans: kept ones read by range, missing ones computed and kept."""
    cache = store.db[CACHE]
    found: dict[str, dict[str, dict[str, Any]]] = {}
    for size in SIZES:
        mine = [at for length, at in spans if length == size]
        if mine:
            async for doc in cache.find({"_id": {"$gte": _key(size, mine[0]),
                                                 "$lte": _key(size, mine[-1])}}):
                found[doc["_id"]] = unpack(doc["figures"], doc["sessions"])
    out = []
    for size, at in spans:
        key = _key(size, at)
        if key not in found:
            found[key] = await span(store, at, at + size)
            figures, sessions = pack(found[key])
            await cache.replace_one({"_id": key}, {"_id": key, "figures": figures,
                                                   "sessions": sessions, "built_at": now()},
                                    upsert=True)
        out.append(found[key])
    return out


async def keep_up(store: Store, days: int = 7, clock: Any = now) -> int:
    """Compute and keep the closed hours of the last `days` not kept yet (a background job).

    The first page of a period then reads kept hours only; returns how many were computed.
    """
    end = _utc(clock())
    step = SIZES[0].total_seconds()  # from the whole hour the period's first minute is in
    start = datetime.fromtimestamp(
        math.floor((end - timedelta(days=days)).timestamp() / step) * step, UTC)
    spans, _ = plan(start, end, end)
    hours = [(size, at) for size, at in spans if size == SIZES[0]]
    before = await store.db[CACHE].estimated_document_count()
    await _kept(store, hours)
    return await store.db[CACHE].estimated_document_count() - before


async def keep_up_forever(store: Store, every_s: float = KEEP_UP_EVERY_S,
                          first_s: float = KEEP_UP_FIRST_S) -> None:
    """`keep_up` a minute after start and then every few minutes, for the server's lifetime.

    The first round waits so that a starting server serves before it computes. Several servers
    may run it at once: a kept hour is the same whoever computed it. A failed round (the
    database away) is logged and tried again at the next.
    """
    await asyncio.sleep(first_s)
    while True:
        try:
            await keep_up(store)
        except Exception as exc:  # the next round tries again; the server goes on
            log.warning("keeping the analytics' hours failed: %s", type(exc).__name__)
        await asyncio.sleep(every_s)


def _percentile(bins: dict[str, int], q: float) -> float:
    total = sum(bins.values())
    seen = 0
    for key in sorted(bins, key=int):
        seen += bins[key]
        if seen >= q * total:
            return bin_ms(key)
    return 0.0


def _share(counts: dict[str, int], label: str) -> list[dict[str, Any]]:
    total = sum(counts.values()) or 1
    return [{label: key, "turns": n, "share": round(n / total, 4)}
            for key, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def _rate(a: int, b: int) -> float:
    return round(a / b, 4) if b else 0.0


def _shape(parts: dict[str, dict[str, Any]], least: int) -> dict[str, Any]:
    """The figures as the dashboard shows them, from each channel's sum."""
    total = empty()
    for part in parts.values():
        merge(total, part)
    sessions = total["sessions"].values()
    funnel = [{"step": step, "sessions": sum(1 for bits in sessions if bits & bit)}
              for step, bit in STEPS]
    funnel[0]["sessions"] = len(total["sessions"])
    by_channel = []
    for channel, part in sorted(parts.items()):
        n = len(part["sessions"])
        paid = sum(1 for bits in part["sessions"].values() if bits & PAID)
        by_channel.append({"channel": channel, "sessions": n, "paid": paid,
                           "conversion": _rate(paid, n), "revenue_cents": part["revenue_cents"],
                           "orders": part["orders"]})
    by_agent = [{"agent": name, "turns": a["turns"], "confirmations": a["asked"],
                 "paid": a["paid"], "conversion": _rate(a["paid"], a["asked"]),
                 "revenue_cents": a["revenue_cents"]}
                for name, a in sorted(total["agents"].items(),
                                      key=lambda kv: (-kv[1]["revenue_cents"], kv[0]))]
    handoffs = sum(total["handoffs"].values())
    return {
        "turns": total["turns"],
        "funnel": funnel,
        "revenue": {"total_cents": total["revenue_cents"], "orders": total["orders"],
                    "currency": CURRENCY},
        "by_channel": by_channel,
        "by_agent": by_agent,
        "handoffs": {"count": handoffs, "rate": _rate(handoffs, len(total["sessions"])),
                     "reasons": [{"reason": reason, "count": n} for reason, n in sorted(
                         total["handoffs"].items(), key=lambda kv: (-kv[1], kv[0]))]},
        "answered_by": _share(total["models"], "answered_by"),
        "languages": _share(total["languages"], "language"),
        "latency_by_route": [
            {"route": route, "turns": sum(bins.values()), "p50_ms": _percentile(bins, 0.5),
             "p95_ms": _percentile(bins, 0.95)} for route, bins in sorted(total["routes"].items())],
        "least_confident": heapq.nsmallest(
            least, total["least"], key=lambda row: (row["confidence"], row["at"])),
    }


async def figures(store: Store, start: datetime, end: datetime, channel: str | None = None,
                  *, least: int = LEAST_CONFIDENT, clock: Any = now) -> dict[str, Any]:
    """The dashboard's analytics of [start, end), of one channel or (None) of all.

    Args:
        store: The shop's database.
        start: The period's first instant.
        end: The instant after the period.
        channel: `web`, `whatsapp` or `voice`; None for every channel.
        least: How many of the least confidently routed messages to list.
        clock: The current time (tests move it); hours ended before it, by `GRACE`, are kept.

    Returns:
        Plain figures: funnel, revenue, conversion by channel and agent, handoffs, who answered,
        languages, latency by route, and the least confidently routed messages.
    """
    start, end = _utc(start), _utc(end)
    if end <= start:
        raise ValueError("the period ends before it starts")
    if not 0 < least <= LEAST_KEPT:
        raise ValueError(f"least is between 1 and {LEAST_KEPT}")
    kept, live = plan(start, end, _utc(clock()))
    parts: dict[str, dict[str, Any]] = {}
    for one in await _kept(store, kept) + [await span(store, a, b) for a, b in live]:
        for name, part in one.items():
            if channel is None or name == channel:
                merge(parts.setdefault(name, empty()), part)
    shaped = _shape(parts, least)
    return {"period": {"start": start.isoformat().replace("+00:00", "Z"),
                       "end": end.isoformat().replace("+00:00", "Z"), "channel": channel},
            **shaped}
