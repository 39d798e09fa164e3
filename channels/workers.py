"""A bounded pool for the inbox: a few workers fed from the stored inbox, and a quick sweep."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Iterable
from typing import Any

from pymongo.errors import PyMongoError

log = logging.getLogger(__name__)

WORKERS = 4
"""Turns at once: a webhook with 2,000 messages is answered a few at a time."""
SWEEP_EVERY_S = 2.0
"""How often stored work nobody holds is looked for: a dead worker's lease lapses in seconds."""

Process = Callable[[str], Coroutine[Any, Any, list[tuple[str, float | None]]]]
Deliver = Callable[[str], Coroutine[Any, Any, None]]
Unfinished = Callable[[], Coroutine[Any, Any, tuple[list[str], list[str]]]]


class Workers:
    """`WORKERS` tasks take message ids from a queue; each queued reply is sent by its own task.

    The queue is fed by the webhook (the ids it just stored) and by the sweep (what is stored
    and unfinished: after a restart, from a dead worker, a message to retry). Sends wait on the
    Graph API, possibly for hours, so they never hold a worker; `Outbox` bounds how many post at
    once.
    """

    def __init__(self, process: Process, deliver: Deliver, unfinished: Unfinished,
                 size: int = WORKERS) -> None:
        self.process = process
        self.deliver = deliver
        self.unfinished = unfinished
        self.size = size
        self.sweep_every_s = SWEEP_EVERY_S
        self.queue: asyncio.Queue[str] = asyncio.Queue()
        self.held: set[str] = set()  # queued or being processed in this process
        self.sends: dict[str, asyncio.Task[None]] = {}
        self.retrying: set[str] = set()  # to be queued again after a short wait

    def submit(self, wamids: Iterable[str]) -> None:
        """Queue messages to process; one already queued here is not queued twice."""
        for wamid in wamids:
            if wamid not in self.held:
                self.held.add(wamid)
                self.queue.put_nowait(wamid)

    def send(self, wamid: str) -> None:
        """Start sending the reply to `wamid`, unless this process is sending it already."""
        if wamid not in self.sends:
            task: asyncio.Task[None] = asyncio.create_task(self.deliver(wamid))
            self.sends[wamid] = task
            task.add_done_callback(lambda done: self._sent(wamid, done))

    def _sent(self, wamid: str, task: asyncio.Task[None]) -> None:
        self.sends.pop(wamid, None)
        if not task.cancelled() and (exc := task.exception()) is not None:
            log.warning("sending the reply to %s stopped: %s", wamid, type(exc).__name__)

    def idle(self) -> bool:
        """Whether nothing is queued, processed or being sent here."""
        return not self.held and not self.sends and not self.retrying

    async def run(self) -> None:
        """Work and sweep until cancelled (the server's shutdown)."""
        workers = [asyncio.create_task(self._work()) for _ in range(self.size)]
        try:
            await self._sweep()
        finally:
            tasks = [*workers, *self.sends.values()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _work(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            wamid = await self.queue.get()
            try:
                for handled, again in await self.process(wamid):
                    if again is None:
                        self.send(handled)
                    else:
                        self.retrying.add(handled)
                        loop.call_later(again, self._retry, handled)
            except PyMongoError as exc:  # the database is away: the sweep takes it up later
                log.warning("processing %s failed: %s", wamid, type(exc).__name__)
            except Exception as exc:
                log.error("processing %s failed: %s", wamid, type(exc).__name__)
            finally:
                self.held.discard(wamid)

    def _retry(self, wamid: str) -> None:
        self.retrying.discard(wamid)
        self.submit([wamid])

    async def _sweep(self) -> None:
        while True:
            try:
                messages, replies = await self.unfinished()
            except PyMongoError as exc:  # the database is away: try again at the next sweep
                log.warning("inbox sweep failed: %s", type(exc).__name__)
            else:
                self.submit(messages)
                for wamid in replies:
                    self.send(wamid)
            await asyncio.sleep(self.sweep_every_s)

