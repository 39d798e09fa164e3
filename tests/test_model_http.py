"""OpenRouter over the product's own HTTP client (the SDK on aiohttp), against a loopback server.

The other model tests route the SDK's requests through respx, which replaces the transport;
these send real requests over a socket, so the aiohttp transport's encoding, headers and timeout
are what is checked.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from langchain_core.messages import HumanMessage
from openai import APITimeoutError
from pydantic import SecretStr

from graph.llm import build_models, model_http
from settings import Settings
from tests.fakes import completion


@dataclass
class FakeOpenRouter:
    """`POST /api/v1/chat/completions` on loopback: records each request, answers after `delay`."""

    base: str = ""
    delay: float = 0.0
    requests: list[tuple[dict[str, str], dict[str, Any]]] = field(default_factory=list)


@pytest.fixture
def openrouter() -> Iterator[FakeOpenRouter]:
    fake = FakeOpenRouter()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server API
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            fake.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
            time.sleep(fake.delay)
            answer = json.dumps(completion("Hello over the wire")).encode()
            status = 200 if self.path == "/api/v1/chat/completions" else 404
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)
            except OSError:  # the client gave up (the timeout test)
                pass

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    fake.base = f"http://127.0.0.1:{server.server_address[1]}/api/v1"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()


def _settings(fake: FakeOpenRouter, timeout_s: float) -> Settings:
    return Settings(_env_file=None,  # type: ignore[call-arg]
                    openrouter_api_key=SecretStr("sk-or-wire"), openrouter_base_url=fake.base,
                    openrouter_model="openai/gpt-4o-mini", llm_timeout_s=timeout_s,
                    llm_max_tokens=128)


async def test_a_model_call_goes_over_the_product_client(openrouter: FakeOpenRouter) -> None:
    async with model_http() as http:
        model = build_models(_settings(openrouter, 5.0), http)[0].model
        reply = await model.ainvoke([HumanMessage("hello")])
    assert reply.content == "Hello over the wire"
    [(headers, body)] = openrouter.requests
    assert headers["authorization"] == "Bearer sk-or-wire"
    assert body["model"] == "openai/gpt-4o-mini" and body["max_completion_tokens"] == 128
    assert body["messages"] == [{"role": "user", "content": "hello"}]


@pytest.mark.slow
async def test_a_slow_provider_times_out_after_one_retry(openrouter: FakeOpenRouter) -> None:
    openrouter.delay = 3.0
    async with model_http() as http:
        model = build_models(_settings(openrouter, 0.5), http)[0].model
        started = time.monotonic()
        with pytest.raises(APITimeoutError):
            await model.ainvoke([HumanMessage("hello")])
    assert time.monotonic() - started < 2.5  # two tries of 0.5 s and the SDK's short back-off
    assert len(openrouter.requests) == 2
