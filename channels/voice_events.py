"""Voice events answered once: each event's turn holds a lease, and a dead turn is taken over."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from channels import leases
from channels.errors import ApiError

log = logging.getLogger(__name__)

WAIT_S = 10.0
"""How long a repeated event waits for the first one's answer before a 409 asks to retry."""
Answer = dict[str, Any]


async def answer_once(events: AsyncCollection[dict[str, Any]], event_id: str,
                      speak: Callable[[], Awaitable[Answer]]) -> Answer:
    """The answer to voice event `event_id`: run `speak` once, however often it is delivered.

    The first delivery stores the event with a lease and runs the turn, renewing the lease while
    it runs. A repeated delivery returns the stored answer once there is one; while the first
    turn is alive it waits for it; when that turn died (its server was killed: the lease
    lapsed) or failed (the row was released), it runs the turn itself.

    Raises:
        ApiError: 409 when the first turn is still running after `WAIT_S`: the provider retries.
    """
    token = uuid.uuid4().hex
    deadline = time.monotonic() + WAIT_S
    while True:
        at = leases.now()
        try:
            await events.insert_one({"_id": event_id, "state": "started",
                                     **leases.lease(token, at)})
        except DuplicateKeyError:
            pass
        else:
            return await _run(events, event_id, token, speak)
        doc = await events.find_one({"_id": event_id})
        if doc is not None and doc.get("state") == "done":
            return dict(doc["answer"])
        if doc is not None and await leases.claim(
                events, event_id, [{"state": "started", **gone} for gone in leases.lapsed(at)],
                {"$set": leases.lease(token, at)}):
            log.warning("voice event %s: its turn died; taken over", event_id)
            return await _run(events, event_id, token, speak)
        if time.monotonic() > deadline:
            raise ApiError(409, "in_progress", "this event is still being answered")
        await asyncio.sleep(0.1)


async def _run(events: AsyncCollection[dict[str, Any]], event_id: str, token: str,
               speak: Callable[[], Awaitable[Answer]]) -> Answer:
    """Run the turn under the lease; store its answer, or release the event if it failed."""
    try:
        async with leases.heartbeat(events, event_id, token):
            answer = await speak()
    except BaseException:
        await events.delete_one({"_id": event_id, "lease": token})  # the provider's retry runs it
        raise
    await events.update_one({"_id": event_id}, {"$set": {"state": "done", "answer": answer},
                                                "$unset": {"lease_until": ""}})
    return answer
