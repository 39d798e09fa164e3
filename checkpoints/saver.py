"""The MongoDB checkpointer: each session's latest checkpoint in one document, on the async driver.

`langgraph-checkpoint-mongodb`'s `MongoDBSaver` keeps every checkpoint and runs the synchronous
driver in a thread pool; a turn then costs five round trips (read the checkpoint, read its
writes, write, delete older checkpoints, delete older writes) made from pool threads that compete
for the GIL with the event loop. A sales session needs only its latest state, so this saver keeps
one document per session in `sessions` and uses the async client the store already has:

- a checkpoint document, `_id: {t: thread_id, ns: checkpoint_ns}`, replaced by each `aput`;
- write documents (the pending writes of an interrupted run, e.g. a confirmation that waits),
  `_id: {t, ns, cp, task, idx}`, filed under the checkpoint they belong to.

A turn reads both kinds with one query and writes its checkpoint with one; writes of a superseded
checkpoint are deleted by the next `aput` of the session. The price: no time travel to older turns
in the product database (Studio runs on its own in-memory saver, where history is kept).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Sequence
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


class Busy(Exception):
    """The session is running another turn and did not finish in time."""


class SessionSaver(BaseCheckpointSaver[Any]):
    """The latest checkpoint of each session, and its pending writes, in `sessions`."""

    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        super().__init__()
        self.sessions = db[COLLECTION]
        self.locks = db["session_locks"]
        # Sessions whose last read found write documents: the next `aput` deletes the stale ones.
        self._with_writes: set[tuple[str, str]] = set()

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

    async def _documents(self, thread: str, ns: str) -> list[Doc]:
        return await self.sessions.find({"thread_id": thread, "checkpoint_ns": ns}).to_list()

    async def aget_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        """The session's latest checkpoint with its pending writes (older ones are not kept)."""
        thread, ns = self._where(config)
        docs = await self._documents(thread, ns)
        saved = next((d for d in docs if d["kind"] == "checkpoint"), None)
        wanted = get_checkpoint_id(config)
        if saved is None or (wanted and wanted != saved["checkpoint_id"]):
            return None
        checkpoint_id = saved["checkpoint_id"]
        writes = sorted((d for d in docs if d["kind"] == "write"
                         and d["checkpoint_id"] == checkpoint_id),
                        key=lambda d: (d["task_path"], d["task_id"], d["idx"]))
        if len(docs) > 1:
            self._with_writes.add((thread, ns))
        parent = saved.get("parent_checkpoint_id")
        return CheckpointTuple(
            config={"configurable": {"thread_id": thread, "checkpoint_ns": ns,
                                     "checkpoint_id": checkpoint_id}},
            checkpoint=self.serde.loads_typed((saved["type"], saved["checkpoint"])),
            metadata=self.serde.loads_typed((saved["metadata_type"], saved["metadata"])),
            parent_config={"configurable": {"thread_id": thread, "checkpoint_ns": ns,
                                            "checkpoint_id": parent}} if parent else None,
            pending_writes=[(d["task_id"], d["channel"],
                             self.serde.loads_typed((d["type"], d["value"]))) for d in writes],
        )

    async def awaits_answer(self, thread: str) -> bool:
        """Whether the session's run stopped at an `interrupt()` and waits for the customer.

        One small read, instead of `aget_state` (which loads and replays the whole state).
        """
        docs = await self.sessions.find(
            {"thread_id": thread, "checkpoint_ns": ""},
            {"kind": 1, "checkpoint_id": 1, "channel": 1}).to_list()
        current = next((d["checkpoint_id"] for d in docs if d["kind"] == "checkpoint"), None)
        return any(d["kind"] == "write" and d["channel"] == INTERRUPT
                   and d["checkpoint_id"] == current for d in docs)

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
        """Replace the session's checkpoint in one write; drop writes of the one it replaces."""
        thread, ns = self._where(config)
        type_, data = self.serde.dumps_typed(checkpoint)
        metadata_type, metadata_data = self.serde.dumps_typed(
            get_checkpoint_metadata(config, metadata))
        await self.sessions.replace_one({"_id": {"t": thread, "ns": ns}}, {
            "kind": "checkpoint", "thread_id": thread, "checkpoint_ns": ns,
            "checkpoint_id": checkpoint["id"],
            "parent_checkpoint_id": config["configurable"].get("checkpoint_id"),
            "type": type_, "checkpoint": data,
            "metadata_type": metadata_type, "metadata": metadata_data,
        }, upsert=True)
        if (thread, ns) in self._with_writes:
            self._with_writes.discard((thread, ns))
            await self.sessions.delete_many({"thread_id": thread, "checkpoint_ns": ns,
                                             "kind": "write",
                                             "checkpoint_id": {"$ne": checkpoint["id"]}})
        return {"configurable": {"thread_id": thread, "checkpoint_ns": ns,
                                 "checkpoint_id": checkpoint["id"]}}

    async def aput_writes(self, config: RunnableConfig, writes: Sequence[tuple[str, Any]],
                          task_id: str, task_path: str = "") -> None:
        """File a task's writes under their checkpoint; a retried task's writes are kept once.

        Special writes (errors, interrupts, resume values) replace earlier ones, as in the
        reference savers; ordinary writes keep the first copy.
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
            key = {"t": thread, "ns": ns, "cp": checkpoint_id, "task": task_id, "idx": idx}
            operations.append(UpdateOne({"_id": key}, {operator: {
                "kind": "write", "thread_id": thread, "checkpoint_ns": ns,
                "checkpoint_id": checkpoint_id, "task_id": task_id, "task_path": task_path,
                "idx": idx, "channel": channel, "type": type_, "value": data}}, upsert=True))
        await self.sessions.bulk_write(operations)
        self._with_writes.add((thread, ns))

    @contextlib.asynccontextmanager
    async def turn(self, thread: str, wait_s: float = 30.0) -> AsyncIterator[None]:
        """Hold the session's lock for one turn: turns of a session run one at a time.

        The lock is a document under the unique `_id`, so workers in other processes see it
        too; its lease lets a crashed holder's lock lapse. A turn that cannot take it within
        `wait_s` raises `Busy`.
        """
        deadline = time.monotonic() + wait_s
        token = f"{id(asyncio.current_task())}:{time.monotonic_ns()}"
        delay = 0.01
        while True:
            now = datetime.now(UTC)
            try:
                # One write: take a free or lapsed lock; a live one makes the upsert collide.
                await self.locks.update_one(
                    {"_id": thread, "lease_until": {"$lt": now}},
                    {"$set": {"token": token,
                              "lease_until": now + timedelta(seconds=LOCK_LEASE_S)}},
                    upsert=True)
                break
            except DuplicateKeyError:
                if time.monotonic() > deadline:
                    raise Busy(thread) from None
                await asyncio.sleep(delay)
                delay = min(delay * 2, 0.2)
        try:
            yield
        finally:
            await self.locks.delete_one({"_id": thread, "token": token})

    async def adelete_thread(self, thread_id: str) -> None:
        """Forget a session."""
        await self.sessions.delete_many({"thread_id": thread_id})
