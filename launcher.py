"""Start-up checks for `omnisales serve`: a failing start is one line and a non-zero exit."""

from __future__ import annotations

import logging
import re
import socket
from typing import Any

import uvicorn
from pymongo import MongoClient
from uvicorn.config import STARTUP_FAILURE  # a worker's exit status when it could not start
from uvicorn.supervisors import Multiprocess

_PING_TIMEOUT_MS = 3000
# The exception named on the last line of a formatted traceback (or exception group).
_RAISED = re.compile(r"^[\s|+]*(?:[A-Za-z_][\w.]*\.)?([A-Z]\w*)(?::\s|:?$)", re.MULTILINE)


class StartError(Exception):
    """The API cannot start; the message is the one line the operator reads."""


def check_port(host: str, port: int) -> None:
    """Fail now if the address cannot be listened on (in use, or not this machine's)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds it
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise StartError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def check_database(uri: str) -> None:
    """Fail now, before any worker starts, if the database does not answer a ping.

    Raises:
        StartError: naming the kind of failure, never the URI (it may hold a password).
    """
    client: MongoClient[dict[str, Any]] = MongoClient(
        uri, serverSelectionTimeoutMS=_PING_TIMEOUT_MS, connect=False)
    try:
        client.admin.command("ping")
    except Exception as exc:  # any driver or DNS failure is "unreachable" to the operator
        raise StartError(f"database unreachable: {type(exc).__name__}") from None
    finally:
        client.close()


class OneLineStartupErrors(logging.Filter):
    """Turn the traceback of a failed application start-up into the one line that names it.

    Litestar hands uvicorn the formatted traceback as the failure's message; operators need
    the exception's name, and a traceback may carry paths and settings.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite a record whose message is a traceback; keep every other record as it is."""
        message = record.getMessage()
        if "Traceback (most recent call last)" not in message:
            return True
        names = [match.group(1) for match in _RAISED.finditer(message)]
        record.msg = f"application start-up failed: {names[-1] if names else 'error'}"
        record.args = ()
        record.exc_info = None
        return True


def quiet_startup_errors() -> None:
    """Install `OneLineStartupErrors` on uvicorn's error logger (in this process)."""
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, OneLineStartupErrors) for f in logger.filters):
        logger.addFilter(OneLineStartupErrors())


def run_workers(config: uvicorn.Config) -> None:
    """Serve with `config.workers` processes; raise if a worker failed to start.

    uvicorn's own `run` returns normally (exit status 0) when its supervisor stops because a
    worker could not start; here the supervisor's workers are looked at when it returns.
    """
    sock = config.bind_socket()
    supervisor = Multiprocess(config, sockets=[sock])
    try:
        supervisor.run()
    finally:
        sock.close()
    if any(process.exitcode == STARTUP_FAILURE for process in supervisor.processes):
        raise StartError("a worker failed to start (its log line is above)")
