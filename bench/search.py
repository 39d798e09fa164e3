"""Measure `recommend_products` on 10,000 and 100,000 products, and against a full scan.

Besides the needs ("laptop for coding") the queries name products as customers type them, and
ask for the cheapest and the dearest; each size must give the demo products' names the same
first product as the demo catalogue does.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from bench.common import Measure, demo_shop, embedded_database, percentile, timed_ms
from tools.catalog import recommend_products
from tools.context import ToolContext
from tools.seed import DEFAULT_PRODUCTS
from tools.store import Store, terms

BUDGET_MS = 20.0
QUERIES: list[dict[str, Any]] = [
    {"query": "laptop for coding", "budget": 1000, "use_case": "coding"},
    {"query": "gaming laptop", "budget": 1500},
    {"query": "noise cancelling headphones for travel", "budget": 300},
    {"query": "running watch with gps"},
    {"query": "cheap phone with a good camera", "budget": 400},
    {"query": "4k monitor for design"},
    {"query": "mechanical keyboard", "budget": 150},
    {"query": "waterproof portable speaker"},
    {"query": "camera for vlogging", "budget": 800},
    {"query": "usb-c charger"},
    {"query": "Razer K70 4 Plus"},
    {"query": "is the nikon z 6 plus any good"},
    {"query": "razr k70"},
    {"query": "cheapest phone", "sort": "price_asc"},
    {"query": "best camera money can buy", "sort": "price_desc"},
    {"query": "laptop with 16GB RAM in black", "min_ram_gb": 16, "colour": "black",
     "max_price": 1200},
]
NAMED = 24  # demo products whose names are looked up at each size: the first of each category


async def _latencies(ctx: ToolContext, rounds: int = 5) -> list[float]:
    samples = []
    for _ in range(rounds):
        for args in QUERIES:
            started = time.perf_counter()
            result = await recommend_products(ctx, **args)
            samples.append(timed_ms(started))
            assert result["type"] == "product_list", result
    return samples


async def _scan_latencies(store: Store) -> list[float]:
    """The naive way: read every product and score it in Python."""
    samples = []
    for args in QUERIES[:3]:
        started = time.perf_counter()
        words = set(terms(args["query"]))
        best = []
        async for doc in store.products.find({}, {"terms": 1, "price_cents": 1, "sku": 1}):
            if words & set(doc["terms"]):
                best.append(doc)
        samples.append(timed_ms(started))
    return samples


async def _first_by_name(ctx: ToolContext) -> dict[str, str]:
    """The first product's SKU for the names of the demo's first products, as typed."""
    demo = await ctx.store.products.find(
        {"sku": {"$regex": "-0000[1-3]$"}}, {"name": 1}).sort("_id", 1).to_list()
    firsts = {}
    for doc in demo[:NAMED]:
        for said in (doc["name"], f"do you have the {doc['name'].lower()}?"):
            result = await recommend_products(ctx, query=said)
            firsts[said] = result["products"][0]["sku"]
    return firsts


async def _one_size(uri: str, size: int, scan: bool = False
                    ) -> tuple[list[float], list[float] | None, dict[str, str]]:
    async with demo_shop(uri, f"bench_search_{size}", products=size) as services:
        store = services.store
        try:
            ctx = ToolContext(services=services, customer_id="demo-alice")
            await _latencies(ctx, rounds=1)  # warm the cache
            samples = await _latencies(ctx)
            scanned = await _scan_latencies(store) if scan else None
            return samples, scanned, await _first_by_name(ctx)
        finally:
            await store.client.drop_database(store.db.name)


async def measure(large: int = 100_000, small: int = 10_000) -> list[Measure]:
    """p95 at two catalogue sizes, and the large one against a full scan."""
    with embedded_database() as uri:
        *_, demo = await _one_size(uri, DEFAULT_PRODUCTS)
        small_samples, _, small_firsts = await _one_size(uri, small)
        large_samples, scan, large_firsts = await _one_size(uri, large, scan=True)
    differ = [said for said, sku in demo.items()
              if small_firsts.get(said) != sku or large_firsts.get(said) != sku]
    p95_small, p95_large = percentile(small_samples, 95), percentile(large_samples, 95)
    p50_large = percentile(large_samples, 50)
    assert scan is not None
    scan_ms = percentile(scan, 50)
    return [
        Measure("search_scale", p95_large, p95_small, p95_large / p95_small, 2.0, "ms p95",
                f"{large:,} vs {small:,} products; p50 at {large:,}: {p50_large:.1f} ms"),
        Measure("search_budget", p95_large, BUDGET_MS, p95_large / BUDGET_MS, 1.0, "ms p95",
                f"the search's p95 at {large:,} products vs the {BUDGET_MS:g} ms budget"),
        Measure("search_vs_scan", p50_large, scan_ms, p50_large / scan_ms, 1 / 20, "ms p50",
                f"indexed search vs reading all {large:,} products"),
        Measure("search_names", len(differ), len(demo), len(differ) / len(demo), 0.0,
                "names", f"demo product names whose first result differs at {small:,} or "
                f"{large:,} products from the demo catalogue's: {differ[:3]}"),
    ]


if __name__ == "__main__":
    for row in asyncio.run(measure()):
        print(row.as_json())
