"""Traces: off by default; on, a request is one trace of its HTTP span, nodes and commands."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from ops import tracing
from settings import Settings
from tests.api_support import VERIFY_TOKEN, Api, api_settings, running_api
from tools.store import Store


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    tracing.start(exporter, SimpleSpanProcessor)
    yield exporter
    tracing.stop()


@pytest.fixture
async def api(spans: InMemorySpanExporter, settings: Settings, seeded: Store,
              monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Api]:
    async with running_api(api_settings(settings), seeded, monkeypatch) as running:
        yield running


def test_traces_are_off_without_an_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(tracing.ENDPOINT_ENV, raising=False)
    assert tracing.plugins() == [] and not tracing.enabled()
    assert tracing.graph_callbacks() == []


async def test_a_chat_request_is_one_trace_through_nodes_and_mongodb(
        api: Api, spans: InMemorySpanExporter) -> None:
    spans.clear()
    response = await api.chat("how many loyalty points do I have?")
    assert response.status_code == 200
    finished = spans.get_finished_spans()
    http = [s for s in finished if s.name.startswith("POST /chat") and s.parent is None]
    assert len(http) == 1
    trace_id = http[0].context.trace_id
    mine = [s for s in finished if s.context.trace_id == trace_id]
    nodes = {s.name for s in mine if s.name.startswith("node ")}
    assert {"node supervisor", "node loyalty"} <= nodes
    mongo = [s for s in mine if s.attributes and s.attributes.get("db.system") == "mongodb"]
    assert mongo, [s.name for s in mine]
    assert all(s.parent is not None for s in mine if s is not http[0])


async def test_no_query_string_reaches_a_span(api: Api, spans: InMemorySpanExporter) -> None:
    """The WhatsApp handshake's query carries the verify token: never in a trace."""
    spans.clear()
    url = f"/webhook/whatsapp?hub.mode=subscribe&hub.verify_token={VERIFY_TOKEN}&hub.challenge=c1"
    response = await api.client.get(url)
    assert response.status_code == 200 and response.text == "c1"
    finished = spans.get_finished_spans()
    assert finished
    for span in finished:
        assert VERIFY_TOKEN not in repr(dict(span.attributes or {})), span.name
