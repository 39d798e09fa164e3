"""Open what the product runs on (database, checkpointer, graph) and close it again."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import logging
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
from langgraph.graph.state import CompiledStateGraph

from checkpoints.embedded import EmbeddedServer, forget, start_embedded
from checkpoints.saver import SessionSaver
from graph.archive import ArchivedSaver
from graph.builder import build_graph
from graph.llm import NamedModel, build_models, model_http
from graph.session import make_saver
from settings import Settings
from tools import transcripts
from tools.context import Services
from tools.gateway import SandboxGateway
from tools.seed import seed
from tools.store import Store

log = logging.getLogger(__name__)

@dataclass
class App:
    """Everything a channel needs to run a turn."""

    settings: Settings
    services: Services
    graph: CompiledStateGraph[Any, Any, Any, Any]
    models: list[NamedModel]
    checkpointer: SessionSaver | None
    embedded: EmbeddedServer | None

    @property
    def store(self) -> Store:
        """The shop's database."""
        return self.services.store


GC_YOUNG_THRESHOLD = 10_000  # allocations between young collections; Python's default is 700


def tune_collector() -> None:
    """Keep the garbage collector out of the way of turns.

    What start-up built (libraries, models, the graph) lives as long as the process: frozen,
    the collector's passes no longer walk its quarter of a million objects (a full pass cost
    145 ms every thousand or so offline turns). A turn allocates thousands of short-lived
    objects, so young collections run less often: at 200 sessions at once, collection time
    fell from 150-190 ms to 35-74 ms a burst, the longest pause from 35-71 ms to 6-18 ms
    (one-off runs timed with `gc.callbacks`, on 200-turn bursts as `bench.load` runs them).
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD)


def database_uri(settings: Settings) -> tuple[str, EmbeddedServer | None]:
    """MONGO_URI when set, else the embedded server for DATA_DIR (joined or started)."""
    if settings.mongo_uri:
        return settings.mongo_uri, None
    server = start_embedded(settings.data_dir)
    return server.uri, server


@functools.cache
def tls_context() -> ssl.SSLContext:
    """Httpx's default TLS context, made once per process (loading the CA bundle took ~25 ms)."""
    return httpx.create_ssl_context()


@contextlib.asynccontextmanager
async def open_app(settings: Settings, *, seed_if_empty: bool = False, uri: str | None = None,
                   checkpointer: bool = True) -> AsyncIterator[App]:
    """Open the database, create indexes, optionally seed, and compile the graph.

    Args:
        settings: The product's settings.
        seed_if_empty: Load the demo shop when the catalogue is empty (never in production).
        uri: A database to use instead of MONGO_URI or the embedded one.
        checkpointer: Compile with the MongoDB checkpointer (Studio brings its own).
    """
    embedded = None
    if uri is None:
        uri, embedded = await asyncio.to_thread(database_uri, settings)
    assert uri is not None
    store = Store.connect(uri, settings.db_name)
    saver = None
    try:
        await store.ensure_indexes()
        await transcripts.ensure_indexes(store, settings.transcript_retention_days)
        # Production never gets the demo shop, not even on an empty catalogue: its customers
        # have saved test cards.
        if (seed_if_empty and settings.environment != "production"
                and await store.products.estimated_document_count() == 0):
            log.info("seeding the demo shop: %s", await seed(store))
        if checkpointer:
            saver = make_saver(store.db, shared=settings.coordination == "database")
            await saver.setup()
        async with (httpx.AsyncClient(timeout=10.0, verify=tls_context()) as http,
                    model_http() as llm_http):
            services = Services(store=store, settings=settings, gateway=SandboxGateway(store),
                                http=http)
            models = build_models(settings, llm_http)
            graph = build_graph(services, models).compile(checkpointer=saver)
            tune_collector()
            try:
                yield App(settings, services, graph, models, saver, embedded)
            finally:  # what the turns left to archive is written before the database closes
                if isinstance(saver, ArchivedSaver):
                    await saver.archive.flush()
    finally:
        await store.close()
        if embedded is not None:
            await asyncio.to_thread(forget, settings.data_dir, embedded)
