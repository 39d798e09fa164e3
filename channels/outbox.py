"""WhatsApp's outbox: one reply per inbound id, sent once, retried for up to a day."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import stamina
from pymongo.errors import DuplicateKeyError

from channels import leases
from channels.whatsapp import SendError, send_message
from ops import metrics
from settings import Settings
from tools.store import Doc, Store

log = logging.getLogger(__name__)

WAIT_INITIAL_S = 1.0
WAIT_MAX_S = 300.0
SENDS_AT_ONCE = 8
Clock = Callable[[], datetime]


def retry_after_s(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a `Retry-After` header: delay-seconds or an HTTP date; None if unset.

    Args:
        value: The header as received.
        now: The current time, for an HTTP date.

    Returns:
        The wait in seconds (0 for a date in the past), or None for a missing or unreadable one.
    """
    value = (value or "").strip()[:64]
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    when = when if when.tzinfo else when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


class Outbox:
    """Replies keyed by the inbound message's id, in MongoDB: a restart resumes pending sends.

    `clock` and `time_scale` let a test run a day of retries in seconds: the send window is read
    on `clock`, and every wait (stamina's backoff and `Retry-After`) is multiplied by `time_scale`.
    """

    def __init__(self, store: Store, settings: Settings, http: httpx.AsyncClient) -> None:
        self.replies = store.wa_outbox
        self.settings = settings
        self.http = http
        self.window = timedelta(hours=settings.whatsapp_send_retry_hours)
        self.clock: Clock = leases.now
        self.time_scale = 1.0
        self.sending = asyncio.Semaphore(SENDS_AT_ONCE)  # a recovering API gets no stampede

    async def put(self, wamid: str, to: str, body: dict[str, Any]) -> None:
        """Queue the reply to `wamid`; a reply already queued for it is kept, not replaced."""
        with contextlib.suppress(DuplicateKeyError):
            await self.replies.insert_one({"_id": wamid, "to": to, "body": body,
                                           "state": "pending", "attempts": 0,
                                           "queued_at": self.clock()})

    def configured(self) -> bool:
        """Whether sending is set up at all (else replies stay queued)."""
        return bool(self.settings.whatsapp_access_token and self.settings.whatsapp_phone_number_id)

    async def deliver(self, wamid: str) -> None:
        """Send a queued reply, retrying with backoff until it is sent or the window closes.

        One sender at a time holds the reply's lease (renewed while it waits); a sent reply is
        never sent again, and one that fails for good is marked `failed` with the cause logged.
        """
        if not self.configured():
            log.warning("WhatsApp sending is not configured; reply %s stays queued", wamid)
            return
        token = uuid.uuid4().hex
        at = leases.now()
        doc = await leases.claim(self.replies, wamid,
                                 [{"state": "pending", **gone} for gone in leases.lapsed(at)],
                                 {"$set": leases.lease(token, at)})
        if doc is None:
            return  # sent, failed for good, or being sent by another task
        queued = doc.get("queued_at") or self.clock()
        deadline = (queued if queued.tzinfo else queued.replace(tzinfo=UTC)) + self.window
        try:
            async with leases.heartbeat(self.replies, wamid, token):
                sent_id = await self._send(doc, deadline)
        except SendError as exc:
            log.error("WhatsApp reply %s failed for good after %s attempts: %s", wamid,
                      (await self._attempts(wamid)), exc)
            metrics.OUTBOX_FAILURES.inc()
            await self.replies.update_one({"_id": wamid, "lease": token}, {"$set": {
                "state": "failed", "error": str(exc)[:300]}, "$unset": {"lease_until": ""}})
            return
        await self.replies.update_one({"_id": wamid}, {"$set": {
            "state": "sent", "message_id": sent_id, "sent_at": leases.now()},
            "$unset": {"lease_until": ""}})

    async def _send(self, doc: Doc, deadline: datetime) -> str:
        """Post the reply until the Graph API takes it; stamina waits between attempts."""
        settings = self.settings
        token = settings.whatsapp_access_token
        scale = self.time_scale
        async for attempt in stamina.retry_context(
                on=self._retry_hook(deadline), attempts=None, timeout=None,
                wait_initial=WAIT_INITIAL_S * scale, wait_max=WAIT_MAX_S * scale,
                wait_jitter=WAIT_INITIAL_S * scale):
            with attempt:
                await self.replies.update_one({"_id": doc["_id"]}, {"$inc": {"attempts": 1}})
                async with self.sending:
                    return await send_message(
                        self.http, base_url=settings.whatsapp_api_base_url,
                        phone_number_id=settings.whatsapp_phone_number_id or "",
                        access_token=token.get_secret_value() if token else "",
                        body=doc["body"])
        raise AssertionError("unreachable: stamina re-raises the last error")  # pragma: no cover

    def _retry_hook(self, deadline: datetime) -> Callable[[Exception], bool | float]:
        """Whether to retry after `exc`, and after how long when the Graph API said so."""

        def hook(exc: Exception) -> bool | float:
            if not isinstance(exc, SendError) or not exc.retryable:
                return False
            now = self.clock()
            left = (deadline - now).total_seconds()
            if left <= 0:
                return False
            wait = retry_after_s(exc.retry_after, now)
            return True if wait is None else min(wait, left) * self.time_scale

        return hook

    async def _attempts(self, wamid: str) -> int:
        doc = await self.replies.find_one({"_id": wamid}, {"attempts": 1})
        return int(doc.get("attempts", 0)) if doc else 0

    async def pending(self, at: datetime) -> list[str]:
        """Ids of replies to send whose sender's lease lapsed: one read per case, on `state`."""
        ids: list[str] = []
        for gone in leases.lapsed(at):
            ids += await self.replies.distinct("_id", {"state": "pending", **gone})
        return ids
