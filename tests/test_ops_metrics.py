"""`GET /metrics`: guarded by METRICS_TOKEN, and its figures move with real turns."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client import REGISTRY, CollectorRegistry
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from checkpoints.embedded import EmbeddedServer
from graph.builder import build_graph
from graph.llm import build_models
from graph.session import run_turn
from settings import Settings
from tests.api_support import (
    ALICE_WA,
    Api,
    api_settings,
    change,
    running_api,
    text_message,
    webhook,
)
from tests.fakes import OPENROUTER_URL, Provider, completion, mock_providers, ok, openrouter_error
from tests.test_server_process import API_KEY as PROCESS_KEY
from tests.test_server_process import database, environment, served
from tools.context import Services
from tools.store import Store

__all__ = ["database"]  # the fixture, for the served test
TOKEN = "metrics-token-for-tests-0123456789"
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


@pytest.fixture
async def api(settings: Settings, seeded: Store,
              monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Api]:
    async with running_api(api_settings(settings, metrics_token=TOKEN), seeded,
                           monkeypatch) as running:
        yield running


async def scrape(api: Api) -> Samples:
    response = await api.client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(response.text)
            for sample in family.samples}


def moved(before: Samples, after: Samples, name: str, **labels: str) -> float:
    key = (name, tuple(sorted(labels.items())))
    return after.get(key, 0.0) - before.get(key, 0.0)


async def test_metrics_need_the_token(api: Api) -> None:
    assert (await api.client.get("/metrics")).status_code == 401
    wrong = await api.client.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401 and wrong.json()["error"] == "unauthorized"
    assert TOKEN not in wrong.text


async def test_requests_no_route_matched_are_counted_too(api: Api) -> None:
    before = await scrape(api)
    assert (await api.client.get("/wp-login.php?x=1")).status_code == 404
    assert (await api.client.request("TRACE", "/chat")).status_code == 405
    after = await scrape(api)
    assert moved(before, after, "omnisales_http_requests_total",
                 method="GET", route="unmatched", status="404") == 1
    assert moved(before, after, "omnisales_http_requests_total",
                 method="TRACE", route="unmatched", status="405") == 1
    assert moved(before, after, "omnisales_http_requests_total",
                 method="GET", route="/metrics", status="200") == 1  # counted once, not twice


async def test_no_token_configured_is_not_found(settings: Settings, seeded: Store,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    async with running_api(api_settings(settings), seeded, monkeypatch) as api:
        response = await api.client.get("/metrics",
                                         headers={"Authorization": f"Bearer {TOKEN}"})
        assert response.status_code == 404 and response.json()["error"] == "not_found"


async def test_counters_move_with_turns_money_and_webhooks(api: Api) -> None:
    before = await scrape(api)
    assert (await api.chat("pay for my cart")).json()["awaiting_confirmation"] is True
    assert (await api.chat("yes")).status_code == 200
    assert (await api.chat("pay for my cart", user="demo-bob")).json()["awaiting_confirmation"]
    assert (await api.chat("no", user="demo-bob")).status_code == 200
    assert (await api.chat("I want to talk to a human", session="s3")).status_code == 200
    hook = webhook(change([text_message("wamid.M1", ALICE_WA, "hi")], names={ALICE_WA: "A"}))
    assert (await api.whatsapp(hook)).status_code == 200
    await api.settled()
    after = await scrape(api)

    assert moved(before, after, "omnisales_http_requests_total",
                 method="POST", route="/chat", status="200") == 5
    assert moved(before, after, "omnisales_webhook_acks_total", channel="whatsapp") == 1
    assert moved(before, after, "omnisales_confirmations_total", outcome="asked") == 2
    assert moved(before, after, "omnisales_confirmations_total", outcome="confirmed") == 1
    assert moved(before, after, "omnisales_confirmations_total", outcome="cancelled") == 1
    assert moved(before, after, "omnisales_charges_total", status="paid") == 1
    turns = moved(before, after, "omnisales_turn_duration_seconds_count",
                  agent="payment", channel="web")
    assert turns == 4
    assert moved(before, after, "omnisales_turn_duration_seconds_count",
                 agent="general", channel="whatsapp") == 1
    routed = sum(value - before.get(key, 0.0) for key, value in after.items()
                 if key[0] == "omnisales_routing_decisions_total")
    assert routed == 4  # the two answers to terms are the confirmation's, not the router's
    tickets = await api.store.handoff_tickets.count_documents({"status": "open"})
    assert tickets == 1 and after[("omnisales_open_tickets", ())] == tickets
    assert after[("omnisales_outbox_backlog", ())] == 0
    assert after[("omnisales_outbox_failed", ())] == 0


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_model_calls_failovers_and_tokens_by_provider(services: Services,
                                                            checkpointer: Any) -> None:
    llm = Settings(_env_file=None,  # type: ignore[call-arg]
                   mongo_uri=services.settings.mongo_uri, db_name=services.settings.db_name,
                   data_dir=services.settings.data_dir, openrouter_api_key=SecretStr("sk-or-t"),
                   openrouter_base_url=OPENROUTER_URL, llm_timeout_s=2)
    graph = build_graph(dataclasses.replace(services, settings=llm), build_models(llm)
                        ).compile(checkpointer=checkpointer)
    names = ("omnisales_model_calls_total", "omnisales_model_tokens_total",
             "omnisales_model_failovers_total")
    calls = {"provider": "openrouter", "outcome": "ok"}
    failed = {"provider": "openrouter", "outcome": "error"}
    before = (sample(names[0], **calls), sample(names[1], provider="openrouter"),
              sample(names[2], provider="openrouter"), sample(names[0], **failed))
    with mock_providers() as router:
        router.post(f"{OPENROUTER_URL}/chat/completions").mock(side_effect=Provider(
            [ok(completion("Hello! How can I help?")), ok(openrouter_error())]))
        first = await run_turn(graph, customer_id="demo-alice", session_id="m1",
                               message="hello there")
        second = await run_turn(graph, customer_id="demo-alice", session_id="m2",
                                message="hello there")
    assert first["answered_by"] == "openrouter" and second["answered_by"] == "offline"
    assert sample(names[0], **calls) - before[0] == 1
    assert sample(names[1], provider="openrouter") - before[1] == 140
    assert sample(names[2], provider="openrouter") - before[2] == 1
    assert sample(names[0], **failed) - before[3] == 1


@pytest.mark.slow
def test_workers_add_up_in_multiprocess_mode(mongo: EmbeddedServer, database: tuple[str, Any],
                                             tmp_path: Path) -> None:
    """`serve --workers 2`: every scrape, whichever worker answers it, counts every request."""
    env = environment(mongo.uri, database[0], tmp_path, "http://127.0.0.1:9/v21.0") | {
        "METRICS_TOKEN": TOKEN}
    auth = {"Authorization": f"Bearer {PROCESS_KEY}"}
    metric_files = tmp_path / "prometheus"
    with served(env, tmp_path, "--workers", "2") as (base, log):
        sent = 0
        while sent < 6 or (min(chats_by_worker(metric_files)) == 0 and sent < 40):
            with httpx.Client() as client:  # a connection each: the workers share them out
                answer = client.post(f"{base}/chat", headers=auth, json={
                    "user_id": f"worker-test-{sent}", "session_id": "w", "message": "hi"})
            assert answer.status_code == 200
            sent += 1
        by_worker = chats_by_worker(metric_files)
        assert len(by_worker) == 2 and min(by_worker) > 0 and sum(by_worker) == sent
        totals = set()
        for _ in range(6):
            with httpx.Client() as client:
                text = client.get(f"{base}/metrics",
                                  headers={"Authorization": f"Bearer {TOKEN}"}).text
            samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
                       for f in text_string_to_metric_families(text) for s in f.samples}
            totals.add(samples[("omnisales_http_requests_total", (
                ("method", "POST"), ("route", "/chat"), ("status", "200")))])
        printed = log.read_text()
    assert totals == {float(sent)}
    assert "uvicorn.access" not in printed and '"POST /chat' not in printed
    assert printed.count("[omnisales.turn]") == sent


def chats_by_worker(directory: Path) -> list[float]:
    """The `/chat` 200s each worker counted, read from its own metric file."""
    counts = []
    for path in sorted(directory.glob("counter_*.db")):
        registry = CollectorRegistry()
        # The collector reads a directory: one holding a link to this worker's file alone.
        alone = directory.parent / f"alone-{path.stem}"
        alone.mkdir(exist_ok=True)
        (alone / path.name).unlink(missing_ok=True)
        (alone / path.name).symlink_to(path)
        MultiProcessCollector(registry, path=str(alone))  # type: ignore[no-untyped-call]
        counts.append(registry.get_sample_value("omnisales_http_requests_total", {
            "method": "POST", "route": "/chat", "status": "200"}) or 0.0)
    return counts
