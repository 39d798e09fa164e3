"""The dashboard's queries on the archive: the newest sessions and their flags, one transcript."""

from __future__ import annotations

from datetime import timedelta

from checkpoints.saver import COLLECTION as SESSIONS
from checkpoints.turns import doc_id
from tools import dashboard
from tools.context import session_key
from tools.store import Doc, Store, now
from tools.transcripts import COLLECTION, entry


def _turn(user: str, session: str, text: str, minutes_ago: float, *, channel: str = "web",
          answered_by: str = "openrouter/main", actions: list[Doc] | None = None) -> Doc:
    return entry("turn", session_key(channel, user, session), channel, user, session,
                 at=now() - timedelta(minutes=minutes_ago), text=text, reply="ok",
                 route="general", routed_by="classifier", agent="general",
                 answered_by=answered_by, actions=actions or [], language="en", latency_ms=12.0,
                 tokens=30, mode="assistant")


async def test_the_newest_sessions_come_first_with_their_flags(store: Store) -> None:
    await store.db[COLLECTION].insert_many([
        _turn("ann", "a", "hello", 30),
        _turn("ann", "a", "a laptop please", 2, answered_by="ollama/backup"),
        _turn("bo", "b", "buy it", 5, actions=[{"type": "payment_confirmation", "total": 10}]),
        _turn("cy", "c", "a person please", 1, channel="whatsapp"),
        _turn("old", "o", "last week", 60 * 24 * 3),  # outside the live window
    ])
    await store.db[SESSIONS].insert_one({"_id": doc_id(session_key("whatsapp", "cy", "c"), ""),
                                         "mode": "human", "ticket_id": "TCK-1"})
    await store.handoff_tickets.insert_one({"ticket_id": "TCK-1", "status": "open"})
    rows = await dashboard.live(store, "openrouter/main")
    assert [(r["user_id"], r["channel"]) for r in rows] == [
        ("cy", "whatsapp"), ("ann", "web"), ("bo", "web")]
    cy, ann, bo = rows
    assert cy["waiting"] and cy["mode"] == "human" and cy["ticket_id"] == "TCK-1"
    assert ann["text"] == "a laptop please" and ann["turns"] == 2
    assert ann["failed_over"] == ["ollama/backup"] and not ann["waiting"]
    assert bo["confirming"] and not bo["failed_over"]
    assert [r["user_id"] for r in await dashboard.live(store, "openrouter/main", "whatsapp")
            ] == ["cy"]
    await store.handoff_tickets.update_one({"ticket_id": "TCK-1"}, {"$set": {"taken_by": "sam"}})
    (cy,) = await dashboard.live(store, "openrouter/main", "whatsapp")
    assert not cy["waiting"] and cy["held_by"] == "sam" and cy["mode"] == "human"


async def test_the_list_reaches_back_through_the_day_until_it_has_enough(store: Store) -> None:
    # Sessions spread over the day: the first minutes hold one, the list must still show four,
    # and a session's count and failover flag cover its whole day, not the minutes read.
    await store.db[COLLECTION].insert_many([
        _turn("dee", "d", "hi", 3), _turn("eve", "e", "hi", 25), _turn("fay", "f", "hi", 200),
        _turn("gus", "g", "first", 60 * 20, answered_by="ollama/backup"),
        _turn("gus", "g", "again", 60 * 10), _turn("hal", "h", "hi", 60 * 23),
    ])
    rows = await dashboard.live(store, "openrouter/main", limit=4)
    assert [r["user_id"] for r in rows] == ["dee", "eve", "fay", "gus"]
    assert rows[3]["turns"] == 2 and rows[3]["failed_over"] == ["ollama/backup"]
    assert [r["user_id"] for r in await dashboard.live(store, "openrouter/main", limit=2)
            ] == ["dee", "eve"]


async def test_a_transcript_reads_oldest_first_with_each_turns_tools(store: Store) -> None:
    await store.db[COLLECTION].insert_many([
        _turn("ann", "a", "second", 1, actions=[{"type": "points", "balance": 1200}]),
        _turn("ann", "a", "first", 3),
        _turn("bo", "b", "not ann's", 2)])
    rows = await dashboard.transcript(store, session_key("web", "ann", "a"))
    assert [r["text"] for r in rows] == ["first", "second"]
    assert rows[1]["actions_line"] == ["points: 1200"]
