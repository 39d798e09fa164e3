"""Compare products on one spec: "which of those has the most RAM?"."""

from __future__ import annotations

from typing import Any

from tools.catalog import find_product, public_product
from tools.context import ToolContext
from tools.intent import Spec
from tools.registry import error, not_found

SPECS: tuple[str, ...] = Spec.__args__  # type: ignore[attr-defined]
MAX_COMPARED = 10


def _value(doc: dict[str, Any], spec: str) -> float | None:
    if spec == "price":
        return doc["price_cents"] / 100
    if spec == "warranty_months":
        return float(doc["warranty_months"])
    value = doc.get("specs", {}).get(spec)
    return float(value) if isinstance(value, int | float) else None


async def compare_products(ctx: ToolContext, skus: list[str], spec: Spec,
                           most: bool = True) -> dict[str, Any]:
    """Order some products by one spec, the winner first: the list the customer is asking about.

    Args:
        skus: The SKUs to compare, e.g. those of the list just shown.
        spec: What to compare: price, ram_gb, storage_gb, screen_in, battery_h or
            warranty_months.
        most: True when the most wins ("most RAM", "priciest"), False for the least
            ("cheapest", "smallest screen").
    """
    if spec not in SPECS:
        return error(f"I can compare {', '.join(SPECS)}")
    if not skus or len(skus) > MAX_COMPARED:
        return error(f"give between 1 and {MAX_COMPARED} products to compare")
    docs = []
    for sku in dict.fromkeys(skus):  # in the order given, once each
        doc = await find_product(ctx, sku)
        if doc is None:
            return not_found(f"product {sku}")
        docs.append(doc)
    having = [(value, doc) for doc in docs if (value := _value(doc, spec)) is not None]
    if not having:
        return error(f"none of these products has a {spec.replace('_', ' ')} to compare")
    having.sort(key=lambda pair: pair[0], reverse=most)
    best = having[0][0]
    return {"type": "product_list", "query": f"compare {spec}", "compared_by": spec,
            "most": most, "tied": sum(v == best for v, _ in having) > 1,
            "without": [doc["sku"] for doc in docs if _value(doc, spec) is None],
            "products": [public_product(doc, reasons=[], value=value) for value, doc in having]}
