"""A14: one customer schedules 20 calls or opens 20 tickets: capped per customer per day."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from tools.calls import initiate_call
from tools.context import ToolContext
from tools.handoff import open_handoff_ticket
from tools.store import Store

CALLS, TICKETS = 3, 5  # the settings' defaults
NOON = datetime.fromisoformat("2026-03-02T12:00:00+00:00")


def at(ctx: ToolContext, when: datetime, session: str | None = None) -> ToolContext:
    services = replace(ctx.services, clock=lambda: when)
    return replace(ctx, services=services, session_id=session or ctx.session_id)


def call_in(ctx: ToolContext, hours: int) -> Any:
    """A callback `hours` from the clock's now: each hour is a different call to schedule."""
    when = ctx.services.clock() + timedelta(hours=hours)
    return initiate_call(ctx, "callback", when.isoformat())


async def test_twenty_calls_one_after_another_schedule_the_cap(alice: ToolContext) -> None:
    ctx = at(alice, NOON)
    results = [await call_in(ctx, i) for i in range(20)]
    scheduled = [r for r in results if r["type"] == "call_scheduled"]
    assert len(scheduled) == CALLS
    refused = [r for r in results if r["type"] == "error"]
    assert len(refused) == 20 - CALLS
    assert all(f"already scheduled {CALLS} calls today" in r["message"] for r in refused)
    assert await alice.store.call_jobs.count_documents({"customer_id": "demo-alice"}) == CALLS


async def test_twenty_calls_at_once_schedule_at_most_the_cap(alice: ToolContext) -> None:
    ctx = at(alice, NOON)
    results = await asyncio.gather(*(call_in(ctx, i) for i in range(20)))
    assert sum(r["type"] == "call_scheduled" for r in results) == CALLS
    assert await alice.store.call_jobs.count_documents({"customer_id": "demo-alice"}) == CALLS


async def test_a_repeated_request_takes_one_slot_and_the_next_day_has_its_own(
        alice: ToolContext, bob: ToolContext) -> None:
    ctx = at(alice, NOON)
    first = [await call_in(ctx, 1) for _ in range(5)]
    assert all(r == first[0] for r in first)  # the same call, answered again
    assert [(await call_in(ctx, h))["type"] for h in (2, 3, 4)] == [
        "call_scheduled", "call_scheduled", "error"]
    # Another customer's allowance is their own; tomorrow is another day.
    assert (await call_in(at(bob, NOON), 1))["type"] == "call_scheduled"
    assert (await call_in(at(alice, NOON + timedelta(days=1)), 1))["type"] == "call_scheduled"
    assert await alice.store.call_jobs.count_documents({"customer_id": "demo-alice"}) == CALLS + 1


async def test_twenty_tickets_one_after_another_open_the_cap(alice: ToolContext) -> None:
    results = [await open_handoff_ticket(at(alice, NOON, f"s{i}"), "I need a person")
               for i in range(20)]
    opened = {r["ticket_id"] for r in results if r["type"] == "handoff_ticket"}
    assert len(opened) == TICKETS
    refused = [r for r in results if r["type"] == "error"]
    assert len(refused) == 20 - TICKETS
    assert all(f"{TICKETS} times today" in r["message"] for r in refused)
    assert await alice.store.handoff_tickets.count_documents({}) == TICKETS


async def test_twenty_tickets_at_once_open_at_most_the_cap(alice: ToolContext) -> None:
    results = await asyncio.gather(*(
        open_handoff_ticket(at(alice, NOON, f"s{i}"), "I need a person") for i in range(20)))
    assert len({r["ticket_id"] for r in results if r["type"] == "handoff_ticket"}) == TICKETS
    assert await alice.store.handoff_tickets.count_documents({}) == TICKETS


async def test_closed_tickets_reopened_count_too(alice: ToolContext) -> None:
    ctx = at(alice, NOON, "one-session")
    for _ in range(20):
        await open_handoff_ticket(ctx, "again")
        await alice.store.handoff_tickets.update_many({}, {"$set": {"status": "closed"}})
    assert await alice.store.handoff_tickets.count_documents({}) == TICKETS


async def test_the_cap_through_real_turns(turn: Any, seeded: Store) -> None:
    replies = [(await turn("I want to speak to a human agent", session=f"t{i}"))["reply"]
               for i in range(TICKETS + 2)]
    assert await seeded.handoff_tickets.count_documents({"customer_id": "demo-alice"}) == TICKETS
    assert all(f"{TICKETS} times today" in reply for reply in replies[TICKETS:])


async def test_the_call_cap_through_real_turns(turn: Any, seeded: Store) -> None:
    replies = [(await turn(f"please call me back tomorrow at {hour}am", session=f"c{hour}"))[
        "reply"] for hour in (8, 9, 10, 11, 7)]
    assert await seeded.call_jobs.count_documents({"customer_id": "demo-alice"}) == CALLS
    assert all(f"{CALLS} calls today" in reply for reply in replies[CALLS:])
