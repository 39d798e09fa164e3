"""The shop's knowledge: a policy document in the database, searched, and never a money move."""

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from graph.agents.base import Agent, Turn, run_tool
from graph.agents.general import AGENT as GENERAL
from graph.agents.post_purchase import AGENT as POST_PURCHASE
from graph.session import TurnResult
from tools.catalog_data import STORES
from tools.context import ToolContext
from tools.policy import search_policy
from tools.registry import describe
from tools.returns import RETURN_WINDOW
from tools.store import Store

Say = Callable[..., Awaitable[TurnResult]]
MONEY = ("payments", "returns", "confirmations", "vouchers", "gateway_charges", "call_jobs",
         "warranty_claims")


async def money_moves(store: Store) -> dict[str, int]:
    return {name: await store.db[name].count_documents({}) for name in MONEY}


async def test_the_demo_shop_has_its_policy_stored_with_its_real_rules(seeded: Store) -> None:
    document = await seeded.policies.find_one({"_id": "demo"})
    assert document is not None and document["languages"] == ["en", "es", "fr", "de", "hi"]
    sections = {s["key"]: s["text"] for s in document["sections"]}
    assert {"returns", "shipping", "payment", "price_match", "loyalty", "hours"} <= set(sections)
    assert all(set(text) == {"en", "es", "fr", "de", "hi"} for text in sections.values())
    assert f"{RETURN_WINDOW.days} days" in sections["returns"]["en"]
    for store in STORES:  # every store of the shop, with its address
        assert store["postcode"] in sections[store["_id"]]["en"]
    assert "Gold" in sections["loyalty"]["en"] and "Silver" in sections["loyalty"]["en"]


@pytest.mark.parametrize(("question", "language", "section"), [
    ("what's your return policy?", "en", "returns"),
    ("do you price match?", "en", "price_match"),
    ("what are your hours downtown?", "en", "store-downtown"),
    ("¿cuál es su política de devoluciones?", "es", "returns"),
    ("¿igualan precios de la competencia?", "es", "price_match"),
    ("quels sont vos horaires au magasin Downtown ?", "fr", "store-downtown"),
    ("Wie lange dauert der Versand?", "de", "shipping"),
    ("what perks do gold members get", "en", "loyalty"),
    ("which payment methods do you acept", "en", "payment"),  # a typo
])
async def test_search_finds_the_section_that_answers(alice: ToolContext, question: str,
                                                     language: str, section: str) -> None:
    found = await search_policy(alice, question, language)
    assert found["type"] == "policy" and found["language"] == language
    assert section in [s["key"] for s in found["sections"]]
    assert len(found["sections"]) <= 2


async def test_a_question_on_nothing_in_the_policy_finds_nothing(alice: ToolContext) -> None:
    assert (await search_policy(alice, "hello there"))["sections"] == []


QUESTIONS = [
    ("what's your return policy?", "30 days"),
    ("do you price match?", "match"),
    ("what are your hours downtown?", "120 Main Street"),
    ("¿cuál es su política de devoluciones?", "30 días"),
    ("¿igualan precios?", "Igualamos"),
    ("quelle est votre politique de retour ?", "30 jours"),
    ("vous alignez les prix ?", "Alignement"),
    ("Was ist eure Rückgabe-Richtlinie?", "30 Tagen"),
    ("Wann hat der Laden Downtown geöffnet?", "Montag"),
    ("and where is the airport one?", "Shelbyville"),
]


async def answer(agent: Agent, ctx: ToolContext, text: str) -> tuple[str, list[dict[str, Any]]]:
    """The agent's offline answer: its plan's tools run as the agent node runs them."""
    turn = Turn(text=text, brief={"name": "Alice", "orders": [
        {"order_id": "ORD-1001", "status": "delivered"}]}, history=[], now=datetime.now(UTC))
    schemas = {fn.__name__: describe(fn) for fn in agent.tools}
    results = [await run_tool(agent, schemas, ctx, name, args) for name, args in agent.plan(turn)]
    return agent.render(turn, results), results


@pytest.mark.parametrize(("question", "expected"), QUESTIONS)
async def test_the_general_agent_answers_from_the_policy(
        alice: ToolContext, question: str, expected: str) -> None:
    reply, results = await answer(GENERAL, alice, question)
    assert expected in reply
    assert [r["type"] for r in results] == ["policy"]


@pytest.mark.parametrize(("question", "expected"), [q for q in QUESTIONS if "30" in q[1]])
async def test_post_purchase_answers_return_rules_without_preparing_a_return(
        alice: ToolContext, question: str, expected: str) -> None:
    reply, results = await answer(POST_PURCHASE, alice, question)
    assert expected in reply and "ORD-" not in reply
    assert [r["type"] for r in results] == ["policy"]
    assert await alice.store.confirmations.count_documents({}) == 0


@pytest.mark.parametrize("question", [q for q, _ in QUESTIONS])
async def test_policy_questions_prepare_nothing_whichever_agent_answers(
        turn: Say, seeded: Store, question: str) -> None:
    before = await money_moves(seeded)
    result = await turn(question)
    assert not result["awaiting_confirmation"]
    assert await money_moves(seeded) == before


async def test_on_the_phone_the_policy_answer_is_one_section(alice: ToolContext) -> None:
    question = "do you take cash, and are you open on sunday?"
    schemas = {fn.__name__: describe(fn) for fn in GENERAL.tools}
    replies = {}
    for channel in ("web", "voice"):
        turn = Turn(text=question, brief={"name": "Alice", "channel": channel}, history=[],
                    now=datetime.now(UTC))
        results = [await run_tool(GENERAL, schemas, alice, name, args)
                   for name, args in GENERAL.plan(turn)]
        assert [s["key"] for s in results[0]["sections"]] == ["hours", "payment"]
        replies[channel] = GENERAL.render(turn, results)
    assert "Monday to Saturday" in replies["web"] and "cash" in replies["web"]
    assert "Monday to Saturday" in replies["voice"] and "cash" not in replies["voice"]
