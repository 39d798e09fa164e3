"""Daily token budgets per customer and per source: past one, the offline path answers.

A customer's day is one `llm_usage` document, `{_id: "<customer>:<date>", tokens}`; a source's
(the API key or channel webhook turns come through, `graph.context.Context.source`) likewise,
`{_id: "key/<digest>:<date>"}` (customer ids hold no `/`). A model turn reads both with the
customer's brief (`graph.context.model_brief`) and adds to both after the call (`Meter.spend`).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import datetime

from pymongo import UpdateOne

from tools.store import Store

USAGE = "llm_usage"


def usage_key(customer_id: str, now: datetime) -> str:
    """The `_id` of the customer's usage document for the day of `now`."""
    return f"{customer_id}:{now.date().isoformat()}"


class Meter:
    """Adds the tokens of model turns to their customers' days; turns ending together share a write.

    `spend` returns once its tokens are stored, as its own update would, and raises what the
    write raised. Spends that arrive while a write is in flight wait for it and then go together
    in the next one, a single `bulk_write` of `$inc` upserts: with 200 turns at once, a few writes
    instead of 200, each far cheaper on the database and in this process (README, Performance).
    """

    def __init__(self, store: Store) -> None:
        self._usage = store.db[USAGE]
        self._waiting: Counter[str] = Counter()  # tokens to add, by usage document
        self._written: asyncio.Future[None] | None = None  # resolved when they are stored
        self._writer: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None  # where the writer runs

    async def spend(self, customer_id: str, now: datetime, tokens: int, source: str = "") -> None:
        """Add the tokens a turn used to the customer's day, and to its source's if it has one."""
        if tokens <= 0:
            return
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # a graph built once and run by more than one event loop
            self._waiting, self._written, self._writer, self._loop = Counter(), None, None, loop
        if self._written is None:
            self._written = loop.create_future()
        written = self._written
        self._waiting[usage_key(customer_id, now)] += tokens
        if source:
            self._waiting[usage_key(source, now)] += tokens
        if self._writer is None:
            self._writer = asyncio.create_task(self._write())
        await asyncio.shield(written)  # a cancelled turn leaves the write to the others

    async def _write(self) -> None:
        """Write what waits, one batch after another, until nothing does."""
        try:
            while self._written is not None:
                batch, written = self._waiting, self._written
                self._waiting, self._written = Counter(), None
                try:
                    await self._usage.bulk_write(
                        [UpdateOne({"_id": key}, {"$inc": {"tokens": tokens}}, upsert=True)
                         for key, tokens in batch.items()], ordered=False)
                except asyncio.CancelledError:
                    written.cancel()
                    raise
                except Exception as exc:
                    written.set_exception(exc)
                    written.exception()  # retrieved: its turns re-raise it themselves
                else:
                    written.set_result(None)
        finally:  # normally nothing waits by now; if the writer was cancelled, its waiters stop
            self._writer = None
            if self._written is not None:
                self._written.cancel()
                self._waiting, self._written = Counter(), None
