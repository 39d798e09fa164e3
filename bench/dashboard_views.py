"""The operators' dashboard's queries as `tools.dashboard` makes them, for a branch without it.

The same query shapes (commit 47a3b3e of the dashboard's branch): the bench measures these when
the dashboard's own module is not there, and the module itself once it is merged.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pymongo import ASCENDING, DESCENDING

from checkpoints.saver import COLLECTION as SESSIONS
from checkpoints.turns import doc_id
from tools.store import Doc, Store, now
from tools.transcripts import COLLECTION as ARCHIVE

LIVE_HOURS = 24


async def live(store: Store, primary: str, channel: str | None = None,
               limit: int = 50) -> list[Doc]:
    """The newest sessions of the last day, newest first, with their session documents."""
    match: Doc = {"at": {"$gte": now() - timedelta(hours=LIVE_HOURS)}, "kind": "turn"}
    if channel:
        match["channel"] = channel
    rows = await (await store.db[ARCHIVE].aggregate([
        {"$match": match}, {"$sort": {"at": DESCENDING}},
        {"$group": {"_id": "$session_key", "last": {"$first": "$$ROOT"}, "turns": {"$sum": 1},
                    "answered": {"$addToSet": "$answered_by"}}},
        {"$sort": {"last.at": DESCENDING}}, {"$limit": limit},
    ])).to_list()
    keys = [doc_id(row["_id"], "") for row in rows]
    sessions = {d["_id"]: d for d in await store.db[SESSIONS].find(
        {"_id": {"$in": keys}}, {"mode": 1, "ticket_id": 1}).to_list()}
    return [row | {"session": sessions.get(key)} for row, key in zip(rows, keys, strict=True)]


async def transcript(store: Store, key: str) -> list[Doc]:
    """A session's newest 500 entries, oldest first."""
    docs = await store.db[ARCHIVE].find({"session_key": key}).sort(
        "at", DESCENDING).limit(500).to_list()
    return list(reversed(docs))


async def queue(store: Store, limit: int = 200) -> list[dict[str, Any]]:
    """Open tickets, oldest first."""
    return await store.handoff_tickets.find({"status": "open"}).sort(
        "created_at", ASCENDING).limit(limit).to_list()



async def live_bounded(store: Store, primary: str, channel: str | None = None,
                       limit: int = 50) -> list[Doc]:
    """The same list from the newest minutes only, widened until it holds `limit` sessions.

    `live` groups every turn of the last day, so its cost grows with a day's traffic; this
    reads ten minutes of turns by the `at` index, then forty, and so on up to the day, and
    stops as soon as it has the sessions it shows (`turns` then counts those in the window).
    The embedded server sorts a whole collection to take its newest entries: a window by time
    is what keeps the read bounded.
    """
    window, rows = timedelta(minutes=10), []
    while True:
        match: Doc = {"at": {"$gte": now() - window}, "kind": "turn"}
        if channel:
            match["channel"] = channel
        rows = await (await store.db[ARCHIVE].aggregate([
            {"$match": match}, {"$sort": {"at": DESCENDING}},
            {"$group": {"_id": "$session_key", "last": {"$first": "$$ROOT"},
                        "turns": {"$sum": 1}, "answered": {"$addToSet": "$answered_by"}}},
            {"$sort": {"last.at": DESCENDING}}, {"$limit": limit},
        ])).to_list()
        if len(rows) >= limit or window >= timedelta(hours=LIVE_HOURS):
            break
        window = min(window * 4, timedelta(hours=LIVE_HOURS))
    keys = [doc_id(row["_id"], "") for row in rows]
    sessions = {d["_id"]: d for d in await store.db[SESSIONS].find(
        {"_id": {"$in": keys}}, {"mode": 1, "ticket_id": 1}).to_list()}
    return [row | {"session": sessions.get(key)} for row, key in zip(rows, keys, strict=True)]
