"""Production is production: no embedded database, no demo data, no key printed, and every
failing `omnisales serve` is one line on stderr and a non-zero exit (real processes)."""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from pydantic import ValidationError
from pymongo import MongoClient

from channels.docs import ASSETS, SCALAR_JS
from checkpoints.embedded import EmbeddedServer
from server import create_app
from settings import Settings
from tests.test_server_process import free_port, served
from tools.store import Store

OMNISALES = Path(sys.executable).with_name("omnisales")
KEY = "production-key-0123456789-abcdefghijklmnop"
PASSWORD = "s3cret-db-password"
SCALAR_SHA256 = "93951f1794b0463b87ab58d0557a6610075af79a9f94c2a3f261c993bc7f3913"


def env_of(tmp_path: Path, **values: str) -> dict[str, str]:
    """A process environment with none of the caller's product settings, plus `values`."""
    ours = {name.upper() for name in Settings.model_fields}
    env = {k: v for k, v in os.environ.items() if k.upper() not in ours}
    return env | {"DATA_DIR": str(tmp_path), "PYTHONPATH": str(Path(__file__).parent.parent)
                  } | values


def omnisales(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(OMNISALES), *args], env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=120, stdin=subprocess.DEVNULL)


def assert_one_line_failure(done: subprocess.CompletedProcess[str], *words: str) -> None:
    assert done.returncode != 0, done
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("omnisales: "), done.stderr
    assert all(word in lines[0] for word in words), lines
    for leak in ("Traceback", KEY, PASSWORD):
        assert leak not in done.stdout + done.stderr


def test_secrets_are_not_in_the_settings_repr() -> None:
    values: dict[str, Any] = {
        "mongo_uri": f"mongodb://shop:{PASSWORD}@db.internal:27017/", "api_secret_key": KEY,
        "openrouter_api_key": "sk-or-secret", "pos_api_key": "pos-secret",
        "whatsapp_app_secret": "wa-secret", "superu_webhook_secret": "su-secret"}
    settings = Settings(_env_file=None, **values)  # type: ignore[call-arg]
    for text in (repr(settings), str(settings)):
        for secret in (PASSWORD, KEY, "sk-or-secret", "pos-secret", "wa-secret", "su-secret"):
            assert secret not in text
    assert settings.mongo_uri and PASSWORD in settings.mongo_uri  # still there to connect


def test_production_needs_mongo_uri() -> None:
    values: dict[str, Any] = {"environment": "production", "api_secret_key": KEY,
                              "widget_identity_secret": "i" * 32, "widget_token_secret": "t" * 32}
    with pytest.raises(ValidationError, match="MONGO_URI"):
        Settings(_env_file=None, **values)  # type: ignore[call-arg]
    production = Settings(_env_file=None, mongo_uri="mongodb://db.internal/",  # type: ignore[call-arg]
                          **values)
    assert production.mongo_uri == "mongodb://db.internal/"


@pytest.mark.slow
@pytest.mark.parametrize("workers", ["1", "2"])
def test_an_unreachable_database_is_one_line(tmp_path: Path, workers: str) -> None:
    env = env_of(tmp_path, MONGO_URI=f"mongodb://shop:{PASSWORD}@127.0.0.1:{free_port()}/")
    done = omnisales(env, tmp_path, "serve", "--port", str(free_port()), "--workers", workers)
    assert_one_line_failure(done, "database unreachable")
    assert done.stdout == ""  # not even the banner: nothing started


def test_production_without_mongo_uri_refuses_to_start(tmp_path: Path) -> None:
    env = env_of(tmp_path, ENVIRONMENT="production", API_SECRET_KEY=KEY,
                 WIDGET_IDENTITY_SECRET="i" * 32, WIDGET_TOKEN_SECRET="t" * 32)
    done = omnisales(env, tmp_path, "serve", "--port", str(free_port()))
    assert_one_line_failure(done, "MONGO_URI")
    assert not (tmp_path / "mongo").exists()  # no embedded database was started
    seeded = omnisales(env | {"MONGO_URI": "mongodb://127.0.0.1:1/"}, tmp_path, "seed")
    assert_one_line_failure(seeded, "never seeded")


@pytest.mark.slow
def test_a_port_in_use_is_one_line(tmp_path: Path, mongo: EmbeddedServer) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = omnisales(env_of(tmp_path, MONGO_URI=mongo.uri), tmp_path,
                         "serve", "--port", str(port))
    assert_one_line_failure(done, f"127.0.0.1:{port}")


@pytest.mark.slow
@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_worker_that_cannot_start_fails_the_command(
    tmp_path: Path, mongo: EmbeddedServer, workers: str,
) -> None:
    """The database answers the check but the application's start-up fails (a bad DB_NAME)."""
    env = env_of(tmp_path, MONGO_URI=mongo.uri, DB_NAME="bad/name")
    done = omnisales(env, tmp_path, "serve", "--port", str(free_port()), "--workers", workers)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr and "File \"" not in done.stderr
    assert "application start-up failed: InvalidName" in done.stderr
    assert done.stderr.splitlines()[-1].startswith("omnisales: ")


@pytest.mark.slow
def test_production_serves_without_seeding_or_printing_the_key(
    tmp_path: Path, mongo: EmbeddedServer,
) -> None:
    name = f"p_{uuid.uuid4().hex[:12]}"
    env = env_of(tmp_path, ENVIRONMENT="production", API_SECRET_KEY=KEY, MONGO_URI=mongo.uri,
                 DB_NAME=name, WIDGET_IDENTITY_SECRET="i" * 32, WIDGET_TOKEN_SECRET="t" * 32)
    client: MongoClient[dict[str, Any]] = MongoClient(mongo.uri)
    try:
        with served(env, tmp_path) as (_, log):
            printed = log.read_text()
        db = client[name]
        assert KEY not in printed and "API key: as set in API_SECRET_KEY" in printed
        for collection in ("products", "customers", "orders", "stock", "loyalty_ledger"):
            assert db[collection].count_documents({}) == 0, collection
    finally:
        client.drop_database(name)
        client.close()


@pytest.mark.slow
def test_development_prints_the_key(tmp_path: Path, mongo: EmbeddedServer) -> None:
    env = env_of(tmp_path, MONGO_URI=mongo.uri, DB_NAME=f"p_{uuid.uuid4().hex[:12]}",
                 API_SECRET_KEY=KEY)
    with served(env, tmp_path) as (_, log):
        assert f"API key: {KEY}" in log.read_text()
    MongoClient(mongo.uri).drop_database(env["DB_NAME"])


async def test_the_docs_load_nothing_from_elsewhere(settings: Settings, seeded: Store) -> None:
    async with AsyncTestClient(app=create_app(settings, mongo_uri=settings.mongo_uri)) as client:
        page = await client.get("/docs")
        script = await client.get(f"/docs-assets/{SCALAR_JS}")
        style = await client.get("/docs-assets/docs.css")
    assert page.status_code == 200
    assert "https://" not in page.text and "http://" not in page.text
    assert f'src="/docs-assets/{SCALAR_JS}"' in page.text
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert hashlib.sha256(script.content).hexdigest() == SCALAR_SHA256
    assert style.status_code == 200
    assert (ASSETS / "LICENSE-scalar").read_text().startswith(SCALAR_JS)
