"""The command line as a developer meets it: real processes, their streams and exit statuses."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pymongo import MongoClient

from checkpoints.embedded import EmbeddedServer
from graph import studio
from ops.console import export_library_settings
from tests.test_production import OMNISALES, env_of, omnisales

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def db_env(tmp_path: Path, mongo: EmbeddedServer) -> Iterator[dict[str, str]]:
    """A process environment on a fresh database of the test server."""
    name = f"c_{uuid.uuid4().hex[:12]}"
    yield env_of(tmp_path, MONGO_URI=mongo.uri, DB_NAME=name)
    client: MongoClient[dict[str, Any]] = MongoClient(mongo.uri)
    client.drop_database(name)
    client.close()


@pytest.mark.parametrize(("variable", "value", "expected"), [
    ("ENVIRONMENT", "prod", "ENVIRONMENT: expected 'development' or 'production'"),
    ("LLM_TIMEOUT_S", "-1", "LLM_TIMEOUT_S: expected greater than 0"),
    ("COORDINATION", "cluster", "COORDINATION: expected 'process' or 'database'"),
])
def test_a_settings_error_names_the_variable_and_what_it_expects(
        tmp_path: Path, variable: str, value: str, expected: str) -> None:
    done = omnisales(env_of(tmp_path, **{variable: value}), tmp_path, "seed")
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr == f"omnisales: invalid settings: {expected}\n"


def test_a_secret_setting_error_does_not_repeat_the_value(tmp_path: Path) -> None:
    short = "short-key-do-not-print"
    done = omnisales(env_of(tmp_path, ENVIRONMENT="production", API_SECRET_KEY=short,
                            MONGO_URI="mongodb://127.0.0.1:1/"), tmp_path, "ask", "--user",
                     "u", "--session", "s", "hi")
    assert done.returncode == 1 and short not in done.stderr
    assert done.stderr == ("omnisales: invalid settings: API_SECRET_KEY must be set to 32+ "
                           "characters in production\n")


@pytest.mark.slow
def test_ask_says_where_on_stderr_and_keeps_stdout_json(db_env: dict[str, str],
                                                        tmp_path: Path) -> None:
    done = omnisales(db_env, tmp_path, "ask", "--user", "demo-alice", "--session", "s1",
                     "how many loyalty points do I have?")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["agent_used"] == "loyalty"
    host = db_env["MONGO_URI"].split("//")[1].split("/")[0]
    assert done.stderr == (f"omnisales: database {db_env['DB_NAME']!r} on {host} (MONGO_URI); "
                           f"data {tmp_path.resolve()}\n")


@pytest.mark.slow
def test_ask_into_a_closed_pipe_is_quiet(db_env: dict[str, str], tmp_path: Path) -> None:
    read, write = os.pipe()
    os.close(read)  # the reader is gone before anything is written, as `| true` or `| head -c0`
    process = subprocess.run(
        [str(OMNISALES), "ask", "--user", "demo-alice", "--session", "s1", "hi"],
        env=db_env, cwd=tmp_path, stdout=write, stderr=subprocess.PIPE, text=True, timeout=120,
        stdin=subprocess.DEVNULL)
    os.close(write)
    assert process.returncode == 141
    assert process.stderr.startswith("omnisales: database ")
    assert len(process.stderr.splitlines()) == 1, process.stderr


def _as_in_a_terminal() -> None:
    """Ctrl-C reaches the child as it would a terminal's foreground program.

    A suite started as a background job (`make test &`) has SIGINT ignored, and a child
    inherits that: Python then installs no KeyboardInterrupt for it, and Ctrl-C does nothing.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.slow
def test_ctrl_c_in_chat_exits_at_once(db_env: dict[str, str], tmp_path: Path) -> None:
    # Where a chat that did not exit was stuck: faulthandler prints every thread's stack on
    # SIGABRT, into a file the failure shows (a pipe nobody reads could itself hold the exit).
    stuck = tmp_path / "stderr.txt"
    with stuck.open("w") as err:
        chat = subprocess.Popen([str(OMNISALES), "chat"], env=db_env | {"PYTHONFAULTHANDLER": "1"},
                                cwd=tmp_path, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=err, text=True, preexec_fn=_as_in_a_terminal)
    try:
        assert chat.stdout is not None and chat.stdin is not None
        assert "Empty line or Ctrl-D to quit" in chat.stdout.readline()
        chat.stdin.write("hi\n")
        chat.stdin.flush()
        assert chat.stdout.read(len("you> [general] ")).startswith("you> [")
        chat.stdout.readline()
        time.sleep(0.3)  # at the next prompt, waiting for a line that never comes
        asked = time.monotonic()
        chat.send_signal(signal.SIGINT)
        try:
            status = chat.wait(timeout=10)
        except subprocess.TimeoutExpired:
            chat.send_signal(signal.SIGABRT)
            chat.wait(timeout=10)
            pytest.fail(f"the chat did not exit; where it was:\n{stuck.read_text()[-6000:]}")
        took = time.monotonic() - asked
    finally:
        if chat.poll() is None:
            chat.kill()
            chat.wait()
    assert status == 130 and took < 3.0, took
    assert "Traceback" not in stuck.read_text()


def test_make_run_takes_a_port() -> None:
    done = subprocess.run(["make", "-n", "run", "PORT=8010"], cwd=ROOT, capture_output=True,
                          text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert "omnisales serve --host 127.0.0.1 --port 8010" in done.stdout


@pytest.mark.slow
async def test_the_studio_factory_reuses_what_it_built(mongo: EmbeddedServer, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    name = f"c_{uuid.uuid4().hex[:12]}"
    for key, value in {"MONGO_URI": mongo.uri, "DB_NAME": name,
                       "DATA_DIR": str(tmp_path)}.items():
        monkeypatch.setenv(key, value)
    started = time.perf_counter()
    async with studio.make_graph() as first:
        built = time.perf_counter() - started
    started = time.perf_counter()
    async with studio.make_graph() as second:
        again = time.perf_counter() - started
    assert second is first and again < 0.05 < built, (built, again)
    for stack in studio._held:
        await stack.aclose()
    studio._held.clear()
    client: MongoClient[dict[str, Any]] = MongoClient(mongo.uri)
    client.drop_database(name)
    client.close()


def test_library_settings_in_dotenv_reach_the_environment(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("OTEL_SERVICE_NAME=shop-a\nLANGSMITH_PROJECT=kept\nOTEL_EXPORTER_OTLP_"
                        "ENDPOINT=\nAPI_SECRET_KEY=not-exported\n")
    for name in ("OTEL_SERVICE_NAME", "OTEL_EXPORTER_OTLP_ENDPOINT", "API_SECRET_KEY"):
        monkeypatch.setenv(name, "")  # recorded, so that what the test sets is undone
        monkeypatch.delenv(name)
    monkeypatch.setenv("LANGSMITH_PROJECT", "from-the-shell")
    export_library_settings(str(env_file))
    assert os.environ["OTEL_SERVICE_NAME"] == "shop-a"
    assert os.environ["LANGSMITH_PROJECT"] == "from-the-shell"
    assert "OTEL_EXPORTER_OTLP_ENDPOINT" not in os.environ
    assert "API_SECRET_KEY" not in os.environ


@pytest.mark.slow
@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_a_stopped_server_stops_the_embedded_database_it_started(
        tmp_path: Path, stop: signal.Signals) -> None:
    # `docker stop`, systemd and Ctrl-C: the server shuts down, and so does its database, which
    # would otherwise hold DATA_DIR's files and a port until someone found and killed it.
    from tests.test_server_process import free_port
    port = free_port()
    serve = subprocess.Popen([str(OMNISALES), "serve", "--port", str(port)],
                             env=env_of(tmp_path), cwd=tmp_path, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        record = tmp_path / "mongo.json"
        deadline = time.monotonic() + 90
        while not _healthy(port):
            assert serve.poll() is None and time.monotonic() < deadline, serve.communicate()
            time.sleep(0.3)
        database = json.loads(record.read_text())["pid"]
        # A widget's event stream is open: it stays open for minutes unless the server ends it.
        key = (tmp_path / "api_key").read_text().strip()
        listening = threading.Event()

        def listen() -> None:
            with httpx.stream("GET", f"http://127.0.0.1:{port}/chat/events", params={
                    "session_id": "s1", "user_id": "demo-alice"},
                    headers={"Authorization": f"Bearer {key}"}, timeout=60) as events:
                for _ in events.iter_lines():
                    listening.set()

        listener = threading.Thread(target=listen, daemon=True)
        listener.start()
        assert listening.wait(20)
        serve.send_signal(stop)
        status = serve.wait(timeout=20)  # within `docker stop`'s grace, the stream notwithstanding
    finally:
        if serve.poll() is None:
            serve.kill()
            serve.wait()
    _, err = serve.communicate()
    assert status in (0, 130), err
    assert "Traceback" not in err
    with pytest.raises(ProcessLookupError):
        for _ in range(50):  # the database's process has gone (not merely been asked to)
            os.kill(database, 0)
            time.sleep(0.1)
    assert not record.exists()


def _healthy(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False
