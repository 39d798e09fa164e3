"""The OpenAPI document describes the API: bodies, auth, errors, the stream; schemathesis agrees."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from checkpoints.embedded import EmbeddedServer
from tests.api_support import API_KEY, Api
from tests.test_server_process import database, environment, served

__all__ = ["database"]  # the fixture, used by the schemathesis run

ROOT = Path(__file__).resolve().parent.parent
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")


async def schema(api: Api) -> dict[str, Any]:
    response = await api.client.get("/docs/openapi.json")
    assert response.status_code == 200
    return dict(response.json())


async def test_every_operation_has_its_body_auth_and_errors(api: Api) -> None:
    doc = await schema(api)
    chat = doc["paths"]["/chat"]["post"]
    body = chat["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/ChatRequest"} and chat["requestBody"]["required"]
    assert set(doc["components"]["schemas"]["ChatRequest"]["required"]) == {
        "user_id", "session_id", "message"}
    assert chat["security"] == [{"ApiKey": []}]
    assert doc["components"]["securitySchemes"]["ApiKey"] == {
        "type": "http", "scheme": "bearer",
        "description": "API_SECRET_KEY (server to server), or a customer token"}
    assert {"200", "401", "409", "413", "422", "429", "503"} <= set(chat["responses"])
    assert chat["responses"]["429"]["headers"]["Retry-After"]["required"] is True
    error = doc["components"]["schemas"]["ErrorBody"]
    assert set(error["required"]) == {"error", "detail", "request_id"}
    stream = doc["paths"]["/chat/stream"]["post"]["responses"]["200"]["content"]
    assert list(stream) == ["text/event-stream"]
    voice = doc["paths"]["/webhook/superu"]["post"]
    assert {p["name"] for p in voice["parameters"]} == {"X-SuperU-Timestamp",
                                                        "X-SuperU-Signature"}
    assert "from" in doc["components"]["schemas"]["VoiceTurn"]["properties"]
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            statuses = set(operation["responses"])
            assert "200" in statuses, (method, path)
            if method == "post":
                assert "requestBody" in operation or "{" in path, (method, path)
            if path.startswith("/pos/"):
                assert operation["security"] == [{"PosKey": []}]


async def test_trace_is_405_with_allow_and_options_lists_every_method(api: Api) -> None:
    trace = await api.client.request("TRACE", "/webhook/whatsapp")
    assert trace.status_code == 405 and trace.json()["error"] == "method_not_allowed"
    assert set(trace.headers["allow"].split(", ")) == {"GET", "POST", "OPTIONS"}
    options = await api.client.options("/webhook/whatsapp")
    assert options.status_code == 204
    assert set(options.headers["allow"].split(", ")) == {"GET", "POST", "OPTIONS"}


async def test_an_empty_or_blank_body_is_422(api: Api) -> None:
    auth = {"Authorization": f"Bearer {API_KEY}"}
    for content in (b"", b"{}", b'{"user_id": "a", "session_id": "b", "message": "  "}'):
        response = await api.client.post("/chat", content=content, headers=auth)
        assert response.status_code == 422, content


@pytest.mark.slow
def test_schemathesis_finds_nothing(mongo: EmbeddedServer, database: tuple[str, Any],
                                    tmp_path: Path) -> None:
    """Every check of schemathesis, 20 examples an operation, against a served API."""
    env = environment(mongo.uri, database[0], tmp_path, "http://127.0.0.1:9/v21.0") | {
        "POS_API_KEY": API_KEY, "API_SECRET_KEY": API_KEY,
        # Fuzzing sends hundreds of requests a minute from one address with one key.
        "RATE_LIMIT_PER_ADDRESS": "100000", "RATE_LIMIT_PER_KEY": "100000",
        "SCHEMATHESIS_HOOKS": "tests.schemathesis_hooks"}  # signed webhooks reach the handlers
    with served(env, tmp_path) as (base, _log):
        assert httpx.get(f"{base}/docs/openapi.json").status_code == 200
        run = subprocess.run(
            [str(SCHEMATHESIS), "--config-file", str(ROOT / "tests/data/schemathesis.toml"),
             "run", f"{base}/docs/openapi.json", "--checks", "all", "--max-examples", "20",
             "--seed", "20261206", "-H", f"Authorization: Bearer {API_KEY}",
             "--no-color"],
            capture_output=True, text=True, timeout=300, cwd=tmp_path, env=env)
    assert run.returncode == 0, run.stdout[-6000:]
    assert "No issues found" in run.stdout or " passed" in run.stdout, run.stdout[-2000:]
