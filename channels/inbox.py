"""WhatsApp's inbox: store before acknowledging, process once in a bounded pool, reply once."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

import httpx
from pymongo.errors import BulkWriteError, PyMongoError

from channels import leases
from channels.limits import RateLimits
from channels.outbox import Outbox
from channels.whatsapp import SILENT_KINDS, InboundMessage, format_reply
from channels.workers import Workers
from checkpoints.turns import Busy
from settings import Settings
from tools.store import Doc, Store

log = logging.getLogger(__name__)

SENDER_LIMIT_PER_MIN = 100
PROCESS_TRIES = 3
RETRY_S = 1.0
"""The wait before a message is tried again: its turn failed, or its session was busy."""
DUPLICATE_KEY = 11000
Outcome = tuple[str, float | None]
Turn = Callable[[str, str, str], Awaitable[dict[str, Any]]]
UNSUPPORTED_REPLY = ("Sorry, I can only read text for now. Could you tell me in words what you "
                     "need? You can add a caption to a photo.")


class WhatsAppInbox:
    """Inbound messages keyed by their `wamid` (unique `_id`), and replies keyed the same way."""

    def __init__(self, store: Store, settings: Settings, http: httpx.AsyncClient, turn: Turn,
                 limits: RateLimits) -> None:
        self.inbound = store.wa_inbound
        self.statuses = store.wa_statuses
        self.outbox = Outbox(store, settings, http)
        self.store = store
        self.settings = settings
        self.turn = turn
        self.limits = limits
        self.workers = Workers(self.process, self.outbox.deliver, self.unfinished)
        self.talking: set[str] = set()  # senders whose turn runs in this process

    async def accept(self, messages: list[InboundMessage], statuses: list[dict[str, Any]]
                     ) -> list[str]:
        """Store the new messages in one unordered insert; the ids stored now.

        A redelivery is ignored by the unique id, and Meta gets its 200 at once. The sender's
        rate limit is counted when the message is processed.
        """
        received = leases.now()
        docs: dict[str, Doc] = {}
        for seq, message in enumerate(messages):  # one id twice in a webhook: the first kept
            docs.setdefault(message.id, {
                "_id": message.id, "sender": message.sender, "text": message.text,
                "kind": message.kind, "name": message.name, "state": "received",
                "received_at": received, "seq": seq})
        new = list(docs)
        if docs:
            try:
                await self.inbound.insert_many(list(docs.values()), ordered=False)
            except BulkWriteError as exc:
                errors = exc.details.get("writeErrors", [])
                if any(error.get("code") != DUPLICATE_KEY for error in errors):
                    raise
                seen = {error["index"] for error in errors}
                new = [wamid for i, wamid in enumerate(new) if i not in seen]
        if statuses:
            await self.statuses.insert_many([{"status": s, "at": received} for s in statuses])
        return new

    async def process(self, wamid: str) -> list[Outcome]:
        """Process a stored message; for a text, its sender's unfinished texts, oldest first.

        One turn per sender at a time in this process: a worker that takes a sender's message
        answers that sender's messages in the order they came, and a worker given one of them
        meanwhile leaves it to that worker at once, rather than wait on the session's lock
        while other customers' messages wait for a worker.

        Returns:
            Each message handled and when to try it again (its turn failed with tries left, or
            its session was busy), or None when nothing is left to do here but send its reply.
        """
        found = await self.inbound.find_one({"_id": wamid}, {"sender": 1, "text": 1})
        if found is None:
            return []
        if not found.get("text"):  # no turn: answered at once
            return [(wamid, await self._process_one(wamid))]
        sender = found["sender"]
        if sender in self.talking:
            return []  # the worker on this sender's turns takes it, in order
        self.talking.add(sender)
        try:
            return await self._drain(sender, wamid)
        finally:
            self.talking.discard(sender)

    async def _drain(self, sender: str, first: str) -> list[Outcome]:
        """Process `sender`'s waiting texts oldest first, and `first`, until none is left."""
        outcomes: list[Outcome] = []
        tried: set[str] = set()
        while True:
            waiting = await self.inbound.find(
                {"sender": sender, **_claimable(leases.now())[0]}, {"_id": 1}
            ).sort([("received_at", 1), ("seq", 1)]).limit(len(tried) + 1).to_list()
            wamid = next((d["_id"] for d in waiting if d["_id"] not in tried),
                         None if first in tried else first)
            if wamid is None:
                return outcomes
            tried.add(wamid)
            again = await self._process_one(wamid)
            outcomes.append((wamid, again))
            if again is not None:  # a busy session or a failing turn: the rest wait for later
                return outcomes

    async def _process_one(self, wamid: str) -> float | None:
        """Run the turn for one stored message, once, and queue its reply; when to retry."""
        at = leases.now()
        token = uuid.uuid4().hex
        doc = await leases.claim(self.inbound, wamid, _claimable(at), {
            "$set": {"state": "processing", **leases.lease(token, at)}, "$inc": {"tries": 1},
            "$unset": {"retry_at": ""}})
        if doc is None:
            return None  # processed, or being processed, elsewhere
        if doc["tries"] == 1 and not doc.get("waits") and await self.limits.hit(
                f"wa:{doc['sender']}", SENDER_LIMIT_PER_MIN):
            # Over the sender's limit: kept, never answered (counted once, on the first try).
            await self.inbound.update_one({"_id": wamid}, {"$set": {"state": "rate_limited"}})
            return None
        try:
            async with leases.heartbeat(self.inbound, wamid, token):
                await self._answer(doc)
        except Busy:  # the session's queue is full: soon again, and the try is not counted
            await self._release(wamid, token, {"$inc": {"tries": -1, "waits": 1}})
            return RETRY_S
        except PyMongoError:
            raise  # the database is away: the lease lapses and the sweep takes it up
        except Exception as exc:
            log.error("WhatsApp message %s failed (try %s): %s", wamid, doc["tries"],
                      type(exc).__name__)
            if doc["tries"] >= PROCESS_TRIES:
                await self.inbound.update_one({"_id": wamid, "lease": token}, {"$set": {
                    "state": "failed", "error": type(exc).__name__}})
                return None
            await self._release(wamid, token, {})
            return RETRY_S
        await self.inbound.update_one({"_id": wamid}, {"$set": {"state": "done"},
                                                       "$unset": {"lease_until": ""}})
        return None

    async def _answer(self, doc: Doc) -> None:
        """Run the turn and queue its reply, unless a reply to this message is queued already."""
        if await self.outbox.replies.find_one({"_id": doc["_id"]}, {"_id": 1}) is not None:
            return  # a worker that died after queueing it: the reply stands
        if doc.get("kind") in SILENT_KINDS and not doc["text"]:
            return  # a reaction: acknowledged and done, never answered
        to = doc["sender"].lstrip("+")
        if doc["text"]:
            result = await self.turn(doc["sender"], doc.get("name") or "", doc["text"])
            body = format_reply(to, result["reply"], result["actions"],
                                result["awaiting_confirmation"])
        else:
            body = format_reply(to, UNSUPPORTED_REPLY, [], False)
        await self.outbox.put(doc["_id"], doc["sender"], body)

    async def _release(self, wamid: str, token: str, update: Doc) -> None:
        """Give the message back, to be tried again after `RETRY_S`."""
        await self.inbound.update_one({"_id": wamid, "lease": token}, {
            "$set": {"state": "received", "retry_at": leases.now() + timedelta(seconds=RETRY_S)},
            "$unset": {"lease_until": "", "lease": ""}, **update})

    async def deliver(self, wamid: str) -> None:
        """Send the queued reply to `wamid` (see `Outbox.deliver`)."""
        await self.outbox.deliver(wamid)

    async def unfinished(self) -> tuple[list[str], list[str]]:
        """Messages to process and replies to send that nobody holds.

        One read per case, each on the `state` index: with an `$or` the embedded server reads
        the whole inbox, every message ever received (493 ms at 20,000 messages, against 3 ms).
        """
        at = leases.now()
        # A message whose worker died on every try (a turn that kills the process) is marked,
        # and logged, rather than left `processing` for ever.
        given_up = await self.inbound.update_many(
            {"state": "processing", "lease_until": {"$lt": at},
             "tries": {"$gte": PROCESS_TRIES}},
            {"$set": {"state": "failed", "error": "its worker died on every try"}})
        if given_up.modified_count:
            log.error("%s WhatsApp messages failed: their worker died on every try",
                      given_up.modified_count)
        ids: list[str] = []
        for claimable in _claimable(at):
            ids += await self.inbound.distinct("_id", claimable)
        return ids, await self.outbox.pending(at)

    async def recover(self) -> int:
        """Process and send, one by one, what was stored and left unfinished; how many messages."""
        ids, _ = await self.unfinished()
        for wamid in ids:
            await self.process(wamid)  # what it sends is sent below
        for wamid in (await self.unfinished())[1]:
            await self.outbox.deliver(wamid)
        return len(ids)


def _claimable(at: datetime) -> list[Doc]:
    """The filters, one per case, of a message not done, with tries left and nobody on it.

    Received (and not waiting to be retried), claimed by a worker whose lease lapsed, or claimed
    before leases existed by a worker long gone.
    """
    tries_left = {"tries": {"$not": {"$gte": PROCESS_TRIES}}}
    return [{"state": "received", "retry_at": {"$not": {"$gt": at}}, **tries_left},
            {"state": "processing", "lease_until": {"$lt": at}, **tries_left},
            {"state": "processing", "lease_until": {"$exists": False},
             "claimed_at": {"$lt": at - leases.LEASE}, **tries_left}]
