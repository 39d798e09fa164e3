"""The call and post-purchase agents' offline plans in the customer's words and languages."""

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, ToolMessage

from graph.agents.base import Agent, Turn, run_tool
from graph.agents.post_purchase import AGENT as POST_PURCHASE
from graph.agents.proactive_call import AGENT as CALLS
from tests.test_orders import at
from tests.test_sales_tools import cables_order
from tools.context import ToolContext
from tools.registry import describe

NOW = datetime(2025, 6, 6, 14, 0, tzinfo=UTC)  # 10:00 in New York


async def answer(agent: Agent, ctx: ToolContext, text: str, now: datetime,
                 history: list[AnyMessage] | None = None) -> tuple[str, list[dict[str, Any]]]:
    """The agent's offline answer, its plan's tools run as the agent node runs them."""
    turn = Turn(text=text, brief={"orders": [{"order_id": "ORD-1001", "status": "delivered"}]},
                history=history or [], now=now)
    schemas = {fn.__name__: describe(fn) for fn in agent.tools}
    results = [await run_tool(agent, schemas, ctx, name, args) for name, args in agent.plan(turn)]
    return agent.render(turn, results), results


@pytest.mark.parametrize("words", [
    "please stop calling me", "deja de llamarme, por favor", "ne m'appelez plus",
    "Hören Sie auf, mich anzurufen", "mujhe call mat karo"])
async def test_stop_calling_me_in_five_languages(alice: ToolContext, words: str) -> None:
    reply, results = await answer(CALLS, at(alice, NOW), words, NOW)
    assert [r["type"] for r in results] == ["do_not_call"]
    customer = await alice.store.customers.find_one({"_id": "demo-alice"})
    assert customer is not None and customer["do_not_call"] is True
    assert await alice.store.call_jobs.count_documents({}) == 0


@pytest.mark.parametrize("words", [
    "call me tomorrow at 10", "llámame mañana a las 10", "appelez-moi demain à 10h",
    "ruf mich morgen um 10 an"])
async def test_call_me_tomorrow_at_ten_in_four_languages(alice: ToolContext, words: str) -> None:
    reply, results = await answer(CALLS, at(alice, NOW), words, NOW)
    (job,) = await alice.store.call_jobs.find({}).to_list()
    local = job["scheduled_for"].astimezone(ZoneInfo("America/New_York"))
    assert (local.date(), local.hour, local.minute) == (NOW.date() + timedelta(days=1), 10, 0)
    assert results[0]["type"] == "call_scheduled"
    assert "tomorrow at 10:00 AM" in reply and "2025" not in reply


async def test_a_call_with_no_time_is_for_now(alice: ToolContext) -> None:
    reply, _ = await answer(CALLS, at(alice, NOW), "can someone call me please", NOW)
    (job,) = await alice.store.call_jobs.find({}).to_list()
    assert job["scheduled_for"] == NOW and "shortly" in reply


async def test_the_answer_to_which_one_returns_that_item(alice: ToolContext) -> None:
    oid = await cables_order(alice.store)
    now = datetime.now(UTC)
    reply, results = await answer(POST_PURCHASE, alice, f"return the charger from {oid}", now)
    assert results[0]["status"] == "choose" and "?" in reply
    history: list[AnyMessage] = [
        HumanMessage(f"return the charger from {oid}"),
        AIMessage("", tool_calls=[{"name": "initiate_return", "args": {}, "id": "c1",
                                   "type": "tool_call"}]),
        ToolMessage(json.dumps(results[0]), tool_call_id="c1", name="initiate_return"),
        AIMessage(reply), HumanMessage("the samsung one")]
    reply, results = await answer(POST_PURCHASE, alice, "the samsung one", now, history)
    assert results[0]["status"] == "awaiting_confirmation" and results[0]["order_id"] == oid
    assert [i["name"] for i in results[0]["items"]] == ["Samsung Charger 8"]
    assert "Samsung Charger 8" in reply and "Shall I go ahead?" in reply


async def test_a_return_in_spanish_names_the_item(alice: ToolContext) -> None:
    reply, results = await answer(POST_PURCHASE, alice, "quiero devolver el ratón",
                                  datetime.now(UTC))
    assert [i["sku"] for i in results[0]["items"]] == ["ACC-00001"]
    assert results[0]["status"] == "awaiting_confirmation"
