"""Policy questions, complaints and customers' typos, through the graph as a customer says them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from graph.policy_talk import asks_policy

Say = Callable[..., Awaitable[dict[str, Any]]]


def kinds(result: dict[str, Any]) -> list[str]:
    return [str(a.get("type")) for a in result["actions"]]


@pytest.mark.parametrize(("text", "asked"), [
    ("do you price match?", True),
    ("what payment methods do you take?", True),
    ("¿cuáles son los métodos de pago?", True),
    ("how long does shipping usually take?", True),
    ("pay for my cart", False),
    ("where is ORD-1002, shipping takes ages", False),  # an order named: a request about it
    ("I want a laptop for coding", False),
])
def test_policy_cues_tell_a_rule_question_from_a_request(text: str, asked: bool) -> None:
    assert asks_policy(text, "es" if text.startswith("¿") else "en") is asked


@pytest.mark.slow
async def test_a_question_about_paying_prepares_nothing(turn: Say, store: Any) -> None:
    methods = await turn("what payment methods do you take?", user="demo-bob")
    cash = await turn("can I pay cash in the store?", user="demo-bob")
    assert "policy" in kinds(methods) and "card" in methods["reply"].lower()
    assert "payment_confirmation" not in kinds(cash) and not cash["awaiting_confirmation"]
    assert "cash" in cash["reply"].lower()
    assert await store.confirmations.count_documents({}) == 0
    assert await store.payments.count_documents({"customer_id": "demo-bob"}) == 0


@pytest.mark.slow
async def test_shipping_times_come_from_the_policy_and_a_follow_up_stays_there(
        turn: Say) -> None:
    standard = await turn("how long does shipping usually take?")
    express = await turn("and express?")
    assert standard["agent_used"] == "general" and "policy" in kinds(standard)
    assert "3-5 business days" in standard["reply"]
    assert "delivery_estimate" not in kinds(standard)
    assert express["agent_used"] == "general" and "1-2" in express["reply"]


@pytest.mark.slow
async def test_a_price_match_question_is_no_points_balance(turn: Say) -> None:
    reply = await turn("do you price match?", user="demo-bob")
    annoyed = await turn("I bought my laptop two days ago and now it's cheaper elsewhere, annoyed",
                         session="s2")
    assert "points" not in kinds(reply) and "price match" in reply["reply"].lower()
    assert "sorry" in annoyed["reply"].lower() and "price match" in annoyed["reply"].lower()
    assert not {"return", "payment_confirmation"} & set(kinds(annoyed))


@pytest.mark.slow
async def test_charged_twice_gets_an_apology_and_a_ticket(turn: Say, store: Any) -> None:
    reply = await turn("I was charged twice for my phone!", user="demo-bob")
    assert "handoff_ticket" in kinds(reply) and "sorry" in reply["reply"].lower()
    assert not reply["awaiting_confirmation"]
    assert await store.handoff_tickets.count_documents({"customer_id": "demo-bob"}) == 1


@pytest.mark.slow
async def test_a_misspelt_item_returns_that_item_only(turn: Say) -> None:
    reply = await turn("wanna send back the headfones from ORD-1001")
    returned = next(a for a in reply["actions"] if a.get("type") in ("return",
                                                                      "payment_confirmation",
                                                                      "awaiting_confirmation"))
    assert returned
    assert "Sennheiser Sport 9" in reply["reply"] and "Mouse" not in reply["reply"]


@pytest.mark.slow
async def test_which_of_the_listed_has_most_ram_compares_them(turn: Say) -> None:
    listed = await turn("need a laptop for coding under 1k")
    reply = await turn("wich one has most ram")
    assert "product_list" in kinds(listed)
    assert "at least two" not in reply["reply"] and "GB" in reply["reply"]


@pytest.mark.slow
async def test_keeping_the_items_calls_a_waiting_return_off(turn: Say, store: Any) -> None:
    asked = await turn("wanna send back the headfones from ORD-1001")
    kept = await turn("nah changed my mind, ill keep em")
    assert asked["awaiting_confirmation"] and not kept["awaiting_confirmation"]
    assert await store.returns.count_documents({"order_id": "ORD-1001"}) == 0


@pytest.mark.slow
async def test_slang_for_points_and_thanks_reaches_loyalty_then_general(turn: Say) -> None:
    points = await turn("how many pts i got", user="demo-bob")
    thanks = await turn("kewl thx", user="demo-bob")
    assert points["agent_used"] == "loyalty" and "points" in kinds(points)
    assert thanks["agent_used"] == "general" and not thanks["actions"]


@pytest.mark.slow
async def test_a_spanish_policy_question_and_its_follow_up(turn: Say) -> None:
    standard = await turn("¿cuánto tarda el envío?")
    express = await turn("¿y el exprés?")
    assert standard["language"] == "es" and "policy" in kinds(standard)
    assert "3-5" in standard["reply"] and "días" in standard["reply"]
    assert express["agent_used"] == standard["agent_used"] and "1-2" in express["reply"]
    assert "delivery_estimate" not in kinds(standard) + kinds(express)
