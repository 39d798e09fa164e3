"""Two `omnisales serve` processes on one database, and how the two-server tests talk to them."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from pymongo import MongoClient

from checkpoints.embedded import EmbeddedServer
from checkpoints.saver import SessionSaver
from graph.session import thread_id
from tests.fakes import completion, completion_chunks
from tests.test_server_process import API_KEY, FakeGraph, environment, served
from tools.store import Store

AUTH = {"Authorization": f"Bearer {API_KEY}"}


class Pair:
    """The two servers' URLs, the fake Graph API they send through, and the database."""

    def __init__(self, bases: list[str], graph: FakeGraph, uri: str, name: str,
                 db: Any) -> None:
        self.bases, self.graph, self.uri, self.name, self.db = bases, graph, uri, name, db

    def chat(self, server: int, user: str, session: str, message: str) -> httpx.Response:
        """A `/chat` turn through server `server` (0 or 1)."""
        return httpx.post(f"{self.bases[server]}/chat", headers=AUTH, timeout=60, json={
            "user_id": user, "session_id": session, "message": message})

    def admin(self, server: int, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """An operators' API call through server `server`."""
        return httpx.request(method, f"{self.bases[server]}/admin/api{path}", headers=AUTH,
                             timeout=30, **kwargs)


class SlowModel:
    """An OpenRouter stand-in on loopback that answers every completion after `delay_s`."""

    def __init__(self, delay_s: float) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server API
                asked = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                time.sleep(delay_s)
                body = completion("Hello! How can I help?")
                if asked.get("stream"):
                    raw = "".join(f"data: {json.dumps(c)}\n\n" for c in completion_chunks(body))
                    answer, kind = (raw + "data: [DONE]\n\n").encode(), "text/event-stream"
                else:
                    answer, kind = json.dumps(body).encode(), "application/json"
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextlib.contextmanager
def two_servers(mongo: EmbeddedServer, tmp_path_factory: pytest.TempPathFactory,
                **extra: str) -> Iterator[Pair]:
    """Two servers with `COORDINATION=database` on one fresh database, started one by one."""
    name = f"p_{uuid.uuid4().hex[:12]}"
    graph = FakeGraph()
    client: MongoClient[dict[str, Any]] = MongoClient(mongo.uri, tz_aware=True)
    try:
        with contextlib.ExitStack() as stack:
            bases = []
            for n in range(2):
                workdir = tmp_path_factory.mktemp(f"server{n}")
                env = environment(mongo.uri, name, workdir, graph.url) | {
                    "COORDINATION": "database"} | extra
                base, _ = stack.enter_context(served(env, workdir))
                bases.append(base)
            yield Pair(bases, graph, mongo.uri, name, client[name])
    finally:
        graph.close()
        client.drop_database(name)
        client.close()


def a_fresh_minute(needed_s: float = 25.0) -> None:
    """Wait for a rate-limit window with `needed_s` left, so that the test's turns share one."""
    left = 60 - time.time() % 60
    if left < needed_s:
        time.sleep(left + 0.2)


def checkpointed(pair: Pair, user: str, session: str, channel: str = "web") -> list[str]:
    """The customer's messages in the session's checkpoint, as the servers read it."""
    async def read() -> list[str]:
        store = Store.connect(pair.uri, pair.name)
        try:
            saved = await SessionSaver(store.db).aget_tuple(
                {"configurable": {"thread_id": thread_id(channel, user, session)}})
        finally:
            await store.close()
        assert saved is not None
        return [m.text for m in saved.checkpoint["channel_values"]["messages"]
                if m.type == "human"]
    return asyncio.run(read())


def deliver(pair: Pair, server: int, raw: bytes, headers: dict[str, str]) -> int:
    """A WhatsApp webhook delivery to server `server`; its status code."""
    return httpx.post(f"{pair.bases[server]}/webhook/whatsapp", content=raw, headers=headers,
                      timeout=10).status_code


def voice(pair: Pair, server: int, event: dict[str, str]) -> httpx.Response:
    """A signed voice event to server `server`."""
    raw = json.dumps(event).encode()
    stamp = str(int(time.time()))
    digest = hmac.new(b"process-superu", stamp.encode() + b"." + raw, hashlib.sha256).hexdigest()
    return httpx.post(f"{pair.bases[server]}/webhook/superu", content=raw, timeout=30, headers={
        "Content-Type": "application/json", "X-SuperU-Timestamp": stamp,
        "X-SuperU-Signature": digest})


def tickets(pair: Pair, server: int, status: str) -> list[dict[str, Any]]:
    """The tickets in `status` as server `server` lists them."""
    listed = pair.admin(server, "GET", "/tickets", params={"status": status})
    assert listed.status_code == 200, listed.text
    return list(listed.json()["tickets"])


def first_event(pair: Pair, session: str, kind: str) -> str:
    """The data of the first `kind` event of the session's stream on server 0."""
    with httpx.stream("GET", f"{pair.bases[0]}/chat/events", headers=AUTH, timeout=30,
                      params={"session_id": session, "user_id": "demo-alice"}) as events:
        current = None
        for line in events.iter_lines():
            if line.startswith("event:"):
                current = line.partition(":")[2].strip()
            elif line.startswith("data:") and current == kind:
                return line.partition(":")[2].strip()
    raise AssertionError(f"the stream ended without a {kind} event")
