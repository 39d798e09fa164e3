"""The MongoDB checkpointer: each session in one document, on the async driver, with its lock.

`langgraph-checkpoint-mongodb`'s `MongoDBSaver` keeps every checkpoint and runs the synchronous
driver in a thread pool; a turn then costs five round trips (read the checkpoint, read its
writes, write, delete older checkpoints, delete older writes) made from pool threads that compete
for the GIL with the event loop. A sales session needs only its latest state, so this saver keeps
one document per session in `sessions`, on the async client the store already has:

- the session document, `_id: '["<thread_id>","<checkpoint_ns>"]'`: the latest checkpoint, the
  turn lock (`token`, `lease_until`), and which checkpoint has pending writes (`writes_for`) or
  stopped at an `interrupt()` (`interrupted`);
- write documents (the pending writes of an interrupted or failed run),
  `_id: '[thread, ns, checkpoint, task, idx]'`, filed under the checkpoint they belong to.

A turn (`turn()`) takes the lock (a write) and reads the session document with its checkpoint (a
read), `aput` writes the new checkpoint and the turn releases the lock: four operations, one more
when a confirmation waits.
Writes of a superseded checkpoint are deleted by the next `aput`. The price: no time travel to
older turns in the product database (Studio runs on its own in-memory saver with history).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import (
    WRITES_IDX_MAP,
    BaseCheckpointSaver,
    ChannelVersions,
    Checkpoint,
    CheckpointMetadata,
    CheckpointTuple,
    get_checkpoint_id,
    get_checkpoint_metadata,
)
from langgraph.constants import INTERRUPT
from pymongo import ASCENDING, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

Doc = dict[str, Any]
COLLECTION = "sessions"
LOCK_LEASE_S = 120.0
_LOCK = {"token": "", "lease_until": ""}


def _key(*parts: str | int) -> str:
    """A document's `_id`: its parts as a JSON array, unambiguous whatever a session id holds.

    A string, not a sub-document: the embedded server finds sub-document ids by a full scan.
    """
    return json.dumps(parts, separators=(",", ":"))


@dataclass
class _Queue:
    """The turns of one session in this process: they take `lock` one after another."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0


class Busy(Exception):
    """The session is running another turn and did not finish in time."""


class SessionSaver(BaseCheckpointSaver[Any]):
    """The latest checkpoint of each session, its pending writes and its turn lock."""

    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        super().__init__()
        self.sessions = db[COLLECTION]
        # The session documents of the turns this process holds, as their lock read them: the
        # turn's `aget_tuple` needs no second read, since nobody else writes a held session.
        self._held: dict[str, Doc] = {}
        self._local: dict[str, _Queue] = {}  # turns of this process waiting per session

    async def setup(self) -> None:
        """Create the index the per-session query uses (idempotent)."""
        await self.sessions.create_index([("thread_id", ASCENDING), ("checkpoint_ns", ASCENDING)])

    @staticmethod
    def _where(config: RunnableConfig) -> tuple[str, str]:
        configurable = config["configurable"]
        thread, ns = configurable["thread_id"], configurable.get("checkpoint_ns", "")
        if not isinstance(thread, str) or not isinstance(ns, str):
            raise ValueError("thread_id and checkpoint_ns must be strings")
        return thread, ns

    @contextlib.asynccontextmanager
    async def turn(self, thread: str, wait_s: float = 30.0) -> AsyncIterator[bool]:
        """Hold the session for one turn; yield whether its run waits for the customer's answer.

        Turns of a session run one at a time, in arrival order within a process and across
        workers. Within the process they queue on an `asyncio.Lock`, so that only the first
        waiter asks the database. There the lock is a lease on the session document, taken in
        one write; the document, read next, holds the checkpoint. A live lease makes the upsert
        collide on `_id` and the turn retries. A crashed holder's lease lapses after
        `LOCK_LEASE_S`. A turn that waits longer than `wait_s` raises `Busy`.
        """
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
                async with self._leased(thread, deadline) as doc:
                    yield doc.get("interrupted") is not None and doc.get(
                        "interrupted") == doc.get("checkpoint_id")
            finally:
                local.lock.release()
        finally:
            local.users -= 1
            if not local.users:
                del self._local[thread]

    @contextlib.asynccontextmanager
    async def _leased(self, thread: str, deadline: float) -> AsyncIterator[Doc]:
        """Take the session's lease in the database (retrying until `deadline`); its document."""
        token = f"{id(asyncio.current_task())}:{time.monotonic_ns()}"
        key = _key(thread, "")
        delay = 0.01
        while True:
            now = datetime.now(UTC)
            try:
                # An update and a read: the embedded server's findAndModify costs several times
                # as much as both together.
                await self.sessions.update_one(
                    {"_id": key, "lease_until": {"$not": {"$gte": now}}},
                    {"$set": {"token": token,
                              "lease_until": now + timedelta(seconds=LOCK_LEASE_S)}},
                    upsert=True)
                doc = await self.sessions.find_one({"_id": key})
                if doc is not None and doc.get("token") == token:
                    break
            except DuplicateKeyError:
                pass
            if time.monotonic() > deadline:
                raise Busy(thread) from None
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.2)
        self._held[thread] = doc
        try:
            yield doc
        finally:
            # Released only now: the run's last writes (an interrupt) may land after its `aput`.
            self._held.pop(thread, None)
            await self.sessions.update_one({"_id": key, "token": token}, {"$unset": _LOCK})

    async def aget_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        """The session's latest checkpoint with its pending writes (older ones are not kept)."""
        thread, ns = self._where(config)
        held = self._held.get(thread) if ns == "" else None
        if held is not None:
            saved: Doc | None = held if held.get("kind") == "checkpoint" else None
            writes = []
            if saved is not None and saved.get("writes_for") == saved["checkpoint_id"]:
                writes = await self.sessions.find({
                    "thread_id": thread, "checkpoint_ns": ns, "kind": "write",
                    "checkpoint_id": saved["checkpoint_id"]}).to_list()
        else:
            docs = await self.sessions.find({"thread_id": thread, "checkpoint_ns": ns}).to_list()
            saved = next((d for d in docs if d.get("kind") == "checkpoint"), None)
            writes = [d for d in docs if d.get("kind") == "write"
                      and saved is not None and d["checkpoint_id"] == saved["checkpoint_id"]]
        wanted = get_checkpoint_id(config)
        if saved is None or (wanted and wanted != saved["checkpoint_id"]):
            return None
        writes.sort(key=lambda d: (d["task_path"], d["task_id"], d["idx"]))
        parent = saved.get("parent_checkpoint_id")
        return CheckpointTuple(
            config={"configurable": {"thread_id": thread, "checkpoint_ns": ns,
                                     "checkpoint_id": saved["checkpoint_id"]}},
            checkpoint=self.serde.loads_typed((saved["type"], saved["checkpoint"])),
            metadata=self.serde.loads_typed((saved["metadata_type"], saved["metadata"])),
            parent_config={"configurable": {"thread_id": thread, "checkpoint_ns": ns,
                                            "checkpoint_id": parent}} if parent else None,
            pending_writes=[(d["task_id"], d["channel"],
                             self.serde.loads_typed((d["type"], d["value"]))) for d in writes],
        )

    async def alist(self, config: RunnableConfig | None, *, filter: dict[str, Any] | None = None,
                    before: RunnableConfig | None = None, limit: int | None = None
                    ) -> AsyncIterator[CheckpointTuple]:
        """The session's history, which is its latest checkpoint alone."""
        if config is None or before is not None or limit == 0:
            return
        found = await self.aget_tuple(config)
        if found is not None and all(found.metadata.get(k) == v for k, v in (filter or {}).items()):
            yield found

    async def aput(self, config: RunnableConfig, checkpoint: Checkpoint,
                   metadata: CheckpointMetadata, new_versions: ChannelVersions) -> RunnableConfig:
        """Write the session's new checkpoint in one operation."""
        thread, ns = self._where(config)
        type_, data = self.serde.dumps_typed(checkpoint)
        metadata_type, metadata_data = self.serde.dumps_typed(
            get_checkpoint_metadata(config, metadata))
        held = self._held.pop(thread, None) if ns == "" else None  # read once, now outdated
        await self.sessions.update_one({"_id": _key(thread, ns)}, {"$set": {
            "kind": "checkpoint", "thread_id": thread, "checkpoint_ns": ns,
            "checkpoint_id": checkpoint["id"],
            "parent_checkpoint_id": config["configurable"].get("checkpoint_id"),
            "type": type_, "checkpoint": data,
            "metadata_type": metadata_type, "metadata": metadata_data}}, upsert=True)
        if held is None or "writes_for" in held:  # writes of the replaced checkpoint may exist
            await self.sessions.delete_many({"thread_id": thread, "checkpoint_ns": ns,
                                             "kind": "write",
                                             "checkpoint_id": {"$ne": checkpoint["id"]}})
        return {"configurable": {"thread_id": thread, "checkpoint_ns": ns,
                                 "checkpoint_id": checkpoint["id"]}}

    async def aput_writes(self, config: RunnableConfig, writes: Sequence[tuple[str, Any]],
                          task_id: str, task_path: str = "") -> None:
        """File a task's writes under their checkpoint; a retried task's writes are kept once.

        Special writes (errors, interrupts, resume values) replace earlier ones, as in the
        reference savers; ordinary writes keep the first copy. The session document records
        which checkpoint has writes, and whether its run stopped at an interrupt; these are
        compared with its `checkpoint_id`, so they hold whichever of this and `aput` lands first.
        """
        if not writes:
            return
        thread, ns = self._where(config)
        checkpoint_id = config["configurable"]["checkpoint_id"]
        operator = "$set" if all(channel in WRITES_IDX_MAP for channel, _ in writes) else (
            "$setOnInsert")
        operations = []
        for i, (channel, value) in enumerate(writes):
            idx = WRITES_IDX_MAP.get(channel, i)
            type_, data = self.serde.dumps_typed(value)
            key = _key(thread, ns, checkpoint_id, task_id, idx)
            operations.append(UpdateOne({"_id": key}, {operator: {
                "kind": "write", "thread_id": thread, "checkpoint_ns": ns,
                "checkpoint_id": checkpoint_id, "task_id": task_id, "task_path": task_path,
                "idx": idx, "channel": channel, "type": type_, "value": data}}, upsert=True))
        marks = {"writes_for": checkpoint_id}
        if any(channel == INTERRUPT for channel, _ in writes):
            marks["interrupted"] = checkpoint_id
        operations.append(UpdateOne({"_id": _key(thread, ns)}, {"$set": marks},
                                    upsert=True))
        await self.sessions.bulk_write(operations)

    async def adelete_thread(self, thread_id: str) -> None:
        """Forget a session."""
        await self.sessions.delete_many({"thread_id": thread_id})
        await self.sessions.delete_one({"_id": _key(thread_id, "")})
