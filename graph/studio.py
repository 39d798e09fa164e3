"""The graph as LangGraph Studio loads it: compiled without a checkpointer (Studio brings one)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from langgraph.graph.state import CompiledStateGraph

from settings import Settings


@contextlib.asynccontextmanager
async def make_graph() -> AsyncIterator[CompiledStateGraph[Any, Any, Any, Any]]:
    """Open the database (MONGO_URI, or the embedded one under DATA_DIR) for one Studio run.

    An embedded server started here keeps running after the run, so the next run joins it.
    """
    from app import database_uri, open_app

    settings = await asyncio.to_thread(Settings)
    uri, _ = await asyncio.to_thread(database_uri, settings)
    async with open_app(settings, seed_if_empty=True, uri=uri, checkpointer=False) as app:
        yield app.graph
