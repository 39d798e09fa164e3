"""POST /chat, /chat/stream, /health and /docs through the real app and its lifespan."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import respx
from litestar.testing import AsyncTestClient
from pydantic import SecretStr, ValidationError

import server
from checkpoints.embedded import EmbeddedServer, ping, start_embedded
from checkpoints.saver import SessionSaver
from graph.session import thread_id
from server import create_app
from settings import Settings
from tests.api_support import (
    API_KEY,
    SEND_URL,
    Api,
    api_settings,
    assert_error,
    assert_no_leak,
    change,
    concurrently,
    frozen_rate_window,
    graph_ok,
    text_message,
    wa_signature,
    webhook,
)
from tools.store import Store

LAPTOP = "I need a laptop for coding under $1000"



async def cart_total_cents(store: Store, customer: str) -> int:
    cart = await store.carts.find_one({"_id": customer})
    assert cart is not None and cart["items"]
    total = 0
    for item in cart["items"]:
        product = await store.products.find_one({"sku": item["sku"]})
        assert product is not None
        total += product["price_cents"] * item["quantity"]
    return total


# --- the README's examples -------------------------------------------------------------------


async def test_chat_laptop_for_coding(api: Api) -> None:
    response = await api.chat(LAPTOP)
    assert response.status_code == 200  # a turn creates nothing: not Litestar's default 201
    body = response.json()
    assert set(body) == {"reply", "agent_used", "actions", "awaiting_confirmation",
                         "answered_by", "language", "mode"}
    assert body["language"] == "en" and body["mode"] == "assistant"
    assert body["agent_used"] == "recommendation" and body["answered_by"] == "offline"
    assert body["reply"] and body["awaiting_confirmation"] is False
    listing = body["actions"][0]
    assert listing["type"] == "product_list" and listing["products"]
    for product in listing["products"]:
        assert {"sku", "name", "price", "currency"} <= set(product)
        assert isinstance(product["price"], int | float) and product["price"] <= 1000
    assert [t.message for t in api.web_turns()] == [LAPTOP]


async def test_health(api: Api) -> None:
    response = await api.client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "llm": "offline"}


async def test_docs(api: Api) -> None:
    page = await api.client.get("/docs")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    schema = await api.client.get("/docs/openapi.json")
    assert schema.status_code == 200
    assert {"/chat", "/health", "/webhook/whatsapp", "/webhook/superu"} <= set(
        schema.json()["paths"])


async def test_chat_stream_ends_with_the_full_response(api: Api) -> None:
    response = await api.client.post(
        "/chat/stream", json={"user_id": "demo-alice", "session_id": "s1", "message": LAPTOP},
        headers={"Authorization": f"Bearer {API_KEY}"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events = [(block.split("\n")[0].removeprefix("event: "),
               next(line.removeprefix("data: ") for line in block.split("\n")
                    if line.startswith("data: ")))
              for block in response.text.replace("\r\n", "\n").split("\n\n") if block.strip()]
    assert events[-1][0] == "response"
    final = json.loads(events[-1][1])
    assert final["agent_used"] == "recommendation"
    assert final["actions"][0]["type"] == "product_list"
    assert any(kind == "step" for kind, _ in events[:-1])
    assert await api.store.db["sessions"].count_documents({"token": {"$exists": True}}) == 0
    assert (await api.chat("thanks")).status_code == 200


# --- A1: the key ---------------------------------------------------------------------------------


async def test_no_key_and_wrong_key_get_the_same_401(api: Api) -> None:
    missing = await api.chat("hi", key=None)
    wrong = await api.chat("hi", key=API_KEY[:-1] + "X")
    basic = await api.client.post("/chat", json={"user_id": "u", "session_id": "s",
                                                 "message": "hi"},
                                  headers={"Authorization": f"Basic {API_KEY}"})
    for response in (missing, wrong, basic):
        assert_error(response, 401, "unauthorized")
    strip = [{k: v for k, v in r.json().items() if k != "request_id"}
             for r in (missing, wrong, basic)]
    assert strip[0] == strip[1] == strip[2]
    assert len({r.json()["request_id"] for r in (missing, wrong, basic)}) == 3
    assert api.turns == []


# --- A2: the rate limit --------------------------------------------------------------------------


async def test_twenty_chats_a_minute_per_key_and_user(api: Api) -> None:
    with frozen_rate_window():
        responses = [await api.chat("hi", session=f"s{i}",
                                    **{"X-Forwarded-For": f"203.0.113.{i}"})
                     for i in range(25)]
        other_user = await api.chat("hi", user="demo-bob")
    assert [r.status_code for r in responses] == [200] * 20 + [429] * 5
    for limited in responses[20:]:
        assert_error(limited, 429, "rate_limited")
        assert 1 <= int(limited.headers["retry-after"]) <= 60
    assert len([t for t in api.turns if t.customer_id == "demo-alice"]) == 20
    assert other_user.status_code == 200


# --- validation and limits -----------------------------------------------------------------------


@pytest.mark.parametrize("body", [
    {"user_id": "demo-alice", "session_id": "s1"},
    {"user_id": "demo alice; drop", "session_id": "s1", "message": "hi"},
    {"user_id": "../../etc/passwd", "session_id": "s1", "message": "hi"},
    {"user_id": "demo-alice", "session_id": "s1", "message": "x" * 4001},
    {"user_id": "demo-alice", "session_id": "s1", "message": "   "},
    {"user_id": "demo-alice", "session_id": "s1", "message": "hi", "channel": "whatsapp"},
    ["not", "an", "object"],
], ids=["missing", "user-chars", "user-path", "too-long", "blank", "channel", "array"])
async def test_invalid_chat_body_is_422(api: Api, body: Any) -> None:
    response = await api.client.post("/chat", json=body,
                                     headers={"Authorization": f"Bearer {API_KEY}"})
    assert_error(response, 422, "invalid_request")
    assert api.turns == []


async def test_malformed_json_is_rejected(api: Api) -> None:
    response = await api.client.post("/chat", content=b'{"user_id": "demo-alice", ',
                                     headers={"Authorization": f"Bearer {API_KEY}",
                                              "Content-Type": "application/json"})
    assert response.status_code in (400, 422)
    assert_error(response, response.status_code)


async def test_chat_body_over_64_kb_is_413(api: Api) -> None:
    body = json.dumps({"user_id": "demo-alice", "session_id": "s1", "message": "x" * 70_000})
    response = await api.client.post("/chat", content=body,
                                     headers={"Authorization": f"Bearer {API_KEY}",
                                              "Content-Type": "application/json"})
    assert_error(response, 413, "payload_too_large")
    assert api.turns == []


async def test_unknown_route_and_method_answer_the_error_shape(api: Api) -> None:
    missing = await api.client.get("/no-such-page")  # /admin is the dashboard now
    assert missing.status_code == 404 and set(missing.json()) == {"error", "detail",
                                                                   "request_id"}
    wrong_method = await api.client.get("/chat")
    assert wrong_method.status_code == 405
    assert set(wrong_method.json()) == {"error", "detail", "request_id"}
    for response in (missing, wrong_method):
        assert_no_leak(response)
        assert response.headers["x-request-id"] == response.json()["request_id"]
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"


# --- A4: internal errors -------------------------------------------------------------------------


async def test_internal_error_is_a_generic_500(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise KeyError(f"mongodb://admin:{API_KEY}@db/work/main/graph/session.py")

    monkeypatch.setattr(server, "run_turn", broken)
    response = await api.chat("hi")
    assert_error(response, 500, "internal_error")
    assert response.json()["detail"] == "something went wrong on our side"
    assert "KeyError" not in response.text
    # the session's lock was released: the next turn runs
    monkeypatch.undo()
    assert (await api.chat("hi")).status_code == 200


async def test_database_error_is_a_generic_503(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    from pymongo.errors import OperationFailure

    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise OperationFailure("mongodb://admin:secret@10.0.0.5:27017 /work/data failed")

    monkeypatch.setattr(server, "run_turn", broken)
    response = await api.chat("hi")
    assert_error(response, 503, "unavailable")
    assert response.headers["retry-after"].isdigit()


# --- payments over HTTP (A7, A8) ----------------------------------------------------------------


async def test_pay_for_the_cart_then_yes_charges_once(api: Api) -> None:
    total = await cart_total_cents(api.store, "demo-alice")
    asked = await api.chat("pay for my cart")
    assert asked.status_code == 200
    body = asked.json()
    assert body["agent_used"] == "payment" and body["awaiting_confirmation"] is True
    confirmation = body["actions"][0]
    assert confirmation["type"] == "payment_confirmation"
    assert confirmation["total"] == total / 100 and confirmation["currency"] == "USD"
    payment_id = confirmation["payment_id"]
    charges = api.store.db["gateway_charges"]
    assert await charges.count_documents({}) == 0

    paid = await api.chat("yes")
    assert paid.status_code == 200
    result = paid.json()
    assert result["awaiting_confirmation"] is False
    status = next(a for a in result["actions"] if a["type"] == "payment_status")
    assert status["payment_id"] == payment_id and status["status"] == "paid"
    stored = await charges.find({}).to_list()
    assert len(stored) == 1 and stored[0]["amount_cents"] == total
    payment = await api.store.payments.find_one({"payment_id": payment_id})
    assert payment is not None and payment["status"] == "paid"
    assert payment["total_cents"] == total

    again = await api.chat("yes")
    assert again.status_code == 200
    assert await charges.count_documents({}) == 1
    assert await api.store.orders.count_documents({"payment_id": payment_id}) == 1


async def test_yes_from_another_session_charges_nothing(api: Api) -> None:
    asked = (await api.chat("pay for my cart", session="s1")).json()
    payment_id = asked["actions"][0]["payment_id"]
    for session, user in (("s2", "demo-alice"), ("s1", "demo-bob")):
        elsewhere = await api.chat("yes", session=session, user=user)
        assert elsewhere.status_code == 200
        assert not any(a.get("type") == "payment_status" and a.get("status") == "paid"
                       for a in elsewhere.json()["actions"])
    assert await api.store.db["gateway_charges"].count_documents({}) == 0
    payment = await api.store.payments.find_one({"payment_id": payment_id})
    assert payment is not None and payment["status"] != "paid"
    assert await api.store.payments.count_documents({"status": "paid"}) == 0


# --- L1: one session, many requests at once -----------------------------------------------------


async def test_concurrent_turns_of_one_session_run_one_at_a_time(api: Api) -> None:
    messages = [f"hello {i}" for i in range(20)]
    with frozen_rate_window():
        responses = await concurrently(api.client, [
            ("POST", "/chat", {"json": {"user_id": "demo-bob", "session_id": "busy",
                                        "message": m},
                               "headers": {"Authorization": f"Bearer {API_KEY}"}})
            for m in messages])
    codes = [r.status_code for r in responses]
    assert set(codes) <= {200, 409}, codes
    ran = [t.message for t in api.turns if t.session_id == "busy"]
    answered = [m for m, r in zip(messages, responses, strict=True) if r.status_code == 200]
    assert sorted(ran) == sorted(answered)  # every answered message ran once, no other did
    assert api.max_parallel[thread_id("web", "demo-bob", "busy")] == 1
    for busy in (r for r in responses if r.status_code == 409):
        assert_error(busy, 409, "session_busy")
    saved = await SessionSaver(api.store.db).aget_tuple(
        {"configurable": {"thread_id": thread_id("web", "demo-bob", "busy")}})
    assert saved is not None
    humans = [m.text for m in saved.checkpoint["channel_values"]["messages"] if m.type == "human"]
    assert humans and humans[-1] == api.ran[-1][1]
    assert len(humans) == len(set(humans))
    assert await api.store.db["sessions"].count_documents({"token": {"$exists": True}}) == 0


# --- headers and settings -----------------------------------------------------------------------


async def test_security_headers_on_api_routes(api: Api) -> None:
    for response in (await api.client.get("/health"), await api.chat("hi"),
                     await api.chat("hi", key=None)):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert "default-src 'none'" in response.headers["content-security-policy"]
        assert response.headers["x-request-id"]
        assert "strict-transport-security" not in response.headers  # development
    docs = await api.client.get("/docs")
    assert docs.headers["x-content-type-options"] == "nosniff"


def test_production_refuses_to_start_without_a_strong_key(
    settings: Settings, monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(ValidationError, match="32"):
        Settings(_env_file=None, environment="production")  # type: ignore[call-arg]
    with pytest.raises(ValidationError, match="32"):
        Settings(_env_file=None, environment="production",  # type: ignore[call-arg]
                 api_secret_key=SecretStr("short-key"))
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("MONGO_URI", "mongodb://db.internal:27017/")
    monkeypatch.setenv("WIDGET_IDENTITY_SECRET", "i" * 32)
    monkeypatch.setenv("WIDGET_TOKEN_SECRET", "t" * 32)
    monkeypatch.setenv("API_SECRET_KEY", "x" * 31)
    with pytest.raises(ValidationError):
        Settings(_env_file=None)  # type: ignore[call-arg]
    monkeypatch.setenv("API_SECRET_KEY", "x" * 32)
    assert Settings(_env_file=None).api_key == "x" * 32  # type: ignore[call-arg]


async def test_production_adds_hsts(settings: Settings, store: Store) -> None:
    production = api_settings(settings, environment="production",
                              widget_identity_secret="i" * 32, widget_token_secret="t" * 32)
    async with AsyncTestClient(app=create_app(production, mongo_uri=settings.mongo_uri)) as c:
        response = await c.get("/health")
    assert response.status_code == 200
    assert "max-age=" in response.headers["strict-transport-security"]


# --- L4: the database goes away -----------------------------------------------------------------


def restart_database(server: EmbeddedServer, storage: Path) -> EmbeddedServer:
    """Start the embedded server again on the same port and files, as after an outage."""
    port = server.uri.split("127.0.0.1:")[1].split("/")[0]
    process = subprocess.Popen(
        [sys.executable, "-m", "secantus", "--host", "127.0.0.1", "--port", port,
         "--storage-path", str(storage), "--log-level", "WARNING"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
        start_new_session=True)
    restarted = EmbeddedServer(uri=server.uri, process=process)
    deadline = time.monotonic() + 30
    while not ping(server.uri, timeout_s=0.5):
        assert process.poll() is None and time.monotonic() < deadline, "no restart"
        time.sleep(0.1)
    return restarted


@pytest.mark.slow
async def test_database_outage_answers_503_then_loses_nothing(
    tmp_path: Path, settings: Settings,
) -> None:
    """L4: /health says 503 at once, /chat 503 with Retry-After, the webhook asks Meta to
    retry; when the database is back, the redelivered message is answered once."""
    database = start_embedded(tmp_path / "db")
    restarted: EmbeddedServer | None = None
    config = api_settings(settings, mongo_uri=database.uri, data_dir=tmp_path)
    raw = json.dumps(webhook(change([text_message("wamid.L4", "15550000001",
                                                  "where is my order ORD-1002?")]))).encode()
    signed = {"X-Hub-Signature-256": wa_signature(raw), "Content-Type": "application/json"}
    try:
        with respx.mock(assert_all_called=False) as router:
            graph_api = router.post(SEND_URL).mock(side_effect=graph_ok)
            async with AsyncTestClient(app=create_app(config, mongo_uri=database.uri)) as client:
                assert (await client.get("/health")).status_code == 200
                database.stop()

                started = time.monotonic()
                health = await client.get("/health")
                assert time.monotonic() - started < 2.0
                assert health.status_code == 503 and health.headers["retry-after"].isdigit()
                assert health.json()["status"] != "ok"

                chat = await client.post(
                    "/chat", json={"user_id": "demo-alice", "session_id": "s1",
                                   "message": "hi"},
                    headers={"Authorization": f"Bearer {API_KEY}"})
                assert_error(chat, 503, "unavailable")
                assert chat.headers["retry-after"].isdigit()

                refused = await client.post("/webhook/whatsapp", content=raw, headers=signed)
                assert refused.status_code >= 500  # Meta retries anything but a 200
                assert_no_leak(refused)

                restarted = restart_database(database, tmp_path / "db" / "mongo")
                deadline = time.monotonic() + 30
                while (await client.get("/health")).status_code != 200:
                    assert time.monotonic() < deadline, "the API did not see the database again"
                for _ in range(2):  # Meta's retries
                    assert (await client.post("/webhook/whatsapp", content=raw,
                                              headers=signed)).status_code == 200
                deadline = time.monotonic() + 30
                while graph_api.call_count == 0 or not client.app.state.inbox.workers.idle():
                    assert time.monotonic() < deadline, "the redelivered message was not answered"
                    await asyncio.sleep(0.05)
                assert graph_api.call_count == 1
                assert "ORD-1002" in graph_api.calls[0].request.content.decode()
    finally:
        database.stop()
        if restarted is not None:
            restarted.stop()
