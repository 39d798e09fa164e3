"""A2 and L8 against a real `omnisales serve` on loopback: forwarded addresses, slow clients."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from bench.common import percentile
from checkpoints.embedded import EmbeddedServer
from tests.test_server_process import (  # noqa: F401 - fixtures
    API_KEY,
    FakeGraph,
    database,
    environment,
    fake_graph,
    served,
)

pytestmark = pytest.mark.slow

READ_TIMEOUT_S = 2.0
SLOW_CLIENTS = 200


def _env(mongo: EmbeddedServer, db: tuple[str, Any], graph: FakeGraph, workdir: Path,
         **extra: str) -> dict[str, str]:
    return environment(mongo.uri, db[0], workdir, graph.url) | {
        "RATE_LIMIT_PER_ADDRESS": "5", "REQUEST_READ_TIMEOUT_S": str(READ_TIMEOUT_S)} | extra


def _inside_one_minute(needed_s: float = 25) -> None:
    """Wait, if need be, so that the next `needed_s` seconds fall in one rate-limit window."""
    left = 60 - time.time() % 60
    if left < needed_s:
        time.sleep(left + 0.5)


def _chat(base: str, *, user: str = "demo-alice", key: str = API_KEY,
          forwarded: str | None = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {key}"}
    if forwarded is not None:
        headers["X-Forwarded-For"] = forwarded
    return httpx.post(f"{base}/chat", headers=headers, timeout=30, json={
        "user_id": user, "session_id": "a2", "message": "hello"})


def test_a2_forwarded_addresses_count_only_from_trusted_proxies(
        mongo: EmbeddedServer, database: tuple[str, Any], fake_graph: FakeGraph,  # noqa: F811
        tmp_path: Path) -> None:
    with served(_env(mongo, database, fake_graph, tmp_path), tmp_path) as (base, _):
        _inside_one_minute()
        turns = [_chat(base, forwarded=f"10.0.0.{i}") for i in range(25)]
        assert [r.status_code for r in turns] == [200] * 20 + [429] * 5
        assert all(r.headers["retry-after"].isdigit() for r in turns[20:])
        # Failed authentications from one client: a new forwarded address each time is no escape.
        guesses = [_chat(base, key=f"guess-{i}", forwarded=f"10.1.0.{i}") for i in range(8)]
        assert [r.status_code for r in guesses] == [401] * 5 + [429] * 3
        assert guesses[-1].json()["error"] == "rate_limited"

    trusted = _env(mongo, database, fake_graph, tmp_path, TRUSTED_PROXIES="127.0.0.1")
    with served(trusted, tmp_path) as (base, _):
        _inside_one_minute()
        # Behind a trusted proxy, each forwarded address is a client of its own...
        spread = [_chat(base, key=f"guess-{i}", forwarded=f"10.2.0.{i}") for i in range(8)]
        assert [r.status_code for r in spread] == [401] * 8
        # ...with its own limit.
        one = [_chat(base, key=f"guess-{i}", forwarded="203.0.113.7") for i in range(6)]
        assert [r.status_code for r in one] == [401] * 5 + [429]
        assert _chat(base, key="guess", forwarded="203.0.113.8").status_code == 401


async def _slow_client(port: int, head: bytes, body: bytes) -> tuple[float, bytes]:
    """Send `head`, then `body`, one byte every 0.1 s; the seconds until the server hangs up."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    started = time.monotonic()

    async def trickle() -> None:
        writer.write(head if body else b"")
        for byte in (body or head):
            writer.write(bytes([byte]))
            await writer.drain()
            await asyncio.sleep(0.1)

    sender = asyncio.create_task(trickle())
    try:
        answer = await asyncio.wait_for(reader.read(), timeout=READ_TIMEOUT_S + 10)
    except ConnectionResetError:
        answer = b""
    finally:
        sender.cancel()
        await asyncio.gather(sender, return_exceptions=True)
        writer.close()
    return time.monotonic() - started, answer


def test_l8_slow_clients_are_cut_off_and_others_still_served(
        mongo: EmbeddedServer, database: tuple[str, Any], fake_graph: FakeGraph,  # noqa: F811
        tmp_path: Path) -> None:
    with served(_env(mongo, database, fake_graph, tmp_path), tmp_path) as (base, _):
        port = int(base.rsplit(":", 1)[1])
        slow_headers = b"GET /health HTTP/1.1\r\nHost: shop\r\nX-Pad: " + b"a" * 400 + b"\r\n\r\n"
        slow_body = (b"POST /chat HTTP/1.1\r\nHost: shop\r\nContent-Type: application/json\r\n"
                     b"Authorization: Bearer " + API_KEY.encode() + b"\r\n"
                     b"Content-Length: 400\r\n\r\n")
        body = b'{"user_id": "demo-bob", "session_id": "l8", "message": "' + b"a" * 400

        async def run() -> tuple[list[tuple[float, bytes]], list[float], list[int]]:
            clients = [asyncio.create_task(_slow_client(
                port, slow_headers, b"") if i % 2 else _slow_client(port, slow_body, body[:400]))
                for i in range(SLOW_CLIENTS)]
            await asyncio.sleep(0.5)  # every slow client is connected and sending
            latencies: list[float] = []
            statuses: list[int] = []
            async with httpx.AsyncClient(base_url=base, timeout=10) as client:
                for i in range(60):
                    started = time.perf_counter()
                    if i % 3:
                        response = await client.get("/health")
                    else:
                        response = await client.post("/chat", headers={
                            "Authorization": f"Bearer {API_KEY}"}, json={
                            "user_id": f"l8-{i}", "session_id": "s", "message": "hello"})
                    latencies.append(time.perf_counter() - started)
                    statuses.append(response.status_code)
                    await asyncio.sleep(0.02)
            return await asyncio.gather(*clients), latencies, statuses

        cut, latencies, statuses = asyncio.run(run())
    seconds = [s for s, _ in cut]
    print(f"\n[L8] {SLOW_CLIENTS} slow clients cut off after {min(seconds):.2f}-"
          f"{max(seconds):.2f} s (deadline {READ_TIMEOUT_S:g} s); others: p99 "
          f"{percentile(latencies, 99) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms")
    assert statuses == [200] * 60
    assert percentile(latencies, 99) < 1.0, sorted(latencies)[-5:]
    # Every slow client was cut off after the deadline, not before, and got no answer.
    assert min(seconds) >= READ_TIMEOUT_S - 0.2 and max(seconds) <= READ_TIMEOUT_S + 2.0, (
        min(seconds), max(seconds))
    assert all(b"200 OK" not in answer for _, answer in cut)
