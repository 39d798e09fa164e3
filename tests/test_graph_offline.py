"""A conversation per route, offline, through the compiled graph on the embedded MongoDB."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from graph.session import TurnResult, run_turn, thread_id
from tools.store import Store

Say = Callable[..., Awaitable[TurnResult]]


async def stored_messages(graph: Any, session: str = "s1", user: str = "demo-alice") -> list[Any]:
    config = {"configurable": {"thread_id": thread_id("web", user, session)}}
    return list((await graph.aget_state(config)).values["messages"])


async def test_recommendation_laptop_for_coding(turn: Say, graph: Any) -> None:
    result = await turn("I need a laptop for coding under $1000")
    assert result["agent_used"] == "recommendation"
    assert result["answered_by"] == "offline"
    listing = next(a for a in result["actions"] if a["type"] == "product_list")
    assert listing["products"]
    assert all(p["price"] <= 1000 and p["category"] == "laptops" for p in listing["products"])
    assert listing["products"][0]["name"] in result["reply"]
    assert len(await stored_messages(graph)) <= 5


async def test_follow_up_picks_from_the_last_list(turn: Say) -> None:
    first = await turn("recommend me some headphones for running")
    second_sku = first["actions"][0]["products"][1]["sku"]
    result = await turn("the second one")
    assert result["agent_used"] == "recommendation"
    assert result["actions"][0]["type"] == "product"
    assert result["actions"][0]["sku"] == second_sku


async def test_inventory_checks_stock_in_a_store(turn: Say, seeded: Store) -> None:
    result = await turn("Is LAP-00001 in stock at the mall?")
    assert result["agent_used"] == "inventory"
    stock = result["actions"][0]
    row = await seeded.stock.find_one({"sku": "LAP-00001", "store_id": "store-mall"})
    assert row is not None
    assert stock["type"] == "stock" and stock["stores"][0]["quantity"] == row["quantity"]


async def test_fulfillment_tracks_own_order(turn: Say) -> None:
    result = await turn("where is my order ORD-1002?")
    assert result["agent_used"] == "fulfillment"
    status = result["actions"][0]
    assert status["type"] == "order_status" and status["order_id"] == "ORD-1002"
    assert status["tracking"]["number"] in result["reply"]


async def test_fulfillment_without_an_id_tracks_the_latest_open_order(turn: Say,
                                                                    seeded: Store) -> None:
    bob = await turn("where is my order?", user="demo-bob")
    assert bob["agent_used"] == "fulfillment"
    assert [a["order_id"] for a in bob["actions"]] == ["ORD-1003"]  # not the delivered ORD-1004
    await seeded.orders.update_one({"order_id": "ORD-1002"}, {"$set": {"status": "delivered"}})
    alice = await turn("where is my order?")  # nothing open: the latest order
    assert [a["order_id"] for a in alice["actions"]] == ["ORD-1002"]


async def test_fulfillment_hides_other_customers_orders(turn: Say) -> None:
    theirs = await turn("track order ORD-1003")
    missing = await turn("track order ORD-9999")
    assert theirs["actions"] == [] and missing["actions"] == []
    assert theirs["reply"].replace("ORD-1003", "X") == missing["reply"].replace("ORD-9999", "X")
    assert "Bob" not in theirs["reply"]


async def test_loyalty_points(turn: Say) -> None:
    result = await turn("how many loyalty points do I have?")
    assert result["agent_used"] == "loyalty"
    assert result["actions"][0]["balance"] == 2500
    assert "2,500 points" in result["reply"]


async def test_payment_waits_for_yes_then_charges_once(turn: Say, seeded: Store) -> None:
    result = await turn("I'd like to checkout and pay for my cart")
    assert result["agent_used"] == "payment" and result["awaiting_confirmation"]
    confirmation = result["actions"][0]
    assert confirmation["type"] == "payment_confirmation"
    assert await seeded.db["gateway_charges"].count_documents({}) == 0
    paid = await turn("yes please")
    assert paid["actions"][0]["status"] == "paid"
    assert not paid["awaiting_confirmation"]
    charges = await seeded.db["gateway_charges"].find({}).to_list()
    assert len(charges) == 1 and charges[0]["amount_cents"] == round(confirmation["total"] * 100)
    again = await turn("yes")
    assert await seeded.db["gateway_charges"].count_documents({}) == 1
    assert again["actions"] == [] or again["actions"][0]["type"] != "payment_status"


async def test_payment_no_cancels(turn: Say, seeded: Store) -> None:
    await turn("checkout my cart please")
    result = await turn("no")
    assert result["actions"][0]["status"] == "cancelled"
    assert await seeded.db["gateway_charges"].count_documents({}) == 0


async def test_payment_other_answer_asks_again(turn: Say, seeded: Store) -> None:
    await turn("pay for my cart")
    result = await turn("the price is $1")
    assert result["awaiting_confirmation"] and "yes or no" in result["reply"]
    assert await seeded.db["gateway_charges"].count_documents({}) == 0


async def test_yes_in_another_session_charges_nothing(turn: Say, seeded: Store) -> None:
    await turn("pay for my cart", session="s1")
    await turn("yes", session="s2")
    assert await seeded.db["gateway_charges"].count_documents({}) == 0


async def test_return_needs_confirmation(turn: Say, seeded: Store) -> None:
    result = await turn("I want to return order ORD-1001, the headphones are broken")
    assert result["agent_used"] == "post_purchase" and result["awaiting_confirmation"]
    assert await seeded.returns.count_documents({}) == 0
    done = await turn("yes")
    assert done["actions"][0]["type"] == "return"
    assert await seeded.returns.count_documents({"customer_id": "demo-alice"}) == 1


async def test_warranty(turn: Say) -> None:
    result = await turn("is my monitor from ORD-1004 still under warranty?", user="demo-bob")
    assert result["agent_used"] == "post_purchase"
    assert result["actions"][0]["type"] == "warranty"
    assert result["actions"][0]["items"][0]["active"] is True


async def test_proactive_call(turn: Say, seeded: Store) -> None:
    result = await turn("please call me back tomorrow at 10am")
    assert result["agent_used"] == "proactive_call"
    assert result["actions"][0]["type"] == "call_scheduled"
    assert await seeded.call_jobs.count_documents({"customer_id": "demo-alice"}) == 1


async def test_pos_transaction(graph: Any, seeded: Store) -> None:
    """Staff at the mall's till ring up a sale: the store is the till's, not the message's."""
    before = await seeded.stock.find_one({"sku": "LAP-00003", "store_id": "store-mall"})
    assert before is not None
    result = await run_turn(graph, customer_id="staff-7", session_id="till-1", channel="pos",
                            store_id="store-mall",
                            message="ring up till transaction TX-5001 for LAP-00003 downtown")
    assert result["agent_used"] == "pos_adapter"
    assert result["actions"][0]["type"] == "pos_transaction"
    assert result["actions"][0]["store_id"] == "store-mall"
    assert await seeded.pos_transactions.count_documents({"transaction_id": "TX-5001"}) == 1


async def test_pos_transaction_on_the_web_is_for_staff(turn: Say, seeded: Store) -> None:
    result = await turn("ring up till transaction TX-5001 for LAP-00003 at the mall register")
    assert result["agent_used"] != "pos_adapter" and result["actions"] == []
    assert "shop staff" in result["reply"]
    assert await seeded.pos_transactions.count_documents({}) == 0


async def test_handoff_opens_a_ticket(turn: Say, seeded: Store) -> None:
    result = await turn("I want to speak to a human agent")
    assert result["agent_used"] == "handoff"
    assert result["actions"][0]["type"] == "handoff_ticket"
    assert await seeded.handoff_tickets.count_documents({"customer_id": "demo-alice"}) == 1


async def test_general_greeting(turn: Say) -> None:
    result = await turn("hello there")
    assert result["agent_used"] == "general" and result["actions"] == []
    assert result["reply"].startswith("Hi Alice Example!")
    assert (await turn("hello", user="someone-new"))["reply"].startswith("Hi there!")


async def test_thirty_turns_keep_five_messages(turn: Say, graph: Any) -> None:
    from langchain_core.messages import AIMessage, ToolMessage

    for i in range(30):
        await turn(["hi", "where is my order ORD-1002?", "laptop for coding under $900",
                    "check stock of LAP-00001"][i % 4])
        messages = await stored_messages(graph)
        assert len(messages) <= 5
        called = {c["id"] for m in messages if isinstance(m, AIMessage) for c in m.tool_calls}
        assert all(m.tool_call_id in called for m in messages if isinstance(m, ToolMessage))


async def test_yes_with_nothing_pending_starts_nothing(turn: Say, seeded: Store) -> None:
    result = await turn("yes", session="fresh")
    assert result["agent_used"] == "general" and result["actions"] == []
    assert await seeded.payments.count_documents({}) == 0


# --- L1: 200 messages on one session at once -----------------------------------------------------


async def test_200_concurrent_messages_on_one_session_run_in_arrival_order(
        turn: Say, graph: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    running, peak, ran = 0, 0, []
    ainvoke = graph.ainvoke

    async def counted(payload: Any, config: Any, **kwargs: Any) -> Any:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        ran.append(payload["messages"][-1].text)
        try:
            return await ainvoke(payload, config, **kwargs)
        finally:
            running -= 1

    monkeypatch.setattr(graph, "ainvoke", counted)
    messages = [f"hello {i}" for i in range(200)]
    results = await asyncio.gather(*(turn(m, user="demo-bob", session="l1") for m in messages))
    assert all(r["reply"] for r in results)
    assert peak == 1  # one turn of the session at a time
    assert ran == messages  # each message ran once, in the order it came
    humans = [m.text for m in await stored_messages(graph, "l1", "demo-bob") if m.type == "human"]
    assert humans[-1] == messages[-1]
