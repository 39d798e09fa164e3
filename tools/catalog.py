"""Catalogue tools: recommend products, check stock, show a product."""

from __future__ import annotations

from typing import Any

from tools.catalog_data import CATEGORIES, STORES
from tools.context import ToolContext
from tools.registry import error, not_found
from tools.store import Doc, stem, terms

CANDIDATES = 120
_LIST_FIELDS = {"_id": 0, "sku": 1, "name": 1, "price_cents": 1, "currency": 1, "category": 1,
                "tags": 1, "terms": 1, "popularity": 1, "brand": 1}
_CATEGORY_BY_TERM = {stem(name): name for name in CATEGORIES} | {
    stem(name[:-1]): name for name in CATEGORIES if name.endswith("s")}


def money(cents: int) -> float:
    """Cents as a number of currency units, for clients."""
    return round(cents / 100, 2)


def public_product(doc: Doc, **extra: Any) -> dict[str, Any]:
    """The fields of a product that clients draw cards from."""
    return {"sku": doc["sku"], "name": doc["name"], "price": money(doc["price_cents"]),
            "currency": doc["currency"], "category": doc["category"], "tags": doc["tags"],
            **extra}


async def find_product(ctx: ToolContext, sku: str) -> Doc | None:
    """A product by SKU, case-insensitively as customers type them."""
    return await ctx.store.products.find_one({"sku": sku.strip().upper()})


async def _history(ctx: ToolContext) -> tuple[set[str], float | None]:
    """Categories the customer bought or prefers, and the median unit price they paid."""
    customer = await ctx.store.customers.find_one({"_id": ctx.customer_id}, {"preferences": 1})
    categories = set((customer or {}).get("preferences", {}).get("categories", []))
    prices: list[int] = []
    skus: list[str] = []
    orders = ctx.store.orders.find({"customer_id": ctx.customer_id}, {"items": 1}).limit(20)
    async for order in orders:
        for line in order["items"]:
            prices.append(line["unit_price_cents"])
            skus.append(line["sku"])
    if skus:
        categories |= set(await ctx.store.products.distinct("category", {"sku": {"$in": skus}}))
    band = sorted(prices)[len(prices) // 2] if prices else None
    return categories, band


def _score(doc: Doc, words: set[str], use: set[str], liked: set[str], band: float | None,
           budget_cents: int | None) -> tuple[float, list[str]]:
    reasons: list[str] = []
    score = 0.0
    matched = words & set(doc["terms"])
    if matched:
        score += 2.0 * len(matched)
        reasons.append("matches " + ", ".join(sorted(matched)))
    fits = use & {stem(t) for t in doc["tags"]}
    if fits:
        score += 3.0 * len(fits)
        reasons.append("suited to " + ", ".join(sorted(fits)))
    if doc["category"] in liked:
        score += 1.0
        reasons.append(f"you have shown interest in {doc['category']}")
    if budget_cents:
        # Within budget, nearer the budget usually means more machine for the money.
        score += doc["price_cents"] / budget_cents
        reasons.append(f"within your budget at ${money(doc['price_cents']):,.2f}")
    elif band:
        score += 1.0 / (1.0 + abs(doc["price_cents"] - band) / band)
    score += doc.get("popularity", 0) / 2000
    return score, reasons


async def recommend_products(
    ctx: ToolContext,
    query: str = "",
    budget: float | None = None,
    category: str | None = None,
    use_case: str | None = None,
    limit: int = 5,
) -> dict[str, Any]:
    """Recommend products from the catalogue, best first, each with the reasons it was picked.

    Args:
        query: What the customer is looking for, in their words, e.g. "laptop for coding".
        budget: The most the customer wants to pay per item, in dollars.
        category: A catalogue category such as laptops, phones or headphones.
        use_case: What the product is for, e.g. coding, gaming, running, travel.
        limit: How many products to return (1 to 10).
    """
    if budget is not None and budget < 0:
        return error("the budget cannot be negative")
    words = set(terms(query))
    use = set(terms(use_case or ""))
    if category:
        category = _CATEGORY_BY_TERM.get(stem(category.lower().strip()), category.lower().strip())
        if category not in CATEGORIES:
            return error(f"unknown category {category!r}; try one of {', '.join(CATEGORIES)}")
    else:
        category = next((_CATEGORY_BY_TERM[w] for w in words if w in _CATEGORY_BY_TERM), None)
    if not words and not use and category is None:
        return error("tell me what you are looking for: a product, a category or what it is for")
    limit = max(1, min(int(limit), 10))
    budget_cents = round(budget * 100) if budget is not None else None
    query_filter: Doc = {}
    if budget_cents is not None:
        query_filter["price_cents"] = {"$lte": budget_cents}
    if category is not None:
        query_filter["category"] = category
        cursor = ctx.store.products.find(query_filter, _LIST_FIELDS).sort("price_cents", -1)
    else:
        query_filter["terms"] = {"$in": sorted(words | use)}
        cursor = ctx.store.products.find(query_filter, _LIST_FIELDS)
    candidates = await cursor.limit(CANDIDATES).to_list()
    if use and category is not None:
        # The category's top price band may hold none for this use: look for the use itself.
        tagged = await ctx.store.products.find(
            query_filter | {"terms": {"$in": sorted(use)}}, _LIST_FIELDS
        ).sort("price_cents", -1).limit(CANDIDATES).to_list()
        seen = {doc["sku"] for doc in candidates}
        candidates += [doc for doc in tagged if doc["sku"] not in seen]
    liked, band = await _history(ctx)
    ranked = sorted(
        ((_score(doc, words - {stem(category or "")}, use, liked, band, budget_cents), doc)
         for doc in candidates),
        key=lambda pair: pair[0][0], reverse=True,
    )[:limit]
    products = [public_product(doc, reasons=reasons) for (_, reasons), doc in ranked]
    return {"type": "product_list", "query": query, "category": category,
            "budget": budget, "products": products}


async def get_product_details(ctx: ToolContext, sku: str) -> dict[str, Any]:
    """Show one product: price, description, specifications and warranty.

    Args:
        sku: The product's SKU, e.g. LAP-00001.
    """
    doc = await find_product(ctx, sku)
    if doc is None:
        return not_found(f"product {sku}")
    return {"type": "product", **public_product(
        doc, description=doc["description"], specs=doc["specs"],
        warranty_months=doc["warranty_months"])}


async def check_stock(ctx: ToolContext, sku: str, store_id: str | None = None) -> dict[str, Any]:
    """Check how many units of a product each store has.

    Args:
        sku: The product's SKU, e.g. LAP-00001.
        store_id: One store to check (store-downtown, store-mall, store-airport); all if omitted.
    """
    doc = await find_product(ctx, sku)
    if doc is None:
        return not_found(f"product {sku}")
    names = {s["_id"]: s["name"] for s in STORES}
    if store_id is not None and store_id not in names:
        return error(f"unknown store {store_id!r}; stores are {', '.join(names)}")
    query: Doc = {"sku": doc["sku"]} | ({"store_id": store_id} if store_id else {})
    rows = await ctx.store.stock.find(query, {"_id": 0}).sort("store_id", 1).to_list()
    stores = [{"store_id": r["store_id"], "store": names.get(r["store_id"], r["store_id"]),
               "quantity": r["quantity"]} for r in rows]
    total = sum(s["quantity"] for s in stores)
    return {"type": "stock", "sku": doc["sku"], "name": doc["name"], "stores": stores,
            "total": total, "in_stock": total > 0}
