"""Structured logs: request ids end to end, a turn's fields, nothing secret or personal written."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from ops.logs import HANDLER, Redact
from settings import Settings
from tests.api_support import (
    ACCESS_TOKEN,
    ALICE_WA,
    API_KEY,
    APP_SECRET,
    Api,
    api_settings,
    change,
    running_api,
    text_message,
    until,
    webhook,
)
from tools.store import Store

OPENROUTER_KEY = "sk-or-v1-test-openrouter-key-never-logged"


@pytest.fixture
async def api(settings: Settings, seeded: Store,
              monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Api]:
    """The API in production mode (JSON lines), a model key configured but unreachable."""
    production = api_settings(settings, environment="production",
                              widget_identity_secret="i" * 32, widget_token_secret="t" * 32,
                              openrouter_api_key=OPENROUTER_KEY,
                              openrouter_base_url="http://openrouter.test/api/v1")
    async with running_api(production, seeded, monkeypatch) as running:
        yield running


class Lines:
    """The JSON lines the API wrote since the test began."""

    def __init__(self, buffer: io.StringIO) -> None:
        self.buffer = buffer

    @property
    def text(self) -> str:
        return self.buffer.getvalue()

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter([json.loads(line) for line in self.text.splitlines()])


@pytest.fixture
def lines(api: Api) -> Iterator[Lines]:
    """The API's log handler writing to a buffer instead of stderr."""
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == HANDLER)
    assert isinstance(handler, logging.StreamHandler)
    buffer = io.StringIO()
    old = handler.setStream(buffer)
    yield Lines(buffer)
    handler.setStream(old)


async def test_a_sane_incoming_request_id_is_kept_everywhere(api: Api, lines: Lines) -> None:
    response = await api.chat("hi", **{"X-Request-ID": "lb-7f3a.42:x"})
    assert response.status_code == 200
    assert response.headers["x-request-id"] == "lb-7f3a.42:x"
    mine = [line for line in lines if line.get("request_id") == "lb-7f3a.42:x"]
    assert {line["event"] for line in mine} >= {"turn", "request"}
    request = next(line for line in mine if line["event"] == "request")
    assert request["route"] == "/chat" and request["status"] == 200

    failed = await api.chat("hi", key="wrong", **{"X-Request-ID": "client-id-1"})
    assert failed.status_code == 401
    assert failed.json()["request_id"] == failed.headers["x-request-id"] == "client-id-1"


@pytest.mark.parametrize("given", ["a" * 129, "has space", "new\\nline", "<script>", ""])
async def test_an_unsafe_request_id_is_replaced(api: Api, lines: Lines, given: str) -> None:
    response = await api.client.post("/chat", content=b"{}", headers={
        "Authorization": f"Bearer {API_KEY}", "X-Request-ID": given})
    assert response.status_code == 422
    rid = response.headers["x-request-id"]
    assert rid != given and len(rid) == 32 and response.json()["request_id"] == rid
    assert any(line.get("request_id") == rid for line in lines)


async def test_a_turn_line_carries_session_route_agent_and_answerer(api: Api, lines: Lines
                                                                   ) -> None:
    response = await api.chat("how many loyalty points do I have?", user="demo-bob")
    assert response.status_code == 200
    body = response.json()
    turn = next(line for line in lines if line["event"] == "turn")
    assert turn["request_id"] == response.headers["x-request-id"]
    assert turn["route"] == turn["agent"] == body["agent_used"] == "loyalty"
    assert turn["answered_by"] == body["answered_by"]
    assert len(turn["session"]) == 16 and "demo-bob" not in lines.text
    assert turn["level"] == "info" and turn["logger"] == "omnisales.turn"
    # The model failed (nothing listens at its address) and said so on a line of the same turn.
    failover = [line for line in lines if "openrouter failed" in line["event"]]
    assert failover and failover[0]["session"] == turn["session"]
    assert failover[0]["route"] == "loyalty"


async def test_no_secret_or_phone_number_is_ever_logged(api: Api, lines: Lines) -> None:
    """A WhatsApp turn from a phone number, a reply the Graph API refuses for good (its error
    naming the number), a chat turn with the API key and a failing model: none of it leaks."""
    api.inbox.outbox.time_scale = 0.001
    api.graph_api.side_effect = lambda request: httpx.Response(400, json={"error": {
        "code": 131030, "message": f"recipient +{ALICE_WA} ({ALICE_WA}) not allowed"}})
    hook = webhook(change([text_message("wamid.L1", ALICE_WA, "where is my order ORD-1002?")],
                          names={ALICE_WA: "Alice"}))
    assert (await api.whatsapp(hook)).status_code == 200
    await until(lambda: _failed(api, "wamid.L1"), 30.0, "the reply failed for good")
    await api.settled()
    assert (await api.chat("hi")).status_code == 200
    text = lines.text
    failed = [line for line in lines if "failed for good" in line["event"]]
    assert failed and failed[0]["level"] == "error" and "[redacted]" in failed[0]["event"]
    for secret in (ALICE_WA, API_KEY, APP_SECRET, ACCESS_TOKEN, OPENROUTER_KEY,
                   api.app.state.omnisales.settings.mongo_uri):
        assert secret not in text
    assert sum(1 for line in lines if line["event"] == "turn") == 2


async def _failed(api: Api, wamid: str) -> bool:
    doc = await api.store.db["wa_outbox"].find_one({"_id": wamid})
    return doc is not None and doc["state"] == "failed"


def test_redact_masks_secrets_numbers_and_uri_passwords_but_not_ids() -> None:
    redact = Redact(["s3cr3t-token-value"])
    event = {"event": "sent s3cr3t-token-value to guest-15550000001 (+447700900123)",
             "uri": "mongodb://admin:hunter2@db:27017/x", "request_id": "12345678901",
             "count": 3, "wamid": "wamid.HBgLMTU1NTAwMDAwMDEVAgASGBQzQUI"}
    out = redact(None, "info", event)
    assert out["event"] == "sent [redacted] to guest-[redacted] ([redacted])"
    assert out["uri"] == "mongodb://[redacted]@db:27017/x"
    assert out["request_id"] == "12345678901" and out["count"] == 3
    assert out["wamid"] == "wamid.HBgLMTU1NTAwMDAwMDEVAgASGBQzQUI"
