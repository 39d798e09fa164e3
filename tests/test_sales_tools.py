"""The tools a sales assistant needs: empty the cart, return some items, claim a warranty, calls."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from tests.test_orders import at
from tools.call_prefs import stop_calls
from tools.call_time import parse_words, say, zone
from tools.calls import initiate_call
from tools.cart import add_to_cart, empty_cart, view_cart
from tools.confirm import confirm
from tools.context import ToolContext
from tools.payments import process_payment
from tools.returns import initiate_return
from tools.store import Store
from tools.warranty import claim_warranty

NOW = datetime(2025, 6, 6, 14, 0, tzinfo=UTC)  # 10:00 in New York, 07:00 in Los Angeles
NEW_YORK = ZoneInfo("America/New_York")


async def cables_order(store: Store, at_: datetime | None = None) -> str:
    """A delivered order of alice's with two cables, and two chargers of different brands."""
    placed = at_ or datetime.now(UTC) - timedelta(days=5)
    lines = [("ACC-00008", "Anker Cable 6", 2, 1299), ("ACC-00009", "Samsung Charger 8", 1, 2599),
             ("ACC-00005", "Apple Charger 7 Pro", 1, 3999)]
    await store.orders.insert_one({
        "order_id": "ORD-2001", "customer_id": "demo-alice", "status": "delivered",
        "currency": "USD", "created_at": placed, "delivered_at": placed + timedelta(days=2),
        "items": [{"sku": s, "name": n, "category": "accessories", "quantity": q,
                   "unit_price_cents": c} for s, n, q, c in lines],
        "total_cents": sum(q * c for _, _, q, c in lines)})
    return "ORD-2001"


async def test_empty_cart_takes_everything_out_and_voids_the_terms(alice: ToolContext) -> None:
    terms = await process_payment(alice)
    assert (await view_cart(alice))["items"]
    emptied = await empty_cart(alice)
    assert emptied["items"] == [] and emptied["total"] == 0
    stored = await alice.store.carts.find_one({"_id": "demo-alice"})
    assert stored is not None and stored["items"] == []
    # the terms shown for the old cart can no longer charge
    assert (await confirm(alice, terms["confirmation_id"]))["type"] == "error"
    assert await alice.store.db["gateway_charges"].count_documents({}) == 0
    assert (await empty_cart(alice))["items"] == []  # twice: still empty, no error
    assert len((await add_to_cart(alice, "LAP-00001"))["items"]) == 1


async def test_return_the_mouse_returns_that_line_not_the_order(alice: ToolContext) -> None:
    asked = await initiate_return(alice, "ORD-1001", item="return the mouse please")
    assert asked["status"] == "awaiting_confirmation"
    assert [(i["sku"], i["quantity"]) for i in asked["items"]] == [("ACC-00001", 2)]
    assert asked["refund"] == 2 * 110.99
    assert await alice.store.returns.count_documents({}) == 0


async def test_one_of_the_two_cables_is_a_quantity(alice: ToolContext) -> None:
    oid = await cables_order(alice.store)
    asked = await initiate_return(alice, oid, item="return one of the two cables", quantity=1)
    assert [(i["sku"], i["quantity"]) for i in asked["items"]] == [("ACC-00008", 1)]
    done = await confirm(alice, asked["confirmation_id"])
    stored = await alice.store.returns.find_one({"return_id": done["return_id"]})
    assert stored is not None and stored["refund_cents"] == 1299  # one cable, on receipt
    assert stored["status"] == "awaiting_receipt"


async def test_several_lines_fit_the_words_so_it_asks_which(alice: ToolContext) -> None:
    oid = await cables_order(alice.store)
    asked = await initiate_return(alice, oid, item="I want to return the charger")
    assert asked["type"] == "return" and asked["status"] == "choose"
    assert sorted(c["name"] for c in asked["candidates"]) == [
        "Apple Charger 7 Pro", "Samsung Charger 8"]
    assert "confirmation_id" not in asked
    assert await alice.store.confirmations.count_documents({}) == 0
    picked = await initiate_return(alice, oid, item="the samsung charger")
    assert [i["sku"] for i in picked["items"]] == ["ACC-00009"]
    typo = await initiate_return(alice, oid, item="the aple chargr")
    assert [i["sku"] for i in typo["items"]] == ["ACC-00005"]


async def test_words_that_name_nothing_in_the_order_list_what_it_has(alice: ToolContext) -> None:
    asked = await initiate_return(alice, "ORD-1001", item="return the keyboard")
    assert asked["status"] == "choose" and asked["found"] is False
    assert {c["sku"] for c in asked["candidates"]} == {"HPH-00001", "ACC-00001"}
    assert await alice.store.confirmations.count_documents({}) == 0


async def test_warranty_claim_opens_one_claim_for_a_covered_item(bob: ToolContext) -> None:
    claim = await claim_warranty(bob, "ORD-1004", "MON-00001", "the screen flickers")
    assert claim["type"] == "warranty" and claim["status"] == "claim_open"
    assert claim["claim_id"].startswith("WCL-")
    again = await claim_warranty(bob, "ord-1004", None, "still flickering")  # one item: that one
    assert again["claim_id"] == claim["claim_id"]
    stored = await bob.store.warranty_claims.find({"customer_id": "demo-bob"}).to_list()
    assert [(c["sku"], c["issue"], c["status"]) for c in stored] == [
        ("MON-00001", "the screen flickers", "open")]


async def test_out_of_warranty_offers_a_paid_repair_and_opens_nothing(bob: ToolContext) -> None:
    later = at(bob, datetime.now(UTC) + timedelta(days=365 * 4))
    answer = await claim_warranty(later, "ORD-1004", "MON-00001", "dead pixels")
    assert answer["status"] == "out_of_warranty" and answer["claim_id"] is None
    assert answer["options"] == ["paid_repair", "human"]
    assert await bob.store.warranty_claims.count_documents({}) == 0


async def test_another_customers_order_gets_no_claim(alice: ToolContext) -> None:
    answer = await claim_warranty(alice, "ORD-1004", "MON-00001", "broken")
    assert answer["type"] == "error" and "not found" in answer["message"]
    assert await alice.store.warranty_claims.count_documents({}) == 0


async def test_stop_calls_records_do_not_call_and_cancels_planned_calls(
        alice: ToolContext) -> None:
    ctx = at(alice, NOW)
    planned = await initiate_call(ctx, "abandoned_cart", "2025-06-07T15:00:00Z")
    stopped = await stop_calls(ctx)
    assert stopped["type"] == "do_not_call" and stopped["cancelled_calls"] == 1
    customer = await alice.store.customers.find_one({"_id": "demo-alice"})
    assert customer is not None and customer["do_not_call"] is True
    job = await alice.store.call_jobs.find_one({"call_id": planned["call_id"]})
    assert job is not None and job["status"] == "cancelled"
    refused = await initiate_call(ctx, "promotion", "2025-06-08T15:00:00Z")
    assert refused["type"] == "error"
    assert await alice.store.call_jobs.count_documents({"status": {"$ne": "cancelled"}}) == 0


async def test_call_times_in_words_are_read_in_the_customers_time_zone(
        alice: ToolContext, bob: ToolContext) -> None:
    asked = {
        "tomorrow at 10": datetime(2025, 6, 7, 14, 0, tzinfo=UTC),
        "mañana a las 10": datetime(2025, 6, 7, 14, 0, tzinfo=UTC),
        "demain à 10h": datetime(2025, 6, 7, 14, 0, tzinfo=UTC),
        "morgen um 10": datetime(2025, 6, 7, 14, 0, tzinfo=UTC),
        "call me back in an hour": NOW + timedelta(hours=1),
        # Words after the time are not part of it.
        "Can someone call me tomorrow at 10am about a laptop?": datetime(2025, 6, 7, 14, 0,
                                                                          tzinfo=UTC),
        "llámame mañana a las 10 por favor": datetime(2025, 6, 7, 14, 0, tzinfo=UTC),
        "rufen Sie mich morgen um 10 Uhr wegen der Bestellung an": datetime(
            2025, 6, 7, 14, 0, tzinfo=UTC),
    }
    for words, expected in asked.items():
        result = await initiate_call(at(alice, NOW), "callback", words)
        assert result["type"] == "call_scheduled", (words, result)
        assert datetime.fromisoformat(result["scheduled_for"]) == expected, words
    # bob lives in Los Angeles: his ten o'clock is three hours later
    result = await initiate_call(at(bob, NOW), "callback", "tomorrow at 10")
    assert result["scheduled_for"] == datetime(2025, 6, 7, 17, 0, tzinfo=UTC).isoformat()
    assert result["timezone"] == "America/Los_Angeles"
    iso = await initiate_call(at(bob, NOW), "callback", "2025-06-09T16:00:00Z")
    assert iso["scheduled_for"] == "2025-06-09T16:00:00+00:00"  # ISO still works for the model


def test_a_call_time_is_said_in_words_in_the_customers_language() -> None:
    tomorrow = datetime(2025, 6, 7, 14, 0, tzinfo=UTC)
    assert say(tomorrow, NOW, NEW_YORK, "en") == "tomorrow at 10:00 AM"
    assert say(tomorrow, NOW, NEW_YORK, "fr") == "demain à 10:00"
    assert say(tomorrow, NOW, NEW_YORK, "de") == "morgen um 10:00"
    assert say(tomorrow, NOW, NEW_YORK, "es").startswith("mañana")
    later = say(datetime(2025, 6, 10, 19, 30, tzinfo=UTC), NOW, NEW_YORK, "en")
    assert later == "Tuesday 10 June at 3:30 PM" and "2025" not in later
    assert parse_words("please stop calling me", NOW, zone(None)) is None
    assert zone("Not/AZone").key == "America/New_York"


async def test_an_item_of_an_earlier_order_is_found_there(alice: ToolContext) -> None:
    oid = await cables_order(alice.store)  # newer than ORD-1001, and without a mouse
    asked = await initiate_return(alice, oid, item="return the mouse")
    assert asked["order_id"] == "ORD-1001" and asked["status"] == "awaiting_confirmation"
    assert [i["sku"] for i in asked["items"]] == ["ACC-00001"]
