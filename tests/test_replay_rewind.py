"""The replay's rewind: the copy's carts, returns and stock as the shop had them before."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from graph.session import TurnResult, run_turn
from replay.cart_before import Seen, from_the_period
from replay.rewind import rewind
from replay.sandbox import shop_copy
from tools.context import Services
from tools.returns import receive_return
from tools.store import Store

Say = Callable[..., Awaitable[TurnResult]]


async def _shop(store: Store) -> dict[str, Any]:
    """What a shop would check: carts' lines, returns, orders, stock, till sales, ledgers."""
    carts = {c["_id"]: sorted((i["sku"], i["quantity"]) for i in c.get("items") or [])
             async for c in store.carts.find()}
    stock = {(s["sku"], s["store_id"]): s["quantity"] async for s in store.stock.find()}

    async def rows(name: str) -> list[Any]:
        return sorted(await store.db[name].find({}, {"_id": 0}).to_list(), key=repr)

    return {"carts": carts, "stock": stock, "returns": await rows("returns"),
            "orders": await rows("orders"), "till": await rows("pos_transactions"),
            "credit": await rows("store_credit"), "points": await rows("loyalty_ledger"),
            "payments": await rows("payments")}


async def _rewound(store: Store, customers: set[str], start: datetime
                   ) -> tuple[dict[str, Any], dict[str, Any]]:
    async with shop_copy(store) as copy:
        undone = await rewind(store, copy, customers, start)
        return await _shop(copy), undone


async def test_a_rewind_undoes_cart_changes_a_return_and_its_refund(
        seeded: Store, services: Services, turn: Say, graph: Any) -> None:
    before = await _shop(seeded)
    start = datetime.now(UTC) - timedelta(seconds=1)
    assert (await turn("show my cart"))["actions"][0]["type"] == "cart"
    await turn("remove ACC-00002 from my cart")
    await turn("what's the cheapest laptop you have?")
    added = await turn("add the cheapest laptop to my cart")
    assert any(a.get("added") for a in added["actions"])
    await turn("I want to return order ORD-1001, the headphones are broken")
    opened = (await turn("yes"))["actions"][0]
    assert opened["status"] == "awaiting_receipt"
    refunded = await receive_return(services, opened["return_id"])  # staff: the parcel came
    assert refunded["status"] == "refunded"
    await graph.checkpointer.archive.flush()
    changed = await _shop(seeded)
    assert changed["carts"] != before["carts"] and changed["returns"] != before["returns"]
    assert changed["credit"] != before["credit"]

    after, undone = await _rewound(seeded, {"demo-alice"}, start)
    assert after == before
    assert undone["returns"] == 1 and undone["cart_lines"] == 2  # the laptop out, ACC back
    assert await _shop(seeded) == changed  # the live shop keeps what happened


async def test_a_line_removed_first_comes_back_from_the_cart_shown_before_the_period(
        seeded: Store, turn: Say, graph: Any) -> None:
    await turn("show my cart")  # an earlier conversation saw the cart
    await graph.checkpointer.archive.flush()
    before = await _shop(seeded)
    start = datetime.now(UTC)
    await turn("remove ACC-00002 from my cart", session="s2")  # no sight of it in the period
    await turn("add KEY-00001 to my cart", session="s2")  # one more of a line it held
    await graph.checkpointer.archive.flush()
    cart = await seeded.carts.find_one({"_id": "demo-alice"})
    assert cart is not None and cart["items"] == [{"sku": "KEY-00001", "quantity": 2}]
    after, _ = await _rewound(seeded, {"demo-alice"}, start)
    assert after["carts"] == before["carts"]


async def test_a_rewind_puts_back_the_stock_of_a_till_sale(seeded: Store, graph: Any) -> None:
    before = await _shop(seeded)
    start = datetime.now(UTC) - timedelta(seconds=1)
    result = await run_turn(graph, customer_id="staff-7", session_id="till-1", channel="pos",
                            store_id="store-mall",
                            message="ring up till transaction TX-5001 for LAP-00003 downtown")
    assert result["actions"][0]["type"] == "pos_transaction"
    sold = await _shop(seeded)
    assert sold["stock"][("LAP-00003", "store-mall")] == (
        before["stock"][("LAP-00003", "store-mall")] - 1)
    after, undone = await _rewound(seeded, {"staff-7"}, start)
    assert after == before and undone["till_sales"] == 1


def test_the_cart_before_the_period_from_what_its_turns_showed() -> None:
    at = datetime(2026, 12, 6, tzinfo=UTC)
    seen = [Seen(at, {"KEY-1": 1, "ACC-2": 2}),  # "show my cart"
            Seen(at, {"KEY-1": 3, "ACC-2": 2}),  # "make it 3 keyboards"
            Seen(at, {"KEY-1": 3, "ACC-2": 2, "LAP-1": 1}, added="LAP-1"),
            Seen(at, {"KEY-1": 3, "LAP-1": 1}),  # "remove the chargers"
            Seen(at, {"KEY-1": 4, "LAP-1": 1}, added="KEY-1")]
    now = {"KEY-1": 4, "LAP-1": 1, "MOU-1": 1}  # a mouse no turn showed: untouched
    assert from_the_period(seen, now, []) == {"KEY-1": 1, "ACC-2": 2, "MOU-1": 1}
    # Paid for and so taken out of the cart: it was there, as the payment's lines say.
    assert from_the_period([], {}, [{"PHN-1": 2}]) == {"PHN-1": 2}
    # First seen as the period added it: not there before (its earlier count is unknown).
    assert from_the_period([Seen(at, {"PHN-1": 2}, added="PHN-1")], {"PHN-1": 2}, []) == {}
