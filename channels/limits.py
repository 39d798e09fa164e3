"""Fixed-window rate limits: in this process's memory, or in MongoDB when workers share them.

One server process (`make run`, `omnisales serve`) counts in memory: exact, and no database
write per request. Several processes serving the same shop (`serve --workers N`, or
`COORDINATION=database` for servers behind a load balancer) count in MongoDB, so that a caller's
limit holds across them.
"""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime
from typing import Protocol

from pymongo import ReturnDocument

from settings import Settings
from tools.store import Store


class RateLimits(Protocol):
    """Counts requests per key and minute."""

    async def hit(self, key: str, limit: int, window_s: int = 60) -> int | None:
        """Count one request for `key`; the seconds to wait when it is over `limit`."""

    async def count(self, key: str, window_s: int = 60) -> int:
        """The requests counted for `key` in the current window, without counting one."""

    async def give_back(self, key: str, window_s: int = 60) -> None:
        """Uncount one request of `key` in the current window (one counted before it was known)."""


def _wait(window: int, window_s: int, now: float) -> int:
    return max(1, math.ceil((window + 1) * window_s - now))


def retry_after(window_s: int = 60) -> int:
    """The seconds until the current window ends: when a refused caller may try again."""
    now = time.time()
    return _wait(int(now // window_s), window_s, now)


class MemoryLimits:
    """The counts of the current windows, in this process; older windows are dropped."""

    def __init__(self) -> None:
        self._counts: dict[tuple[str, int, int], int] = {}
        self._current: dict[int, int] = {}  # window length -> the window now being counted

    async def hit(self, key: str, limit: int, window_s: int = 60) -> int | None:
        """Count one request for `key` in its fixed window."""
        now = time.time()
        window = int(now // window_s)
        if self._current.get(window_s) != window:  # a new window: forget the passed ones, once
            self._current[window_s] = window
            self._counts = {k: n for k, n in self._counts.items()
                            if k[2] >= int(now // k[1])}
        slot = (key, window_s, window)
        count = self._counts[slot] = self._counts.get(slot, 0) + 1
        return None if count <= limit else _wait(window, window_s, now)

    async def count(self, key: str, window_s: int = 60) -> int:
        """The requests counted for `key` in the current window."""
        return self._counts.get((key, window_s, int(time.time() // window_s)), 0)

    async def give_back(self, key: str, window_s: int = 60) -> None:
        """Uncount one request of `key` in the current window."""
        slot = (key, window_s, int(time.time() // window_s))
        if self._counts.get(slot, 0) > 0:
            self._counts[slot] -= 1


class DatabaseLimits:
    """The counts in `rate_limits`, one document per key and window (expired by a TTL index)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def hit(self, key: str, limit: int, window_s: int = 60) -> int | None:
        """Count one request for `key` in its fixed window, in one write."""
        now = time.time()
        window = int(now // window_s)
        doc = await self.store.rate_limits.find_one_and_update(
            {"_id": f"{key}:{window}"},
            {"$inc": {"count": 1},
             "$setOnInsert": {"expires_at": datetime.fromtimestamp((window + 2) * window_s,
                                                                   UTC)}},
            upsert=True, return_document=ReturnDocument.AFTER,
        )
        return None if doc is None or doc["count"] <= limit else _wait(window, window_s, now)

    async def count(self, key: str, window_s: int = 60) -> int:
        """The requests counted for `key` in the current window, in one read."""
        window = int(time.time() // window_s)
        doc = await self.store.rate_limits.find_one({"_id": f"{key}:{window}"})
        return int(doc["count"]) if doc else 0

    async def give_back(self, key: str, window_s: int = 60) -> None:
        """Uncount one request of `key` in the current window, in one write."""
        window = int(time.time() // window_s)
        await self.store.rate_limits.update_one({"_id": f"{key}:{window}", "count": {"$gt": 0}},
                                                {"$inc": {"count": -1}})


def rate_limits(settings: Settings, store: Store) -> RateLimits:
    """The limits `COORDINATION` asks for."""
    return DatabaseLimits(store) if settings.coordination == "database" else MemoryLimits()
