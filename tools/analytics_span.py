"""The sales figures of one span of time, per channel, as aggregation pipelines bounded by it.

A span's figures (`Partial`) can be added to another span's: the period's figures are the sum of
its spans' (`merge`), so a closed hour is computed once and kept (`tools.analytics`).
"""

from __future__ import annotations

import hashlib
import json
import math
from array import array
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from tools.store import Store
from tools.transcripts import COLLECTION

# A session's funnel steps, as bits: a session reached every step whose bit is set.
SESSION, SHOWN, CARTED, ASKED, PAID = 1, 2, 4, 8, 16
STEPS = (("sessions", SESSION), ("product_shown", SHOWN), ("added_to_cart", CARTED),
         ("confirmation_asked", ASKED), ("paid", PAID))
SHOWN_TYPES = ("product_list", "product")
# Latencies are kept as counts in bins 10% wide (from 1 ms), so that hours add up exactly and a
# percentile read off the sum is within 10% of the true one.
BIN_BASE = 1.1
LEAST_KEPT = 20  # the least confidently routed messages a span keeps, per channel
LEAST_FIELDS = ("confidence", "at", "text", "route", "routed_by", "session_key")

# What a turn's actions were: a cart action that added something is its own kind.
_KINDS = {"$map": {"input": {"$ifNull": ["$actions", []]}, "as": "a", "in": {"$cond": [
    {"$ne": [{"$ifNull": ["$$a.added", ""]}, ""]}, "cart_add", "$$a.type"]}}}


def _any(*kinds: str) -> dict[str, Any]:
    return {"$max": {"$or": [{"$in": [kind, "$kinds"]} for kind in kinds]}}


def _turns_pipeline(start: datetime, end: datetime) -> list[dict[str, Any]]:
    """The turns of the span grouped by session, by route, by model, by language and by agent."""
    return [
        {"$match": {"at": {"$gte": start, "$lt": end}, "kind": "turn"}},
        {"$project": {"c": "$channel", "s": "$session_key", "r": {"$ifNull": ["$route", "none"]},
                      "a": {"$ifNull": ["$agent", "none"]}, "m": "$answered_by",
                      "l": "$language", "lat": "$latency_ms", "kinds": _KINDS,
                      "least": [f"${name}" for name in LEAST_FIELDS],
                      "confidence": 1}},
        {"$facet": {
            "sessions": [{"$group": {"_id": {"c": "$c", "s": "$s"}, "shown": _any(*SHOWN_TYPES),
                                     "carted": _any("cart_add"),
                                     "asked": _any("payment_confirmation")}}],
            "routes": [{"$group": {"_id": {"c": "$c", "k": "$r"}, "lat": {"$push": "$lat"}}}],
            "models": [{"$group": {"_id": {"c": "$c", "k": "$m"}, "n": {"$sum": 1}}}],
            "languages": [{"$group": {"_id": {"c": "$c", "k": "$l"}, "n": {"$sum": 1}}}],
            "agents": [{"$group": {"_id": {"c": "$c", "k": "$a"}, "n": {"$sum": 1}, "asked": {
                "$sum": {"$cond": [{"$in": ["payment_confirmation", "$kinds"]}, 1, 0]}}}}],
            "least": [{"$match": {"confidence": {"$exists": True}}}, {"$group": {
                "_id": "$c", "rows": {"$topN": {"n": LEAST_KEPT, "sortBy": {"confidence": 1},
                                                "output": "$least"}}}}],
        }},
    ]


def empty() -> dict[str, Any]:
    """The figures of a channel in a span where nothing happened."""
    return {"turns": 0, "sessions": {}, "routes": {}, "models": {}, "languages": {},
            "agents": {}, "handoffs": {}, "revenue_cents": 0, "orders": 0, "least": []}


def _bin(ms: float | None) -> str:
    return str(0 if not ms or ms <= 1 else math.ceil(math.log(ms, BIN_BASE)))


def bin_ms(key: str) -> float:
    """The upper edge of a latency bin, in milliseconds."""
    return round(BIN_BASE ** int(key), 1)


def _least(values: list[Any]) -> dict[str, Any]:
    row = dict(zip(LEAST_FIELDS, values, strict=False))
    at = row["at"] if row["at"].tzinfo else row["at"].replace(tzinfo=UTC)
    return row | {"at": at.isoformat().replace("+00:00", "Z"), "text": row.get("text") or ""}


def _agent(part: dict[str, Any], name: str) -> dict[str, int]:
    return part["agents"].setdefault(name, {"turns": 0, "asked": 0, "paid": 0,
                                            "revenue_cents": 0})


async def span(store: Store, start: datetime, end: datetime) -> dict[str, dict[str, Any]]:
    """The figures of each channel for the entries, payments and tickets of [start, end).

    Plain JSON values (the cache keeps them as they are): a session's steps as bits, latencies
    as bin counts, revenue in cents.
    """
    out: dict[str, dict[str, Any]] = {}

    def part(channel: str | None) -> dict[str, Any]:
        return out.setdefault(channel or "unknown", empty())

    cursor = await store.db[COLLECTION].aggregate(_turns_pipeline(start, end))
    facets = (await cursor.to_list())[0]
    for row in facets["sessions"]:
        bits = (SESSION | SHOWN * bool(row["shown"]) | CARTED * bool(row["carted"])
                | ASKED * bool(row["asked"]))
        part(row["_id"].get("c"))["sessions"][session_hash(row["_id"]["s"])] = bits
    for row in facets["routes"]:
        bins = Counter(_bin(ms) for ms in row["lat"])
        route = part(row["_id"].get("c"))["routes"].setdefault(row["_id"]["k"], {})
        for key, n in bins.items():
            route[key] = route.get(key, 0) + n
    for facet, field in (("models", "models"), ("languages", "languages")):
        for row in facets[facet]:
            counts = part(row["_id"].get("c"))[field]
            key = str(row["_id"].get("k") or "unknown")
            counts[key] = counts.get(key, 0) + row["n"]
    for row in facets["agents"]:
        one = part(row["_id"].get("c"))
        one["turns"] += row["n"]
        agent = _agent(one, str(row["_id"]["k"]))
        agent["turns"] += row["n"]
        agent["asked"] += row["asked"]
    for row in facets["least"]:
        part(row["_id"])["least"] = [_least(values) for values in row["rows"]]
    await _payments(store, start, end, part)
    tickets = await store.handoff_tickets.aggregate([
        {"$match": {"created_at": {"$gte": start, "$lt": end}}},
        {"$group": {"_id": {"c": "$channel", "r": "$reason"}, "n": {"$sum": 1}}}])
    for row in await tickets.to_list():
        handoffs = part(row["_id"].get("c"))["handoffs"]
        reason = str(row["_id"].get("r") or "unknown")
        handoffs[reason] = handoffs.get(reason, 0) + row["n"]
    return out


async def _payments(store: Store, start: datetime, end: datetime, part: Any) -> None:
    """Paid payments settled in the span: the session's channel, and the agent that asked."""
    paid = await store.payments.find(
        {"status": "paid", "settled_at": {"$gte": start, "$lt": end}},
        {"payment_id": 1, "session_key": 1, "channel": 1, "total_cents": 1}).to_list()
    if not paid:
        return
    asked_by: dict[str, str] = {}
    turns = store.db[COLLECTION].find(
        {"session_key": {"$in": sorted({p.get("session_key", "") for p in paid})},
         "kind": "turn", "actions.type": "payment_confirmation"},
        {"agent": 1, "actions.payment_id": 1})
    async for turn in turns:
        for action in turn.get("actions") or []:
            if action.get("payment_id"):
                asked_by[action["payment_id"]] = str(turn.get("agent") or "none")
    for payment in paid:
        one = part(payment.get("channel"))
        cents = int(payment.get("total_cents") or 0)
        one["revenue_cents"] += cents
        one["orders"] += 1
        key = session_hash(payment.get("session_key") or payment["payment_id"])
        one["sessions"][key] = one["sessions"].get(key, 0) | PAID
        agent = _agent(one, asked_by.get(payment["payment_id"], "none"))
        agent["paid"] += 1
        agent["revenue_cents"] += cents


def merge(into: dict[str, Any], other: dict[str, Any]) -> dict[str, Any]:
    """Add one channel's figures of a span to another's (`into` is changed and returned)."""
    for key in ("turns", "revenue_cents", "orders"):
        into[key] += other[key]
    sessions = into["sessions"]
    for session, bits in other["sessions"].items():
        sessions[session] = sessions.get(session, 0) | bits
    for field in ("models", "languages", "handoffs"):
        for key, n in other[field].items():
            into[field][key] = into[field].get(key, 0) + n
    for route, bins in other["routes"].items():
        mine = into["routes"].setdefault(route, {})
        for key, n in bins.items():
            mine[key] = mine.get(key, 0) + n
    for name, figures in other["agents"].items():
        agent = _agent(into, name)
        for key, n in figures.items():
            agent[key] += n
    into["least"] += other["least"]  # the least of them are picked once, at the end
    return into


def session_hash(key: str) -> int:
    """A session's key as 8 bytes: sessions are counted, never read back, from kept spans."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "little")


def pack(parts: dict[str, dict[str, Any]]) -> tuple[str, dict[str, bytes]]:
    """A span's figures to keep: JSON, and each channel's sessions as packed bytes.

    The sessions are most of a span's figures and the bulk of reading a period: packed, a
    week's tens of thousands are read and counted without parsing a string each.
    """
    blobs = {}
    figures = {}
    for channel, part in parts.items():
        sessions = part["sessions"]
        blobs[channel] = array("Q", sessions.keys()).tobytes() + bytes(sessions.values())
        figures[channel] = {**part, "sessions": {}}
    return json.dumps(figures, separators=(",", ":")), blobs


def unpack(figures: str, blobs: dict[str, bytes]) -> dict[str, dict[str, Any]]:
    """A kept span's figures, as `pack` kept them."""
    parts: dict[str, dict[str, Any]] = json.loads(figures)
    for channel, blob in blobs.items():
        n = len(blob) // 9
        keys = array("Q")
        keys.frombytes(blob[:8 * n])
        parts[channel]["sessions"] = dict(zip(keys, blob[8 * n:], strict=True))
    return parts
