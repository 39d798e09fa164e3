"""Leases on documents: taken by one conditional update, kept alive by a heartbeat."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection

from tools.claims import beating, take

Doc = dict[str, Any]
LEASE = timedelta(seconds=10)
"""How long a holder that stopped beating keeps its work: a dead worker's work waits this long."""
HEARTBEAT_S = 3.0


def now() -> datetime:
    """The wall clock leases are compared against (shared by every process through MongoDB)."""
    return datetime.now(UTC)


def lease(token: str, at: datetime | None = None) -> Doc:
    """The fields of a lease held by `token` from `at` (now by default)."""
    return {"lease": token, "lease_until": (at or now()) + LEASE}


def lapsed(at: datetime) -> list[Doc]:
    """Filters, one per case, of a document whose lease lapsed or was never taken.

    Separate filters rather than an `$or`, which the embedded server answers with a full scan.
    """
    return [{"lease_until": {"$lt": at}}, {"lease_until": {"$exists": False}}]


async def claim(collection: AsyncCollection[Doc], key: str, alternatives: list[Doc],
                update: Doc) -> Doc | None:
    """Apply `update` to document `key` if it matches one of `alternatives`; the updated doc.

    One conditional update per alternative, then a read by `_id`, rather than a findAndModify
    with an `$or`: the embedded server answers both of those by reading the whole collection,
    which grows with every message. With 3,000 documents: 77 ms for a findAndModify with an
    `$or`, 30 ms without the `$or`, against 1.7 ms for an update and 1.1 ms for a read by `_id`
    (a one-off timing script, medians of 50; README, Performance).
    """
    for alternative in alternatives:
        if (doc := await take(collection, {"_id": key}, alternative, update)) is not None:
            return doc
    return None


def heartbeat(collection: AsyncCollection[Doc], key: str, token: str
              ) -> contextlib.AbstractAsyncContextManager[None]:
    """Renew `token`'s lease on `key` every few seconds while the block runs.

    A holder that dies stops renewing, and its lease lapses within `LEASE`: others take the work
    over in seconds, while a long turn of a live holder is never taken from it.
    """
    return beating(lambda: collection.update_one(
        {"_id": key, "lease": token}, {"$set": {"lease_until": now() + LEASE}}),
        HEARTBEAT_S, key)
