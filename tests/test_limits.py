"""Rate limits counted in memory (one process) and in MongoDB (several): the same answers."""

from __future__ import annotations

import asyncio

import pytest

import channels.limits
from channels.limits import DatabaseLimits, MemoryLimits, RateLimits
from tools.store import Store


class Clock:
    """`time` for the limits module, set by the test."""

    def __init__(self, at: float) -> None:
        self.at = at

    def time(self) -> float:
        return self.at


@pytest.fixture(params=["memory", "database"])
def limits(request: pytest.FixtureRequest, store: Store) -> RateLimits:
    return MemoryLimits() if request.param == "memory" else DatabaseLimits(store)


async def test_twenty_a_minute_pass_then_the_wait_is_the_rest_of_the_window(
        limits: RateLimits, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock(6000 * 60 + 45.5)  # 14.5 s before the window ends
    monkeypatch.setattr(channels.limits, "time", clock)
    answers = [await limits.hit("chat:k:alice", 20) for _ in range(25)]
    assert answers[:20] == [None] * 20
    assert answers[20:] == [15] * 5
    assert await limits.hit("chat:k:bob", 20) is None  # another caller is not affected
    clock.at += 15  # the next window
    assert await limits.hit("chat:k:alice", 20) is None


async def test_thirty_at_once_let_exactly_twenty_through(
        limits: RateLimits, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(channels.limits, "time", Clock(6000 * 60 + 10))
    answers = await asyncio.gather(*(limits.hit("chat:k:carol", 20) for _ in range(30)))
    assert sum(a is None for a in answers) == 20


async def test_memory_forgets_windows_that_have_passed(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock(6000 * 60)
    monkeypatch.setattr(channels.limits, "time", clock)
    limits = MemoryLimits()
    for caller in range(50):
        await limits.hit(f"chat:k:{caller}", 20)
    clock.at += 60
    await limits.hit("chat:k:new", 20)
    assert len(limits._counts) == 1
