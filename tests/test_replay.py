"""`omnisales replay`: archived conversations said again on a throwaway copy of the shop."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from graph.builder import trained_classifier
from graph.language import DEFAULT
from graph.session import TurnResult
from graph.supervisor import Decision, Router
from replay.options import period, version_settings
from replay.run import replay
from replay.sandbox import PREFIX, offline_http
from replay.table import table
from settings import Settings
from tools.store import Store

Say = Callable[..., Awaitable[TurnResult]]
ROOT = Path(__file__).resolve().parent.parent


async def _counts(store: Store) -> dict[str, int]:
    return {name: await store.db[name].count_documents({})
            for name in sorted(await store.db.list_collection_names())}


async def archived_checkout(turn: Say, graph: Any) -> tuple[datetime, datetime]:
    """Alice searches, adds, pays; Bob asks after an order on WhatsApp. The period around."""
    start = datetime.now(UTC) - timedelta(seconds=5)
    await turn("what's the cheapest laptop you have?")
    await turn("add the cheapest laptop to my cart")
    assert (await turn("pay for my cart"))["awaiting_confirmation"]
    await turn("yes")
    await turn("where is my order ORD-1002?", user="demo-bob", channel="whatsapp")
    await graph.checkpointer.archive.flush()
    return start, datetime.now(UTC) + timedelta(seconds=5)


@pytest.mark.slow
async def test_the_same_graph_replays_without_a_difference_and_leaves_the_shop_alone(
        seeded: Store, settings: Settings, turn: Say, graph: Any) -> None:
    start, end = await archived_checkout(turn, graph)
    before = await _counts(seeded)
    report = await replay(seeded, settings, start=start, end=end, version="offline")
    assert await _counts(seeded) == before  # nothing written to the live shop
    assert not [n for n in await seeded.client.list_database_names() if PREFIX in n]
    summary = report["summary"]
    assert (summary["conversations"], summary["turns"]) == (2, 5)
    assert summary["turns_differing"] == 0, table(report)
    paid = await seeded.payments.find_one({"status": "paid"})
    assert paid is not None
    assert summary["money_cents"] == {"original": paid["total_cents"],
                                      "replay": paid["total_cents"]}
    assert summary["funnel"]["original"] == summary["funnel"]["replay"] == {
        "sessions": 2, "product_shown": 1, "added_to_cart": 1, "confirmation_asked": 1,
        "paid": 1}
    alice = report["conversations"][0]
    assert [t["original"]["route"] for t in alice["turns"]] == [
        t["replay"]["route"] for t in alice["turns"]]
    shown = [a for t in alice["turns"] for a in t["original"]["actions"]
             if a.startswith("product_list")]
    assert shown and all(re.search(r"skus=[A-Z]+-\d+", a) for a in shown), shown  # which ones
    assert report["rewound"]["payments"] == 1 and report["rewound"]["orders"] == 1
    # The command line says the same, and the live shop is still untouched.
    said = _command(settings, "--since", start.isoformat(), "--until", end.isoformat(),
                    "--offline", "--json")
    assert said.returncode == 0, said.stderr
    assert json.loads(said.stdout)["summary"] == summary
    assert await _counts(seeded) == before
    refused = _command(settings, "--since", "last week")
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert refused.stderr.strip() == "omnisales: --since is not a date or time: 'last week'"


def _command(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    """`omnisales replay ARGS` in a process of its own, on the test's database."""
    assert settings.mongo_uri
    env = {**os.environ, "MONGO_URI": settings.mongo_uri, "DB_NAME": settings.db_name,
           "DATA_DIR": str(settings.data_dir)}
    return subprocess.run([sys.executable, "cli.py", "replay", *args], capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=120, check=False)


class _OrdersToGeneral(Router):
    """A changed routing: questions about an order go to the general agent."""

    def offline(self, text: str, memory: Any = None, language: Any = DEFAULT
                ) -> tuple[Decision, bool]:
        decision, follows = super().offline(text, memory, language)
        if decision.route == "fulfillment":
            return Decision("general", decision.confidence, decision.by), follows
        return decision, follows


@pytest.mark.slow
async def test_a_changed_routing_shows_the_turn_whose_route_differs(
        seeded: Store, settings: Settings, turn: Say, graph: Any) -> None:
    start, end = await archived_checkout(turn, graph)
    before = await _counts(seeded)
    report = await replay(seeded, settings, start=start, end=end, channel="whatsapp",
                          router=_OrdersToGeneral(trained_classifier()), version="orders→general")
    assert await _counts(seeded) == before
    [bob] = report["conversations"]
    [asked] = bob["turns"]
    assert (asked["original"]["route"], asked["replay"]["route"]) == ("fulfillment", "general")
    assert "route" in asked["differs"]
    assert report["summary"]["differ"]["route"] == 1
    shown = table(report)
    assert "fulfillment" in shown and "general" in shown and "orders→general" in shown


async def test_a_replay_reaches_nobody_outside() -> None:
    async with offline_http() as http:
        with pytest.raises(Exception, match="no outbound request"):
            await http.post("https://graph.facebook.com/v21.0/123/messages", json={})


def test_the_period_and_version_of_the_command_line(settings: Settings) -> None:
    now = datetime(2026, 12, 6, 12, tzinfo=UTC)
    assert period(None, None, 7, now) == (now - timedelta(days=7), now)
    assert period("2026-12-01", "2026-12-02T00:00:00Z", 7) == (
        datetime(2026, 12, 1, tzinfo=UTC), datetime(2026, 12, 2, tzinfo=UTC))
    with pytest.raises(ValueError, match="not a date"):
        period("last week", None, 7)
    with pytest.raises(ValueError, match="ends before"):
        period("2026-12-02", "2026-12-01", 7)
    assert version_settings(settings, None, True)[0].llm_mode == "offline"
    with pytest.raises(ValueError, match="OPENROUTER_API_KEY"):
        version_settings(settings, "openrouter/some/model", False)
    with pytest.raises(ValueError, match="openrouter/<model>"):
        version_settings(settings, "gpt-5", False)
