"""Compare products on one specification: "which of those has the most RAM?"."""

from __future__ import annotations

from typing import Any

from tools.catalog import get_product_details
from tools.context import ToolContext
from tools.registry import error

MAX_COMPARED = 10
# The same measure under the name another category gives it (a laptop's screen, a monitor's size).
ALIASES = {"screen_in": "size_in", "size_in": "screen_in", "battery_h": "battery_hours",
           "battery_hours": "battery_h"}


def _value(product: dict[str, Any], spec: str) -> float | None:
    raw = product.get("price") if spec == "price" else product.get("specs", {}).get(spec)
    return float(raw) if isinstance(raw, int | float) and not isinstance(raw, bool) else None


async def compare_products(ctx: ToolContext, skus: list[str], spec: str,
                           most: bool = True) -> dict[str, Any]:
    """Compare products on one specification and show the one with the most (or least) of it.

    Args:
        skus: The products to compare, e.g. the SKUs of the list just shown (2 to 10).
        spec: The specification, as the products' specs name it (ram_gb, storage_gb,
            screen_in, size_in, refresh_hz) or price.
        most: True for the most of it, False for the least.
    """
    keys = list(dict.fromkeys(s.strip().upper() for s in skus))[:MAX_COMPARED]
    if len(keys) < 2:
        return error("name at least two products to compare")
    found = [p for p in [await get_product_details(ctx, sku) for sku in keys]
             if p.get("type") == "product"]
    values = [(value, p) for p in found if (value := _value(p, spec)) is not None]
    if not values and spec in ALIASES:
        spec = ALIASES[spec]
        values = [(value, p) for p in found if (value := _value(p, spec)) is not None]
    if not values:
        return error(f"those products do not list {spec.replace('_', ' ')}")
    pick = max if most else min
    best_value, best = pick(values, key=lambda pair: pair[0])
    tied = [p["name"] for value, p in values if value == best_value and p is not best]
    return {**best, "compared": {
        "spec": spec, "most": most, "value": best_value, "tied": tied,
        "values": [{"sku": p["sku"], "name": p["name"], "value": value} for value, p in values]}}
