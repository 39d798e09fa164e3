"""Prometheus metrics: what the API, the graph, the money moves and the WhatsApp outbox did.

Counters and histograms live in the process that moved them; under `omnisales serve --workers N`
every worker writes them to files under `PROMETHEUS_MULTIPROC_DIR` (prometheus-client's
multiprocess mode, set up by `prepare_multiprocess`) and a scrape of any worker adds them up.
What the database knows (the outbox's backlog, open tickets) is read at scrape time instead, so
that every server reports the same figure.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import REGISTRY, Collector

disable_created_metrics()  # no `_created` series: a sample each per label set, rarely used
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST
_TURN_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 40.0)

HTTP_REQUESTS = Counter("omnisales_http_requests", "HTTP requests answered, by route template "
                        "and status", ["method", "route", "status"])
HTTP_SECONDS = Histogram("omnisales_http_request_duration_seconds",
                         "Time to answer an HTTP request, by route template", ["route"])
TURN_SECONDS = Histogram("omnisales_turn_duration_seconds", "Time to answer a customer turn, "
                         "by the agent that answered and the channel", ["agent", "channel"],
                         buckets=_TURN_BUCKETS)
ROUTING = Counter("omnisales_routing_decisions", "Routing decisions, by the stage that decided "
                  "(classifier, llm, follow_up, ...) and the route", ["stage", "route"])
MODEL_CALLS = Counter("omnisales_model_calls", "Chat model calls, by provider and outcome",
                      ["provider", "outcome"])
MODEL_FAILOVERS = Counter("omnisales_model_failovers", "Turns a provider failed, handed to the "
                          "next speaker, by the provider that failed", ["provider"])
MODEL_TOKENS = Counter("omnisales_model_tokens", "Tokens the models' answers used, by provider",
                       ["provider"])
CONFIRMATIONS = Counter("omnisales_confirmations", "Money moves put to the customer (asked) and "
                        "how they ended (confirmed, cancelled)", ["outcome"])
CHARGES = Counter("omnisales_charges", "Card charges, by how they ended", ["status"])
WEBHOOK_ACKS = Counter("omnisales_webhook_acks", "Webhook deliveries acknowledged, by channel",
                       ["channel"])
OUTBOX_FAILURES = Counter("omnisales_outbox_failures", "WhatsApp replies that failed for good")


def prepare_multiprocess(data_dir: Path) -> None:
    """Point every worker at one fresh directory for its metric files (before they start).

    An operator's own `PROMETHEUS_MULTIPROC_DIR` is kept; the default is `DATA_DIR/prometheus`,
    emptied first so that a previous run's counts do not carry over.
    """
    if os.environ.get(MULTIPROC_ENV):
        return
    path = (data_dir / "prometheus").resolve()
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True, exist_ok=True)
    os.environ[MULTIPROC_ENV] = str(path)


class DatabaseGauges(Collector):
    """Figures read from the database at scrape time (given as already fetched values)."""

    def __init__(self, figures: dict[str, Any]) -> None:
        self.figures = figures

    def collect(self) -> Iterator[Metric]:
        """The outbox backlog and failures, and the tickets by status."""
        backlog = GaugeMetricFamily("omnisales_outbox_backlog",
                                    "WhatsApp replies waiting to be sent")
        backlog.add_metric([], self.figures["outbox_pending"])
        yield backlog
        failed = GaugeMetricFamily("omnisales_outbox_failed",
                                   "WhatsApp replies marked failed for good (stored)")
        failed.add_metric([], self.figures["outbox_failed"])
        yield failed
        tickets = GaugeMetricFamily("omnisales_tickets", "Handoff tickets, by status",
                                    labels=["status"])
        for status, count in sorted(self.figures["tickets"].items()):
            tickets.add_metric([status], count)
        yield tickets
        opened = GaugeMetricFamily("omnisales_open_tickets",
                                   "Handoff tickets still open (waiting for a person)")
        opened.add_metric([], self.figures["tickets"].get("open", 0))
        yield opened


async def database_figures(db: Any) -> dict[str, Any]:
    """Count what the gauges report; a few indexed counts and one small group."""
    tickets: dict[str, int] = {}
    cursor = await db["handoff_tickets"].aggregate(
        [{"$group": {"_id": "$status", "n": {"$sum": 1}}}])
    async for row in cursor:
        tickets[str(row["_id"])] = int(row["n"])
    return {"outbox_pending": await db["wa_outbox"].count_documents({"state": "pending"}),
            "outbox_failed": await db["wa_outbox"].count_documents({"state": "failed"}),
            "tickets": tickets}


def exposition(figures: dict[str, Any]) -> bytes:
    """The Prometheus text of this process's (or, multiprocess, every worker's) metrics."""
    registry = CollectorRegistry()
    if os.environ.get(MULTIPROC_ENV):
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        text = generate_latest(registry)
    else:
        text = generate_latest(REGISTRY)
    gauges = CollectorRegistry()
    gauges.register(DatabaseGauges(figures))
    return text + generate_latest(gauges)
