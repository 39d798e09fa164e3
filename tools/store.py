"""Collections, indexes and the idempotent actions ledger over pymongo's async client."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from bson import ObjectId
from pymongo import (
    ASCENDING,
    DESCENDING,
    AsyncMongoClient,
    IndexModel,
    ReadPreference,
    WriteConcern,
)
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, PyMongoError

from tools.claims import Claim, Claims, expired

Doc = dict[str, Any]

# Unique keys are where a duplicate would be a bug: a SKU, an order, a charge, a side effect.
# A product's `_id` is its SKU (`rekey_products`): the embedded server reads a document by `_id`
# without consulting its index catalogue, which any other lookup reads, once per index.
INDEXES: dict[str, list[IndexModel]] = {
    "products": [
        IndexModel([("category", ASCENDING), ("price_cents", ASCENDING)]),
        IndexModel([("category", ASCENDING), ("tags", ASCENDING), ("price_cents", ASCENDING)]),
        IndexModel([("tags", ASCENDING), ("price_cents", ASCENDING)]),
        IndexModel([("terms", ASCENDING), ("price_cents", ASCENDING)]),
        # Names as customers type them (`tools.names.name_terms`), lowest SKU first: a name
        # lookup reads a bounded run of one term's entries, whatever the catalogue's size.
        IndexModel([("name_terms", ASCENDING), ("_id", ASCENDING)]),
    ],
    "stock": [IndexModel([("sku", ASCENDING), ("store_id", ASCENDING)], unique=True)],
    "customers": [IndexModel([("phone", ASCENDING)], unique=True, sparse=True)],
    "orders": [
        IndexModel([("order_id", ASCENDING)], unique=True),
        IndexModel([("customer_id", ASCENDING), ("created_at", DESCENDING)]),
    ],
    "payments": [
        IndexModel([("payment_id", ASCENDING)], unique=True),
        IndexModel([("idempotency_key", ASCENDING)], unique=True),
        IndexModel([("customer_id", ASCENDING), ("created_at", DESCENDING)]),
        # The settler's: charges begun and never settled.
        IndexModel([("status", ASCENDING), ("charging_at", ASCENDING)]),
        # The dashboard's revenue of a period (`tools.analytics`): paid payments by settling.
        IndexModel([("status", ASCENDING), ("settled_at", ASCENDING)]),
    ],
    "loyalty_ledger": [IndexModel([("customer_id", ASCENDING), ("at", ASCENDING)])],
    "returns": [IndexModel([("return_id", ASCENDING)], unique=True),
                IndexModel([("customer_id", ASCENDING)])],
    # Store credit entries (`tools.store_credit`), summed per customer.
    "store_credit": [IndexModel([("customer_id", ASCENDING)])],
    "call_jobs": [IndexModel([("call_id", ASCENDING)], unique=True),
                  IndexModel([("customer_id", ASCENDING)])],
    # A till's transaction id is unique per store: another store may use the same number.
    "pos_transactions": [IndexModel([("store_id", ASCENDING), ("transaction_id", ASCENDING)],
                                    unique=True)],
    # Warranty claims (`tools.warranty`), read by their id and by customer.
    "warranty_claims": [IndexModel([("claim_id", ASCENDING)], unique=True),
                        IndexModel([("customer_id", ASCENDING)])],
    "handoff_tickets": [IndexModel([("ticket_id", ASCENDING)], unique=True),
                        IndexModel([("customer_id", ASCENDING)]),
                        # The operators' queue: open tickets, oldest first.
                        IndexModel([("status", ASCENDING), ("created_at", ASCENDING)]),
                        # The dashboard's handoffs of a period (`tools.analytics`).
                        IndexModel([("created_at", ASCENDING)])],
    # Claims (`tools.claims`): by key, and those whose lease ran out for the settler.
    "actions": [IndexModel([("key", ASCENDING)], unique=True),
                IndexModel([("state", ASCENDING), ("lease_until", ASCENDING)])],
    # What the settler must tell a session at its next reply (`tools.notices`).
    "notices": [IndexModel([("state", ASCENDING), ("session_key", ASCENDING)])],
    # The sandbox gateway's charges (`tools.gateway`), found by reference to refund them.
    "gateway_charges": [IndexModel([("reference", ASCENDING)])],
    # The WhatsApp inbox (`channels.inbox`): the sweep reads unfinished messages by state; a
    # sender's texts are answered oldest first. The outbox's sweep likewise.
    "wa_inbound": [IndexModel([("state", ASCENDING)]), IndexModel([("sender", ASCENDING)])],
    "wa_outbox": [IndexModel([("state", ASCENDING)]),
                  # The dashboard's failed sends, newest first.
                  IndexModel([("state", ASCENDING), ("queued_at", DESCENDING)])],
    # Operators' sign-ins (`tools.operators`) expire on their own.
    "operator_sessions": [IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0)],
    # Rate-limit windows (`channels.limits`, shared by workers) expire on their own.
    "rate_limits": [IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0)],
}

# Collections that need no index beyond `_id` (each is keyed by what it is read by).
PLAIN_COLLECTIONS = frozenset({
    "stores", "carts", "rewards", "offers", "warranties", "confirmations", "counters",
    "vouchers", "voice_events", "wa_statuses", "daily_caps", "pin_failures", "catalog_stats",
    "llm_usage", "loyalty_accounts", "store_credit_accounts",
    "policies"})  # the shop's policy document, one per shop (`tools.policy`)

_WORD = re.compile(r"[a-z0-9]+")
IN_FLIGHT_WAIT_S = 10.0


# Collections whose acknowledged writes must survive the death of the database process: money,
# what the customer said yes to, and the WhatsApp inbox insert that precedes the webhook's 200.
DURABLE = frozenset({
    "payments", "gateway_charges", "actions", "orders", "loyalty_ledger", "vouchers", "returns",
    "pos_transactions", "confirmations", "notices", "wa_inbound", "wa_outbox", "store_credit",
    "warranty_claims"})


def durable_writes() -> WriteConcern:
    """Journaled, and by a majority of a replica set's members, before acknowledged.

    Without the journal the embedded server lost 81 of 1,200 acknowledged inserts to a SIGKILL
    right after a burst (`python -m bench.durability`); journaled, none. The journal cost
    1.35-6.7x per insert there over five runs on a shared disk: so the collections in DURABLE
    ask for it, and sessions, limits and caches do not. `w="majority"` always, not only when
    the URI names a replica set: a driver finds a replica set from one seed host too, and a
    write a majority holds is the one a failover cannot roll back; a standalone server (the
    embedded one included) counts itself a majority, at no extra cost.
    """
    return WriteConcern(w="majority", j=True)


class DurableDatabase(AsyncDatabase[Doc]):
    """A database whose DURABLE collections journal every write, however they are named.

    Every read goes to the primary, whatever `readPreference` the URI asks for: a turn reads
    the lease it has just written, and a payment the charge it has just recorded. A secondary
    may not hold them yet.
    """

    def __init__(self, client: AsyncMongoClient[Doc], name: str, durable: WriteConcern) -> None:
        super().__init__(client, name, read_preference=ReadPreference.PRIMARY)
        self.durable = durable

    def __getitem__(self, name: str) -> AsyncCollection[Doc]:
        if name in DURABLE:
            return self.get_collection(name, write_concern=self.durable)
        return super().__getitem__(name)


def now() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


def terms(*texts: str) -> list[str]:
    """Lower-case search terms of some text, plurals folded, for the multikey `terms` index."""
    out: set[str] = set()
    for text in texts:
        for word in _WORD.findall(text.lower()):
            out.add(stem(word))
    return sorted(out)


def stem(word: str) -> str:
    """Fold the simplest English plurals so that 'laptops' finds 'laptop'."""
    if len(word) > 3 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


class ActionInFlightError(RuntimeError):
    """The same side effect is being carried out by another request right now."""


class Store:
    """The shop's data in one MongoDB database."""

    def __init__(self, db: AsyncDatabase[Doc]) -> None:
        self.db = db

    @classmethod
    def connect(cls, uri: str, db_name: str, **client_options: Any) -> Store:
        """Open a client (lazily: nothing is sent until the first command)."""
        client: AsyncMongoClient[Doc] = AsyncMongoClient(
            uri, tz_aware=True, serverSelectionTimeoutMS=2000, **client_options
        )
        return cls(DurableDatabase(client, db_name, durable_writes()))

    @property
    def client(self) -> AsyncMongoClient[Doc]:
        """The client behind the database."""
        return self.db.client

    async def close(self) -> None:
        """Close the client."""
        await self.db.client.close()

    def __getattr__(self, name: str) -> AsyncCollection[Doc]:
        if name in INDEXES or name in PLAIN_COLLECTIONS:
            return self.db[name]
        raise AttributeError(name)

    async def ensure_indexes(self) -> None:
        """Create every index; safe to run on each start."""
        await self.rekey_products()
        if "transaction_id_1" in await self.pos_transactions.index_information():
            await self.pos_transactions.drop_index("transaction_id_1")  # unique across stores
        for name, models in INDEXES.items():
            await self.db[name].create_indexes(models)

    async def insert_new(self, name: str, docs: Iterable[Doc]) -> int:
        """Insert documents whose unique keys are new; existing ones are left as they are."""
        batch = list(docs)
        if not batch:
            return 0
        try:
            result = await self.db[name].insert_many(batch, ordered=False)
            return len(result.inserted_ids)
        except BulkWriteError as exc:
            errors = exc.details.get("writeErrors", [])
            if any(err.get("code") != 11000 for err in errors):
                raise
            return int(exc.details.get("nInserted", 0))

    async def rekey_products(self) -> int:
        """Key by SKU the products of a catalogue seeded when `_id` was an ObjectId; how many.

        Such a catalogue also has a unique index on `sku`, which is dropped first: the copy keyed
        by SKU is inserted beside the old document, then the old one is deleted. The embedded server
        returns documents in the order they were inserted (as MongoDB usually does), so while old
        documents are left one of them comes first, and an interrupted run is finished by the next.
        """
        first = await self.products.find_one({}, {"_id": 1})
        if first is None or not isinstance(first["_id"], ObjectId):
            return 0
        if "sku_1" in await self.products.index_information():
            await self.products.drop_index("sku_1")
        moved = 0
        while old := await self.products.find({"_id": {"$type": "objectId"}}).limit(500).to_list():
            # A copy an interrupted run inserted is left as it is.
            await self.insert_new("products", [p | {"_id": p["sku"]} for p in old])
            await self.products.delete_many({"_id": {"$in": [p["_id"] for p in old]}})
            moved += len(old)
        return moved

    async def ping(self) -> None:
        """Raise unless the database answers."""
        await self.db.command("ping")

    @property
    def claims(self) -> Claims:
        """Leased claims on side effects, in `actions`."""
        return Claims(self.actions)

    async def once(
        self, key: str, kind: str, customer_id: str, act: Callable[[], Awaitable[Doc]], *,
        wait_s: float | None = None,
    ) -> Doc:
        """Carry out a side effect at most once for `key`, and return its first result.

        The claim is an insert under a unique index, not a check-then-insert, so concurrent
        copies of one request cannot both act. A copy that arrives while the first is still
        acting waits up to `wait_s` for its result, then raises `ActionInFlightError`. A claim
        whose holder died (its lease ran out) is taken over and the act carried out again: every
        act is idempotent by its own keys (the gateway's idempotency key, a unique order id, a
        ledger key), so finishing it twice does it once. If the act raises, the claim is
        released so that a later retry can act.

        Args:
            key: The idempotency key: the same request always yields the same key.
            kind: What the side effect is (charge, refund, redeem, return, call, pos).
            customer_id: Whose action it is.
            act: The side effect; its result is stored and returned to every copy.
            wait_s: How long a copy waits for a live holder's result (default IN_FLIGHT_WAIT_S).
        """
        claims = self.claims
        loop = asyncio.get_running_loop()
        deadline = loop.time() + (IN_FLIGHT_WAIT_S if wait_s is None else wait_s)
        claim = await claims.claim(key, kind, customer_id, now())
        while claim is None:
            doc = await claims.get(key)
            if doc is None:
                raise ActionInFlightError(key)  # the first copy failed and released its claim
            if doc["state"] == "done":
                return dict(doc["result"])
            if expired(doc, now()):  # its holder died: take it over, unless another copy does
                claim = await claims.claim(key, kind, customer_id, now())
            elif loop.time() >= deadline:
                raise ActionInFlightError(key)
            else:
                await asyncio.sleep(0.05)
        return await self._act(claim, act)

    async def _act(self, claim: Claim, act: Callable[[], Awaitable[Doc]]) -> Doc:
        try:
            async with self.claims.held(claim, now):
                result = await act()
        except BaseException:
            with contextlib.suppress(PyMongoError):  # the lease runs out instead
                await self.claims.release(claim)
            raise
        await self.claims.settle(claim, result, now())
        return result
