"""The conversation archive: every turn, operator message and change of mode, as it happened.

One document an entry in `transcripts`, apart from the five-message checkpoint state:

- `kind: "turn"`: the customer's words (`text`, at `at`) and the reply (`reply`, at `replied_at`),
  with how the turn went (route, how it was decided, agent, who answered, actions, language,
  latency, tokens, mode);
- `kind: "operator"`: a person's message to the customer (`text`, `ticket_id`);
- `kind: "mode"`: a person joined (`mode: "human"`) or left (`mode: "assistant"`, with the
  assistant's words saying so in `text`).

Every entry names its session (`session_key`, the same key as the checkpoint's thread) and its
channel, user and session id, so the dashboard can read it without the session.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import logging
from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel

from tools.store import Doc, Store

log = logging.getLogger(__name__)

COLLECTION = "transcripts"
HISTORY_LIMIT = 100
TTL_INDEX = "at_ttl"
BATCH = 500  # entries a background insert carries at most
# How long the writer waits for more entries before it inserts: under load one insert carries
# the turns of that time (a crash loses at most that much of the archive, never a turn).
GATHER_S = 0.1
MAX_WAITING = 10_000  # entries waiting to be written; past it new ones are dropped and logged
EVENT_KINDS = ("operator", "mode")


def indexes(retention_days: int) -> list[IndexModel]:
    """The archive's indexes: a session's history, the dashboard's views, and the retention."""
    return [
        IndexModel([("session_key", ASCENDING), ("at", DESCENDING)]),  # history, events
        IndexModel([("channel", ASCENDING), ("at", DESCENDING)]),  # a channel's conversations
        # The messages routed with the least confidence in a period (turns only: sparse).
        IndexModel([("confidence", ASCENDING), ("at", DESCENDING)], sparse=True),
        # By time for the dashboard's periods; the same single-field index expires old entries.
        IndexModel([("at", ASCENDING)], name=TTL_INDEX,
                   expireAfterSeconds=retention_days * 86_400),
    ]


async def ensure_indexes(store: Store, retention_days: int) -> None:
    """Create the archive's indexes; a changed retention is applied to the existing TTL index."""
    archive = store.db[COLLECTION]
    models = indexes(retention_days)
    seconds = retention_days * 86_400
    found = (await archive.index_information()).get(TTL_INDEX)
    if found is not None and found.get("expireAfterSeconds") != seconds:
        await store.db.command({"collMod": COLLECTION, "index": {
            "name": TTL_INDEX, "expireAfterSeconds": seconds}})
    await archive.create_indexes(models)


def entry(kind: str, session_key: str, channel: str, user_id: str, session_id: str,
          at: datetime, **fields: Any) -> Doc:
    """An archive document of `kind` for one session."""
    return {"kind": kind, "session_key": session_key, "channel": channel, "user_id": user_id,
            "session_id": session_id, "at": at, **fields}


def _iso(at: datetime) -> str:
    at = at if at.tzinfo else at.replace(tzinfo=UTC)
    return at.isoformat().replace("+00:00", "Z")


def messages_of(doc: Doc) -> list[dict[str, Any]]:
    """The messages a customer sees of one archive entry, oldest first (`GET /chat/history`)."""
    if doc["kind"] == "turn":
        out: list[dict[str, Any]] = [{"role": "customer", "text": doc.get("text", ""),
                                      "at": _iso(doc["at"]), "actions": []}]
        if doc.get("reply"):
            out.append({"role": "assistant", "text": doc["reply"],
                        "at": _iso(doc.get("replied_at") or doc["at"]),
                        "actions": list(doc.get("actions") or [])})
        return out
    if doc["kind"] == "operator":
        return [{"role": "operator", "text": doc["text"], "at": _iso(doc["at"]), "actions": []}]
    if doc["kind"] == "mode" and doc.get("text"):
        return [{"role": "assistant", "text": doc["text"], "at": _iso(doc["at"]), "actions": []}]
    return []


async def history(store: Store, session_key: str, limit: int = HISTORY_LIMIT
                  ) -> list[dict[str, Any]]:
    """The session's newest `limit` messages, oldest first: one read on the session's index.

    An entry holds at most two messages, so the newest `limit` entries always hold them.
    MongoDB reads just those from the index; the embedded server reads every entry of the
    session and sorts them (`python -m bench.archive`: the archive's size does not matter).
    """
    docs = await store.db[COLLECTION].find(
        {"session_key": session_key}, {"session_key": 0, "user_id": 0, "session_id": 0},
    ).sort("at", DESCENDING).limit(limit).to_list()
    messages = [m for doc in reversed(docs) for m in messages_of(doc)]
    return messages[-limit:]


def event_of(doc: Doc) -> tuple[str, dict[str, Any]] | None:
    """The server-sent event an entry makes (`GET /chat/events`), if any."""
    if doc["kind"] == "operator":
        return "operator", messages_of(doc)[0]
    if doc["kind"] == "mode":
        return "mode", {"mode": doc["mode"], "text": doc.get("text", ""), "at": _iso(doc["at"])}
    return None


async def since(store: Store, session_key: str, after: datetime) -> list[Doc]:
    """The session's entries that make events, archived at or after `after`, oldest first."""
    return await store.db[COLLECTION].find(
        {"session_key": session_key, "at": {"$gte": after}, "kind": {"$in": list(EVENT_KINDS)}},
        {"kind": 1, "text": 1, "mode": 1, "at": 1}).sort("at", ASCENDING).to_list()


def _storable(doc: Doc) -> Doc:
    """The entry with its actions as JSON has them: a tool's odd value never fails the batch."""
    if doc.get("actions"):
        doc["actions"] = json.loads(json.dumps(doc["actions"], default=str))
    return doc


class Archive:
    """Appends entries in the background, in batches: a turn never waits for its archive line.

    A crash loses the entries still waiting (a fraction of a second's worth), never a turn or
    its reply; a database that stays down loses those past `MAX_WAITING`, logged, rather than
    growing this process without end.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self._waiting: collections.deque[Doc] = collections.deque()
        self._writer: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._hurry = asyncio.Event()  # set by `flush`: write now, without waiting for more
        self.dropped = 0

    def append(self, doc: Doc) -> None:
        """Queue an entry; the writer inserts it with the others waiting."""
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # a graph built once and run by more than one event loop
            self._writer, self._loop, self._hurry = None, loop, asyncio.Event()
        if len(self._waiting) >= MAX_WAITING:
            self.dropped += 1
            log.warning("archive entry dropped: %s wait to be written", MAX_WAITING)
            return
        self._waiting.append(doc)
        if self._writer is None or self._writer.done():
            self._writer = loop.create_task(self._write(), name="archive writer")

    async def _write(self) -> None:
        with contextlib.suppress(TimeoutError):  # the turns that end meanwhile share the insert
            await asyncio.wait_for(self._hurry.wait(), GATHER_S)
        while self._waiting:
            batch = [_storable(self._waiting.popleft())
                     for _ in range(min(BATCH, len(self._waiting)))]
            try:
                await self.store.db[COLLECTION].insert_many(batch, ordered=False)
            except Exception as exc:  # the writer lives on: the next batch may well go in
                log.error("%s archive entries not written: %s", len(batch), type(exc).__name__)

    async def flush(self) -> None:
        """Wait until every queued entry is written (shutdown, tests, the command line)."""
        while self._writer is not None and not self._writer.done():
            if self._writer.get_loop() is not asyncio.get_running_loop():
                return
            self._hurry.set()
            try:
                await asyncio.shield(self._writer)
            finally:
                self._hurry.clear()

