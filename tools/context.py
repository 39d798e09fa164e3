"""What every tool is handed: the shop's services and who the customer is."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import httpx

from settings import Settings
from tools.store import Store, now


class PaymentGateway(Protocol):
    """Charges and refunds a saved card; the sandbox gateway implements it."""

    name: str

    async def charge(
        self, *, card_token: str, amount_cents: int, currency: str, idempotency_key: str
    ) -> dict[str, Any]:
        """Charge a card; returns `{"status": "paid"|"declined"|"failed", "reference": ...}`."""
        ...

    async def lookup(self, idempotency_key: str) -> dict[str, Any] | None:
        """The outcome of the charge made under this key (as `charge` returned it), or None."""
        ...

    async def refund(
        self, *, reference: str, amount_cents: int, currency: str, idempotency_key: str
    ) -> dict[str, Any]:
        """Refund (part of) a charge; returns `{"status": "refunded"|"failed", ...}`."""
        ...


def session_key(channel: str, customer_id: str, session_id: str) -> str:
    """A session's one key: the triple as a JSON array, so no two different triples can share it.

    Joining the ids with a separator would let `("web", "a:b", "c")` and `("web", "a", "b:c")`
    meet; JSON quotes and escapes every part, whatever characters it holds.
    """
    return json.dumps([channel, customer_id, session_id], separators=(",", ":"))


@dataclass
class Services:
    """The run-time dependencies of the tools, opened once per process."""

    store: Store
    settings: Settings
    gateway: PaymentGateway
    http: httpx.AsyncClient
    clock: Callable[[], datetime] = field(default=now)


@dataclass(frozen=True)
class ToolContext:
    """A tool call's context: identity comes from the channel, never from the model."""

    services: Services
    customer_id: str
    channel: str = "web"
    session_id: str = ""
    store_id: str | None = None  # the till's store, on the staff channel `pos` only

    @property
    def store(self) -> Store:
        """The shop's database."""
        return self.services.store

    @property
    def session_key(self) -> str:
        """The session as the product keys it: channel, customer and session id."""
        return session_key(self.channel, self.customer_id, self.session_id)
