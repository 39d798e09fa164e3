"""Shared fixtures: one embedded MongoDB server per test run, one database per test."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from pymongo import MongoClient, monitoring

from app import tls_context
from checkpoints.embedded import EmbeddedServer, start_embedded
from checkpoints.saver import SessionSaver
from graph.builder import build_graph
from graph.session import TurnResult, make_saver, run_turn
from settings import Settings
from tests import shop_pool
from tests.api_support import Api, api_settings, running_api
from tools.context import Services, ToolContext
from tools.gateway import SandboxGateway
from tools.seed import seed
from tools.store import Store

shop_pool.watch()


@pytest.fixture(scope="session")
def mongo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedServer]:
    """The embedded server, or the MongoDB that TEST_MONGO_URI names."""
    if uri := os.environ.get("TEST_MONGO_URI"):
        yield EmbeddedServer(uri=uri)
        return
    server = start_embedded(tmp_path_factory.mktemp("mongo"))
    yield server
    server.stop()


class ShopPool:
    """The worker's demo-shop database (`tests.shop_pool`), filled at its first use."""

    def __init__(self) -> None:
        self.name = f"shop_{uuid.uuid4().hex[:12]}"
        self.expected: tuple[list[str], list[int]] | None = None


@pytest.fixture(scope="session")
def shop() -> ShopPool:
    return ShopPool()


def pooled(request: pytest.FixtureRequest) -> bool:
    """Whether the test runs on the worker's demo shop rather than a copy of its own.

    A slow test may start processes whose writes this process does not see: it gets a copy.
    """
    return "seeded" in request.fixturenames and request.node.get_closest_marker("slow") is None


@pytest.fixture
def settings(tmp_path: Path, mongo: EmbeddedServer, request: pytest.FixtureRequest) -> Settings:
    name = (request.getfixturevalue("shop").name if pooled(request)
            else f"t_{uuid.uuid4().hex[:12]}")
    return Settings(_env_file=None,  # type: ignore[call-arg]
                    mongo_uri=mongo.uri, db_name=name, data_dir=tmp_path)


@pytest.fixture
async def store(settings: Settings, request: pytest.FixtureRequest) -> AsyncIterator[Store]:
    assert settings.mongo_uri
    db = Store.connect(settings.mongo_uri, settings.db_name)
    if not pooled(request):  # the shop has its indexes; `seeded` puts it back as it was
        await db.ensure_indexes()
    yield db
    # The embedded test server stops at the end of the run, its files in pytest's temporary
    # directory (which pytest prunes); dropping each test's database as well would cost it
    # half again as much work as creating it.
    if os.environ.get("TEST_MONGO_URI") and not pooled(request):
        await db.client.drop_database(settings.db_name)
    await db.close()


@pytest.fixture(scope="session")
def demo_template(mongo: EmbeddedServer) -> Iterator[tuple[str, list[str]]]:
    """The demo shop, seeded once per run into a database of its own, and its collections."""
    name = f"template_{uuid.uuid4().hex[:12]}"

    async def build() -> list[str]:
        template = Store.connect(mongo.uri, name)
        try:
            await template.ensure_indexes()
            await seed(template)
            return [n for n in await template.db.list_collection_names()
                    if await template.db[n].estimated_document_count()]
        finally:
            await template.close()

    # In a thread of its own: a session fixture may be set up inside a test's running loop.
    with ThreadPoolExecutor(max_workers=1) as pool:
        collections = pool.submit(asyncio.run, build()).result()
    yield name, collections
    client: MongoClient[dict[str, Any]] = MongoClient(mongo.uri)
    client.drop_database(name)
    client.close()


@pytest.fixture
async def seeded(store: Store, demo_template: tuple[str, list[str]], shop: ShopPool) -> Store:
    """The test's database holding the demo shop.

    Usually the worker's shop database, with what the last test wrote put back from the
    template (`tests.shop_pool`); for a slow test, a copy of its own made from the template on
    the server. A copy costs about a fifth of seeding (its ~100 writes and the products' and
    stock's inserts); the embedded server's `$out` drops the target's indexes, so they are
    made again.
    """
    name, collections = demo_template
    if store.db.name == shop.name:
        template = store.client[name]
        if shop.expected is None:
            await shop_pool.fill(store.db, template, collections)
            shop.expected = (sorted(await store.db.list_collection_names()), [
                await store.db[name].estimated_document_count() for name in collections])
            shop_pool.WRITES.take(shop.name)
        else:
            await shop_pool.restore(store.db, template, collections, shop.expected)
        if os.environ.get("SHOP_POOL_CHECK"):  # the put-back shop equals a fresh copy
            fresh = store.client[f"check_{shop.name}"]
            await shop_pool.fill(fresh, template, collections)
            assert await shop_pool.snapshot(store.db) == await shop_pool.snapshot(fresh)
            shop_pool.WRITES.take(fresh.name)
        return store
    for collection in collections:
        cursor = await store.client[name][collection].aggregate(
            [{"$out": {"db": store.db.name, "coll": collection}}])
        await cursor.to_list()
    await store.ensure_indexes()
    return store


@pytest.fixture
async def services(seeded: Store, settings: Settings) -> AsyncIterator[Services]:
    async with httpx.AsyncClient(verify=tls_context()) as http:
        yield Services(store=seeded, settings=settings, gateway=SandboxGateway(seeded), http=http)


@pytest.fixture
async def api(settings: Settings, seeded: Store,
              monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Api]:
    """The API on the test's demo shop, every secret set and the Graph API faked.

    A module that needs other settings defines its own `api`.
    """
    async with running_api(api_settings(settings), seeded, monkeypatch) as running:
        yield running


@pytest.fixture
def alice(services: Services) -> ToolContext:
    return ToolContext(services=services, customer_id="demo-alice", session_id="s1")


@pytest.fixture
def bob(services: Services) -> ToolContext:
    return ToolContext(services=services, customer_id="demo-bob", session_id="s1")


@pytest.fixture
async def checkpointer(store: Store) -> SessionSaver:
    saver = make_saver(store.db)
    await saver.setup()
    return saver


@pytest.fixture
def graph(services: Services, checkpointer: SessionSaver) -> Any:
    """The product graph, offline, on the test database."""
    return build_graph(services).compile(checkpointer=checkpointer)


@pytest.fixture
def turn(graph: Any) -> Callable[..., Awaitable[TurnResult]]:
    """Say something as a customer: `await turn("hi", user="demo-bob", session="s2")`."""

    async def say(message: str, *, user: str = "demo-alice", session: str = "s1",
                  channel: str = "web") -> TurnResult:
        return await run_turn(graph, customer_id=user, session_id=session, message=message,
                              channel=channel)

    return say


class Commands(monitoring.CommandListener):
    """The commands a client sends, by name."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.sent: list[Any] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        self.names.append(event.command_name)
        self.sent.append(event.command)

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


@pytest.fixture
async def watched(services: Services, settings: Settings) -> AsyncIterator[tuple[Services,
                                                                                 Commands]]:
    """The services on a client of their own whose commands are recorded."""
    assert settings.mongo_uri
    commands = Commands()
    store = Store.connect(settings.mongo_uri, settings.db_name, event_listeners=[commands])
    try:
        await store.ping()
        yield Services(store=store, settings=settings, gateway=services.gateway,
                       http=services.http), commands
    finally:
        await store.close()
