"""Load the demo shop: catalogue, stores, stock, customers, carts, orders, rewards and offers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from itertools import islice
from typing import Any

from pymongo import UpdateOne

from tools.catalog import refresh_catalog_stats
from tools.catalog_data import ADDED_FIELDS, CURRENCY, STORES, generate_products, stock_rows
from tools.policy import seed_policy
from tools.store import Store, now

DEFAULT_PRODUCTS = 240
BATCH = 1000

# Sandbox test cards, as a real gateway's test mode has them.
CARD_SUCCEEDS = "4242424242424242"
CARD_DECLINED = "4000000000000002"
CARD_FAILS = "4000000000000119"
# The demo customers' voice PINs (alice 4321, bob 8765), as tools.pin stores them: Argon2 hashes.
PIN_HASHES = {
    "demo-alice": "$argon2id$v=19$m=19456,t=2,p=1$uK3yuQO2XzisKU+0cXNBgw$"
                  "UzlyqGz9WyM5vwrHxJ81TtWNwxc1ufk+9eVcUt6q9OA",
    "demo-bob": "$argon2id$v=19$m=19456,t=2,p=1$W/83tBjTo9g+z24+94vs6w$"
                "u+sWSe5uevGqIO9w8s+LlwFN+DuxdOXPjlI4/mjSVGQ",
}

TIMEZONES = {"demo-alice": "America/New_York", "demo-bob": "America/Los_Angeles"}


def _customer(cid: str, name: str, phone: str, tier: str, prefs: dict[str, Any]) -> dict[str, Any]:
    return {
        "_id": cid, "name": name, "phone": phone, "email": f"{cid}@example.com",
        "tier": tier, "preferences": prefs, "do_not_call": False,
        # Calls are booked at the times customers name, where they live (`tools.call_time`).
        "timezone": TIMEZONES.get(cid, "America/New_York"),
        "address": {"line1": "1 Main St", "city": "Springfield", "postcode": "10001",
                    "country": "US"},
        "cards": [{"card_id": f"card-{cid}", "brand": "visa", "last4": CARD_SUCCEEDS[-4:],
                   "token": CARD_SUCCEEDS, "default": True}],
        **({"pin_hash": PIN_HASHES[cid]} if cid in PIN_HASHES else {}),
        "created_at": now(),
    }


def _order(oid: str, cid: str, status: str, items: list[tuple[dict[str, Any], int]],
           placed: datetime, **extra: Any) -> dict[str, Any]:
    lines = [{"sku": p["sku"], "name": p["name"], "category": p["category"], "quantity": q,
              "unit_price_cents": p["price_cents"]} for p, q in items]
    steps = ["placed", "processing", "shipped", "delivered"]
    history = [{"status": s, "at": placed + timedelta(days=i)}
               for i, s in enumerate(steps[: steps.index(status) + 1])]
    return {
        "order_id": oid, "customer_id": cid, "items": lines, "status": status,
        "total_cents": sum(line["unit_price_cents"] * line["quantity"] for line in lines),
        "currency": CURRENCY, "status_history": history, "created_at": placed,
        "shipping": {"method": "standard", "postcode": "10001", "country": "US"},
        **extra,
    }


def fixtures(products: dict[str, dict[str, Any]], at: datetime) -> dict[str, list[dict[str, Any]]]:
    """The fixed demo customers, carts, orders, warranties, ledger, rewards and offers."""
    p = products
    orders = [
        _order("ORD-1001", "demo-alice", "delivered", [(p["HPH-00001"], 1), (p["ACC-00001"], 2)],
               at - timedelta(days=12), delivered_at=at - timedelta(days=9)),
        _order("ORD-1002", "demo-alice", "shipped", [(p["LAP-00001"], 1)], at - timedelta(days=2),
               tracking={"carrier": "UPS", "number": "1Z999AA10123456784",
                         "url": "https://www.ups.com/track?tracknum=1Z999AA10123456784"},
               estimated_delivery=(at + timedelta(days=2)).date().isoformat()),
        _order("ORD-1003", "demo-bob", "processing", [(p["PHN-00001"], 1)], at - timedelta(days=1)),
        _order("ORD-1004", "demo-bob", "delivered", [(p["MON-00001"], 1)], at - timedelta(days=95),
               delivered_at=at - timedelta(days=90)),
    ]
    warranties = [
        {"_id": f"{o['order_id']}:{line['sku']}", "order_id": o["order_id"],
         "customer_id": o["customer_id"], "sku": line["sku"], "starts": o["delivered_at"],
         "expires": o["delivered_at"] + timedelta(days=30 * p[line["sku"]]["warranty_months"])}
        for o in orders if o["status"] == "delivered" for line in o["items"]
    ]
    return {
        "customers": [
            _customer("demo-alice", "Alice Example", "+15550000001", "gold",
                      {"categories": ["laptops", "headphones"], "budget_cents": 120000}),
            _customer("demo-bob", "Bob Example", "+15550000002", "silver",
                      {"categories": ["phones", "monitors"]}),
        ],
        "carts": [
            {"_id": "demo-alice", "items": [{"sku": "KEY-00001", "quantity": 1},
                                            {"sku": "ACC-00002", "quantity": 2}],
             "updated_at": at - timedelta(hours=5)},
            {"_id": "demo-bob", "items": [{"sku": "HPH-00002", "quantity": 1}],
             "updated_at": at - timedelta(days=2)},
        ],
        "orders": orders,
        "warranties": warranties,
        "loyalty_ledger": [
            {"_id": "seed:demo-alice", "customer_id": "demo-alice", "delta": 2500,
             "reason": "welcome and past purchases", "at": at - timedelta(days=30)},
            {"_id": "seed:demo-bob", "customer_id": "demo-bob", "delta": 800,
             "reason": "welcome and past purchases", "at": at - timedelta(days=30)},
        ],
        "rewards": [
            {"_id": "RW-5OFF", "name": "$5 off your next order", "points": 500, "value_cents": 500},
            {"_id": "RW-10OFF", "name": "$10 off your next order", "points": 1000,
             "value_cents": 1000},
            {"_id": "RW-25OFF", "name": "$25 off your next order", "points": 2500,
             "value_cents": 2500},
        ],
        "offers": [
            {"_id": "OFF-LAPTOP10", "title": "10% off laptops", "category": "laptops",
             "discount_pct": 10, "min_tier": "silver", "valid_until": at + timedelta(days=30)},
            {"_id": "OFF-AUDIO15", "title": "15% off headphones", "category": "headphones",
             "discount_pct": 15, "min_tier": "bronze", "valid_until": at + timedelta(days=14)},
            {"_id": "OFF-GOLD-SHIP", "title": "Free express shipping", "category": None,
             "discount_pct": 0, "min_tier": "gold", "valid_until": at + timedelta(days=60)},
        ],
        "stores": STORES,
    }


async def seed(store: Store, *, products: int = DEFAULT_PRODUCTS, reset: bool = False,
               progress: Callable[[int], object] | None = None) -> dict[str, int]:
    """Load the demo data; without `reset` a second run changes nothing.

    Args:
        store: The database to load.
        products: How many catalogue products to generate (at least the demo's 240).
        reset: Drop every collection first.
        progress: Called with the number of products written after each batch.
    """
    if reset:
        for name in await store.db.list_collection_names():
            await store.db.drop_collection(name)
    await store.ensure_indexes()
    counts = {"products": 0}
    known: dict[str, dict[str, Any]] = {}
    generated = generate_products(max(products, DEFAULT_PRODUCTS))
    # A catalogue seeded before products had name terms and colours gets them, once.
    upgrade = await store.products.find_one({"name_terms": {"$exists": False}},
                                            {"_id": 1}) is not None
    while batch := list(islice(generated, BATCH)):
        for product in batch:
            if len(known) < DEFAULT_PRODUCTS:
                known[product["sku"]] = product
        counts["products"] += await store.insert_new(
            "products", [p | {"_id": p["sku"]} for p in batch])
        if upgrade:
            counts["upgraded"] = counts.get("upgraded", 0) + await _add_fields(store, batch)
        await store.insert_new("stock", [row for p in batch for row in stock_rows(p)])
        if progress is not None:
            progress(len(batch))
    for name, docs in fixtures(known, now()).items():
        counts[name] = await store.insert_new(name, docs)
    counts["policies"] = await seed_policy(store)
    if counts["products"] or counts.get("upgraded"):
        await refresh_catalog_stats(store)
    return counts


async def _add_fields(store: Store, batch: list[dict[str, Any]]) -> int:
    """Give stored products the fields added since they were seeded; never a name or price."""
    result = await store.products.bulk_write([
        UpdateOne({"_id": p["sku"], "name": p["name"], "name_terms": {"$exists": False}},
                  {"$set": {key: p[key] for key in ADDED_FIELDS}}) for p in batch],
        ordered=False)
    return result.modified_count
