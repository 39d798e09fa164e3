"""Rate limits and per-session turn locks kept in MongoDB, so that every worker shares them."""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from tools.store import Store

LOCK_LEASE_S = 120.0


class Busy(Exception):
    """The session is running another turn and did not finish in time."""


async def hit(store: Store, key: str, limit: int, window_s: int = 60) -> int | None:
    """Count one request for `key` in a fixed window; the seconds to wait when over the limit."""
    now = time.time()
    window = int(now // window_s)
    doc = await store.db["rate_limits"].find_one_and_update(
        {"_id": f"{key}:{window}"},
        {"$inc": {"count": 1},
         "$setOnInsert": {"expires_at": datetime.fromtimestamp((window + 2) * window_s, UTC)}},
        upsert=True, return_document=ReturnDocument.AFTER,
    )
    if doc is None or doc["count"] <= limit:
        return None
    return max(1, math.ceil((window + 1) * window_s - now))


@contextlib.asynccontextmanager
async def session_turn(store: Store, session: str, wait_s: float = 30.0) -> AsyncIterator[None]:
    """Hold the session's lock for one turn; turns of a session run one at a time.

    The lock is a document under the unique `_id`, so workers in other processes see it too;
    its lease lets a crashed holder's lock lapse.
    """
    locks = store.db["session_locks"]
    deadline = time.monotonic() + wait_s
    token = f"{id(asyncio.current_task())}:{time.monotonic_ns()}"
    delay = 0.01
    while True:
        now = datetime.now(UTC)
        try:
            # One write: take a free or lapsed lock; a live one makes the upsert collide.
            await locks.update_one(
                {"_id": session, "lease_until": {"$lt": now}},
                {"$set": {"token": token, "lease_until": now + timedelta(seconds=LOCK_LEASE_S)}},
                upsert=True)
            break
        except DuplicateKeyError:
            if time.monotonic() > deadline:
                raise Busy(session) from None
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.2)
    try:
        yield
    finally:
        await locks.delete_one({"_id": session, "token": token})


async def ensure_indexes(store: Store) -> None:
    """Expire old rate-limit windows on their own; let the inbox sweep find unfinished work."""
    await store.db["rate_limits"].create_index("expires_at", expireAfterSeconds=0)
    await store.db["wa_inbound"].create_index("state")
    await store.db["wa_outbox"].create_index("state")
