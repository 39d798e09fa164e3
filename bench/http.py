"""Measure the HTTP layer: /chat against a bare Litestar echo, and one worker against two.

Every server runs in its own process on 127.0.0.1 (uvicorn), so that the load generator (an
`httpx.AsyncClient` in this process) does not share an interpreter with the server it measures.

    .venv/bin/python -m bench.http                 # all three measures
    .venv/bin/python -m bench.http serve echo --port 8123   # one of the servers, by hand
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from litestar import post

from bench.common import Measure, median, percentile, timed_ms
from checkpoints.embedded import start_embedded

ROOT = Path(__file__).resolve().parent.parent
API_KEY = "bench-api-key-0123456789-abcdefghijklmnopqrstuvwxyz"
AUTH = {"Authorization": f"Bearer {API_KEY}"}
MESSAGES = ["hello", "where is my order ORD-1002?", "laptop for coding under $900",
            "is LAP-00001 in stock at the mall?", "how many points do I have?"]
CONNECTIONS = 32
START_TIMEOUT_S = 120.0
# Settings this process may have in its environment that would change what a server does.
_FOREIGN_ENV = ("OPENROUTER_", "OLLAMA_", "MONGO_URI", "DB_NAME", "API_SECRET_KEY", "DATA_DIR",
                "ENVIRONMENT", "WHATSAPP_", "SUPERU_", "POS_API_URL", "CORS_ORIGINS")

Request = Callable[[int, int], tuple[str, dict[str, Any]]]


# --- servers ---------------------------------------------------------------------------------


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without product settings, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith(_FOREIGN_ENV)}
    return env | extra


@dataclass(frozen=True)
class Server:
    """A server process the benchmark started: its base URL and process id."""

    base: str
    pid: int


def _stat(pid: int) -> list[str]:
    """The fields of /proc/PID/stat after the command name (field 3 onwards)."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system, every thread) of a process and its living descendants."""
    tick = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                parents[int(entry.name)] = int(_stat(int(entry.name))[1])
    family, total = [pid], 0.0
    while family:
        current = family.pop()
        family += [child for child, parent in parents.items() if parent == current]
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = _stat(current)
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


@contextlib.contextmanager
def served(args: list[str], port: int, ready: str = "/health",
           env: dict[str, str] | None = None) -> Iterator[Server]:
    """Run a server process until it answers `GET ready` with 200.

    The process (and, for `--workers`, the workers its supervisor starts) is stopped with
    SIGTERM at the end, then killed if it does not exit within 20 s.
    """
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(args, cwd=ROOT, env=env if env is not None else clean_env(),
                                   stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                   stderr=errors)
        try:
            deadline = time.monotonic() + START_TIMEOUT_S
            while True:
                if process.poll() is not None:
                    errors.seek(0)
                    tail = errors.read().decode(errors="replace")[-2000:]
                    raise RuntimeError(f"{args} exited with {process.returncode}:\n{tail}")
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(base + ready, timeout=2.0).status_code == 200:
                        break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{args} did not answer {ready} in {START_TIMEOUT_S} s")
                time.sleep(0.2)
            yield Server(base, process.pid)
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


@contextlib.contextmanager
def database() -> Iterator[Server]:
    """A fresh embedded database (as `bench.common.embedded_database`), with its process id."""
    with tempfile.TemporaryDirectory(prefix="omnisales-bench-") as folder:
        server = start_embedded(Path(folder))
        assert server.process is not None
        try:
            yield Server(server.uri, server.process.pid)
        finally:
            server.stop()


def _bench_server(kind: str, port: int, uri: str = "", db: str = "") -> list[str]:
    command = [sys.executable, "-m", "bench.http", "serve", kind, "--port", str(port)]
    return command + (["--uri", uri, "--db", db] if uri else [])


@post("/echo", status_code=200)
async def _echo(data: dict[str, Any]) -> dict[str, Any]:
    return data


def _echo_app() -> Any:
    from litestar import Litestar, get

    @get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return Litestar(route_handlers=[_echo, health])


async def _instant_turn(graph: Any, *, customer_id: str, session_id: str, message: str,
                        channel: str = "web") -> dict[str, Any]:
    """What `/chat` gets instead of a graph turn: a fixed answer, at once."""
    return {"reply": f"echo: {message}", "agent_used": "general", "actions": [],
            "awaiting_confirmation": False, "answered_by": "offline"}


def _serve(kind: str, port: int, uri: str, db: str) -> None:
    """Serve `echo`, `stub` (/chat with an instant graph) or `api` (the full product)."""
    import uvicorn

    if kind == "echo":
        app = _echo_app()
    else:
        from pydantic import SecretStr

        import server
        from settings import Settings

        settings = Settings(_env_file=None, mongo_uri=uri, db_name=db,  # type: ignore[call-arg]
                            api_secret_key=SecretStr(API_KEY))
        if kind == "stub":  # the handler calls `server.run_turn`: everything else stays
            vars(server)["run_turn"] = _instant_turn
        app = server.create_app(settings, mongo_uri=uri)
        if kind == "stub":
            app.register(_echo)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


# --- load ------------------------------------------------------------------------------------


def _chat_body(user: str, session: str, message: str) -> dict[str, Any]:
    return {"user_id": user, "session_id": session, "message": message}


def chat_requests(tag: str, turns_per_user: int = 10) -> Request:
    """Request `k` of connection `w`: a turn of a session no other connection uses.

    Each user sends `turns_per_user` turns in a row, well under the 20/min limit, and a
    session is only ever used by one connection, so neither 429 nor 409 can happen.
    """
    def make(w: int, k: int) -> tuple[str, dict[str, Any]]:
        user = f"{tag}-w{w}-u{k // turns_per_user}"
        return "/chat", _chat_body(user, "s", MESSAGES[k % len(MESSAGES)])

    return make


def echo_requests(w: int, k: int) -> tuple[str, dict[str, Any]]:
    """The echo route gets a body of the same shape as /chat."""
    return "/echo", _chat_body(f"e-w{w}", "s", MESSAGES[k % len(MESSAGES)])


@dataclass
class Load:
    """What one burst of requests achieved, and the CPU it cost the server and the database."""

    rate: float
    server_cpu_ms: float
    db_cpu_ms: float


async def throughput(server: Server, make: Request, per_connection: int, *, db_pid: int = 0,
                     connections: int = CONNECTIONS) -> Load:
    """Requests per second with `connections` clients, each sending its requests in a row.

    Each connection has its own `httpx.AsyncClient`: one client with a pool of 32 spends about
    2.4 ms of CPU per request finding a connection (vs 0.7 ms), and would measure itself.
    """
    clients = [httpx.AsyncClient(base_url=server.base, headers=AUTH, timeout=120.0,
                                 limits=httpx.Limits(max_connections=1))
               for _ in range(connections)]
    try:
        async def one(w: int) -> None:
            for k in range(per_connection):
                path, body = make(w, k)
                response = await clients[w].post(path, json=body)
                if response.status_code != 200:
                    raise RuntimeError(f"{path}: {response.status_code} {response.text[:300]}")

        # open the connections first, so that connecting is not part of the figure
        await asyncio.gather(*(client.get("/health") for client in clients))
        cpu, db_cpu = cpu_seconds(server.pid), cpu_seconds(db_pid) if db_pid else 0.0
        started = time.perf_counter()
        await asyncio.gather(*(one(w) for w in range(connections)))
        elapsed = time.perf_counter() - started
        count = connections * per_connection
        return Load(count / elapsed, (cpu_seconds(server.pid) - cpu) / count * 1000,
                    ((cpu_seconds(db_pid) - db_cpu) / count * 1000) if db_pid else 0.0)
    finally:
        for client in clients:
            await client.aclose()


# --- measures --------------------------------------------------------------------------------


async def _latencies(stub: str, echo: str, rounds: int, requests: int
                     ) -> tuple[list[float], list[float]]:
    """Per-round p50 (ms) of each side; the requests alternate so that drift hits both."""
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    chat_p50, echo_p50 = [], []
    async with (httpx.AsyncClient(base_url=stub, headers=AUTH, limits=limits) as chat_client,
                httpx.AsyncClient(base_url=echo, limits=limits) as echo_client):
        for r in range(-1, rounds):  # round -1 warms both servers up and is not counted
            ours, bare = [], []
            for i in range(requests if r >= 0 else 50):
                # a new user each time: the 20/min limit per user never applies
                body = _chat_body(f"mw{r}-{i}", "s", MESSAGES[i % len(MESSAGES)])
                started = time.perf_counter()
                response = await chat_client.post("/chat", json=body)
                ours.append(timed_ms(started))
                if response.status_code != 200:
                    raise RuntimeError(f"/chat: {response.status_code} {response.text[:300]}")
                started = time.perf_counter()
                response = await echo_client.post("/echo", json=body)
                bare.append(timed_ms(started))
                if response.status_code != 200 or response.json() != body:
                    raise RuntimeError(f"/echo: {response.status_code} {response.text[:300]}")
            if r >= 0:
                chat_p50.append(percentile(ours, 50))
                echo_p50.append(percentile(bare, 50))
    return chat_p50, echo_p50


async def middleware(db: Server, rounds: int = 5, requests: int = 200) -> Measure:
    """p50 of POST /chat with an instant graph vs a bare Litestar echo route, one connection."""
    stub_port, echo_port = free_port(), free_port()
    with (served(_bench_server("stub", stub_port, db.base, "bench_http_stub"), stub_port) as stub,
          served(_bench_server("echo", echo_port), echo_port) as echo):
        ours, bare = await _latencies(stub.base, echo.base, rounds, requests)
        # The same echo route mounted in the product's own process: what the handler adds.
        inside, inside_echo = await _latencies(stub.base, stub.base, rounds, requests)
    a, b = median(ours), median(bare)
    return Measure("middleware", a, b, a / b, 1.2, "ms p50",
                   "POST /chat with the turn replaced by an instant answer (auth, validation, "
                   "rate limit, formatting) vs a bare Litestar echo route; one connection each, "
                   f"requests alternating, median of {rounds} rounds of {requests}. With the "
                   "echo route mounted in the product's own process (its middleware, headers "
                   f"and heap): {median(inside):.3f} vs {median(inside_echo):.3f} ms, "
                   f"{median(inside) / median(inside_echo):.2f}x")


async def http_floor(db: Server, rounds: int = 3, turns: int = 10, echoes: int = 40) -> Measure:
    """Echo requests/s vs full offline /chat turns/s, 32 connections each."""
    api_port, echo_port = free_port(), free_port()
    with (served(_bench_server("api", api_port, db.base, "bench_http_api"), api_port) as api,
          served(_bench_server("echo", echo_port), echo_port) as echo):
        await throughput(api, chat_requests("warm"), 2)
        await throughput(echo, echo_requests, 5)
        chat, bare = [], []
        for r in range(rounds):
            chat.append(await throughput(api, chat_requests(f"fl{r}"), turns, db_pid=db.pid))
            bare.append(await throughput(echo, echo_requests, echoes))
    a, b = median([x.rate for x in bare]), median([x.rate for x in chat])
    return Measure("http_floor", a, b, a / b, 12.0, "req/s",
                   f"a: bare Litestar echo requests/s, b: full offline POST /chat turns/s; "
                   f"{CONNECTIONS} connections, median of {rounds} rounds of "
                   f"{CONNECTIONS * echoes} echoes and {CONNECTIONS * turns} turns. CPU per "
                   f"request: echo server {median([x.server_cpu_ms for x in bare]):.2f} ms; "
                   f"/chat server {median([x.server_cpu_ms for x in chat]):.1f} ms + database "
                   f"{median([x.db_cpu_ms for x in chat]):.1f} ms")


async def _seed(uri: str, db: str) -> None:
    from tools.seed import seed
    from tools.store import Store

    store = Store.connect(uri, db)
    try:
        await store.ensure_indexes()
        await seed(store, reset=True)
    finally:
        await store.close()


async def workers(db: Server, rounds: int = 3, turns: int = 10) -> Measure:
    """Full /chat turns/s of `omnisales serve --workers 2` vs `--workers 1`, 32 connections."""
    command = str(Path(sys.executable).parent / "omnisales")
    loads: dict[int, list[Load]] = {1: [], 2: []}
    with tempfile.TemporaryDirectory(prefix="omnisales-bench-") as data_dir:
        names = {n: f"bench_workers{n}_{os.getpid()}_{time.time_ns() % 10**6}" for n in loads}
        for name in names.values():
            await _seed(db.base, name)
        ports = {n: free_port() for n in loads}

        def serve(n: int) -> contextlib.AbstractContextManager[Server]:
            env = clean_env(MONGO_URI=db.base, DB_NAME=names[n], API_SECRET_KEY=API_KEY,
                            DATA_DIR=data_dir)
            return served([command, "serve", "--port", str(ports[n]), "--workers", str(n)],
                          ports[n], env=env)

        with serve(1) as one, serve(2) as two:
            servers = {1: one, 2: two}
            for n, server in servers.items():
                await throughput(server, chat_requests(f"ww{n}"), 2)
            for r in range(rounds):
                for n, server in servers.items():
                    loads[n].append(await throughput(server, chat_requests(f"w{n}r{r}"), turns,
                                                     db_pid=db.pid))
    a, b = median([x.rate for x in loads[2]]), median([x.rate for x in loads[1]])
    cpu = {n: (median([x.server_cpu_ms for x in loads[n]]), median([x.db_cpu_ms for x in loads[n]]))
           for n in loads}
    return Measure("workers", a, b, a / b, 10.0, "turns/s",
                   "report only (the target is a placeholder): `omnisales serve --workers 2` vs "
                   f"`--workers 1`, {CONNECTIONS} connections, offline turns, median of {rounds} "
                   "rounds. The machine has 2 cores, shared by the workers, the embedded "
                   "database (a Python process) and the load generator, so a second worker has "
                   "little idle CPU to use. CPU per turn, API + database: 1 worker "
                   f"{cpu[1][0]:.1f} + {cpu[1][1]:.1f} ms, 2 workers {cpu[2][0]:.1f} + "
                   f"{cpu[2][1]:.1f} ms")


async def measure() -> list[Measure]:
    """middleware, http_floor and workers, one after another, each on a fresh database."""
    rows = []
    for one in (middleware, http_floor, workers):
        with database() as db:
            rows.append(await one(db))
    return rows


def main(argv: list[str] | None = None) -> None:
    """Print the measures, or (`serve KIND`) run one of the benchmark's servers."""
    parser = argparse.ArgumentParser(prog="python -m bench.http", description=__doc__)
    commands = parser.add_subparsers(dest="command")
    serve = commands.add_parser("serve", help="serve echo, stub (/chat, instant graph) or api")
    serve.add_argument("kind", choices=["echo", "stub", "api"])
    serve.add_argument("--port", type=int, required=True)
    serve.add_argument("--uri", default="")
    serve.add_argument("--db", default="bench_http")
    args = parser.parse_args(argv)
    if args.command == "serve":
        _serve(args.kind, args.port, args.uri, args.db)
        return
    for row in asyncio.run(measure()):
        print(row.as_json())


if __name__ == "__main__":
    main()
