"""The dashboard's event stream: `changed` when the archive or the open tickets change, not else."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest

from channels import admin_events
from channels.admin_events import changes
from tests.api_support import Api
from tests.test_dashboard import PASSWORD, sign_in
from tools import operators
from tools.context import session_key
from tools.store import Store, now
from tools.transcripts import COLLECTION, entry

POLL_S = 0.05


class Listener:
    """A page's stream read in the background, as a browser would, into a queue."""

    def __init__(self, stream: AsyncIterator[object]) -> None:
        self.events: asyncio.Queue[str | None] = asyncio.Queue()
        self.task = asyncio.create_task(self._read(stream))

    async def _read(self, stream: AsyncIterator[object]) -> None:
        async for message in stream:
            await self.events.put(getattr(message, "event", None))

    async def next(self, within: float) -> str | None:
        """The next event's name within `within` seconds, or None if nothing came."""
        try:
            return await asyncio.wait_for(self.events.get(), within)
        except TimeoutError:
            return None

    async def close(self) -> None:
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task


async def test_the_stream_says_changed_only_when_something_changed(store: Store) -> None:
    await store.handoff_tickets.insert_one(
        {"ticket_id": "TCK-1", "status": "open", "created_at": now()})
    stream = Listener(changes(store, poll_s=POLL_S, refresh_s=3600, stream_s=60))
    assert await stream.next(2) == "changed"  # on connecting: a page catches up
    assert await stream.next(0.5) is None  # a quiet shop sends nothing

    key = session_key("web", "ann", "s1")
    await store.db[COLLECTION].insert_one(entry("turn", key, "web", "ann", "s1", at=now(),
                                                text="hello", reply="hi"))
    assert await stream.next(2) == "changed"  # a customer's turn
    assert await stream.next(0.5) is None  # said once, not at every poll

    await store.handoff_tickets.update_one({"ticket_id": "TCK-1"}, {"$set": {"taken_by": "sam"}})
    assert await stream.next(2) == "changed"  # an operator took the ticket
    await store.handoff_tickets.update_one({"ticket_id": "TCK-1"}, {"$set": {"status": "closed"}})
    assert await stream.next(2) == "changed"  # and closed it
    await store.handoff_tickets.insert_one(
        {"ticket_id": "TCK-2", "status": "open", "created_at": now()})
    assert await stream.next(2) == "changed"  # a new one opened
    assert await stream.next(0.5) is None
    await stream.close()


async def test_the_rows_age_even_when_nothing_happens(store: Store) -> None:
    stream = Listener(changes(store, poll_s=POLL_S, refresh_s=0.2, stream_s=60))
    assert await stream.next(2) == "changed"
    assert await stream.next(2) == "changed"  # "3 min ago" moves on
    await stream.close()


async def test_the_stream_ends_and_the_page_connects_again(store: Store) -> None:
    events = [getattr(m, "event", None) async for m in changes(
        store, poll_s=POLL_S, refresh_s=3600, stream_s=0.3)]
    assert events == ["changed"]


@pytest.mark.parametrize("signed", [False, True])
async def test_only_a_signed_in_operator_gets_the_stream(
    api: Api, signed: bool, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(admin_events, "STREAM_S", 0.3)  # the test client reads a whole stream
    api.client.follow_redirects = False
    if not signed:
        response = await api.client.get("/admin/events")
        assert response.status_code == 303 and response.headers["location"] == "/admin/login"
        return
    await operators.add(api.store, "sam@shop.test", PASSWORD)
    await sign_in(api.client, "sam@shop.test")
    response = await api.client.get("/admin/events")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert "event: changed" in response.text.splitlines()
