"""Rate limits in memory (one process) and in MongoDB (several); per customer, key and address."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

import channels.limits
from channels.limits import DatabaseLimits, MemoryLimits, RateLimits
from settings import Settings
from tests.api_support import (
    API_KEY,
    Api,
    api_settings,
    assert_error,
    frozen_rate_window,
    running_api,
)
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


async def test_count_reads_the_window_without_counting(
        limits: RateLimits, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock(6000 * 60 + 5)
    monkeypatch.setattr(channels.limits, "time", clock)
    for _ in range(3):
        await limits.hit("address:10.0.0.1", 5)
    assert [await limits.count("address:10.0.0.1") for _ in range(3)] == [3, 3, 3]
    assert await limits.count("address:10.0.0.2") == 0
    clock.at += 60
    assert await limits.count("address:10.0.0.1") == 0


async def test_memory_forgets_windows_that_have_passed(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock(6000 * 60)
    monkeypatch.setattr(channels.limits, "time", clock)
    limits = MemoryLimits()
    for caller in range(50):
        await limits.hit(f"chat:k:{caller}", 20)
    clock.at += 60
    await limits.hit("chat:k:new", 20)
    assert len(limits._counts) == 1


# --- A13: limits per API key and per client address, through the API ---------------------------


@pytest.fixture
async def api(settings: Settings, store: Store, monkeypatch: pytest.MonkeyPatch
              ) -> AsyncIterator[Api]:
    limited = api_settings(settings, rate_limit_per_key=30, rate_limit_per_address=5)
    async with running_api(limited, store, monkeypatch) as running:
        yield running


def assert_limited(response: httpx.Response) -> None:
    assert_error(response, 429, "rate_limited")
    assert 1 <= int(response.headers["retry-after"]) <= 60


async def test_sixty_customers_named_by_one_key_share_its_limit(api: Api) -> None:
    with frozen_rate_window():
        responses = [await api.chat("hello", user=f"a13-{i}") for i in range(60)]
    assert [r.status_code for r in responses] == [200] * 30 + [429] * 30
    for limited in responses[30:]:
        assert_limited(limited)
    assert len(api.web_turns()) == 30  # the refused ones ran nothing
    assert {t.source for t in api.turns} == {api.turns[0].source}
    assert api.turns[0].source.startswith("key/") and API_KEY not in api.turns[0].source


async def test_failed_authentications_from_one_address_are_limited(api: Api) -> None:
    with frozen_rate_window():
        wrong = [await api.chat("hello", key=f"guess-{i}") for i in range(8)]
        assert [r.status_code for r in wrong] == [401] * 5 + [429] * 3
        for limited in wrong[5:]:
            assert_limited(limited)
        # Refused whatever it sends now, the right key too: no guess can be told from another.
        assert_limited(await api.chat("hello"))
        bad_signature = await api.whatsapp(b"{}", signature="sha256=" + "0" * 64)
        assert_limited(bad_signature)
    assert api.turns == []


async def test_the_key_holder_is_not_counted_by_address(api: Api) -> None:
    with frozen_rate_window():
        responses = [await api.chat("hello", user=f"holder-{i}") for i in range(10)]
    assert [r.status_code for r in responses] == [200] * 10  # past the address limit of 5
