"""How uvicorn serves the API: forwarded addresses from trusted proxies only, slow clients cut off.

uvicorn has no deadline for reading a request: its keep-alive timeout runs only between requests,
so a client that sends its headers or body a byte at a time holds its connection (and, for a
body, the handler waiting for it) for as long as it likes. `DeadlineProtocol` is uvicorn's h11
protocol with one timer per request: from the first byte (or the connection) until the request
has been read whole; when it fires, the connection is closed. Headers are further capped in size
by h11 (`h11_max_incomplete_event_size`, 16 KB) and bodies per route by Litestar.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, ClassVar

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from settings import Settings

log = logging.getLogger("omnisales.api")

_READ = (h11.DONE, h11.MUST_CLOSE, h11.CLOSED, h11.ERROR)  # the client's request is all in
# How long a stopping server waits for its requests to finish before cancelling them: within
# `docker stop`'s 10 s, so that what the server started (the embedded database) is stopped too.
GRACEFUL_SHUTDOWN_S = 8
_stopping = False


def stopping() -> bool:
    """Whether this process's server is shutting down: long event streams end at their next poll.

    uvicorn waits for every open connection before it stops, and an event stream stays open for
    minutes; a stream that ends at once lets the browser reconnect to a server that is up.
    """
    return _stopping


class DeadlineProtocol(H11Protocol):
    """uvicorn's h11 protocol, with a deadline for reading each request whole."""

    # `REQUEST_READ_TIMEOUT_S`; read from the settings on the first connection unless set (each
    # of `serve --workers N`'s processes reads its own).
    read_timeout_s: ClassVar[float | None] = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Start the clock: a client that connects and says nothing is cut off as well."""
        super().connection_made(transport)
        self._deadline: asyncio.TimerHandle | None = None
        self._arm()

    def data_received(self, data: bytes) -> None:
        """Start the clock on a new request's first byte; stop it once the request is read."""
        if self._deadline is None and self.conn.their_state is h11.IDLE:
            self._arm()
        super().data_received(data)
        if self.conn.their_state in _READ:
            self._disarm()

    def on_response_complete(self) -> None:
        """After a response: a pipelined request already begun runs on a new clock."""
        super().on_response_complete()
        self._disarm()
        state = self.conn.their_state
        if state is h11.SEND_BODY or (state is h11.IDLE and self.conn.trailing_data[0]):
            self._arm()

    def shutdown(self) -> None:
        """The server is stopping (uvicorn asks each connection): say so to the event streams."""
        global _stopping
        _stopping = True
        super().shutdown()

    def connection_lost(self, exc: Exception | None) -> None:
        """Stop the clock of a connection that is gone."""
        self._disarm()
        super().connection_lost(exc)

    def handle_websocket_upgrade(self, event: h11.Request) -> None:
        """A WebSocket is no longer this protocol's to time."""
        self._disarm()
        super().handle_websocket_upgrade(event)

    @classmethod
    def timeout(cls) -> float:
        """The seconds a client has to send a request."""
        if cls.read_timeout_s is None:
            cls.read_timeout_s = Settings().request_read_timeout_s
        return cls.read_timeout_s

    def _arm(self) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(self.timeout(), self._expired)

    def _disarm(self) -> None:
        if getattr(self, "_deadline", None) is not None:
            assert self._deadline is not None
            self._deadline.cancel()
            self._deadline = None

    def _expired(self) -> None:
        self._deadline = None
        if not self.transport.is_closing():
            log.info("closed a connection that did not send its request within %g s",
                     self.timeout())
            self.transport.close()


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """The keyword arguments of `uvicorn.run` that make the API safe to expose.

    `X-Forwarded-For` is read only from `TRUSTED_PROXIES` (addresses or networks); with none,
    uvicorn's default (trusting 127.0.0.1) is switched off and the connecting address is the
    client's, so that no client can pick the address its requests are counted under.
    """
    DeadlineProtocol.read_timeout_s = settings.request_read_timeout_s
    proxies = ",".join(settings.trusted_proxies)
    # uvicorn's logging stays as `ops.logs` set it (structured); its access line is replaced
    # by the API's own (`ops.web`), which never writes a query string or a client's address.
    return {"http": "channels.serving:DeadlineProtocol", "proxy_headers": bool(proxies),
            "forwarded_allow_ips": proxies or None, "log_config": None, "access_log": False,
            "timeout_graceful_shutdown": GRACEFUL_SHUTDOWN_S}
