"""The MongoDB checkpointer: each session in one document, on the async driver.

`langgraph-checkpoint-mongodb`'s `MongoDBSaver` keeps every checkpoint and runs the synchronous
driver in a thread pool; a turn then costs five round trips (read the checkpoint, read its
writes, write, delete older checkpoints, delete older writes) made from pool threads that compete
for the GIL with the event loop. A sales session needs only its latest state, so this saver keeps
one document per session in `sessions`, on the async client the store already has:

- the session document, `_id: '["<thread_id>","<checkpoint_ns>"]'`: the latest checkpoint, the
  turn lease when processes share the shop (`token`, `lease_until`), and which checkpoint has
  pending writes (`writes_for`) or stopped at an `interrupt()` (`interrupted`);
- write documents (the pending writes of an interrupted or failed run),
  `_id: '[thread, ns, checkpoint, task, idx]'`, filed under the checkpoint they belong to.

A turn (`turn()`, see `checkpoints.turns`) reads the session document, or takes its lease (a
write, then a read unless the session is new), and `aput` writes the new checkpoint, releasing a
settled turn's lease in the same write: two operations a turn; with a lease two or three, and one
more to release it when the turn stops to wait for a confirmation.
Writes of a superseded checkpoint are deleted by the next `aput`. The price: no time travel to
older turns in the product database (Studio runs on its own in-memory saver with history).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Sequence
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

from checkpoints.turns import LEASE_FIELDS, Busy, Doc, Hold, TurnLocks
from checkpoints.turns import doc_id as _key

COLLECTION = "sessions"


class SessionSaver(BaseCheckpointSaver[Any]):
    """The latest checkpoint of each session, its pending writes and its turn lock.

    Args:
        db: The database that holds the `sessions` collection.
        shared: Whether other processes run turns on this database (the lock is then a lease
            in MongoDB); see `checkpoints.turns`.
        settled: Whether the run that saves a checkpoint is over: nothing of it is written
            after the checkpoint, so a lease is released in the same write. Without it a lease
            is released when the turn ends, in a write of its own.
    """

    def __init__(self, db: AsyncDatabase[Doc], *, shared: bool = True,
                 settled: Callable[[Checkpoint], bool] | None = None) -> None:
        super().__init__()
        self.sessions = db[COLLECTION]
        self.settled = settled
        self._turns = TurnLocks(self.sessions, shared)

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

        Turns of a session run one at a time, in arrival order; one that waits longer than
        `wait_s` raises `Busy`.
        """
        async with self._turns.hold(thread, wait_s) as hold:
            doc = hold.doc or {}
            yield doc.get("interrupted") is not None and doc.get(
                "interrupted") == doc.get("checkpoint_id")

    def held(self, thread: str) -> Doc | None:
        """The session document as the turn now holding `thread` read it (None: not held).

        Other fields kept beside the checkpoint (the session's mode) are read with it for free.
        """
        hold = self._turns.held.get(thread)
        return hold.doc if hold is not None else None

    async def aget_tuple(self, config: RunnableConfig) -> CheckpointTuple | None:
        """The session's latest checkpoint with its pending writes (older ones are not kept)."""
        thread, ns = self._where(config)
        hold = self._turns.held.get(thread) if ns == "" else None
        if hold is not None and hold.doc is not None:  # what the turn read: nobody else writes
            held = hold.doc
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
        """Write the session's new checkpoint in one operation; release a settled turn's lock."""
        thread, ns = self._where(config)
        type_, data = self.serde.dumps_typed(checkpoint)
        metadata_type, metadata_data = self.serde.dumps_typed(
            get_checkpoint_metadata(config, metadata))
        update: Doc = {"$set": {
            "kind": "checkpoint", "thread_id": thread, "checkpoint_ns": ns,
            "checkpoint_id": checkpoint["id"],
            "parent_checkpoint_id": config["configurable"].get("checkpoint_id"),
            "type": type_, "checkpoint": data,
            "metadata_type": metadata_type, "metadata": metadata_data}}
        hold = self._turns.held.get(thread) if ns == "" else None
        if hold is None:
            await self.sessions.update_one({"_id": _key(thread, ns)}, update, upsert=True)
            stale_writes = True
        else:
            # Only if the session still holds the checkpoint the turn began from (and, with a
            # lease, the lease is still this turn's): a turn that another took over from must
            # not overwrite what that one wrote.
            where: Doc = {"_id": _key(thread, ns), "checkpoint_id": hold.version}
            release = False
            if hold.token is not None and not hold.released:
                where["token"] = hold.token
                release = self.settled is not None and self.settled(checkpoint)
                if release:
                    update["$unset"] = LEASE_FIELDS
            try:
                await self._write(hold, where, update)
            except DuplicateKeyError:  # no such document to update, and its `_id` is taken
                raise Busy(thread) from None
            stale_writes = hold.doc is None or "writes_for" in hold.doc
            # What the turn read is outdated.
            hold.doc, hold.version, hold.new = None, checkpoint["id"], False
            hold.released = hold.released or release
        if stale_writes:  # writes of the replaced checkpoint may exist
            await self.sessions.delete_many({"thread_id": thread, "checkpoint_ns": ns,
                                             "kind": "write",
                                             "checkpoint_id": {"$ne": checkpoint["id"]}})
        return {"configurable": {"thread_id": thread, "checkpoint_ns": ns,
                                 "checkpoint_id": checkpoint["id"]}}

    async def _write(self, hold: Hold, where: Doc, update: Doc) -> None:
        """Write a held session's checkpoint if it still holds `hold.version`.

        A session that had no document is inserted (the embedded server takes less for an
        insert than for an upsert). Its document may exist by now with no checkpoint in it: this
        run's own writes (`aput_writes`) can land first. The conditional upsert then finds it,
        as it would not find a document another process wrote a checkpoint into.
        """
        if hold.new:
            with contextlib.suppress(DuplicateKeyError):
                await self.sessions.insert_one({"_id": where["_id"], **update["$set"]})
                return
        await self.sessions.update_one(where, update, upsert=True)

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
