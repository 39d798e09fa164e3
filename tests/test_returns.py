import asyncio
from datetime import timedelta

from tools.confirm import confirm, decline
from tools.context import ToolContext
from tools.payments import process_payment
from tools.returns import check_warranty, initiate_return, receive_return


async def order_lines(ctx: ToolContext, order_id: str) -> dict[str, int]:
    order = await ctx.store.orders.find_one({"order_id": order_id})
    assert order is not None
    return {line["sku"]: line["unit_price_cents"] * line["quantity"] for line in order["items"]}


async def test_refund_is_the_order_line_total(alice: ToolContext) -> None:
    lines = await order_lines(alice, "ORD-1001")
    whole = await initiate_return(alice, "ORD-1001", reason="changed my mind")
    assert whole["type"] == "return" and whole["status"] == "awaiting_confirmation"
    assert whole["refund"] == sum(lines.values()) / 100
    one = await initiate_return(alice, "ord-1001", sku="acc-00001")
    assert one["refund"] == lines["ACC-00001"] / 100
    assert [i["sku"] for i in one["items"]] == ["ACC-00001"]
    assert await alice.store.returns.count_documents({}) == 0


async def test_confirmed_return_is_stored_with_the_server_amount(alice: ToolContext) -> None:
    lines = await order_lines(alice, "ORD-1001")
    asked = await initiate_return(alice, "ORD-1001", sku="HPH-00001", reason="too tight")
    done = await confirm(alice, asked["confirmation_id"])
    assert done["type"] == "return" and done["status"] == "awaiting_receipt"
    assert done["refund_method"] == "store_credit"  # the seeded order has no card payment
    assert done["label_url"].endswith(f"/{done['return_id']}/label.pdf")
    stored = await alice.store.returns.find_one({"return_id": done["return_id"]})
    assert stored is not None and stored["refund_cents"] == lines["HPH-00001"]
    assert stored["customer_id"] == "demo-alice" and stored["reason"] == "too tight"
    again = await initiate_return(alice, "ORD-1001", sku="HPH-00001")
    assert again["type"] == "error" and "already" in again["message"]


async def test_one_return_per_line_even_with_two_confirmations(alice: ToolContext) -> None:
    first = await initiate_return(alice, "ORD-1001", sku="ACC-00001")
    whole = await initiate_return(alice, "ORD-1001")
    results = await asyncio.gather(confirm(alice, first["confirmation_id"]),
                                   confirm(alice, whole["confirmation_id"]))
    assert sorted(r["type"] for r in results) == ["error", "return"]
    assert await alice.store.returns.count_documents({}) == 1


async def test_paid_order_is_refunded_to_the_card(alice: ToolContext) -> None:
    paid = await confirm(alice, (await process_payment(alice))["confirmation_id"])
    order_id = paid["order_id"]
    delivered = alice.services.clock() - timedelta(days=3)
    await alice.store.orders.update_one({"order_id": order_id}, {
        "$set": {"status": "delivered", "delivered_at": delivered}})
    lines = await order_lines(alice, order_id)
    asked = await initiate_return(alice, order_id, sku="ACC-00002")
    done = await confirm(alice, asked["confirmation_id"])
    assert done["refund_method"] == "card" and done["refund"] == lines["ACC-00002"] / 100
    charge = await alice.store.db["gateway_charges"].find_one({"_id": paid["payment_id"]})
    assert charge is not None and charge["refunded_cents"] == 0  # nothing before receipt
    received = await receive_return(alice.services, done["return_id"])
    assert received["status"] == "refunded"
    assert received["refunded_to_card"] == lines["ACC-00002"] / 100
    charge = await alice.store.db["gateway_charges"].find_one({"_id": paid["payment_id"]})
    assert charge is not None and charge["refunded_cents"] == lines["ACC-00002"]


async def test_return_outside_thirty_days_is_refused(bob: ToolContext) -> None:
    result = await initiate_return(bob, "ORD-1004")
    assert result["type"] == "error"
    assert "30 days" in result["message"] and "warranty" in result["message"]
    assert await bob.store.db["confirmations"].count_documents({}) == 0


async def test_another_customers_order_is_not_found_like_a_missing_one(alice: ToolContext) -> None:
    assert await initiate_return(alice, "ORD-1004") == {
        "type": "error", "message": "order ORD-1004 not found"}
    assert await initiate_return(alice, "ORD-9999") == {
        "type": "error", "message": "order ORD-9999 not found"}
    assert (await initiate_return(alice, "DROP TABLE orders; --"))["type"] == "error"
    assert (await check_warranty(alice, "ORD-1004"))["message"] == "order ORD-1004 not found"


async def test_undelivered_order_or_unknown_item_is_refused(alice: ToolContext) -> None:
    shipped = await initiate_return(alice, "ORD-1002")
    assert shipped["type"] == "error" and "delivered" in shipped["message"]
    wrong = await initiate_return(alice, "ORD-1001", sku="LAP-00001")
    assert wrong == {"type": "error", "message": "order ORD-1001 has no item LAP-00001"}


async def test_declining_a_return_opens_nothing(alice: ToolContext) -> None:
    asked = await initiate_return(alice, "ORD-1001")
    result = await decline(alice, asked["confirmation_id"])
    assert result["type"] == "return" and result["status"] == "cancelled"
    assert await alice.store.returns.count_documents({}) == 0


async def test_warranty_of_an_old_delivered_order_is_active(bob: ToolContext) -> None:
    result = await check_warranty(bob, "ORD-1004")
    assert result["type"] == "warranty" and result["order_id"] == "ORD-1004"
    [item] = result["items"]
    assert item["sku"] == "MON-00001" and item["active"] is True
    assert item["days_left"] > 900


async def test_no_warranty_before_delivery(alice: ToolContext) -> None:
    result = await check_warranty(alice, "ORD-1002")
    assert result["type"] == "error" and "delivery" in result["message"]
