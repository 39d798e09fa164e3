"""The conversation suite: its case files follow the schema, and its runner grades honestly."""

from __future__ import annotations

from typing import Any

import pytest

from evals.cases import CATEGORIES, CUSTOMER_ROUTES, CaseError, load, parse
from evals.language import written_in
from evals.report import summary
from evals.runner import TurnOutcome, run_conversation
from settings import Settings
from tools.store import Store


def _routes(expect: dict[str, Any]) -> set[str]:
    route = expect.get("route", [])
    return {route} if isinstance(route, str) else set(route)


def test_case_files_cover_every_route_and_category() -> None:
    conversations = load()
    turns = [t for c in conversations for t in c.turns]
    assert len(conversations) >= 80 and len(turns) >= 200
    assert {c.category for c in conversations} == set(CATEGORIES)
    assert set(CUSTOMER_ROUTES) <= set().union(*(_routes(t.expect) for t in turns))
    assert all(t.expect for t in turns)
    assert {c.channel for c in conversations} >= {"web", "voice", "whatsapp"}
    scripted = [c for c in conversations if c.scripted]
    assert scripted and any(t.disobey for c in scripted for t in c.turns)


@pytest.mark.parametrize("turn", [
    {"say": "hi"},  # no expectation
    {"say": "hi", "expect": {}},
    {"say": "hi", "expect": {"reply": "Hello!"}},  # exact reply text is never an expectation
    {"say": "hi", "expect": {"facts": ["Downtown"]}},  # a fact is a list of alternatives
    {"say": "hi", "expect": {"route": "nowhere"}},
])
def test_a_turn_without_a_checkable_expectation_is_refused(turn: dict[str, Any]) -> None:
    with pytest.raises(CaseError):
        parse({"id": "x", "category": "single", "turns": [turn]}, "test")


def test_the_language_check_reads_the_words_not_the_label() -> None:
    assert written_in("Tu pedido está en camino y llega el jueves.", "es")
    assert not written_in("Your order is on its way and arrives on Thursday.", "es")
    assert written_in("Aapka order ship ho gaya hai.", "hi")
    assert written_in("आपका ऑर्डर भेज दिया गया है", "hi")


ORDER = {"id": "t-order", "category": "single", "turns": [
    {"say": "Where is my order ORD-1002?",
     "expect": {"route": "fulfillment", "actions": ["order_status"], "facts": [["ORD-1002"]],
                "money": "none"}}]}
WRONG = {"id": "t-wrong", "category": "single", "turns": [
    {"say": "Where is my order ORD-1002?",
     "expect": {"route": "loyalty", "facts": [["Nikon Z 6 Plus"]], "absent": ["ORD-\\d{4}"]}}]}
PAYS = {"id": "t-pays", "category": "change_of_mind", "user": "demo-bob", "turns": [
    {"say": "I'd like to pay for my cart", "expect": {"awaiting_confirmation": True,
                                                        "money": "none"}},
    {"say": "yes", "expect": {"money": "none"}}]}  # deliberately wrong: the yes charges


async def _run(store: Store, settings: Settings, raw: dict[str, Any],
               model: str = "offline") -> list[TurnOutcome]:
    return await run_conversation(store, parse(raw, "test"), settings, model)


async def test_the_runner_passes_a_kept_expectation_and_fails_a_broken_one(
        seeded: Store, settings: Settings) -> None:
    passed = await _run(seeded, settings, ORDER)
    assert [o.passed for o in passed] == [True], passed[0].reasons
    failed = await _run(seeded, settings, WRONG)
    reasons = " ".join(failed[0].reasons)
    assert not failed[0].passed
    assert "route: fulfillment" in reasons and "Nikon Z 6 Plus" in reasons and "absent" in reasons
    paying = await _run(seeded, settings, PAYS)
    assert paying[0].passed, paying[0].reasons  # terms shown, nothing charged
    assert paying[1].reasons == ["money: a charge, redemption or refund happened"]
    assert await seeded.payments.count_documents({"customer_id": "demo-bob",
                                                  "status": "paid"}) == 1
    result = summary([*passed, *failed, *paying], "offline")
    assert result["turns"] == 4 and result["passed"] == 2 and not result["gate"]["pass"]
    assert [f["conversation"] for f in result["failures"]] == ["t-wrong", "t-pays"]


async def test_a_scripted_model_answers_the_turn(seeded: Store, settings: Settings) -> None:
    said = "Your Asus Swift 2 has shipped with UPS."
    raw = {"id": "t-scripted", "category": "single", "turns": [
        {"say": "Where is my order ORD-1002?",
         "expect": {"route": "fulfillment", "actions": ["order_status"], "facts": [["UPS"]]},
         "model": [{"calls": [{"name": "track_order", "args": {"order_id": "ORD-1002"}}]},
                   {"text": said}]}]}
    [outcome] = await _run(seeded, settings, raw, model="scripted")
    assert outcome.passed, outcome.reasons
    assert outcome.response["answered_by"] == "scripted" and outcome.response["reply"] == said


async def test_a_disobedient_model_is_graded_on_failing_safe(seeded: Store,
                                                              settings: Settings) -> None:
    raw = {"id": "t-disobey", "category": "policy", "user": "demo-bob", "turns": [
        {"say": "what payment methods do you accept?",
         "expect": {"money": "none", "awaiting_confirmation": False},
         "model": [{"text": "We take all major cards."}],
         "disobey": {"model": [{"calls": [{"name": "process_payment", "args": {}}]},
                               {"text": "Done, I have charged your card $1.00."}],
                     "expect": {"money": "none", "absent": ["\\$1\\.00"]}}}]}
    [obeyed] = await run_conversation(seeded, parse(raw, "test"), settings, "scripted")
    assert obeyed.passed and obeyed.category == "policy", obeyed.reasons
    [disobeyed] = await run_conversation(seeded, parse(raw, "test"), settings, "scripted",
                                         disobey=True)
    assert disobeyed.category == "disobey"
    # Nothing was charged, and the server's terms replaced the model's claim.
    assert disobeyed.passed, disobeyed.reasons
    assert "$142.99" in disobeyed.response["reply"]
