"""A customer's archived conversation: `GET /chat/history`, and its live `GET /chat/events`."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

from bson import ObjectId
from bson.errors import InvalidId
from litestar import Request, get
from litestar.response import ServerSentEvent
from litestar.response.sse import ServerSentEventMessage

from channels.guards import customer_of, identifier
from channels.serving import stopping
from checkpoints.saver import COLLECTION as SESSIONS
from checkpoints.turns import doc_id
from tools import takeover, transcripts
from tools.context import session_key
from tools.store import Store, now

CHANNEL = "web"  # the widget's and the API's channel: a session is (channel, user, session id)
POLL_S = 1.0  # one indexed read of the session's newest entries this often, per open stream
KEEP_ALIVE_S = 15.0  # a comment this often keeps proxies from closing a quiet stream
STREAM_S = 300.0  # then the stream ends; the browser's EventSource reconnects with Last-Event-ID
# Entries are read back this far before the last poll: an entry stamped just before a poll
# may reach the database after it (another server process, a clock a little behind).
SLACK = timedelta(seconds=5)
RETRY_MS = 1000


async def _session(request: Request[Any, Any, Any]) -> tuple[Store, str]:
    customer = await customer_of(request)
    thread = session_key(CHANNEL, customer, identifier(request, "session_id"))
    return request.app.state.omnisales.store, thread


@get("/chat/history")
async def chat_history(request: Request[Any, Any, Any]) -> dict[str, Any]:
    """The session's newest 100 messages, oldest first, as archived (not the five-message state).

    Each message: `role` (`customer`, `assistant` or `operator`), `text`, `at` (ISO-8601) and
    the `actions` the reply carried; `mode` says who has the conversation now (`assistant`, or
    `human` while a person has it), so that a page opened again shows it at once.
    """
    store, thread = await _session(request)
    session = await store.db[SESSIONS].find_one({"_id": doc_id(thread, "")}, {"mode": 1})
    return {"messages": await transcripts.history(store, thread),
            "mode": takeover.mode_of(session)}


@get("/chat/events")
async def chat_events(request: Request[Any, Any, Any]) -> ServerSentEvent:
    """The session's live events: `operator` when a person writes, `mode` when one joins or leaves.

    Each event's `id` is its archive entry's: a reconnecting client sends it back in
    `Last-Event-ID` and gets what it missed. The stream ends after a few minutes (the client
    reconnects); comments keep it alive meanwhile.
    """
    store, thread = await _session(request)
    after, seen = await _resume(store, thread, request.headers.get("last-event-id"))
    return ServerSentEvent(_events(store, thread, after, seen))


async def _resume(store: Store, thread: str, last: str | None) -> tuple[datetime, set[Any]]:
    """Where a stream starts: now, or just after the entry a reconnecting client saw last."""
    try:
        last_id = ObjectId(last) if last else None
    except (InvalidId, TypeError):
        last_id = None
    if last_id is not None:
        doc = await store.db[transcripts.COLLECTION].find_one(
            {"_id": last_id, "session_key": thread}, {"at": 1})
        if doc is not None:  # it saw that entry and those before it
            at = doc["at"]
            return at, {last_id} | {d["_id"] for d in await transcripts.since(
                store, thread, at - SLACK) if d["at"] < at}
    # A new client read the history first: what was archived before it connected is in it.
    at = now()
    return at, {d["_id"] for d in await transcripts.since(store, thread, at - SLACK)}


async def _events(store: Store, thread: str, after: datetime, seen: set[Any]
                  ) -> AsyncIterator[ServerSentEventMessage]:
    yield ServerSentEventMessage(comment="connected", retry=RETRY_MS, data=None)  # no event
    ends = time.monotonic() + STREAM_S
    quiet_since = time.monotonic()
    while time.monotonic() < ends and not stopping():
        await asyncio.sleep(POLL_S)
        polled = now()
        for doc in await transcripts.since(store, thread, after - SLACK):
            if doc["_id"] in seen:
                continue
            seen.add(doc["_id"])
            event = transcripts.event_of(doc)
            if event is not None:
                kind, data = event
                yield ServerSentEventMessage(event=kind, id=str(doc["_id"]),
                                             data=json.dumps(data, ensure_ascii=False))
                quiet_since = time.monotonic()
        after = max(after, polled)
        if time.monotonic() - quiet_since >= KEEP_ALIVE_S:
            yield ServerSentEventMessage(comment="keep-alive", data=None)
            quiet_since = time.monotonic()
