"""Follow-ups customers make without naming their subject: a booked call moved to another hour,
"until when exactly?" after a warranty answer, the stores the shop has, a product's price."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest

from graph.session import TurnResult
from tools.call_time import moved, say, zone
from tools.store import Store

Say = Callable[..., Awaitable[TurnResult]]
NEW_YORK = zone("America/New_York")
NOW = datetime(2025, 6, 6, 10, 0, tzinfo=UTC)  # 6:00 AM in New York
BOOKED = datetime(2025, 6, 7, 14, 0, tzinfo=UTC)  # tomorrow at 10:00 AM in New York


def test_a_new_hour_keeps_the_booked_day_and_its_half_of_the_day() -> None:
    local = BOOKED.astimezone(NEW_YORK)
    cases = {
        "actually make it 11 instead": local.replace(hour=11),
        "11:30 would be better": local.replace(hour=11, minute=30),
        "make it 3pm": local.replace(hour=15),
        "mejor a las 12": local.replace(hour=12),
        "plutôt 14h": local.replace(hour=14),
        "lieber um 16 Uhr": local.replace(hour=16),
        "9 baje kar do": local.replace(hour=9),
    }
    for words, expected in cases.items():
        assert moved(words, BOOKED, NOW, NEW_YORK) == expected, words
    # A day or a span named is read whole, from now.
    assert moved("friday at 3 then", BOOKED, NOW, NEW_YORK) == datetime(
        2025, 6, 13, 15, 0, tzinfo=NEW_YORK)
    assert moved("in two hours instead", BOOKED, NOW, NEW_YORK) == NOW + timedelta(hours=2)
    assert moved("no, never mind", BOOKED, NOW, NEW_YORK) is None
    assert moved("make it 45", BOOKED, NOW, NEW_YORK) is None


def test_a_time_within_hours_is_said_from_now_too() -> None:
    assert say(NOW + timedelta(hours=1), NOW, NEW_YORK, "en") == "in 1 hour (7:00 AM)"
    assert say(NOW + timedelta(hours=2), NOW, NEW_YORK, "es").startswith("dentro de 2 horas")
    assert say(BOOKED, NOW, NEW_YORK, "en") == "tomorrow at 10:00 AM"


async def live_calls(store: Store) -> list[dict[str, object]]:
    return await store.call_jobs.find(
        {"customer_id": "demo-alice", "status": {"$ne": "cancelled"}}).to_list()


@pytest.mark.parametrize(("ask", "change", "hour"), [
    ("Can someone call me tomorrow at 10am about a laptop?", "actually make it 11 instead", 11),
    ("call me back tomorrow at 10 please", "hmm, 2pm works better", 14),
    ("llámame mañana a las 10, por favor", "mejor a las 12", 12),
    ("rufen Sie mich morgen um 10 Uhr an", "lieber um 16 Uhr", 16),
])
async def test_a_booked_call_moves_to_the_new_hour_and_the_old_one_is_dropped(
        turn: Say, seeded: Store, ask: str, change: str, hour: int) -> None:
    first = await turn(ask)
    assert first["agent_used"] == "proactive_call", first["reply"]
    booked = [a for a in first["actions"] if a["type"] == "call_scheduled"]
    assert booked, first["reply"]
    result = await turn(change)
    assert result["agent_used"] == "proactive_call", result["reply"]
    calls = await live_calls(seeded)
    assert len(calls) == 1, calls  # one call, at the new hour; the first was cancelled
    at = calls[0]["scheduled_for"]
    assert isinstance(at, datetime)
    local = at.replace(tzinfo=UTC).astimezone(NEW_YORK)
    first_local = datetime.fromisoformat(booked[0]["scheduled_for"]).astimezone(NEW_YORK)
    assert (local.date(), local.hour) == (first_local.date(), hour)
    old = await seeded.call_jobs.find_one({"call_id": booked[0]["call_id"]})
    assert old is not None and old["status"] == "cancelled"
    assert old["replaced_by"] == calls[0]["call_id"]
    assert not re.search(r"\d{4}-\d{2}-\d{2}", result["reply"])


async def test_until_when_after_a_warranty_answer_says_the_date(turn: Say) -> None:
    first = await turn("is my monitor from ORD-1004 still under warranty?", user="demo-bob")
    assert "36-month" in first["reply"], first["reply"]
    for follow in ("until when exactly?", "¿hasta cuándo exactamente?"):
        result = await turn(follow, user="demo-bob")
        assert result["agent_used"] == "post_purchase", (follow, result["reply"])
        assert {a["type"] for a in result["actions"]} == {"warranty"}
        assert re.search(r"20\d\d", result["reply"]), result["reply"]


@pytest.mark.parametrize("ask", ["what stores do you have?", "¿qué tiendas tienen?",
                                 "quels magasins avez-vous ?", "aapke stores kahan hai?"])
async def test_the_list_of_stores_names_every_store(turn: Say, ask: str) -> None:
    result = await turn(ask)
    assert result["agent_used"] == "general", result["reply"]
    for store in ("Downtown", "Riverside Mall", "Airport"):
        assert store in result["reply"], (ask, result["reply"])


async def test_one_named_store_answers_with_that_store_alone(turn: Say) -> None:
    result = await turn("where is the downtown store?")
    assert "120 Main Street" in result["reply"] and "Airport" not in result["reply"]


async def test_a_delivery_to_a_postcode_is_an_estimate_not_the_rules(turn: Say) -> None:
    result = await turn("how long would delivery take to 10001?")
    assert result["agent_used"] == "fulfillment", result["reply"]
    assert "delivery_estimate" in {a["type"] for a in result["actions"]}
    assert "business days" in result["reply"], result["reply"]


@pytest.mark.parametrize(("first", "price"), [
    ("tell me about the Razer K70 4 Plus", "how much is it?"),
    ("is the Razer K70 4 Plus in stock?", "how much is it?"),
    ("¿tienen el Razer K70 4 Plus en stock?", "¿cuánto cuesta?"),
    ("ist die Razer K70 4 Plus auf Lager?", "was kostet die?"),
])
async def test_the_price_of_the_product_in_focus(turn: Say, first: str, price: str) -> None:
    await turn(first)
    result = await turn(price)
    assert result["agent_used"] == "recommendation", (price, result["reply"])
    assert re.search(r"118[.,]99", result["reply"]), result["reply"]


@pytest.mark.parametrize(("ask", "cheaper"), [
    ("I'm looking for noise cancelling headphones under $300", "anything cheaper?"),
    ("noise cancelling headphones please", "something cheaper?"),
    ("auriculares con cancelación de ruido por menos de 300 dólares", "¿algo más barato?"),
])
async def test_something_cheaper_keeps_what_the_list_was_for(turn: Say, seeded: Store,
                                                           ask: str, cheaper: str) -> None:
    first = await turn(ask, user="demo-bob")
    shown = next(a for a in first["actions"] if a["type"] == "product_list")["products"]
    result = await turn(cheaper, user="demo-bob")
    listed = next(a for a in result["actions"] if a["type"] == "product_list")["products"]
    assert listed and all(p["price"] < shown[0]["price"] for p in listed), listed
    top = await seeded.products.find_one({"sku": listed[0]["sku"]})
    assert top is not None and "noise-cancelling" in top["tags"], top
    assert [p["price"] for p in listed[:2]] == sorted(p["price"] for p in listed[:2])


async def test_the_cheapest_of_another_kind_is_a_new_search(turn: Say) -> None:
    await turn("noise cancelling headphones please")
    result = await turn("cheapest gaming keyboard?")
    listed = next(a for a in result["actions"] if a["type"] == "product_list")["products"]
    assert {p["category"] for p in listed} == {"keyboards"}, listed
