import asyncio
from dataclasses import replace

from tools.context import ToolContext
from tools.handoff import open_handoff_ticket


async def test_opens_a_ticket_with_the_session(alice: ToolContext) -> None:
    result = await open_handoff_ticket(alice, "wants to talk about a bulk order " + "x" * 600)
    assert result["type"] == "handoff_ticket" and result["status"] == "open"
    assert result["ticket_id"].startswith("TCK-")
    assert "by phone at the number ending 0001" in result["contact"]
    assert "business hours" in result["contact"]
    ticket = await alice.store.handoff_tickets.find_one({"ticket_id": result["ticket_id"]})
    assert ticket is not None
    assert (ticket["customer_id"], ticket["channel"], ticket["session_id"]) == (
        "demo-alice", "web", "s1")
    assert ticket["status"] == "open" and len(ticket["reason"]) == 500
    assert ticket["created_at"] is not None


async def test_second_ask_in_a_session_returns_the_same_ticket(alice: ToolContext) -> None:
    results = await asyncio.gather(*(open_handoff_ticket(alice, "help") for _ in range(10)))
    again = await open_handoff_ticket(alice, "still need help")
    assert {r["ticket_id"] for r in [*results, again]} == {again["ticket_id"]}
    assert await alice.store.handoff_tickets.count_documents({}) == 1
    other_session = await open_handoff_ticket(replace(alice, session_id="s2"), "help")
    assert other_session["ticket_id"] != again["ticket_id"]


async def test_a_closed_ticket_lets_the_session_open_another(alice: ToolContext) -> None:
    first = await open_handoff_ticket(alice, "help")
    await alice.store.handoff_tickets.update_one({"ticket_id": first["ticket_id"]},
                                                 {"$set": {"status": "closed"}})
    second = await open_handoff_ticket(alice, "help again")
    assert second["ticket_id"] != first["ticket_id"] and second["status"] == "open"


async def test_contact_follows_channel_and_preferences(alice: ToolContext) -> None:
    whatsapp = await open_handoff_ticket(replace(alice, channel="whatsapp"), "help")
    assert "WhatsApp" in whatsapp["contact"]
    await alice.store.customers.update_one({"_id": "demo-alice"}, {"$set": {"do_not_call": True}})
    web = await open_handoff_ticket(replace(alice, session_id="s9"), "help")
    assert "email" in web["contact"] and "+1555" not in web["contact"]
