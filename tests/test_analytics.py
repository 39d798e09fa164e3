"""The dashboard's analytics: a funnel from real turns, hand-made entries with known figures."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from graph.session import TurnResult
from tests.test_replay import archived_checkout
from tools import transcripts
from tools.analytics import CACHE, figures, keep_up, keep_up_forever, plan
from tools.charts import bar_chart, figure_charts, funnel_chart
from tools.context import session_key
from tools.store import Store
from tools.transcripts import COLLECTION, entry

Say = Callable[..., Awaitable[TurnResult]]
DAY = datetime(2026, 11, 2, tzinfo=UTC)  # a Monday in the past: every hour of it is closed


def _turn(user: str, at: datetime, *, channel: str = "web", route: str = "sales",
          latency: float = 100.0, confidence: float | None = 0.9, answered_by: str = "offline",
          language: str = "en", actions: list[dict[str, Any]] | None = None,
          text: str = "hello", agent: str = "sales") -> dict[str, Any]:
    doc = entry("turn", session_key(channel, user, "s"), channel, user, "s", at=at, text=text,
                reply="ok", route=route, routed_by="classifier", agent=agent,
                answered_by=answered_by, actions=actions or [], language=language,
                latency_ms=latency, tokens=0, mode="assistant")
    if confidence is not None:
        doc["confidence"] = confidence
    return doc


async def _archive(store: Store) -> None:
    """Three web sessions and one WhatsApp session on DAY, a paid payment, a ticket."""
    at = DAY + timedelta(hours=10, minutes=50)  # alice's session runs over 11:00
    shown = [{"type": "product_list", "items": []}]
    added = [{"type": "cart", "items": [], "added": "LAP-00001"}]
    asked = [{"type": "payment_confirmation", "payment_id": "PAY-A"}]
    docs = [
        _turn("alice", at, actions=shown, latency=50),
        _turn("alice", at + timedelta(minutes=5), actions=added, latency=60),
        _turn("alice", at + timedelta(minutes=15), actions=asked, latency=70,
              answered_by="openrouter/qwen-3.5", agent="sales"),
        _turn("bob", at, actions=shown, language="fr", confidence=0.31, text="bof",
              route="support", latency=1000),
        _turn("bob", at + timedelta(minutes=1), actions=[{"type": "cart", "items": []}],
              confidence=0.42, text="mon panier"),
        _turn("carol", at + timedelta(hours=2), confidence=None, route="general"),
        _turn("dan", at, channel="whatsapp", language="es", actions=shown, confidence=0.2,
              text="hola"),
        _turn("erin", DAY - timedelta(hours=1)),  # the day before: outside the period
        entry("operator", session_key("web", "bob", "s"), "web", "bob", "s",
              at=at + timedelta(minutes=3), text="a person here", ticket_id="T-1"),
    ]
    await store.db[COLLECTION].insert_many(docs)
    await store.payments.insert_one({
        "payment_id": "PAY-A", "idempotency_key": "pay:a", "customer_id": "alice",
        "session_key": session_key("web", "alice", "s"), "channel": "web", "status": "paid",
        "total_cents": 129_900, "created_at": at, "settled_at": at + timedelta(minutes=16)})
    await store.handoff_tickets.insert_one({
        "ticket_id": "T-1", "customer_id": "bob", "channel": "web", "session_id": "s",
        "session_key": session_key("web", "bob", "s"), "reason": "damaged item",
        "status": "open", "created_at": at + timedelta(minutes=2)})


def _funnel(result: dict[str, Any]) -> list[int]:
    return [step["sessions"] for step in result["funnel"]]


async def test_figures_of_hand_made_entries(store: Store) -> None:
    await transcripts.ensure_indexes(store, 3650)
    await _archive(store)
    day = await figures(store, DAY, DAY + timedelta(days=1))
    assert _funnel(day) == [4, 3, 1, 1, 1]  # alice is one session across two hours
    assert day["turns"] == 7
    assert day["revenue"] == {"total_cents": 129_900, "orders": 1, "currency": "USD"}
    web, wa = day["by_channel"]
    assert (web["channel"], web["sessions"], web["paid"], web["conversion"]) == ("web", 3, 1,
                                                                                 0.3333)
    assert web["revenue_cents"] == 129_900 and (wa["channel"], wa["paid"]) == ("whatsapp", 0)
    sales = next(a for a in day["by_agent"] if a["agent"] == "sales")
    assert (sales["confirmations"], sales["paid"], sales["revenue_cents"]) == (1, 1, 129_900)
    assert day["handoffs"] == {"count": 1, "rate": 0.25,
                               "reasons": [{"reason": "damaged item", "count": 1}]}
    models = {m["answered_by"]: m["turns"] for m in day["answered_by"]}
    assert models == {"offline": 6, "openrouter/qwen-3.5": 1}
    assert {lang["language"]: lang["turns"] for lang in day["languages"]} == {
        "en": 5, "fr": 1, "es": 1}
    support = next(r for r in day["latency_by_route"] if r["route"] == "support")
    assert support["turns"] == 1 and 1000 <= support["p95_ms"] <= 1100
    sales_route = next(r for r in day["latency_by_route"] if r["route"] == "sales")
    assert 70 <= sales_route["p50_ms"] <= 77 and 100 <= sales_route["p95_ms"] <= 110
    assert [m["text"] for m in day["least_confident"][:3]] == ["hola", "bof", "mon panier"]
    # Every whole hour of the day is kept; asking again reads them and gives the same figures.
    assert await store.db[CACHE].count_documents({}) == 24
    assert await figures(store, DAY, DAY + timedelta(days=1)) == day
    web_only = await figures(store, DAY, DAY + timedelta(days=1), "web")
    assert _funnel(web_only) == [3, 2, 1, 1, 1]
    assert [m["text"] for m in web_only["least_confident"][:2]] == ["bof", "mon panier"]
    # A ragged period computes its edges live: 10:54 to 11:04 holds alice's second turn only.
    edge = await figures(store, DAY + timedelta(hours=10, minutes=54),
                         DAY + timedelta(hours=11, minutes=4))
    assert _funnel(edge) == [1, 0, 1, 0, 0] and edge["turns"] == 1
    charts = figure_charts(day)
    assert ">1,299 USD<" in charts["revenue_by_channel"]
    assert ">85.7 %<" in charts["answered_by"] and "openrouter/qwen-3.5" in charts["answered_by"]
    assert all(svg.startswith("<svg") for svg in charts.values())


async def test_the_funnel_of_a_customer_who_searches_adds_and_pays(
        seeded: Store, turn: Say, graph: Any) -> None:
    started, ended = await archived_checkout(turn, graph)
    result = await figures(seeded, started, ended)
    paid = await seeded.payments.find_one({"status": "paid"})
    assert paid is not None
    assert _funnel(result) == [2, 1, 1, 1, 1]
    assert result["revenue"]["total_cents"] == paid["total_cents"] > 0
    [web] = [c for c in result["by_channel"] if c["channel"] == "web"]
    assert web["paid"] == 1 and web["conversion"] == 1.0
    [asker] = [a for a in result["by_agent"] if a["paid"]]
    assert asker["agent"] == "payment" and asker["revenue_cents"] == paid["total_cents"]


def test_bar_chart_draws_each_number_beside_its_bar() -> None:
    svg = bar_chart([("web <b>", 3), ("whatsapp", 1.5)], title="Sessions & more", unit="ms")
    assert svg.startswith("<svg") and svg.count("<rect") == 2
    assert "web &lt;b&gt;" in svg and "<b>" not in svg and "Sessions &amp; more" in svg
    assert ">3 ms<" in svg and ">1.5 ms<" in svg
    funnel = funnel_chart([{"step": "product_shown", "sessions": 4}])
    assert "product shown" in funnel and ">4<" in funnel


def test_a_ragged_period_is_kept_hours_and_minutes_with_only_open_minutes_live() -> None:
    at = DAY + timedelta(hours=10)
    kept, live = plan(at + timedelta(minutes=2, seconds=30), at + timedelta(hours=2, minutes=7),
                      closed_before=at + timedelta(hours=2, minutes=20))
    five, hour = timedelta(minutes=5), timedelta(hours=1)
    assert kept == [(five, at + five * i) for i in range(1, 12)] + [
        (hour, at + hour), (five, at + 2 * hour)]
    assert live == [(at + timedelta(minutes=2, seconds=30), at + five),
                    (at + 2 * hour + five, at + 2 * hour + timedelta(minutes=7))]
    # Nothing is kept that has not been over for a while: the archive may still be writing it.
    kept, live = plan(at, at + hour, closed_before=at + hour)
    assert not [span for span in kept if span[0] == hour] and live


async def test_keep_up_keeps_the_closed_hours_once(store: Store) -> None:
    await _archive(store)
    later = DAY + timedelta(days=1, minutes=10)
    assert await keep_up(store, days=1, clock=lambda: later) == 24
    assert await keep_up(store, days=1, clock=lambda: later) == 0
    day = await figures(store, DAY, DAY + timedelta(days=1), clock=lambda: later)
    assert _funnel(day) == [4, 3, 1, 1, 1] and await store.db[CACHE].count_documents({}) == 24


async def test_the_server_keeps_the_hours_in_the_background(seeded: Store) -> None:
    """`keep_up_forever` computes the closed hours in rounds while the server runs."""
    task = asyncio.create_task(keep_up_forever(seeded, every_s=0.05, first_s=0))
    try:
        for _ in range(200):
            if await seeded.db[CACHE].estimated_document_count():
                break
            await asyncio.sleep(0.05)
        assert await seeded.db[CACHE].estimated_document_count() > 0
        assert not task.done()
    finally:
        task.cancel()
