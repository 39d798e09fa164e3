"""Measure the WhatsApp webhook's acknowledgement while the model takes 5 s to answer.

The product runs as `omnisales serve` against a fake model (OpenAI wire format, 5 s per
answer). Signed webhooks arrive every 20 ms from 20 senders; each must be stored and answered
200 at once, the turn running in the background.

    .venv/bin/python -m bench.webhook
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import sys
import tempfile
import time
from typing import Any

import httpx

from bench.common import Measure, median, percentile, timed_ms
from bench.http import clean_env, database, free_port, served

SECRET = "bench-app-secret"
LLM_DELAY_S = 5.0
TARGET_MS = 100.0


def _payload(n: int, tag: str) -> bytes:
    sender = f"1555100{n % 20:04d}"
    message = {"from": sender, "id": f"wamid.bench.{tag}.{n}", "timestamp": str(int(time.time())),
               "type": "text", "text": {"body": "I need a laptop for coding under $1000"}}
    return json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [
        {"field": "messages", "value": {"messaging_product": "whatsapp",
                                         "metadata": {"phone_number_id": "1"},
                                         "contacts": [{"wa_id": sender, "profile": {"name": "B"}}],
                                         "messages": [message]}}]}]}).encode()


async def _acks(base: str, count: int, tag: str) -> list[float]:
    async with httpx.AsyncClient(base_url=base, timeout=30.0) as client:

        async def one(n: int) -> float:
            body = _payload(n, tag)
            signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
            started = time.perf_counter()
            response = await client.post("/webhook/whatsapp", content=body, headers={
                "X-Hub-Signature-256": signature, "Content-Type": "application/json"})
            elapsed = timed_ms(started)
            assert response.status_code == 200, response.text
            return elapsed

        tasks = []
        for n in range(count):
            tasks.append(asyncio.create_task(one(n)))
            await asyncio.sleep(0.02)
        return list(await asyncio.gather(*tasks))


async def measure(count: int = 150, rounds: int = 3) -> list[Measure]:
    """ack p99 with the model at 5 s, against the 100 ms budget; median of `rounds` rounds."""
    llm_port, api_port = free_port(), free_port()
    fake = [sys.executable, "-m", "bench.load", "fake-llm", "--port", str(llm_port),
            "--delay", str(LLM_DELAY_S)]
    with database() as db, tempfile.TemporaryDirectory() as data, served(fake, llm_port) as llm:
        env = clean_env(MONGO_URI=db.base, DB_NAME="bench_webhook", DATA_DIR=data,
                        API_SECRET_KEY="x" * 40, WHATSAPP_APP_SECRET=SECRET,
                        WHATSAPP_VERIFY_TOKEN="v", OPENROUTER_API_KEY="x",
                        OPENROUTER_BASE_URL=f"{llm.base}/v1")
        command = [sys.executable, "-m", "cli", "serve", "--port", str(api_port)]
        with served(command, api_port, env=env) as api:
            await _acks(api.base, 10, "warm")
            runs = [await _acks(api.base, count, f"r{r}") for r in range(rounds)]
    p99s = [percentile(samples, 99) for samples in runs]
    p99 = median(p99s)
    return [Measure("webhook_ack", p99, TARGET_MS, p99 / TARGET_MS, 1.0, "ms p99",
                    f"{count} signed WhatsApp webhooks every 20 ms while the model takes "
                    f"{LLM_DELAY_S:g} s; median of {rounds} rounds (p99 per round: "
                    f"{', '.join(f'{x:.0f}' for x in p99s)} ms); p50 "
                    f"{median([percentile(samples, 50) for samples in runs]):.1f} ms")]


def main() -> None:
    """Print the measure."""
    row: Any
    for row in asyncio.run(measure()):
        print(row.as_json())


if __name__ == "__main__":
    main()
