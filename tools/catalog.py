"""Catalogue tools: recommend products, check stock, show a product."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from tools.catalog_data import CATEGORIES, CATEGORY_SYNONYMS, STORES, USE_TAGS
from tools.context import ToolContext
from tools.registry import error, not_found
from tools.store import Doc, Store, stem, terms

CANDIDATES = 40
MAX_WINDOWS = 10
FIRST_WINDOW_CENTS = 1000
DEFAULT_CEILING_CENTS = 150_000
_LIST_FIELDS = {"_id": 0, "sku": 1, "name": 1, "price_cents": 1, "currency": 1, "category": 1,
                "tags": 1, "terms": 1, "popularity": 1, "brand": 1}
_CATEGORY_BY_TERM = {stem(name): name for name in CATEGORIES} | {
    stem(name[:-1]): name for name in CATEGORIES if name.endswith("s")} | CATEGORY_SYNONYMS
_TAG_BY_TERM = {stem(tag): tag for tag in USE_TAGS} | {tag: tag for tag in USE_TAGS}
# Words that say nothing about which product is wanted.
_FILLER = frozenset(terms(
    "a an and any are be best buy can could do for from get good have i im in is it looking me "
    "my need of on one or please recommend show some something that the to under want what "
    "which with would you your cheap new dollar budget less than below over about like"))


def category_of(text: str) -> str | None:
    """The catalogue category some words name, if any."""
    words = [stem(w) for w in re.findall(r"[a-z0-9]+", text.lower())]
    return next((_CATEGORY_BY_TERM[w] for w in words if w in _CATEGORY_BY_TERM), None)


def money(cents: int) -> float:
    """Cents as a number of currency units, for clients."""
    return round(cents / 100, 2)


def public_product(doc: Doc, **extra: Any) -> dict[str, Any]:
    """The fields of a product that clients draw cards from."""
    return {"sku": doc["sku"], "name": doc["name"], "price": money(doc["price_cents"]),
            "currency": doc["currency"], "category": doc["category"], "tags": doc["tags"],
            **extra}


def _sku(sku: str) -> str:
    """A SKU as the catalogue spells it, from the way a customer typed it."""
    return sku.strip().upper()


async def find_product(ctx: ToolContext, sku: str) -> Doc | None:
    """A product by SKU, case-insensitively as customers type them."""
    return await ctx.store.products.find_one({"_id": _sku(sku)})


# The customer and their latest orders' lines, joined on the customer's id: one round trip.
_HISTORY_LOOKUPS: list[Doc] = [
    {"$lookup": {"from": "customers", "localField": "_id", "foreignField": "_id",
                 "as": "customer"}},
    {"$lookup": {"from": "orders", "localField": "_id", "foreignField": "customer_id",
                 "pipeline": [{"$limit": 20}, {"$project": {"_id": 0, "items": 1}}],
                 "as": "orders"}},
    {"$project": {"customer.preferences": 1, "orders": 1}},
]


async def _history(ctx: ToolContext) -> tuple[set[str], float | None]:
    """Categories the customer bought or prefers, and the median unit price they paid."""
    cursor = await ctx.store.db.aggregate([{"$documents": [{"_id": ctx.customer_id}]},
                                           *_HISTORY_LOOKUPS])
    row = (await cursor.to_list())[0]
    customer = row["customer"][0] if row["customer"] else {}
    categories = set(customer.get("preferences", {}).get("categories", []))
    lines = [line for order in row["orders"] for line in order["items"]]
    categories |= {line["category"] for line in lines if line.get("category")}
    # Lines of orders written before lines carried their category.
    unlabelled = [line["sku"] for line in lines if not line.get("category")]
    if unlabelled:
        categories |= set(await ctx.store.products.distinct("category",
                                                            {"_id": {"$in": unlabelled}}))
    prices = sorted(line["unit_price_cents"] for line in lines)
    band = prices[len(prices) // 2] if prices else None
    return categories, band


def _score(doc: Doc, words: set[str], use: set[str], liked: set[str], band: float | None,
           budget_cents: int | None) -> tuple[float, list[str]]:
    reasons: list[str] = []
    score = 0.0
    matched = (words - use) & set(doc["terms"])
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


STATS = "catalog_stats"
_WHOLE = ""  # the key of the whole catalogue's figures, there once the figures were recorded
_NONE = {"count": 0}  # the figures of a filter that no product matches


def stats_key(where: Doc) -> str:
    """The `catalog_stats` document that describes the products matching `where`."""
    return "|".join(f"{k}={where[k]}" for k in sorted(where))


def _described(where: Doc) -> bool:
    """Whether `refresh_catalog_stats` records figures for this filter: category and/or tag."""
    return bool(where) and set(where) <= {"category", "tags"} and all(
        isinstance(v, str) for v in where.values())


async def refresh_catalog_stats(store: Store) -> None:
    """Record price range and count for the catalogue, per category, tag and category with tag.

    The search reads them to size its price windows: a window then holds about as many products
    as it needs, however large the catalogue. A category with a tag that has no figures has no
    products, and the search does not look for any.
    """
    figures = {"low": {"$min": "$price_cents"}, "high": {"$max": "$price_cents"},
               "count": {"$sum": 1}}
    for unwind, key in (([], None), ([], {"category": "$category"}),
                        ([{"$unwind": "$tags"}], {"tags": "$tags"}),
                        ([{"$unwind": "$tags"}], {"category": "$category", "tags": "$tags"})):
        cursor = await store.products.aggregate([*unwind, {"$group": {"_id": key, **figures}}])
        async for row in cursor:
            await store.db[STATS].replace_one(
                {"_id": stats_key(row["_id"] or {})},
                {"low": row["low"], "high": row["high"], "count": row["count"]}, upsert=True)


async def _figures(ctx: ToolContext, wheres: list[Doc]) -> dict[str, Doc]:
    """The recorded figures of each filter in `wheres` that has some, read at once.

    Empty when the catalogue has none; a described filter without figures then gets `_NONE`.
    """
    keys = [stats_key(w) for w in wheres if _described(w)]
    if not keys:
        return {}
    rows = await ctx.store.db[STATS].find({"_id": {"$in": [_WHOLE, *keys]}}).to_list()
    found = {row["_id"]: row for row in rows}
    return {key: found.get(key, _NONE) for key in keys} if _WHOLE in found else {}


async def _in_price_windows(ctx: ToolContext, where: Doc, ceiling: int, stats: Doc | None
                            ) -> list[Doc]:
    """Candidates from the ceiling price downwards, a narrow price window at a time.

    Each query matches a small slice of the index (category or tag, then price), so its cost
    does not grow with the catalogue. The first window is sized from the catalogue's price
    figures (`stats`) when there are some; a window widens while it finds little.
    """
    found: list[Doc] = []
    width, high = FIRST_WINDOW_CENTS, ceiling
    if stats is not None:
        if stats["count"] == 0 or stats["low"] > ceiling:
            return []
        high = min(ceiling, stats["high"])
        density = stats["count"] / max(1, stats["high"] - stats["low"])
        width = max(100, round(CANDIDATES / density))
    for _ in range(MAX_WINDOWS):
        if len(found) >= CANDIDATES or high <= 0:
            break
        low = max(0, high - width)
        batch = await ctx.store.products.find(
            where | {"price_cents": {"$gt": low, "$lte": high}}, _LIST_FIELDS).to_list()
        found += batch
        high = low
        if len(batch) < CANDIDATES // 4:
            width *= 2
        elif len(batch) > CANDIDATES * 2:
            width = max(100, width // 2)
    return found


async def _candidates(ctx: ToolContext, wheres: list[Doc], ceiling: int, limit: int
                      ) -> list[Doc]:
    """Products under `ceiling` from the first filters of `wheres` that find `limit` of them."""
    found: list[Doc] = []
    figures = await _figures(ctx, wheres)
    for where in wheres:
        seen = {doc["sku"] for doc in found}
        batch = await _in_price_windows(ctx, where, ceiling, figures.get(stats_key(where)))
        found += [d for d in batch if d["sku"] not in seen]
        if len(found) >= limit:
            break
    return found


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
    words = set(terms(query)) - _FILLER
    use = set(terms(use_case or ""))
    if category:
        category = _CATEGORY_BY_TERM.get(stem(category.lower().strip()), category.lower().strip())
        if category not in CATEGORIES:
            return error(f"unknown category {category!r}; try one of {', '.join(CATEGORIES)}")
    else:
        category = category_of(query)
    if not words and not use and category is None:
        return error("tell me what you are looking for: a product, a category or what it is for")
    limit = max(1, min(int(limit), 10))
    budget_cents = round(budget * 100) if budget is not None else None
    ceiling = budget_cents if budget_cents is not None else DEFAULT_CEILING_CENTS
    tag = next((_TAG_BY_TERM[w] for w in sorted(use | words) if w in _TAG_BY_TERM), None)
    wheres: list[Doc] = []
    if category is not None and tag is not None:
        wheres.append({"category": category, "tags": tag})
    if category is not None:
        wheres.append({"category": category})
    elif tag is not None:
        wheres.append({"tags": tag})
    elif words:
        wheres.append({"terms": {"$in": sorted(words)}})
    (liked, band), candidates = await asyncio.gather(
        _history(ctx), _candidates(ctx, wheres, ceiling, limit))
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
    names = {s["_id"]: s["name"] for s in STORES}
    if store_id is not None and store_id not in names:
        return error(f"unknown store {store_id!r}; stores are {', '.join(names)}")
    # The product and its stock rows (one per store, a handful) in one round trip. Fields and
    # rows are picked and sorted here: each stage costs the embedded server more than the bytes.
    cursor = await ctx.store.products.aggregate([
        {"$match": {"_id": _sku(sku)}},
        {"$lookup": {"from": "stock", "localField": "sku", "foreignField": "sku", "as": "stock"}}])
    found = await cursor.to_list()
    if not found:
        return not_found(f"product {sku}")
    doc = found[0]
    stores = [{"store_id": r["store_id"], "store": names.get(r["store_id"], r["store_id"]),
               "quantity": r["quantity"]}
              for r in sorted(doc["stock"], key=lambda r: r["store_id"])
              if store_id is None or r["store_id"] == store_id]
    total = sum(s["quantity"] for s in stores)
    return {"type": "stock", "sku": doc["sku"], "name": doc["name"], "stores": stores,
            "total": total, "in_stock": total > 0}
