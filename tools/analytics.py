"""What the assistant sells and where customers give up, for a period and a channel.

A period's figures are the sum of its hours' (`tools.analytics_span`). An hour that is over (by
`GRACE`, for the archive's late writes) never changes, so its figures are computed once by the
bounded pipelines and kept in `analytics_hours`; the hour still running and the period's ragged
edges are computed on every call. So a week reads 168 small documents and the turns of at most
two partial hours, however large the archive has grown.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import ASCENDING

from tools.analytics_span import PAID, STEPS, bin_ms, empty, merge, span
from tools.store import Store, now
from tools.transcripts import COLLECTION

CACHE = "analytics_hours"
HOUR = timedelta(hours=1)
GRACE = timedelta(minutes=5)  # an hour's entries are all written this long after it ends
LEAST_CONFIDENT = 10
CURRENCY = "USD"


def _utc(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def _floor(at: datetime) -> datetime:
    return at.replace(minute=0, second=0, microsecond=0)


def _spans(start: datetime, end: datetime, closed_before: datetime
           ) -> tuple[list[datetime], list[tuple[datetime, datetime]]]:
    """The closed whole hours of [start, end) and the spans to compute live (edges, open hours)."""
    first = _floor(start) if _floor(start) == start else _floor(start) + HOUR
    hours, live = [], []
    if first >= end:
        return [], [(start, end)]
    if start < first:
        live.append((start, first))
    at = first
    while at + HOUR <= end and at + HOUR + GRACE <= closed_before:
        hours.append(at)
        at += HOUR
    if at < end:
        live.append((at, end))
    return hours, live


async def _hours(store: Store, hours: list[datetime]) -> list[dict[str, dict[str, Any]]]:
    """The figures of closed hours: kept ones read in one query, missing ones computed and kept."""
    if not hours:
        return []
    cache = store.db[CACHE]
    kept = {_utc(doc["_id"]): json.loads(doc["figures"]) async for doc in cache.find(
        {"_id": {"$gte": hours[0], "$lte": hours[-1]}}).sort("_id", ASCENDING)}
    out = []
    for hour in hours:
        if hour not in kept:
            kept[hour] = await span(store, hour, hour + HOUR)
            await cache.replace_one({"_id": hour}, {"_id": hour, "figures": json.dumps(
                kept[hour], separators=(",", ":")), "built_at": now()}, upsert=True)
        out.append(kept[hour])
    return out


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


def _shape(parts: dict[str, dict[str, Any]], least: list[dict[str, Any]]) -> dict[str, Any]:
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
        "least_confident": least,
    }


async def least_confident(store: Store, start: datetime, end: datetime, channel: str | None,
                          limit: int = LEAST_CONFIDENT) -> list[dict[str, Any]]:
    """The customers' messages of the period the router was least sure of, least sure first."""
    query: dict[str, Any] = {"confidence": {"$exists": True}, "at": {"$gte": start, "$lt": end},
                             "kind": "turn"}
    if channel:
        query["channel"] = channel
    docs = await store.db[COLLECTION].find(query, {
        "text": 1, "route": 1, "routed_by": 1, "confidence": 1, "channel": 1, "at": 1,
        "session_key": 1}).sort("confidence", ASCENDING).limit(limit).to_list()
    return [{"text": d.get("text", ""), "route": d.get("route"), "routed_by": d.get("routed_by"),
             "confidence": d["confidence"], "channel": d.get("channel"),
             "session_key": d.get("session_key"),
             "at": _utc(d["at"]).isoformat().replace("+00:00", "Z")} for d in docs]


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
    hours, live = _spans(start, end, _utc(clock()))
    parts: dict[str, dict[str, Any]] = {}
    for one in await _hours(store, hours) + [await span(store, a, b) for a, b in live]:
        for name, part in one.items():
            if channel is None or name == channel:
                merge(parts.setdefault(name, empty()), part)
    shaped = _shape(parts, await least_confident(store, start, end, channel, least))
    return {"period": {"start": start.isoformat().replace("+00:00", "Z"),
                       "end": end.isoformat().replace("+00:00", "Z"), "channel": channel},
            **shaped}
