"""A throwaway copy of the shop's data on the same server, and services that reach nobody."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import AsyncIterator

import httpx

from checkpoints.saver import COLLECTION as SESSIONS
from settings import Settings
from tools import transcripts
from tools.analytics import CACHE
from tools.context import Services
from tools.gateway import SandboxGateway
from tools.store import DurableDatabase, Store

# Not the shop's data: the conversations and their state (a replay starts each session afresh),
# the channels' queues, limits and budgets, and what the dashboard keeps of its figures.
LEFT_OUT = frozenset({
    transcripts.COLLECTION, SESSIONS, CACHE, "rate_limits", "llm_usage", "wa_inbound",
    "wa_outbox", "wa_statuses", "voice_events", "notices"})
PREFIX = "_replay_"


class OutboundRefusedError(httpx.TransportError):
    """A replayed tool tried to reach a service outside (a call, a message, the till)."""


def _refuse(request: httpx.Request) -> httpx.Response:
    raise OutboundRefusedError(f"no outbound request in a replay: {request.url.host}")


def offline_http() -> httpx.AsyncClient:
    """An HTTP client whose every request fails at once, sent nowhere."""
    return httpx.AsyncClient(transport=httpx.MockTransport(_refuse))


@contextlib.asynccontextmanager
async def shop_copy(store: Store) -> AsyncIterator[Store]:
    """A fresh database `<db>_replay_<random>` holding the shop's collections; dropped after.

    Copied on the server (`$out`), read-only on the live shop; the copy gets the shop's indexes.
    """
    if PREFIX in store.db.name:
        raise ValueError("a replay's copy is never copied again")
    name = f"{store.db.name}{PREFIX}{secrets.token_hex(6)}"
    live = store.db  # the copy journals the same collections as the shop does
    copy = Store(DurableDatabase(store.client, name, live.durable)
                 if isinstance(live, DurableDatabase) else store.client[name])
    try:
        for collection in sorted(await store.db.list_collection_names()):
            if collection in LEFT_OUT or collection.startswith("system."):
                continue
            cursor = await store.db[collection].aggregate(
                [{"$out": {"db": name, "coll": collection}}])
            await cursor.to_list()
        await copy.ensure_indexes()
        yield copy
    finally:
        await store.client.drop_database(name)


def replay_services(copy: Store, settings: Settings, http: httpx.AsyncClient) -> Services:
    """The tools' services on the copy: the sandbox gateway, and HTTP that reaches nobody."""
    return Services(store=copy, settings=settings, gateway=SandboxGateway(copy), http=http)
