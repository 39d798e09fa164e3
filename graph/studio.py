"""The graph as LangGraph Studio loads it: compiled without a checkpointer (Studio brings one)."""

from __future__ import annotations

from typing import Any

import httpx
from langgraph.graph.state import CompiledStateGraph

from graph.builder import build_graph
from graph.llm import build_models
from settings import Settings
from tools.context import Services
from tools.gateway import SandboxGateway
from tools.store import Store


def make_graph() -> CompiledStateGraph[Any, Any, Any, Any]:
    """Connect to MONGO_URI or the embedded database and build the graph for Studio."""
    from app import database_uri

    settings = Settings()
    uri, _ = database_uri(settings)
    store = Store.connect(uri, settings.db_name)
    services = Services(store=store, settings=settings, gateway=SandboxGateway(store),
                        http=httpx.AsyncClient(timeout=10.0))
    return build_graph(services, build_models(settings)).compile()
