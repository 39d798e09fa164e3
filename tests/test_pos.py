import asyncio
import inspect
import json
from dataclasses import replace

import httpx
import pytest
import respx
from pymongo.errors import DuplicateKeyError

from tests.conftest import Commands
from tools.context import Services, ToolContext
from tools.pos import process_transaction, record_sale, sync_inventory
from tools.registry import describe
from tools.store import Store

POS = "https://pos.test"
WHERE = {"sku": "LAP-00001", "store_id": "store-downtown"}


def at_till(ctx: ToolContext, store: str = "store-downtown") -> ToolContext:
    """Shop staff at the store's till (the channel `/pos/*` sets), not a customer."""
    return replace(ctx, customer_id="staff-7", channel="pos", store_id=store)


def with_pos(ctx: ToolContext) -> ToolContext:
    configured = ctx.services.settings.model_copy(update={"pos_api_url": POS + "/"})
    return replace(at_till(ctx) if ctx.channel != "pos" else ctx,
                   services=replace(ctx.services, settings=configured))


@pytest.fixture
async def stocked(alice: ToolContext) -> ToolContext:
    """Staff at the downtown till, configured, with 10 LAP-00001 downtown."""
    await alice.store.stock.update_one(WHERE, {"$set": {"quantity": 10}})
    return with_pos(alice)


async def quantity(ctx: ToolContext) -> int:
    row = await ctx.store.stock.find_one(WHERE)
    assert row is not None
    return int(row["quantity"])


async def price_cents(ctx: ToolContext, sku: str = "LAP-00001") -> int:
    product = await ctx.store.products.find_one({"sku": sku})
    assert product is not None
    return int(product["price_cents"])


@respx.mock
async def test_sync_inventory_upserts_known_rows_only(alice: ToolContext) -> None:
    route = respx.get(f"{POS}/inventory").mock(return_value=httpx.Response(200, json={"items": [
        {"sku": "LAP-00001", "store_id": "store-downtown", "quantity": 7},
        {"sku": "lap-00002", "store_id": "store-downtown", "quantity": 0},
        {"sku": "NOPE-1", "store_id": "store-downtown", "quantity": 4},
        {"sku": "LAP-00001", "store_id": "store-moon", "quantity": 4},
        {"sku": "LAP-00003", "store_id": "store-mall", "quantity": 5},
        {"sku": "LAP-00003", "store_id": "store-downtown", "quantity": -2},
        "junk"]}))
    mall_before = await alice.store.stock.find_one({"sku": "LAP-00003", "store_id": "store-mall"})
    result = await sync_inventory(with_pos(alice))
    assert result == {"type": "inventory_sync", "store_id": "store-downtown", "updated": 2,
                      "skipped": 5}
    params = route.calls.last.request.url.params
    assert route.call_count == 1 and "sku" not in params
    assert params["store_id"] == "store-downtown"
    assert await quantity(alice) == 7
    zero = await alice.store.stock.find_one({"sku": "LAP-00002", "store_id": "store-downtown"})
    assert zero is not None and zero["quantity"] == 0
    # Another store's row, in the same answer, is not this till's to write.
    assert await alice.store.stock.find_one(
        {"sku": "LAP-00003", "store_id": "store-mall"}) == mall_before
    assert await alice.store.stock.count_documents({"sku": "NOPE-1"}) == 0
    assert await alice.store.stock.count_documents({"store_id": "store-moon"}) == 0


@respx.mock
async def test_sync_one_sku_asks_the_pos_for_it(alice: ToolContext) -> None:
    route = respx.get(f"{POS}/inventory", params={"sku": "LAP-00001"}).mock(
        return_value=httpx.Response(200, json={"items": [
            {"sku": "LAP-00001", "store_id": "store-downtown", "quantity": 3}]}))
    result = await sync_inventory(with_pos(alice), sku="lap-00001")
    assert result["updated"] == 1 and route.call_count == 1


@respx.mock
async def test_sync_with_pos_down_leaves_stock_untouched(alice: ToolContext) -> None:
    before = await alice.store.stock.find({}, {"_id": 0}).to_list()
    respx.get(f"{POS}/inventory").mock(side_effect=[
        httpx.Response(503), httpx.ConnectError("refused"), httpx.Response(200, text="<html>")])
    for _ in range(3):
        result = await sync_inventory(with_pos(alice))
        assert result["type"] == "error" and "unavailable" in result["message"]
    assert (await sync_inventory(at_till(alice)))["type"] == "error"  # not configured
    assert await alice.store.stock.find({}, {"_id": 0}).to_list() == before


@respx.mock
async def test_transaction_priced_from_catalogue_sent_and_recorded(stocked: ToolContext) -> None:
    route = respx.post(f"{POS}/transactions").mock(
        return_value=httpx.Response(201, json={"status": "accepted"}))
    result = await process_transaction(stocked, "T-100", "lap-00001", 3)
    price = await price_cents(stocked)
    assert result == {"type": "pos_transaction", "transaction_id": "T-100",
                      "store_id": "store-downtown", "status": "completed",
                      "total": round(3 * price / 100, 2), "currency": "USD",
                      "lines": [{"sku": "LAP-00001", "quantity": 3}]}
    assert json.loads(route.calls.last.request.content) == {
        "transaction_id": "T-100", "store_id": "store-downtown",
        "lines": [{"sku": "LAP-00001", "quantity": 3, "unit_price_cents": price}],
        "total_cents": 3 * price, "staff_id": "staff-7"}
    saved = await stocked.store.pos_transactions.find_one({"transaction_id": "T-100"})
    assert saved is not None and saved["total_cents"] == 3 * price
    assert saved["staff_id"] == "staff-7" and saved["status"] == "completed"
    assert await quantity(stocked) == 7


@respx.mock
async def test_twenty_concurrent_copies_act_once(stocked: ToolContext) -> None:
    route = respx.post(f"{POS}/transactions").mock(return_value=httpx.Response(200, json={}))
    results = await asyncio.gather(*(
        process_transaction(stocked, "T-200", "LAP-00001", 2)
        for _ in range(20)))
    assert all(r == results[0] for r in results) and results[0]["status"] == "completed"
    assert route.call_count == 1
    assert await quantity(stocked) == 8
    assert await stocked.store.pos_transactions.count_documents({"transaction_id": "T-200"}) == 1


@respx.mock(assert_all_called=False)
async def test_bad_quantity_refused_without_a_request(stocked: ToolContext) -> None:
    route = respx.post(f"{POS}/transactions").mock(return_value=httpx.Response(200))
    for bad in (-1, 0, 21):
        result = await process_transaction(stocked, f"T-Q{bad}", "LAP-00001", bad)
        assert result["type"] == "error" and "between 1 and 20" in result["message"]
    assert (await process_transaction(stocked, "T-X", "LAP-00001", 11))[
        "message"].startswith("only 10")
    assert (await process_transaction(stocked, "T-X", "NOPE-1", 1))[
        "message"] == "product NOPE-1 not found"
    assert (await process_transaction(at_till(stocked, "store-moon"), "T-X", "LAP-00001", 1))[
        "message"] == "store store-moon not found"
    assert route.call_count == 0 and await quantity(stocked) == 10
    assert await stocked.store.pos_transactions.count_documents({}) == 0


def test_model_cannot_set_the_price(services: Services) -> None:
    params = set(inspect.signature(process_transaction).parameters)
    # Nor the store: it is the till's (the `/pos/*` body), never a model's argument.
    assert params == {"ctx", "transaction_id", "sku", "quantity"}
    schema = describe(process_transaction).args
    assert set(schema) == {"transaction_id", "sku", "quantity"}


@respx.mock
async def test_pos_refusal_restores_stock_and_a_retry_can_act(stocked: ToolContext) -> None:
    route = respx.post(f"{POS}/transactions")
    route.side_effect = [httpx.Response(500), httpx.Response(200, json={})]
    failed = await process_transaction(stocked, "T-300", "LAP-00001", 1)
    assert failed["type"] == "error" and "500" in failed["message"]
    assert await quantity(stocked) == 10
    assert await stocked.store.pos_transactions.count_documents({}) == 0
    retried = await process_transaction(stocked, "T-300", "LAP-00001", 1)
    assert retried["status"] == "completed" and await quantity(stocked) == 9


async def test_offline_sale_is_recorded_locally(alice: ToolContext) -> None:
    await alice.store.stock.update_one(WHERE, {"$set": {"quantity": 10}})
    result = await process_transaction(at_till(alice), "T-400", "LAP-00001", 1)
    assert result["status"] == "recorded_offline" and await quantity(alice) == 9
    saved = await alice.store.pos_transactions.find_one({"transaction_id": "T-400"})
    assert saved is not None and saved["status"] == "recorded_offline"


async def test_a_transaction_id_is_unique_per_store(alice: ToolContext) -> None:
    await alice.store.stock.update_one(WHERE, {"$set": {"quantity": 10}})
    mall = {"sku": "LAP-00001", "store_id": "store-mall"}
    await alice.store.stock.update_one(mall, {"$set": {"quantity": 10}})
    downtown = at_till(alice)
    first = await process_transaction(downtown, "T-500", "LAP-00001", 1)
    # The same sale again, from another member of staff: the first result, nothing more.
    again = await record_sale(replace(downtown, customer_id="staff-8"), "T-500",
                              [{"sku": "lap-00001", "quantity": 1}])
    assert again == first and first["status"] == "recorded_offline"
    # The same id with other items at that store: a conflict, nothing sold.
    other = await process_transaction(downtown, "T-500", "LAP-00001", 2)
    assert other["type"] == "error" and other["code"] == "conflict"
    assert "T-500" in other["message"] and "other items" in other["message"]
    assert await quantity(alice) == 9
    # The same id at another store is another sale.
    elsewhere = await process_transaction(at_till(alice, "store-mall"), "T-500", "LAP-00001", 2)
    assert elsewhere["status"] == "recorded_offline" and elsewhere["store_id"] == "store-mall"
    row = await alice.store.stock.find_one(mall)
    assert row is not None and row["quantity"] == 8
    assert await alice.store.pos_transactions.count_documents({"transaction_id": "T-500"}) == 2


@respx.mock
async def test_several_lines_reserve_each_and_roll_back_together(stocked: ToolContext) -> None:
    route = respx.post(f"{POS}/transactions").mock(return_value=httpx.Response(200, json={}))
    other = {"sku": "LAP-00002", "store_id": "store-downtown"}
    await stocked.store.stock.update_one(other, {"$set": {"quantity": 1}})
    short = await record_sale(stocked, "T-800", [{"sku": "LAP-00001", "quantity": 4},
                                                 {"sku": "LAP-00002", "quantity": 2}])
    assert short["code"] == "out_of_stock" and short["message"].startswith("only 1 of LAP-00002")
    assert await quantity(stocked) == 10 and route.call_count == 0
    sold = await record_sale(stocked, "T-800", [{"sku": "LAP-00001", "quantity": 4},
                                                {"sku": "LAP-00002", "quantity": 1},
                                                {"sku": "lap-00001", "quantity": 1}])
    assert sold["lines"] == [{"sku": "LAP-00001", "quantity": 5},
                             {"sku": "LAP-00002", "quantity": 1}]
    prices = [await price_cents(stocked, s) for s in ("LAP-00001", "LAP-00002")]
    assert sold["total"] == round((5 * prices[0] + prices[1]) / 100, 2)
    assert await quantity(stocked) == 5
    row = await stocked.store.stock.find_one(other)
    assert row is not None and row["quantity"] == 0
    assert route.call_count == 1


async def test_customer_channels_never_reach_the_tools(alice: ToolContext) -> None:
    """Defence in depth: whatever a model asks for on a customer channel, the tools refuse."""
    with respx.mock(assert_all_called=False) as till:
        sale = till.post(f"{POS}/transactions").mock(return_value=httpx.Response(200, json={}))
        inventory = till.get(f"{POS}/inventory").mock(return_value=httpx.Response(200, json={
            "items": [{"sku": "LAP-00001", "store_id": "store-downtown", "quantity": 1}]}))
        await _refused_everywhere(alice)
    assert sale.call_count == 0 and inventory.call_count == 0
    assert await quantity(alice) == 10
    assert await alice.store.pos_transactions.count_documents({}) == 0
    assert await alice.store.actions.count_documents({"kind": "pos"}) == 0


async def _refused_everywhere(alice: ToolContext) -> None:
    await alice.store.stock.update_one(WHERE, {"$set": {"quantity": 10}})
    for channel in ("web", "whatsapp", "voice"):
        customer = replace(with_pos(alice), customer_id="demo-bob", channel=channel)
        for store in (None, "store-downtown"):
            ctx = replace(customer, store_id=store)
            for result in (await process_transaction(ctx, "TX-9001", "LAP-00001", 5),
                           await record_sale(ctx, "TX-9002", [{"sku": "LAP-00001",
                                                               "quantity": 1}]),
                           await sync_inventory(ctx)):
                assert result["type"] == "error" and result["code"] == "staff_only"


async def test_concurrent_sales_never_sell_more_than_the_stock(alice: ToolContext) -> None:
    await alice.store.stock.update_one(WHERE, {"$set": {"quantity": 10}})
    results = await asyncio.gather(*(
        process_transaction(at_till(alice), f"T-6{i:02d}", "LAP-00001", 1)
        for i in range(15)))
    assert sum(r.get("status") == "recorded_offline" for r in results) == 10
    assert all(r["message"].startswith("only 0") for r in results if r["type"] == "error")
    assert await quantity(alice) == 0
    assert await alice.store.pos_transactions.count_documents({}) == 10


async def test_a_sale_reserves_its_stock_without_a_find_and_modify(
        watched: tuple[Services, Commands]) -> None:
    """The embedded server answers a findAndModify by reading every stock row (one per product
    and store), so a sale would slow down with the catalogue."""
    services, commands = watched
    ctx = ToolContext(services=services, customer_id="staff-7", session_id="s1", channel="pos",
                      store_id="store-downtown")
    await services.store.stock.update_one(WHERE, {"$set": {"quantity": 10}})
    commands.names.clear()
    result = await process_transaction(ctx, "T-700", "LAP-00001", 1)
    assert result["status"] == "recorded_offline" and await quantity(ctx) == 9
    assert "findAndModify" not in commands.names


async def test_an_older_database_loses_its_shop_wide_transaction_index(store: Store) -> None:
    """A database made when transaction ids were unique across stores gets the per-store key."""
    await store.pos_transactions.drop_indexes()
    await store.pos_transactions.create_index("transaction_id", unique=True)
    await store.ensure_indexes()
    assert "transaction_id_1" not in await store.pos_transactions.index_information()
    for shop in ("store-downtown", "store-mall"):
        await store.pos_transactions.insert_one({"store_id": shop, "transaction_id": "T-1"})
    with pytest.raises(DuplicateKeyError):
        await store.pos_transactions.insert_one({"store_id": "store-mall", "transaction_id": "T-1"})
