"""Returns, warranty claims, complaints and calls as customers say them, through the graph."""

import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from graph.session import TurnResult
from tests.test_sales_tools import cables_order
from tools.store import Store

Say = Callable[..., Awaitable[TurnResult]]
ISO = re.compile(r"\d{4}-\d{2}-\d{2}")
SKU = re.compile(r"\b[A-Z]{3}-\d{5}\b")


def salesperson_words(reply: str) -> None:
    """What a good salesperson never says: SKUs and ISO timestamps."""
    assert not SKU.search(reply) and not ISO.search(reply), reply


async def test_return_the_mouse_prepares_that_line_only(turn: Say, seeded: Store) -> None:
    result = await turn("I want to return the mouse")
    assert result["agent_used"] == "post_purchase" and result["awaiting_confirmation"]
    (terms,) = await seeded.confirmations.find({"customer_id": "demo-alice"}).to_list()
    assert terms["payload"]["items"] == {"ACC-00001": 2}
    assert "Apple Mouse 6 Pro" in result["reply"] and "store credit" in result["reply"]
    salesperson_words(result["reply"])
    assert await seeded.returns.count_documents({}) == 0  # nothing until the yes


async def test_one_of_the_two_cables_returns_one(turn: Say, seeded: Store) -> None:
    await cables_order(seeded)
    asked = await turn("I want to return one of the two cables from ORD-2001")
    assert asked["awaiting_confirmation"], asked
    assert "Anker Cable 6" in asked["reply"] and "$12.99" in asked["reply"]
    done = await turn("yes")
    stored = await seeded.returns.find_one({"customer_id": "demo-alice"})
    assert stored is not None and stored["refund_cents"] == 1299
    assert [(i["sku"], i["quantity"]) for i in stored["items"]] == [("ACC-00008", 1)]
    assert stored["status"] == "awaiting_receipt"  # paid on receipt, not now
    assert done["actions"][0]["type"] == "return"


async def test_the_charger_of_two_asks_which_and_prepares_nothing(turn: Say,
                                                                  seeded: Store) -> None:
    await cables_order(seeded)
    result = await turn("I'd like to return the charger from ORD-2001")
    assert not result["awaiting_confirmation"]
    assert "Samsung Charger 8" in result["reply"] and "Apple Charger 7 Pro" in result["reply"]
    assert "?" in result["reply"]
    salesperson_words(result["reply"])
    assert await seeded.confirmations.count_documents({}) == 0


async def test_a_faulty_item_under_warranty_gets_a_claim(turn: Say, seeded: Store) -> None:
    result = await turn("my monitor stopped working, it is still under warranty", user="demo-bob")
    assert result["agent_used"] == "post_purchase"
    (claim,) = await seeded.warranty_claims.find({"customer_id": "demo-bob"}).to_list()
    assert claim["sku"] == "MON-00001" and claim["order_id"] == "ORD-1004"
    action = result["actions"][0]
    assert action["type"] == "warranty" and action["claim_id"] == claim["claim_id"]
    assert claim["claim_id"] in result["reply"] and "Asus Odyssey 4 Plus" in result["reply"]
    assert "sorry" in result["reply"].lower()


async def test_a_complaint_gets_an_apology_and_a_ticket(turn: Say, seeded: Store) -> None:
    result = await turn("the headphones from ORD-1001 are terrible, this is unacceptable",
                        session="angry")
    ticket = await seeded.handoff_tickets.find_one({"customer_id": "demo-alice"})
    assert ticket is not None and ticket["ticket_id"] in result["reply"]
    assert "sorry" in result["reply"].lower()
    assert await seeded.confirmations.count_documents({}) == 0


async def test_stop_calling_me_records_do_not_call_and_cancels_calls(turn: Say,
                                                                     seeded: Store) -> None:
    await turn("call me about my cart tomorrow at 4pm")
    assert await seeded.call_jobs.count_documents({"status": "queued"}) == 1
    result = await turn("please stop calling me")
    customer = await seeded.customers.find_one({"_id": "demo-alice"})
    assert customer is not None and customer["do_not_call"] is True
    assert await seeded.call_jobs.count_documents({"status": "cancelled"}) == 1
    assert await seeded.call_jobs.count_documents({"status": {"$ne": "cancelled"}}) == 0
    assert "won't call" in result["reply"] and "?" not in result["reply"]


async def test_call_me_back_in_an_hour_is_booked_for_then(turn: Say, seeded: Store) -> None:
    before = datetime.now(UTC)
    result = await turn("call me back in an hour")
    job = await seeded.call_jobs.find_one({"customer_id": "demo-alice"})
    assert job is not None
    assert timedelta(minutes=58) < job["scheduled_for"] - before < timedelta(minutes=62)
    assert "we'll call you" in result["reply"]
    salesperson_words(result["reply"])


async def test_tomorrow_at_10_is_ten_where_the_customer_lives(turn: Say, seeded: Store) -> None:
    result = await turn("can you call me tomorrow at 10?", user="demo-bob")
    job = await seeded.call_jobs.find_one({"customer_id": "demo-bob"})
    assert job is not None
    la = ZoneInfo("America/Los_Angeles")
    local = job["scheduled_for"].astimezone(la)
    assert (local.hour, local.minute) == (10, 0)
    assert local.date() == datetime.now(la).date() + timedelta(days=1)
    assert "tomorrow at 10:00 AM" in result["reply"]
    salesperson_words(result["reply"])
