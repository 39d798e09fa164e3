"""Hold a session for one turn: its turns run one at a time, in this process and across others.

Within a process the turns of a session queue on an `asyncio.Lock`. Across processes:

- `shared=False` (one server process, the default): nothing more is taken. The turn reads the
  session document, and its checkpoint is written only if the session still holds the checkpoint
  the turn began from, so that a turn of another process on the same session (a second server
  started by mistake, a command-line chat) fails with `Busy` rather than overwrite it.
- `shared=True` (several processes serve the shop, as with `omnisales serve --workers N`): the
  lock is also a lease on the session document in MongoDB, taken in one write. A live lease makes
  the taking upsert collide on `_id` and the turn retries; a crashed holder's lease lapses after
  `LEASE_S`. The checkpoint write of a settled turn releases it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

Doc = dict[str, Any]
LEASE_S = 120.0
LEASE_FIELDS = {"token": "", "lease_until": ""}


def doc_id(*parts: str | int) -> str:
    """A document's `_id`: its parts as a JSON array, unambiguous whatever a session id holds.

    A string, not a sub-document: the embedded server finds sub-document ids by a full scan.
    """
    return json.dumps(parts, separators=(",", ":"))


class Busy(Exception):
    """The session is running another turn and did not finish in time, or took over."""


@dataclass
class Hold:
    """A turn's hold on its session.

    `doc` is the session document as the turn found it (None once the turn's checkpoint replaced
    it), `version` the checkpoint the session must still hold when the turn writes its own,
    `token` the lease this turn took (None when the lock is this process's alone), and `new`
    whether the session had no document at all, so that its first checkpoint is an insert.
    """

    doc: Doc | None
    version: str | None
    token: str | None = None
    released: bool = False
    new: bool = False


@dataclass
class _Queue:
    """The turns of one session in this process: they take `lock` one after another."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0


class TurnLocks:
    """The sessions this process holds, and how it takes them."""

    def __init__(self, sessions: AsyncCollection[Doc], shared: bool) -> None:
        self.sessions = sessions
        self.shared = shared
        self.held: dict[str, Hold] = {}  # read by the checkpointer: nobody else writes these
        self._local: dict[str, _Queue] = {}

    @contextlib.asynccontextmanager
    async def hold(self, thread: str, wait_s: float) -> AsyncIterator[Hold]:
        """Hold `thread` for one turn, waiting at most `wait_s` for the turns before it."""
        deadline = time.monotonic() + wait_s
        local = self._local.setdefault(thread, _Queue())
        local.users += 1
        try:
            try:
                async with asyncio.timeout(wait_s):
                    await local.lock.acquire()
            except TimeoutError:
                raise Busy(thread) from None
            try:
                key = doc_id(thread, "")
                if self.shared:
                    hold = await self._lease(thread, key, deadline)
                else:
                    found = await self.sessions.find_one({"_id": key})
                    hold = Hold(found, found.get("checkpoint_id")) if found else Hold(
                        {"_id": key}, None, new=True)
                self.held[thread] = hold
                try:
                    yield hold
                finally:
                    del self.held[thread]
                    # Released here unless the checkpoint write did: the run's last writes (an
                    # interrupt) may land after its checkpoint.
                    if hold.token is not None and not hold.released:
                        await self.sessions.update_one({"_id": key, "token": hold.token},
                                                       {"$unset": LEASE_FIELDS})
            finally:
                local.lock.release()
        finally:
            local.users -= 1
            if not local.users:
                del self._local[thread]

    async def _lease(self, thread: str, key: str, deadline: float) -> Hold:
        """Take the session's lease in the database, retrying until `deadline`."""
        token = f"{id(asyncio.current_task())}:{time.monotonic_ns()}"
        delay = 0.01
        while True:
            now = datetime.now(UTC)
            lease = {"token": token, "lease_until": now + timedelta(seconds=LEASE_S)}
            try:
                # An update and a read: the embedded server's findAndModify costs several times
                # as much as both together.
                taken = await self.sessions.update_one(
                    {"_id": key, "lease_until": {"$not": {"$gte": now}}}, {"$set": lease},
                    upsert=True)
                # A new session: the upsert made its document, which holds the lease alone.
                doc: Doc | None = {"_id": key, **lease} if taken.upserted_id is not None else (
                    await self.sessions.find_one({"_id": key}))
                if doc is not None and doc.get("token") == token:
                    return Hold(doc, doc.get("checkpoint_id"), token)
            except DuplicateKeyError:
                pass
            if time.monotonic() > deadline:
                raise Busy(thread) from None
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.2)
