"""What the operators' dashboard shows: live conversations, one transcript, the queue, failed sends.

Each view is a bounded, indexed query: the live list reads the archive's newest minutes by its
`at` index (widened until it has its sessions, at most `LIVE_HOURS`), then those sessions' turns
by `(session_key, at)`; a transcript by `(session_key, at)`; the queue by
`(status, created_at)`; failed sends by `(state, queued_at)` (`tools.store.INDEXES`).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import ASCENDING, DESCENDING

from checkpoints.saver import COLLECTION as SESSIONS
from checkpoints.turns import doc_id
from tools.store import Doc, Store, now
from tools.transcripts import COLLECTION as ARCHIVE

LIVE_HOURS = 24
LIVE_LIMIT = 50
LIVE_FIRST_WINDOW = timedelta(minutes=10)  # the live list's first read; widened as needed
TRANSCRIPT_LIMIT = 500
FAILED_LIMIT = 100
CHANNELS = ("web", "whatsapp", "voice")


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def waited(at: datetime | None, when: datetime | None = None) -> str:
    """How long ago `at` was, in words an operator reads at a glance ("3 min", "2 h 5 min")."""
    if at is None:
        return ""
    seconds = max(0, int(((when or now()) - _aware(at)).total_seconds()))
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if hours < 48 else f"{hours // 24} days"


def pending_confirmation(actions: list[Doc]) -> bool:
    """Whether a turn's reply left terms waiting for the customer's yes."""
    return any(str(a.get("type", "")).endswith("confirmation") for a in actions or [])


async def _newest(store: Store, channel: str | None, limit: int) -> list[Doc]:
    """The last turn of each of the `limit` sessions that spoke last, newest first.

    Read from the newest minutes only, widened fourfold until they hold `limit` sessions or
    reach the day: each read is a range of the `at` index, so a busy day costs what its last
    minutes hold, not what the whole day does.
    """
    window = LIVE_FIRST_WINDOW
    while True:
        match: Doc = {"at": {"$gte": now() - window}, "kind": "turn"}
        if channel:
            match["channel"] = channel
        rows = await (await store.db[ARCHIVE].aggregate([
            {"$match": match}, {"$sort": {"at": DESCENDING}},
            {"$group": {"_id": "$session_key", "last": {"$first": "$$ROOT"}}},
            {"$sort": {"last.at": DESCENDING}}, {"$limit": limit},
        ])).to_list()
        if len(rows) >= limit or window >= timedelta(hours=LIVE_HOURS):
            return [row["last"] for row in rows]
        window = min(window * 4, timedelta(hours=LIVE_HOURS))


async def live(store: Store, primary: str, channel: str | None = None,
               limit: int = LIVE_LIMIT) -> list[dict[str, Any]]:
    """The newest sessions across channels (or one), newest first, with their flags.

    Args:
        store: The shop's database.
        primary: The name of the model asked first (`offline` without one): a turn another
            model answered was failed over.
        channel: Only this channel's sessions.
        limit: How many sessions.
    """
    lasts = await _newest(store, channel, limit)
    names = [last["session_key"] for last in lasts]
    counted = {row["_id"]: row for row in await (await store.db[ARCHIVE].aggregate([
        {"$match": {"session_key": {"$in": names}, "kind": "turn",
                    "at": {"$gte": now() - timedelta(hours=LIVE_HOURS)}}},
        {"$group": {"_id": "$session_key", "turns": {"$sum": 1},
                    "answered": {"$addToSet": "$answered_by"}}},
    ])).to_list()}
    keys = [doc_id(name, "") for name in names]
    sessions = {d["_id"]: d for d in await store.db[SESSIONS].find(
        {"_id": {"$in": keys}}, {"mode": 1, "ticket_id": 1}).to_list()}
    held = {t["ticket_id"]: t.get("taken_by") for t in await store.handoff_tickets.find(
        {"ticket_id": {"$in": [s["ticket_id"] for s in sessions.values() if s.get("ticket_id")]}},
        {"ticket_id": 1, "taken_by": 1}).to_list()}
    out = []
    for last, key in zip(lasts, keys, strict=True):
        session = sessions.get(key) or {}
        seen = counted.get(last["session_key"]) or {"turns": 1, "answered": []}
        human = session.get("mode") == "human"
        holder = held.get(session.get("ticket_id")) if human else None
        others = sorted(str(a) for a in seen["answered"] if a not in (None, primary, "offline"))
        out.append({
            "key": last["session_key"], "channel": last["channel"], "user_id": last["user_id"],
            "session_id": last["session_id"], "language": last.get("language") or "",
            "mode": "human" if human else "assistant", "turns": seen["turns"],
            "text": last.get("text", ""), "reply": last.get("reply", ""), "at": last["at"],
            "ago": waited(last["at"]), "waiting": human and not holder, "held_by": holder,
            "ticket_id": session.get("ticket_id"),
            "confirming": pending_confirmation(last.get("actions") or []),
            "failed_over": others})
    return out


def _summary(action: Doc) -> str:
    """One line of what a tool returned, for the transcript's table."""
    kind = str(action.get("type", "?"))
    for field in ("status", "ticket_id", "order_id", "payment_id", "balance", "total"):
        if field in action:
            return f"{kind}: {action[field]}"
    if isinstance(action.get("products"), list):
        return f"{kind}: {len(action['products'])} products"
    return kind


async def transcript(store: Store, key: str) -> list[dict[str, Any]]:
    """A session's archive, oldest first: turns with how they were decided, operators, modes."""
    docs = await store.db[ARCHIVE].find({"session_key": key}).sort(
        "at", DESCENDING).limit(TRANSCRIPT_LIMIT).to_list()
    rows = []
    for doc in reversed(docs):
        rows.append({**doc, "actions_line": [_summary(a) for a in doc.get("actions") or []],
                     "confirming": pending_confirmation(doc.get("actions") or [])})
    return rows


async def queue(store: Store, limit: int = 200) -> list[dict[str, Any]]:
    """Open tickets, oldest first, with how long each has waited."""
    tickets = await store.handoff_tickets.find({"status": "open"}).sort(
        "created_at", ASCENDING).limit(limit).to_list()
    return [{**t, "waited": waited(t.get("created_at"))} for t in tickets]


def cause(error: str) -> str:
    """A failed send's cause as an operator reads it, whole.

    When the error carries the Graph API's JSON answer (`... 400: {"error": {"message": ...}}`),
    its message stands for the JSON.
    """
    head, brace, rest = error.partition("{")
    if not brace:
        return error
    try:
        said = json.loads(brace + rest)
    except ValueError:
        return error
    found = said.get("error") if isinstance(said, dict) else None
    message = found.get("message") if isinstance(found, dict) else None
    return f"{head.strip()} {message}".strip() if isinstance(message, str) and message else error


async def failed_sends(store: Store, limit: int = FAILED_LIMIT) -> list[dict[str, Any]]:
    """WhatsApp replies that gave up, newest first, with the cause and the text."""
    docs = await store.wa_outbox.find({"state": "failed"}).sort(
        "queued_at", DESCENDING).limit(limit).to_list()
    out = []
    for doc in docs:
        body = doc.get("body") or {}
        text = ((body.get("text") or {}).get("body")
                or ((body.get("interactive") or {}).get("body") or {}).get("text") or "")
        to, error = str(doc.get("to") or ""), str(doc.get("error") or "")
        out.append({"id": doc["_id"], "to": to, "number": f"+{to.lstrip('+')}" if to else "",
                    "text": text, "error": error, "cause": cause(error),
                    "attempts": doc.get("attempts", 0),
                    "queued_at": doc.get("queued_at"), "ago": waited(doc.get("queued_at"))})
    return out


async def requeue(store: Store, wamid: str, by: str) -> bool:
    """Put a failed reply back in the outbox, with a fresh retry window; whether it was failed."""
    done = await store.wa_outbox.update_one(
        {"_id": wamid, "state": "failed"},
        {"$set": {"state": "pending", "queued_at": now(), "attempts": 0, "retried_by": by},
         "$unset": {"error": "", "lease": "", "lease_until": ""}})
    return bool(done.modified_count)
