"""OpenTelemetry traces, off unless `OTEL_EXPORTER_OTLP_ENDPOINT` is set.

A request's trace holds its HTTP span (Litestar's OpenTelemetry plugin), a span per graph node
(`NodeSpans`, a LangChain callback), each MongoDB command (pymongo's instrumentation) and each
outside HTTP call: httpx (WhatsApp, the till, Ollama) and aiohttp (OpenRouter through the
`openai` SDK). The exporter is OTLP over HTTP, configured by the standard `OTEL_*` variables.
"""

from __future__ import annotations

import os
from typing import Any
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanProcessor

ENDPOINT_ENV = "OTEL_EXPORTER_OTLP_ENDPOINT"
_provider: TracerProvider | None = None


def enabled() -> bool:
    """Whether traces are being made in this process."""
    return _provider is not None


def start(exporter: SpanExporter | None = None,
          processor: type[SpanProcessor] = BatchSpanProcessor) -> TracerProvider | None:
    """Trace this process when an endpoint is configured (or an exporter given); once.

    Args:
        exporter: Where spans go; the OTLP/HTTP exporter by default.
        processor: How they are handed over (tests pass the synchronous one).
    """
    global _provider
    if _provider is not None:
        return _provider
    if exporter is None:
        if not os.environ.get(ENDPOINT_ENV):
            return None
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        exporter = OTLPSpanExporter()  # endpoint, headers and timeout from OTEL_* variables
    from opentelemetry.instrumentation.aiohttp_client import AioHttpClientInstrumentor
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    from opentelemetry.instrumentation.pymongo import PymongoInstrumentor

    provider = TracerProvider(resource=Resource.create(
        {"service.name": os.environ.get("OTEL_SERVICE_NAME", "omnisales")}))
    provider.add_span_processor(processor(exporter))  # type: ignore[call-arg]
    PymongoInstrumentor().instrument(tracer_provider=provider)
    HTTPXClientInstrumentor().instrument(tracer_provider=provider)
    AioHttpClientInstrumentor().instrument(tracer_provider=provider)
    _provider = provider
    return provider


def stop() -> None:
    """Undo `start` (tests): no more spans, instrumentation removed."""
    global _provider
    if _provider is None:
        return
    from opentelemetry.instrumentation.aiohttp_client import AioHttpClientInstrumentor
    from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
    from opentelemetry.instrumentation.pymongo import PymongoInstrumentor

    for instrumentor in (PymongoInstrumentor(), HTTPXClientInstrumentor(),
                         AioHttpClientInstrumentor()):
        instrumentor.uninstrument()
    _provider.shutdown()
    _provider = None


def plugins() -> list[Any]:
    """Litestar's OpenTelemetry plugin when tracing is on; none otherwise."""
    provider = start()
    if provider is None:
        return []
    from litestar.plugins.opentelemetry import OpenTelemetryConfig, OpenTelemetryPlugin

    return [OpenTelemetryPlugin(OpenTelemetryConfig(
        tracer_provider=provider, exclude=["/metrics", "/health"],
        server_request_hook_handler=_without_query))]


def _without_query(span: Any, scope: Any) -> None:
    """Drop the query string from a request span: the WhatsApp handshake's carries a secret."""
    if span is None or not span.is_recording():
        return
    attributes = getattr(span, "attributes", None) or {}
    for key in ("http.url", "url.full", "http.target"):
        value = attributes.get(key)
        if isinstance(value, str) and "?" in value:
            span.set_attribute(key, value.split("?", 1)[0])
    if "url.query" in attributes:
        span.set_attribute("url.query", "[redacted]")


class NodeSpans(BaseCallbackHandler):
    """A span for each graph node a turn runs, in the request's trace.

    The spans are not made current: LangGraph begins and ends a node's run in different
    contexts, where an attached context cannot be detached. The node's database commands and
    model calls are thus siblings of its span in the trace, not its children.
    """

    run_inline = True  # called where the node runs, so the request's span is the current one

    def __init__(self, provider: TracerProvider) -> None:
        self.tracer = provider.get_tracer("omnisales.graph")
        self.open: dict[UUID, trace.Span] = {}

    def on_chain_start(self, serialized: dict[str, Any] | None, inputs: Any, *, run_id: UUID,
                       parent_run_id: UUID | None = None, metadata: dict[str, Any] | None = None,
                       **kwargs: Any) -> None:
        """Open the node's span (only graph nodes: LangGraph names them in the metadata)."""
        node = (metadata or {}).get("langgraph_node")
        if node and kwargs.get("name") == node:
            self.open[run_id] = self.tracer.start_span(f"node {node}",
                                                       attributes={"langgraph.node": node})

    def on_chain_end(self, outputs: Any, *, run_id: UUID, **kwargs: Any) -> None:
        """Close the node's span."""
        self._close(run_id, None)

    def on_chain_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        """Close the node's span, marked failed (an interrupt is how a node pauses: not one)."""
        self._close(run_id, error)

    def _close(self, run_id: UUID, error: BaseException | None) -> None:
        span = self.open.pop(run_id, None)
        if span is None:
            return
        if error is not None and type(error).__name__ != "GraphInterrupt":
            span.record_exception(error)
            span.set_status(trace.Status(trace.StatusCode.ERROR, type(error).__name__))
        span.end()


def graph_callbacks() -> list[BaseCallbackHandler]:
    """The callbacks a turn runs with: node spans when tracing is on."""
    return [NodeSpans(_provider)] if _provider is not None else []
