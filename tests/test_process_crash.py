"""M2: `omnisales serve` killed mid-turn on every channel, then restarted: each answers once."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from checkpoints.embedded import EmbeddedServer
from tests.test_server_process import (  # noqa: F401 - fixtures used by name
    ALICE_WA,
    API_KEY,
    OMNISALES,
    FakeGraph,
    database,
    environment,
    fake_graph,
    free_port,
    inbound_text,
    signed,
    wait_for,
)

VOICE_SECRET = "process-superu"

# Loaded by the served process (a `sitecustomize` on its PYTHONPATH): a run of the graph whose
# message carries a `slow-<name>` marker, while the file `slow` exists, writes `started-<name>`
# and then never ends, like a model that hangs; the process is killed in the middle of it.
SLOW_TURNS = '''
import asyncio, os, pathlib, re
from langgraph.pregel import Pregel

_ainvoke = Pregel.ainvoke
_here = pathlib.Path(os.environ["SLOW_TURNS_DIR"])


async def ainvoke(self, payload, config=None, **kwargs):
    text = payload["messages"][-1].text if isinstance(payload, dict) else ""
    marker = re.search(r"slow-(\\w+)", text)
    if marker and (_here / "slow").exists():
        (_here / f"started-{marker.group(1)}").write_text(text)
        await asyncio.sleep(3600)
    return await _ainvoke(self, payload, config, **kwargs)


Pregel.ainvoke = ainvoke
'''


@contextlib.contextmanager
def serving(env: dict[str, str], workdir: Path) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """`omnisales serve` on a free port: its process and URL; stopped at the end if alive."""
    port = free_port()
    log_path = workdir / f"serve-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(OMNISALES), "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        def up() -> bool:
            if process.poll() is not None:
                raise AssertionError(f"the server exited: {log_path.read_text()[-3000:]}")
            with contextlib.suppress(httpx.HTTPError):
                return httpx.get(f"{base}/health", timeout=2).status_code == 200
            return False

        wait_for(up, 60, "the server started")
        yield process, base
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def voice_request(base: str, event_id: str, transcript: str) -> httpx.Response:
    raw = json.dumps({"call_id": "call-m2", "event_id": event_id, "from": f"+{ALICE_WA}",
                      "transcript": transcript}).encode()
    stamp = str(int(time.time()))
    digest = hmac.new(VOICE_SECRET.encode(), stamp.encode() + b"." + raw,
                      hashlib.sha256).hexdigest()
    return httpx.post(f"{base}/webhook/superu", content=raw, timeout=30, headers={
        "Content-Type": "application/json", "X-SuperU-Timestamp": stamp,
        "X-SuperU-Signature": digest})


def chat(base: str, message: str, timeout: float = 30) -> httpx.Response:
    return httpx.post(f"{base}/chat", timeout=timeout, headers={
        "Authorization": f"Bearer {API_KEY}"}, json={
        "user_id": "demo-alice", "session_id": "m2", "message": message})


def in_background(call: Any, *args: Any) -> threading.Thread:
    """Start a request that the kill will cut: its failure is expected and ignored."""
    def run() -> None:
        with contextlib.suppress(httpx.HTTPError):
            call(*args)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


@pytest.mark.slow
def test_killed_mid_turn_then_restarted_answers_every_channel_once(
    mongo: EmbeddedServer, database: tuple[str, Any], fake_graph: FakeGraph,  # noqa: F811
    tmp_path: Path,
) -> None:
    name, db = database
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(SLOW_TURNS)
    env = environment(mongo.uri, name, tmp_path, fake_graph.url)
    env |= {"PYTHONPATH": f"{site}{os.pathsep}{env['PYTHONPATH']}",
            "SLOW_TURNS_DIR": str(tmp_path), "SUPERU_WEBHOOK_SECRET": VOICE_SECRET}
    (tmp_path / "slow").touch()
    wa_text = "where is my order ORD-1002? slow-wa"
    voice_text = "where is my order ORD-1002? slow-voice"

    with serving(env, tmp_path) as (process, base):
        assert chat(base, "hi, I need a laptop for coding").status_code == 200
        in_background(chat, base, "what about a cheaper one? slow-web")
        raw, headers = signed(inbound_text("wamid.m2", ALICE_WA, wa_text))
        assert httpx.post(f"{base}/webhook/whatsapp", content=raw, headers=headers,
                          timeout=5).status_code == 200
        in_background(voice_request, base, "evt-m2", voice_text)
        wait_for(lambda: all((tmp_path / f"started-{n}").exists() for n in ("web", "wa", "voice")),
                 30, "the three turns under way")
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    assert fake_graph.count() == 0
    (tmp_path / "slow").unlink()

    with serving(env, tmp_path) as (_, base):
        restarted = time.monotonic()
        # The voice provider retries the interrupted event: answered, not 409.
        retry = voice_request(base, "evt-m2", voice_text)
        assert retry.status_code == 200, retry.text
        assert "ORD-1002" in retry.json()["text"]
        assert voice_request(base, "evt-m2", voice_text).json() == retry.json()
        # The web session answers its next message.
        answer = chat(base, "show me laptops under $1000")
        assert answer.status_code == 200, answer.text
        assert answer.json()["reply"]
        # The WhatsApp message in progress is answered, once, within 60 s of the restart.
        wait_for(lambda: len(fake_graph.sent_to(ALICE_WA)) >= 1, 60, "the WhatsApp answer")
        answered_s = time.monotonic() - restarted
        time.sleep(5.0)  # more sweeps: nothing is sent twice
        (reply,) = fake_graph.sent_to(ALICE_WA)
        assert "ORD-1002" in json.dumps(reply)
    assert answered_s < 60
    inbound = db["wa_inbound"].find_one({"_id": "wamid.m2"})
    assert inbound["state"] == "done" and inbound["tries"] == 2
    assert db["wa_outbox"].count_documents({}) == 1
    assert db["voice_events"].find_one({"_id": "evt-m2"})["state"] == "done"
    print(f"M2: the interrupted WhatsApp message answered {answered_s:.1f} s after the restart")
