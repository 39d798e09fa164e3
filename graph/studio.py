"""The graph as LangGraph Studio loads it: compiled without a checkpointer (Studio brings one)."""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections.abc import AsyncIterator
from typing import Any

from langgraph.graph.state import CompiledStateGraph

from settings import Settings

Graph = CompiledStateGraph[Any, Any, Any, Any]

# What the first run built, per event loop (the database client belongs to its loop): held open
# for the life of the `langgraph dev` process, so later runs start at once (no "slow graph load").
_built: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Graph] = weakref.WeakKeyDictionary()
_held: list[contextlib.AsyncExitStack] = []


@contextlib.asynccontextmanager
async def make_graph() -> AsyncIterator[Graph]:
    """The product graph on the database (MONGO_URI, or the embedded one under DATA_DIR).

    Built on the first run and reused after: Studio calls this factory for every run. An
    embedded server started here keeps running after `langgraph dev` stops, so the next start
    joins it; stop it with the pid recorded in `DATA_DIR/mongo.json`.
    """
    loop = asyncio.get_running_loop()
    graph = _built.get(loop)
    if graph is None:
        graph = await _build()
        _built[loop] = graph
    yield graph


async def _build() -> Graph:
    from app import database_uri, open_app

    settings = await asyncio.to_thread(Settings)
    uri, _ = await asyncio.to_thread(database_uri, settings)
    stack = contextlib.AsyncExitStack()
    app = await stack.enter_async_context(
        open_app(settings, seed_if_empty=True, uri=uri, checkpointer=False))
    _held.append(stack)  # closed with the process: the graph's database client stays open
    return app.graph
