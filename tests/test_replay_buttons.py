"""A replayed Pay tap pays the replay's own terms: no false money difference."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

import replay.run
from graph.session import TurnResult, thread_id
from replay.buttons import said_again
from replay.compare import action_of, differences, turn_of
from replay.run import replay as run_replay
from replay.sandbox import shop_copy
from replay.table import table
from settings import Settings
from tools.store import Doc, Store

Say = Callable[..., Awaitable[TurnResult]]
ALICE = thread_id("web", "demo-alice", "s1")


@pytest.mark.slow
async def test_a_payment_made_with_the_pay_button_replays_paid_with_no_money_difference(
        seeded: Store, settings: Settings, turn: Say, graph: Any,
        monkeypatch: pytest.MonkeyPatch) -> None:
    start = datetime.now(UTC) - timedelta(seconds=5)
    terms = (await turn("pay for my cart"))["actions"][0]
    tapped = await turn(f"confirm_yes:{terms['confirmation_id']}")
    assert tapped["actions"][0]["status"] == "paid"
    await graph.checkpointer.archive.flush()
    end = datetime.now(UTC) + timedelta(seconds=5)
    live = await seeded.payments.find().to_list()
    [paid] = [p for p in live if p["status"] == "paid"]
    on_copy: list[Doc] = []

    @contextlib.asynccontextmanager
    async def watched(store: Store) -> AsyncIterator[Store]:
        """The real copy, its payments read just before it is dropped."""
        async with shop_copy(store) as copy:
            yield copy
            on_copy.extend(await copy.payments.find({"customer_id": "demo-alice"}).to_list())

    monkeypatch.setattr(replay.run, "shop_copy", watched)
    report = await run_replay(seeded, settings, start=start, end=end, version="offline")

    summary = report["summary"]
    assert summary["differ"]["money"] == 0, table(report)
    assert summary["money_cents"] == {"original": paid["total_cents"],
                                      "replay": paid["total_cents"]}
    [asked, tap] = report["conversations"][0]["turns"]
    assert tap["text"] == f"confirm_yes:{terms['confirmation_id']}"
    assert tap["said"].startswith("confirm_yes:CNF-") and tap["said"] != tap["text"]
    assert tap["differs"] == [] and summary["funnel"]["replay"]["paid"] == 1
    assert f"tapped the replay's own terms: {tap['said']}" in table(report)
    # The copy's payment is paid, under the replay's own confirmation and payment id.
    [replayed] = [p for p in on_copy if p["status"] == "paid"]
    assert replayed["total_cents"] == paid["total_cents"]
    assert replayed["payment_id"] != paid["payment_id"]
    assert await seeded.payments.find().to_list() == live  # the live shop's, untouched


async def test_a_tap_names_the_pending_terms_of_the_session_or_is_said_as_it_was(
        turn: Say, graph: Any) -> None:
    old = "confirm_no:CNF-0123456789AB"
    assert await said_again(graph, ALICE, old) == old  # nothing waits: said as it was
    terms = (await turn("pay for my cart"))["actions"][0]
    assert await said_again(graph, ALICE, old) == f"confirm_no:{terms['confirmation_id']}"
    assert await said_again(graph, ALICE, "yes") == "yes"
    assert await said_again(graph, ALICE, "confirm_yes") == "confirm_yes"  # named nothing
    other = thread_id("whatsapp", "demo-alice", "s1")  # another session's terms are not these
    assert await said_again(graph, other, old) == old


def test_a_different_recommendation_is_an_actions_difference() -> None:
    def shown(*skus: str) -> dict[str, object]:
        return turn_of({"route": "recommendation", "actions": [{"type": "product_list",
                        "products": [{"sku": sku, "name": sku, "price": 10.0} for sku in skus]}]})

    assert action_of({"type": "product_list", "products": [{"sku": "LAP-00001"}]}) == (
        "product_list skus=LAP-00001")
    assert differences(shown("LAP-00001", "LAP-00002"), shown("LAP-00001", "LAP-00002")) == []
    assert differences(shown("LAP-00001"), shown("PHN-00001")) == ["actions"]
