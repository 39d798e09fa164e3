"""Shared helpers for the HTTP tests: a running API, a fake Graph API, signing and payloads.

`AsyncTestClient` runs the app in a portal thread with its own event loop and its transport is
synchronous: `await client.post(...)` blocks the test's loop until the answer, so
`asyncio.gather` over client calls runs them one after another. `concurrently` sends requests
from worker threads instead, which the portal serves at the same time.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import hmac
import itertools
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import respx
from langgraph.types import Command
from litestar import Litestar
from litestar.testing import AsyncTestClient

import channels.limits
import server
from checkpoints.turns import Busy
from graph.session import TurnResult, run_turn
from server import create_app
from settings import Settings
from tools.store import Store

API_KEY = "test-api-key-0123456789-abcdefghijklmnop"
APP_SECRET = "wa-app-secret-for-tests"
VERIFY_TOKEN = "wa-verify-token"
ACCESS_TOKEN = "wa-access-token"
PHONE_NUMBER_ID = "106540352242922"
GRAPH_BASE = "http://graph.test/v21.0"
SEND_URL = f"{GRAPH_BASE}/{PHONE_NUMBER_ID}/messages"
SUPERU_SECRET = "superu-webhook-secret-for-tests"
ALICE_WA = "15550000001"
BOB_WA = "15550000002"
LEAKS = ("Traceback", "/work", "mongodb://", 'File "', API_KEY, APP_SECRET, SUPERU_SECRET)


def api_settings(base: Settings, *, secrets: bool = True, **overrides: Any) -> Settings:
    """The test's settings (its own database) with the API key and, optionally, every secret."""
    values: dict[str, Any] = {
        "mongo_uri": base.mongo_uri, "db_name": base.db_name, "data_dir": base.data_dir,
        "api_secret_key": API_KEY, "whatsapp_api_base_url": GRAPH_BASE,
        "whatsapp_phone_number_id": PHONE_NUMBER_ID, "whatsapp_access_token": ACCESS_TOKEN}
    if secrets:
        values |= {"whatsapp_app_secret": APP_SECRET, "whatsapp_verify_token": VERIFY_TOKEN,
                   "superu_webhook_secret": SUPERU_SECRET}
    return Settings(_env_file=None, **(values | overrides))  # type: ignore[call-arg]


@dataclass
class Turn:
    """One call of `run_turn` the API made."""

    channel: str
    customer_id: str
    session_id: str
    message: str
    source: str = ""


@dataclass
class Api:
    """A running API with its test client, the test's view of its database and the fakes."""

    client: AsyncTestClient[Litestar]
    store: Store
    graph_api: respx.Route
    turns: list[Turn] = field(default_factory=list)
    max_parallel: dict[str, int] = field(default_factory=dict)
    ran: list[tuple[str, Any]] = field(default_factory=list)  # (thread, message) as runs began

    @property
    def app(self) -> Litestar:
        return self.client.app

    @property
    def inbox(self) -> Any:
        return self.app.state.inbox

    def sent(self) -> list[dict[str, Any]]:
        """The bodies the app sent to the Graph API, in order."""
        return [json.loads(call.request.content) for call in self.graph_api.calls]

    async def chat(self, message: str, *, user: str = "demo-alice", session: str = "s1",
                   key: str | None = API_KEY, **headers: str) -> httpx.Response:
        auth = {"Authorization": f"Bearer {key}"} if key is not None else {}
        return await self.client.post(
            "/chat", json={"user_id": user, "session_id": session, "message": message},
            headers=auth | headers)

    async def whatsapp(self, payload: dict[str, Any] | bytes, *,
                       signature: str | None = "valid") -> httpx.Response:
        raw = payload if isinstance(payload, bytes) else dumps(payload)
        headers = {"Content-Type": "application/json"}
        if signature == "valid":
            headers["X-Hub-Signature-256"] = wa_signature(raw)
        elif signature is not None:
            headers["X-Hub-Signature-256"] = signature
        return await self.client.post("/webhook/whatsapp", content=raw, headers=headers)

    async def voice(self, payload: dict[str, Any], *, ts: int | None = None,
                    secret: str = SUPERU_SECRET) -> httpx.Response:
        raw = dumps(payload)
        stamp = str(int(time.time()) if ts is None else ts)
        return await self.client.post("/webhook/superu", content=raw,
                                      headers=voice_headers(raw, stamp, secret))

    async def settled(self, within: float = 30.0) -> None:
        """Wait until no background job (processing, sending) is left."""
        await until(lambda: _true(self.inbox.workers.idle()),
                    within, "background jobs did not finish")

    def web_turns(self, session: str = "s1") -> list[Turn]:
        return [t for t in self.turns if t.channel == "web" and t.session_id == session]


async def _true(value: bool) -> bool:
    return value


async def until(check: Callable[[], Awaitable[bool]], within: float = 10.0,
                what: str = "condition") -> None:
    """Poll `check` until it holds, for at most `within` seconds."""
    deadline = time.monotonic() + within
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {within} s: {what}")
        await asyncio.sleep(0.05)


def dumps(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False).encode()


def wa_signature(raw: bytes, secret: str = APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


def voice_headers(raw: bytes, stamp: str, secret: str = SUPERU_SECRET) -> dict[str, str]:
    digest = hmac.new(secret.encode(), stamp.encode() + b"." + raw, hashlib.sha256).hexdigest()
    return {"Content-Type": "application/json", "X-SuperU-Timestamp": stamp,
            "X-SuperU-Signature": digest}


def text_message(wamid: str, sender: str, body: str) -> dict[str, Any]:
    return {"from": sender, "id": wamid, "timestamp": str(int(time.time())), "type": "text",
            "text": {"body": body}}


def button_reply(wamid: str, sender: str, reply_id: str, title: str) -> dict[str, Any]:
    return {"from": sender, "id": wamid, "timestamp": str(int(time.time())),
            "type": "interactive",
            "interactive": {"type": "button_reply",
                            "button_reply": {"id": reply_id, "title": title}}}


def change(messages: list[dict[str, Any]], statuses: list[dict[str, Any]] | None = None,
           names: dict[str, str] | None = None) -> dict[str, Any]:
    value: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550009999", "phone_number_id": PHONE_NUMBER_ID},
        "contacts": [{"profile": {"name": name}, "wa_id": wa_id}
                     for wa_id, name in (names or {}).items()],
        "messages": messages}
    if statuses:
        value["statuses"] = statuses
    return {"field": "messages", "value": value}


def webhook(*changes: dict[str, Any]) -> dict[str, Any]:
    """A WhatsApp Cloud API webhook: one entry per change."""
    return {"object": "whatsapp_business_account",
            "entry": [{"id": f"WABA-{i}", "changes": [c]} for i, c in enumerate(changes)]}


def status(wamid: str, state: str = "delivered") -> dict[str, Any]:
    return {"id": wamid, "status": state, "timestamp": str(int(time.time())),
            "recipient_id": ALICE_WA}


_out_ids = itertools.count(1)


def graph_ok(request: httpx.Request) -> httpx.Response:
    """The Graph API's answer to a sent message, in its wire format."""
    to = json.loads(request.content).get("to", "")
    return httpx.Response(200, json={
        "messaging_product": "whatsapp", "contacts": [{"input": to, "wa_id": to}],
        "messages": [{"id": f"wamid.out{next(_out_ids)}"}]})


def _send_blocking(client: AsyncTestClient[Litestar], method: str, url: str,
                   kwargs: dict[str, Any]) -> httpx.Response:
    request = client.build_request(method, url, **kwargs)
    response: httpx.Response = client._transport.handle_request(request)  # type: ignore[attr-defined]
    response.read()
    return response


async def concurrently(client: AsyncTestClient[Litestar],
                       requests: list[tuple[str, str, dict[str, Any]]]) -> list[httpx.Response]:
    """Send the requests at the same time (one thread each) and return the responses in order."""
    loop = asyncio.get_running_loop()
    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        return list(await asyncio.gather(*(
            loop.run_in_executor(pool, functools.partial(_send_blocking, client, m, u, kw))
            for m, u, kw in requests)))


def assert_no_leak(response: httpx.Response) -> None:
    for secret in LEAKS:
        assert secret not in response.text, f"{secret!r} leaked in {response.text!r}"


def assert_error(response: httpx.Response, status_code: int, code: str | None = None) -> None:
    """The error shape the README fixes, with the request id also in the X-Request-ID header."""
    assert response.status_code == status_code, response.text
    body = response.json()
    assert set(body) == {"error", "detail", "request_id"}
    assert all(isinstance(v, str) and v for v in body.values())
    if code is not None:
        assert body["error"] == code
    assert response.headers["x-request-id"] == body["request_id"]
    assert_no_leak(response)


@contextlib.contextmanager
def frozen_rate_window() -> Iterator[None]:
    """Keep the rate limiter inside one minute window, whenever the test runs."""
    mid_window = time.time() // 60 * 60 + 30
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(channels.limits, "time", _FrozenClock(mid_window))
        yield


class _FrozenClock:
    """The `time` module, with `time()` stopped at one instant."""

    def __init__(self, at: float) -> None:
        self.at = at

    def time(self) -> float:
        return self.at

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)


@contextlib.asynccontextmanager
async def running_api(settings: Settings, store: Store,
                      monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Api]:
    """The API on the test's database (seeded by its lifespan), with the Graph API faked.

    Every `run_turn` the API makes is recorded in `Api.turns`; the graph runs, in the order
    they began, in `Api.ran`, with the most runs of one session at the same time in
    `Api.max_parallel`.
    """
    with respx.mock(assert_all_called=False) as router:
        route = router.post(SEND_URL).mock(side_effect=graph_ok)
        async with AsyncTestClient(app=create_app(settings, mongo_uri=settings.mongo_uri)
                                   ) as client:
            api = Api(client=client, store=store, graph_api=route)
            active: dict[str, int] = {}

            async def recorded(graph: Any, *, customer_id: str, session_id: str, message: str,
                               channel: str = "web", source: str = "") -> TurnResult:
                turn = Turn(channel, customer_id, session_id, message, source)
                api.turns.append(turn)
                try:
                    return await run_turn(graph, customer_id=customer_id, session_id=session_id,
                                          message=message, channel=channel, source=source)
                except Busy:  # the session stayed busy: this message never ran
                    api.turns.remove(turn)
                    raise

            graph = client.app.state.omnisales.graph
            ainvoke = graph.ainvoke

            async def counted(payload: Any, config: Any, **kwargs: Any) -> Any:
                key = config["configurable"]["thread_id"]  # inside the turn's session lock
                api.ran.append((key, payload.resume if isinstance(payload, Command)
                                else payload["messages"][-1].text))
                active[key] = active.get(key, 0) + 1
                api.max_parallel[key] = max(api.max_parallel.get(key, 0), active[key])
                try:
                    return await ainvoke(payload, config, **kwargs)
                finally:
                    active[key] -= 1

            monkeypatch.setattr(server, "run_turn", recorded)
            monkeypatch.setattr(graph, "ainvoke", counted)
            await api.settled()  # the start-up recovery of the inbox
            yield api
