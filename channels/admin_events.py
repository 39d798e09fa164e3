"""The dashboard's live updates: `GET /admin/events`, a stream that says when something changed.

Each open page holds one stream (htmx's SSE extension); the stream sends `changed` when the
archive has a new entry (a customer's turn, an operator's message, a person joining or leaving)
or an open ticket is opened, taken or closed, and the page's live parts fetch their rows again
(`hx-trigger="sse:changed"`). The stream watches the database, not this process, so a change
made through another server process shows as well. It sends `changed` on connecting (a page
reconnecting has missed what happened meanwhile) and at least every `REFRESH_S` (the "3 min
ago" of each row moves on), and ends after `STREAM_S` or when the server stops
(`channels.serving.stopping`); the browser then connects again.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from litestar import Request, get
from litestar.response import ServerSentEvent
from litestar.response.sse import ServerSentEventMessage

from channels.admin_base import signed_in
from channels.conversations import RETRY_MS, SLACK
from channels.operator_auth import HEADERS, store_of
from channels.serving import stopping
from tools.store import Store, now
from tools.transcripts import COLLECTION as ARCHIVE

POLL_S = 1.0  # two small indexed reads this often, per open page
REFRESH_S = 30.0
STREAM_S = 300.0
CHANGED = ServerSentEventMessage(event="changed", data="1")


async def _tickets(store: Store) -> tuple[tuple[Any, Any], ...]:
    """The open tickets and who holds each: a ticket opened, taken or closed changes it."""
    return tuple((t["ticket_id"], t.get("taken_by")) for t in await store.handoff_tickets.find(
        {"status": "open"}, {"ticket_id": 1, "taken_by": 1}).sort("created_at", 1).to_list(500))


async def _new_entries(store: Store, after: datetime, seen: set[Any]) -> bool:
    """Whether the archive has an entry since `after` not in `seen` (which learns them)."""
    ids = {d["_id"] for d in await store.db[ARCHIVE].find(
        {"at": {"$gte": after - SLACK}}, {"_id": 1}).to_list(1000)}
    new = bool(ids - seen)
    seen.clear()
    seen.update(ids)  # entries older than the slack are never read again
    return new


async def changes(store: Store, poll_s: float = POLL_S, refresh_s: float = REFRESH_S,
                  stream_s: float = STREAM_S) -> AsyncIterator[ServerSentEventMessage]:
    """`changed` now, then whenever the archive or the open tickets change, for `stream_s`."""
    yield ServerSentEventMessage(event="changed", data="1", retry=RETRY_MS)
    after, seen = now(), set[Any]()
    await _new_entries(store, after, seen)
    tickets = await _tickets(store)
    ends = time.monotonic() + stream_s
    sent = time.monotonic()
    while time.monotonic() < ends and not stopping():
        await asyncio.sleep(poll_s)
        polled = now()
        new, held = await _new_entries(store, after, seen), await _tickets(store)
        after = polled
        if new or held != tickets or time.monotonic() - sent >= refresh_s:
            tickets, sent = held, time.monotonic()
            yield CHANGED


@get("/admin/events", include_in_schema=False)
async def admin_events(request: Request[Any, Any, Any]) -> ServerSentEvent:
    """The signed-in operator's stream of `changed` events."""
    await signed_in(request)
    return ServerSentEvent(changes(store_of(request), POLL_S, REFRESH_S, STREAM_S),
                           headers=HEADERS)
