"""Start, or join, the embedded MongoDB-wire server (SecantusDB) that backs a data directory."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pymongo import MongoClient
from pymongo.errors import PyMongoError

START_TIMEOUT_S = 60.0
# Off: the product's writes ask for the journal themselves (`tools.store.durable_writes`),
# which kept every acknowledged insert through SIGKILL at the same cost per insert as this
# switch, while fsyncing every commit server-wide also made creating and dropping collections
# 6-7x slower (`python -m bench.durability`) and a test's teardown ~10x.
SYNC_ON_COMMIT = False


class EmbeddedDatabaseError(RuntimeError):
    """The embedded database could not be started or reached."""


@dataclass
class EmbeddedServer:
    """A running embedded server: its URI, and the child process when this process started it."""

    uri: str
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def stop(self) -> None:
        """Stop the server if this process started it; a joined server is left running."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def ping(uri: str, timeout_s: float = 1.0) -> bool:
    """Whether a MongoDB server answers `ping` at this URI."""
    ms = int(timeout_s * 1000)
    client: MongoClient[dict[str, object]] = MongoClient(
        uri, serverSelectionTimeoutMS=ms, connectTimeoutMS=ms
    )
    try:
        client.admin.command("ping")
        return True
    except PyMongoError:
        return False
    finally:
        client.close()


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def start_embedded(data_dir: Path, *, storage: str | None = None,
                   sync_on_commit: bool = SYNC_ON_COMMIT) -> EmbeddedServer:
    """Join the server already serving `data_dir`, or start one as a child process.

    The address of a running server is recorded in `data_dir/mongo.json`, under a file lock, so
    that a second process on the same directory joins it instead of opening the same WiredTiger
    files twice (which WiredTiger refuses, and which could corrupt the store).

    Args:
        data_dir: The product's data directory; the database lives in `data_dir/mongo`.
        storage: Override the storage path (`":memory:"` for a throwaway test server).
        sync_on_commit: Fsync the journal on every commit, so that what was acknowledged
            survives the death of the server's process.
    """
    data_dir = data_dir.resolve()
    record = data_dir / "mongo.json"
    with _locked(data_dir / "mongo.lock"):
        if storage is None and record.exists():
            with contextlib.suppress(ValueError, OSError):
                uri = json.loads(record.read_text())["uri"]
                if ping(uri):
                    return EmbeddedServer(uri=uri)
        port = _free_port()
        # No retryable writes: SecantusDB keeps each one's record for 30 minutes (up to 10,000)
        # and scans them all on every write, so a write costs more the busier the server was.
        # Repeated requests are made harmless by unique indexes instead (`Store.once`).
        uri = f"mongodb://127.0.0.1:{port}/?directConnection=true&retryWrites=false"
        path = storage or str(data_dir / "mongo")
        log = (data_dir / "mongo.log").open("ab")
        try:
            process = subprocess.Popen(
                [sys.executable, "-m", "secantus", "--host", "127.0.0.1", "--port", str(port),
                 "--storage-path", path, "--log-level", "WARNING",
                 *(["--sync-on-commit"] if sync_on_commit else [])],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        except OSError as exc:
            raise EmbeddedDatabaseError(f"cannot start the embedded database: {exc}") from exc
        finally:
            log.close()
        server = EmbeddedServer(uri=uri, process=process)
        deadline = time.monotonic() + START_TIMEOUT_S
        while not ping(uri, timeout_s=0.5):
            if process.poll() is not None:
                raise EmbeddedDatabaseError(
                    f"the embedded database exited (code {process.returncode}); "
                    f"see {data_dir / 'mongo.log'}"
                )
            if time.monotonic() > deadline:
                server.stop()
                raise EmbeddedDatabaseError("the embedded database did not answer in time")
            time.sleep(0.1)
        if storage is None:
            record.write_text(json.dumps({"uri": uri, "pid": process.pid}))
        return server


def forget(data_dir: Path, server: EmbeddedServer) -> None:
    """Stop a server this process started and drop its address record."""
    if server.process is None:
        return
    server.stop()
    record = data_dir.resolve() / "mongo.json"
    with contextlib.suppress(OSError, ValueError):
        if json.loads(record.read_text()).get("pid") == server.process.pid:
            os.unlink(record)
