"""Conversations through the graph: each turn reaches the agent that can answer it, in several
languages, and a message with two requests gets both answered in one turn."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

import pytest

from graph.session import TurnResult
from tools.context import ToolContext
from tools.loyalty import balance_of
from tools.store import Store

Say = Callable[..., Awaitable[TurnResult]]


def kinds(result: TurnResult) -> set[str]:
    return {action["type"] for action in result["actions"]}


async def talk(turn: Say, lines: list[tuple[str, str, set[str]]], language: str) -> None:
    """Say each line in one session; each reply comes from the route and carries the actions."""
    for text, route, actions in lines:
        result = await turn(text)
        assert result["agent_used"] == route, (text, result["reply"])
        assert actions <= kinds(result), (text, result["actions"])
        assert result["language"] == language, text


async def test_english_follow_ups_stay_with_the_product_then_the_order(turn: Say) -> None:
    await talk(turn, [
        ("I need a laptop for coding under $1500", "recommendation", {"product_list"}),
        ("which of those has the most RAM?", "recommendation", set()),
        ("how long is the warranty on it?", "recommendation", set()),
        ("and is it in stock downtown?", "inventory", set()),
        ("where is my order ORD-1002?", "fulfillment", {"order_status"}),
        ("where is it now?", "fulfillment", {"order_status"}),
        ("thanks, that's all", "general", set()),
    ], "en")


async def test_spanish_conversation(turn: Say) -> None:
    await talk(turn, [
        ("busco un portátil para programar", "recommendation", {"product_list"}),
        ("¿viene en negro?", "recommendation", set()),
        ("¿lo tienen en la tienda del centro?", "inventory", set()),
        ("¿dónde está mi pedido?", "fulfillment", {"order_status"}),
        ("¿y cuándo llega?", "fulfillment", set()),
        ("¿cuántos puntos tengo?", "loyalty", {"points"}),
    ], "es")


async def test_german_conversation(turn: Say) -> None:
    await talk(turn, [
        ("ich suche einen Laptop zum Programmieren", "recommendation", {"product_list"}),
        ("welches davon hat am meisten RAM?", "recommendation", set()),
        ("ist es in der Innenstadt auf Lager?", "inventory", set()),
        ("wo ist meine Bestellung?", "fulfillment", {"order_status"}),
        ("wann kommt es an?", "fulfillment", set()),
    ], "de")


async def test_hinglish_and_french_conversations(turn: Say) -> None:
    await talk(turn, [
        ("gaming laptops dikhao", "recommendation", {"product_list"}),
        ("inme se sabse sasta kaunsa hai?", "recommendation", set()),
        ("mera order kahan hai?", "fulfillment", {"order_status"}),
    ], "hi")
    result = await turn("où est ma commande ?", session="fr")
    assert result["agent_used"] == "fulfillment" and "order_status" in kinds(result)
    result = await turn("il arrive quand ?", session="fr")
    assert result["agent_used"] == "fulfillment" and result["language"] == "fr"


@pytest.mark.parametrize("text", [
    "where's my order and how many points do I have",
    "¿dónde está mi pedido y cuántos puntos tengo?",
    "où est ma commande et combien de points j'ai ?",
    "wo ist meine Bestellung und wie viele Punkte habe ich?",
    "mera order kahan hai aur mere kitne points hain?",
])
async def test_two_requests_in_one_message_are_both_answered(turn: Say, text: str) -> None:
    result = await turn(text)
    assert {"order_status", "points"} <= kinds(result)
    assert result["agent_used"] == "fulfillment"  # the first request's route
    # The reply answers both: the order's number, and the balance (in the locale's digits).
    balance = next(a["balance"] for a in result["actions"] if a["type"] == "points")
    assert "ORD-" in result["reply"] and f"{balance}" in re.sub(r"[.,\s]", "", result["reply"])
    assert not result["awaiting_confirmation"]


async def test_one_message_one_request_runs_one_agent(turn: Say) -> None:
    result = await turn("I need a laptop and a mouse for the office")
    assert result["agent_used"] == "recommendation"
    assert kinds(result) == {"product_list"}


async def test_two_money_moves_prepare_one_and_ask_again_for_the_other(
        turn: Say, seeded: Store, alice: ToolContext) -> None:
    await turn("add LAP-00002 to my cart")
    points = await balance_of(alice)
    result = await turn("pay for my cart and redeem 500 points")
    assert result["awaiting_confirmation"]
    assert "payment_confirmation" in kinds(result)
    assert "redeem_confirmation" not in kinds(result)
    assert "one" in result["reply"] and "again" in result["reply"]
    waiting = await seeded.confirmations.find(
        {"customer_id": "demo-alice", "status": "pending"}).to_list()
    assert [doc["kind"] for doc in waiting] == ["payment"]

    result = await turn("yes")
    assert [a["status"] for a in result["actions"] if a["type"] == "payment_status"] == ["paid"]
    assert await balance_of(alice) >= points  # no points were spent
