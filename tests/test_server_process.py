"""The API served by a real process on loopback, with a fake Graph API server beside it."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from pymongo import MongoClient

from checkpoints.embedded import EmbeddedServer
from settings import Settings

ROOT = Path(__file__).resolve().parent.parent
OMNISALES = Path(sys.executable).with_name("omnisales")
API_KEY = "process-test-key-0123456789-abcdefghijkl"
APP_SECRET = "process-app-secret"
PHONE_NUMBER_ID = "10987654321"
ALICE_WA = "15550000001"
BOB_WA = "15550000002"


class FakeGraph:
    """A Graph API stand-in on loopback that records every message it is asked to send."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server API
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                ok = (self.path == f"/v21.0/{PHONE_NUMBER_ID}/messages"
                      and self.headers.get("Authorization") == "Bearer process-token")
                if not ok:
                    self.send_response(401)
                    self.end_headers()
                    return
                body = json.loads(raw)
                with fake.lock:
                    fake.bodies.append(body)
                    n = len(fake.bodies)
                answer = json.dumps({"messaging_product": "whatsapp",
                                     "contacts": [{"input": body["to"], "wa_id": body["to"]}],
                                     "messages": [{"id": f"wamid.out{n}"}]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v21.0"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def sent_to(self, to: str) -> list[dict[str, Any]]:
        with self.lock:
            return [b for b in self.bodies if b["to"] == to]

    def count(self) -> int:
        with self.lock:
            return len(self.bodies)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_graph() -> Iterator[FakeGraph]:
    fake = FakeGraph()
    yield fake
    fake.close()


@pytest.fixture
def database(mongo: EmbeddedServer) -> Iterator[tuple[str, Any]]:
    """A fresh database name on the test server, and a synchronous handle on it."""
    name = f"p_{uuid.uuid4().hex[:12]}"
    client: MongoClient[dict[str, Any]] = MongoClient(mongo.uri, tz_aware=True)
    yield name, client[name]
    client.drop_database(name)
    client.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def environment(mongo_uri: str, db_name: str, data_dir: Path, graph_url: str) -> dict[str, str]:
    """The process's environment: ours, with no stray product setting from the caller's."""
    ours = {name.upper() for name in Settings.model_fields}
    env = {k: v for k, v in os.environ.items() if k.upper() not in ours}
    return env | {
        "MONGO_URI": mongo_uri, "DB_NAME": db_name, "DATA_DIR": str(data_dir),
        "API_SECRET_KEY": API_KEY, "WHATSAPP_APP_SECRET": APP_SECRET,
        "WHATSAPP_VERIFY_TOKEN": "process-verify", "WHATSAPP_ACCESS_TOKEN": "process-token",
        "WHATSAPP_PHONE_NUMBER_ID": PHONE_NUMBER_ID, "WHATSAPP_API_BASE_URL": graph_url,
        "SUPERU_WEBHOOK_SECRET": "process-superu", "PYTHONPATH": str(ROOT)}


@contextlib.contextmanager
def served(env: dict[str, str], workdir: Path, *args: str) -> Iterator[tuple[str, Path]]:
    """`omnisales serve` on a free loopback port until the block ends; its URL and log."""
    port = free_port()
    log_path = workdir / f"serve-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(OMNISALES), "serve", "--host", "127.0.0.1", "--port", str(port), *args],
            cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise AssertionError(f"the server exited: {log_path.read_text()[-3000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise AssertionError(f"the server did not start: {log_path.read_text()[-3000:]}")
            time.sleep(0.2)
        yield base, log_path
    finally:
        if process.poll() is None:
            os.killpg(process.pid, 15)  # the whole group: uvicorn's workers too
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, 9)
                process.wait()


def wait_for(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s: {what}")
        time.sleep(0.1)


def signed(payload: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    raw = json.dumps(payload, ensure_ascii=False).encode()
    digest = hmac.new(APP_SECRET.encode(), raw, hashlib.sha256).hexdigest()
    return raw, {"Content-Type": "application/json", "X-Hub-Signature-256": f"sha256={digest}"}


def inbound_text(wamid: str, sender: str, text: str) -> dict[str, Any]:
    return {"object": "whatsapp_business_account", "entry": [{"id": "WABA", "changes": [{
        "field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550009999",
                         "phone_number_id": PHONE_NUMBER_ID},
            "contacts": [{"profile": {"name": "Alice"}, "wa_id": sender}],
            "messages": [{"from": sender, "id": wamid, "timestamp": str(int(time.time())),
                          "type": "text", "text": {"body": text}}]}}]}]}


@pytest.mark.slow
def test_readme_examples_against_a_served_api(
    mongo: EmbeddedServer, database: tuple[str, Any], fake_graph: FakeGraph, tmp_path: Path,
) -> None:
    name, db = database
    env = environment(mongo.uri, name, tmp_path, fake_graph.url)
    with served(env, tmp_path) as (base, _):
        # curl http://127.0.0.1:8000/health
        health = httpx.get(f"{base}/health", timeout=5)
        assert health.status_code == 200
        assert health.json() == {"status": "ok", "database": "ok", "llm": "offline"}

        # curl -X POST http://127.0.0.1:8000/chat -H "Authorization: Bearer $API_SECRET_KEY" \
        #   -H "Content-Type: application/json" \
        #   -d '{"user_id": "demo-alice", "session_id": "s1", "message": "..."}'
        chat = httpx.post(f"{base}/chat", timeout=30, headers={
            "Authorization": f"Bearer {API_KEY}"}, json={
            "user_id": "demo-alice", "session_id": "s1",
            "message": "I need a laptop for coding under $1000"})
        assert chat.status_code == 200
        body = chat.json()
        assert body["agent_used"] == "recommendation" and body["answered_by"] == "offline"
        assert body["actions"][0]["type"] == "product_list"
        assert chat.headers["x-content-type-options"] == "nosniff"

        denied = httpx.post(f"{base}/chat", timeout=5, json={
            "user_id": "demo-alice", "session_id": "s1", "message": "hi"})
        assert denied.status_code == 401 and set(denied.json()) == {"error", "detail",
                                                                    "request_id"}

        assert httpx.get(f"{base}/docs", timeout=10).status_code == 200

        handshake = httpx.get(f"{base}/webhook/whatsapp", timeout=5, params={
            "hub.mode": "subscribe", "hub.verify_token": "process-verify",
            "hub.challenge": "31337"})
        assert handshake.status_code == 200 and handshake.text == "31337"

        raw, headers = signed(inbound_text("wamid.live1", ALICE_WA, "where is my order ORD-1002?"))
        started = time.monotonic()
        ack = httpx.post(f"{base}/webhook/whatsapp", content=raw, headers=headers, timeout=5)
        assert ack.status_code == 200 and time.monotonic() - started < 1.0
        wait_for(lambda: len(fake_graph.sent_to(ALICE_WA)) == 1, 20, "the WhatsApp reply")
        (reply,) = fake_graph.sent_to(ALICE_WA)
        assert "ORD-1002" in json.dumps(reply)
    assert db["wa_inbound"].find_one({"_id": "wamid.live1"})["state"] == "done"
    assert db["wa_outbox"].find_one({"_id": "wamid.live1"})["state"] == "sent"


@pytest.mark.slow
def test_stored_messages_are_answered_once_across_restarts(
    mongo: EmbeddedServer, database: tuple[str, Any], fake_graph: FakeGraph, tmp_path: Path,
) -> None:
    """W8: the process died after the ack, mid-turn, or before sending; nothing is lost or
    doubled, though two workers recover at once and the process restarts again."""
    name, db = database
    now = datetime.now(UTC)
    guest = "447700900123"
    db["wa_inbound"].insert_many([
        {"_id": "wamid.acked", "sender": f"+{ALICE_WA}", "text": "track order ORD-1002",
         "kind": "text", "name": "Alice", "state": "received", "received_at": now},
        {"_id": "wamid.midturn", "sender": f"+{BOB_WA}", "text": "track order ORD-1003",
         "kind": "text", "name": "Bob", "state": "processing", "tries": 1,
         "claimed_at": now - timedelta(minutes=10), "received_at": now - timedelta(minutes=10)},
        {"_id": "wamid.unsent", "sender": f"+{guest}", "text": "hello", "kind": "text",
         "name": "Sam", "state": "done", "received_at": now - timedelta(minutes=1)},
    ])
    db["wa_outbox"].insert_one({
        "_id": "wamid.unsent", "to": f"+{guest}", "state": "pending", "attempts": 0,
        "body": {"messaging_product": "whatsapp", "recipient_type": "individual", "to": guest,
                 "type": "text", "text": {"preview_url": False, "body": "Hello Sam!"}}})
    env = environment(mongo.uri, name, tmp_path, fake_graph.url)

    def all_sent() -> bool:
        return db["wa_outbox"].count_documents({"state": "sent"}) == 3

    with served(env, tmp_path, "--workers", "2") as (_, log):
        wait_for(lambda: log.read_text().count("Application startup complete") == 2, 60,
                 "both workers started")
        wait_for(all_sent, 30, "the three stored replies sent")
        time.sleep(1.0)  # both workers' start-up recovery has run
    assert len(fake_graph.sent_to(ALICE_WA)) == 1
    assert len(fake_graph.sent_to(BOB_WA)) == 1
    assert fake_graph.sent_to(guest) == [db["wa_outbox"].find_one({"_id": "wamid.unsent"})
                                         ["body"]]
    assert "ORD-1002" in json.dumps(fake_graph.sent_to(ALICE_WA))
    assert "ORD-1003" in json.dumps(fake_graph.sent_to(BOB_WA))
    assert db["wa_inbound"].count_documents({"state": "done"}) == 3

    with served(env, tmp_path) as (_, log):
        wait_for(lambda: "Application startup complete" in log.read_text(), 60, "started")
        time.sleep(1.5)  # start-up recovery has nothing left to do
    assert fake_graph.count() == 3
