"""The MongoDB checkpointer that keeps only the latest checkpoint of each session."""

from __future__ import annotations

from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import ChannelVersions, Checkpoint, CheckpointMetadata
from langgraph.checkpoint.mongodb import MongoDBSaver
from pymongo import MongoClient


class LatestOnlyMongoDBSaver(MongoDBSaver):
    """`MongoDBSaver` that deletes a thread's superseded checkpoints and their writes.

    With `durability="exit"` a turn writes one checkpoint, so a session holds one checkpoint
    whatever its length. The price: no time travel to older turns in the product database
    (Studio runs on its own in-memory saver, where history is kept).
    """

    def put(self, config: RunnableConfig, checkpoint: Checkpoint, metadata: CheckpointMetadata,
            new_versions: ChannelVersions) -> RunnableConfig:
        """Save the checkpoint, then drop the thread's older ones in the same namespace."""
        saved = super().put(config, checkpoint, metadata, new_versions)
        where: dict[str, Any] = {
            "thread_id": saved["configurable"]["thread_id"],
            "checkpoint_ns": saved["configurable"]["checkpoint_ns"],
            "checkpoint_id": {"$lt": saved["configurable"]["checkpoint_id"]},
        }
        self.checkpoint_collection.delete_many(where)
        self.writes_collection.delete_many(where)
        return saved


def make_checkpointer(uri: str, db_name: str) -> LatestOnlyMongoDBSaver:
    """A checkpointer on its own (synchronous) client; close it with `.client.close()`."""
    client: MongoClient[dict[str, Any]] = MongoClient(uri, tz_aware=True,
                                                      serverSelectionTimeoutMS=2000)
    return LatestOnlyMongoDBSaver(client, db_name=db_name)
