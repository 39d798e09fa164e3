"""Claims and conditional moves on documents: take, move, settle, and what a crash left."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError, PyMongoError

Doc = dict[str, Any]
log = logging.getLogger(__name__)

# A claim's holder renews its lease every third of it while the act runs, so a live act keeps
# it however long it takes and a dead one loses it within LEASE. Renewal stops at EXPIRY: an act
# still running after that is presumed stuck and may be taken over.
LEASE = timedelta(seconds=20)
EXPIRY = timedelta(minutes=10)


async def advance(collection: AsyncCollection[Doc], key: Doc, change: Doc, *,
                  when: Doc | None = None, hint: Any = None) -> tuple[bool, Doc | None]:
    """Change document `key` if it is still `when` (always, without it); whether it did, and it.

    An update then a read by the same key, never a findAndModify: the embedded server answers
    that by reading the whole collection, and this by its index. Of two requests racing on one
    state, one matches. The read is of the document as it is now, whichever request changed it.

    Args:
        collection: Where the document is.
        key: A filter on a unique key (`_id`, `payment_id`, ...): one document at most.
        change: The update, e.g. `{"$set": {"status": "cancelled"}}`.
        when: The state the document must still be in for the change to apply.
        hint: The unique index to use, where the filter names other fields as well.
    """
    options = {} if hint is None else {"hint": hint}
    changed = await collection.update_one(key | (when or {}), change, **options)
    return changed.matched_count > 0, await collection.find_one(key, **options)


async def take(collection: AsyncCollection[Doc], key: Doc, when: Doc, change: Doc, *,
               hint: Any = None) -> Doc | None:
    """Move document `key` out of state `when` with `change` and return it; None if it was not so.

    The document is this request's to act on: no other request took it from that state.
    """
    moved, doc = await advance(collection, key, change, when=when, hint=hint)
    return doc if moved else None


async def settle(collection: AsyncCollection[Doc], key: Doc, outcome: Doc) -> Doc | None:
    """Record an outcome (its fields set) on document `key` and return the document."""
    return (await advance(collection, key, {"$set": outcome}))[1]


async def move(collection: AsyncCollection[Doc], key: Doc, when: Doc, change: Doc, *,
               hint: Any = None) -> bool:
    """Move document `key` out of state `when` with `change`; whether it was still in it.

    For a hold, a release or a cancel whose request needs no more than that answer.
    """
    options = {} if hint is None else {"hint": hint}
    return (await collection.update_one(key | when, change, **options)).matched_count > 0


async def keep_first(collection: AsyncCollection[Doc], key: Doc, fields: Doc) -> Doc:
    """The document under `key`, inserted with `fields` if there was none: a retry finds the first.

    An upsert then a read by the key, never a findAndModify (which the embedded server answers
    by reading the whole collection).
    """
    with contextlib.suppress(DuplicateKeyError):  # a racing copy inserted it first
        await collection.update_one(key, {"$setOnInsert": fields}, upsert=True)
    return await collection.find_one(key) or key | fields


@dataclass(frozen=True)
class Claim:
    """A claim this process holds: its key and the owner token that proves it."""

    key: str
    owner: str
    taken_over: bool = False
    doc_id: Any = None  # the claim document's `_id`: its key, or an ObjectId before keys were

    @property
    def where(self) -> Doc:
        """The claim document, by `_id`."""
        return {"_id": self.key if self.doc_id is None else self.doc_id}


class Claims:
    """Claims on side effects, one document per key in a collection (`actions`).

    Every write is a conditional update or an insert under the unique `key` index, never a
    findAndModify (the embedded server answers that by reading the whole collection). A claim's
    `_id` is its key, because the embedded server reads by `_id` without consulting its index
    catalogue, which any other lookup reads once per index; claims written before that are
    found by `key`.
    """

    def __init__(self, collection: AsyncCollection[Doc]) -> None:
        self.collection = collection

    async def claim(self, key: str, kind: str, customer_id: str, at: datetime) -> Claim | None:
        """Take the claim on `key`: a new one, or one whose holder's lease ran out; else None.

        Args:
            key: The side effect's idempotency key.
            kind: What the side effect is (charge, refund, redeem, pos, ...).
            customer_id: Whose side effect it is.
            at: Now.
        """
        owner = secrets.token_hex(8)
        try:
            await self.collection.insert_one({
                "_id": key, "key": key, "kind": kind, "customer_id": customer_id,
                "state": "started", "owner": owner, "lease_until": at + LEASE,
                "expires_at": at + EXPIRY, "created_at": at, "attempts": 1})
            return Claim(key, owner)
        except DuplicateKeyError:
            pass
        doc = await self.get(key)
        if doc is None or not expired(doc, at):
            return None
        # The takeover is conditional on the lease as read: of two copies that both saw it
        # expire, one matches.
        held = {"_id": doc["_id"], "state": "started", "owner": doc.get("owner"),
                "lease_until": doc.get("lease_until")}
        taken = await self.collection.update_one(held, {
            "$set": {"owner": owner, "lease_until": at + LEASE, "expires_at": at + EXPIRY},
            "$inc": {"attempts": 1}})
        if not taken.matched_count:
            return None
        return Claim(key, owner, taken_over=True, doc_id=doc["_id"])

    async def get(self, key: str) -> Doc | None:
        """The claim on `key`, whatever its state."""
        found = await self.collection.find_one({"_id": key})
        return found or await self.collection.find_one({"key": key})

    async def renew(self, claim: Claim, at: datetime) -> bool:
        """Extend the lease of a claim still held and not past its expiry; whether it was."""
        renewed = await self.collection.update_one(
            claim.where | {"owner": claim.owner, "state": "started", "expires_at": {"$gt": at}},
            {"$set": {"lease_until": at + LEASE}})
        return renewed.matched_count > 0

    async def settle(self, claim: Claim, result: Doc, at: datetime) -> None:
        """Record the act's result: every later copy gets it instead of acting."""
        # Not conditional on the owner: a holder whose lease was taken over finished the same
        # idempotent act, and whichever result is stored first stands.
        await self.collection.update_one(
            claim.where | {"state": "started"},
            {"$set": {"state": "done", "result": result, "done_at": at},
             "$unset": {"lease_until": ""}})

    async def release(self, claim: Claim) -> None:
        """Give the claim up unfinished, so that a later request may act."""
        await self.collection.delete_one(claim.where | {"owner": claim.owner,
                                                        "state": "started"})

    async def abandon(self, doc: Doc) -> bool:
        """Release a claim whose holder lost it, as it was read; whether it was still so."""
        gone = await self.collection.delete_one(
            {"_id": doc["_id"], "state": "started", "owner": doc.get("owner"),
             "lease_until": doc.get("lease_until")})
        return gone.deleted_count > 0

    async def next_unfinished(self, at: datetime, limit: int = 100) -> list[Doc]:
        """Started claims whose lease has run out: what a dead process left half-done."""
        # Two reads rather than an `$or`, which the embedded server answers by reading every
        # claim; the second finds claims written before leases existed.
        found = await self.collection.find(
            {"state": "started", "lease_until": {"$lte": at}}).limit(limit).to_list()
        found += await self.collection.find(
            {"state": "started", "lease_until": {"$exists": False},
             "created_at": {"$lte": at - LEASE}}).limit(limit).to_list()
        return found

    def held(self, claim: Claim, clock: Callable[[], datetime]
             ) -> contextlib.AbstractAsyncContextManager[None]:
        """Renew the claim's lease in the background while the block runs."""
        return beating(lambda: self.renew(claim, clock()), LEASE.total_seconds() / 3, claim.key)


@contextlib.asynccontextmanager
async def beating(renew: Callable[[], Awaitable[object]], every_s: float, what: str
                  ) -> AsyncIterator[None]:
    """Call `renew` every `every_s` seconds while the block runs: a lease's heartbeat.

    A holder that dies stops beating, and its lease lapses: others take the work over, while
    the work of a live holder is never taken from it. A renewal the database refuses is left
    to the next beat, or to the lease.
    """

    async def beat() -> None:
        while True:
            await asyncio.sleep(every_s)
            try:
                await renew()
            except PyMongoError as exc:
                log.warning("lease renewal of %s failed: %s", what, type(exc).__name__)

    task = asyncio.create_task(beat())
    try:
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


def expired(doc: Doc, at: datetime) -> bool:
    """Whether a started claim's holder has lost it (a claim from before leases: by its age)."""
    if doc.get("state") != "started":
        return False
    lease_until = doc.get("lease_until")
    if lease_until is None:
        return bool(doc["created_at"] + LEASE <= at)
    return bool(lease_until <= at)
