"""Measure a paid checkout in a shop with a long history against one in a new shop."""

from __future__ import annotations

import asyncio
import time

from bench.common import Measure, demo_shop, embedded_database, median, timed_ms
from tools.cart import add_to_cart
from tools.confirm import confirm
from tools.context import ToolContext
from tools.payments import process_payment
from tools.store import Doc, Store, now

HISTORY = 5_000
_BATCH = 1_000


def _history(i: int) -> dict[str, Doc]:
    """The traces one earlier sale of another customer left, by collection."""
    at, customer, payment = now(), f"past-{i}", f"PAY-PAST{i:06d}"
    line = {"sku": "SPK-00001", "name": "a speaker", "category": "speakers", "quantity": 1,
            "unit_price_cents": 9900}
    return {
        "payments": {"payment_id": payment, "idempotency_key": f"pay:past-{i}",
                     "customer_id": customer, "source": "cart", "items": [line],
                     "total_cents": 9900, "currency": "USD", "status": "paid",
                     "reference": f"ch_past{i}", "created_at": at, "settled_at": at},
        "orders": {"order_id": f"ORD-{900_000 + i}", "customer_id": customer, "items": [line],
                   "status": "delivered", "total_cents": 9900, "currency": "USD",
                   "payment_id": payment, "created_at": at},
        "confirmations": {"_id": f"CNF-PAST{i:06d}", "kind": "payment", "customer_id": customer,
                          "session_key": "web:past", "payload": {"payment_id": payment},
                          "status": "confirmed", "created_at": at, "expires_at": at},
        "gateway_charges": {"_id": payment, "reference": f"ch_past{i}", "status": "paid",
                            "amount_cents": 9900, "currency": "USD", "refunded_cents": 0,
                            "at": at},
    }


async def _grow(store: Store, sales: int) -> None:
    """Write the traces of `sales` earlier sales."""
    for start in range(0, sales, _BATCH):
        rows = [_history(i) for i in range(start, min(sales, start + _BATCH))]
        for name in rows[0]:
            await store.db[name].insert_many([row[name] for row in rows])


async def _checkout(ctx: ToolContext) -> float:
    """One paid checkout of the cart: the ms from the payment request to the paid answer."""
    await add_to_cart(ctx, "SPK-00001", 1)
    started = time.perf_counter()
    paid = await confirm(ctx, (await process_payment(ctx))["confirmation_id"])
    elapsed = timed_ms(started)
    assert paid["status"] == "paid", paid
    return elapsed


async def measure(rounds: int = 40, sales: int = HISTORY) -> list[Measure]:
    """money_history: a checkout after `sales` earlier sales vs in a new shop, interleaved."""
    with embedded_database() as uri:
        async with demo_shop(uri, "bench_money_new") as new, \
                demo_shop(uri, "bench_money_old") as old:
            await _grow(old.store, sales)
            sides: dict[str, list[float]] = {"old": [], "new": []}
            for i in range(rounds + 3):  # the first three warm up
                for name, services in (("old", old), ("new", new)):
                    ms = await _checkout(ToolContext(services=services, customer_id="demo-alice"))
                    if i >= 3:
                        sides[name].append(ms)
    a, b = median(sides["old"]), median(sides["new"])
    return [Measure(
        "money_history", a, b, a / b, 1.2, "ms p50",
        f"a paid checkout (payment request, the customer's yes, charge, order, points) in a "
        f"shop with {sales:,} earlier sales (their payments, orders, confirmations and "
        f"charges) vs in a new shop; {rounds} of each, interleaved. Each write finds its "
        "document by a unique key, so the shop's history does not slow it down")]


if __name__ == "__main__":
    for row in asyncio.run(measure()):
        print(row.as_json())
