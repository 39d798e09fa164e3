"""Catalogue tools: recommend products, check stock, show and compare products."""

from __future__ import annotations

import asyncio
import re
from typing import Any, Literal

from tools.catalog_data import CATEGORIES, CATEGORY_SYNONYMS, STORES, USE_TAGS
from tools.context import ToolContext
from tools.glossary import with_english
from tools.ranking import by_price, history, money, score
from tools.registry import error, not_found
from tools.search import (
    Figures,
    Fits,
    in_price_windows,
    named,
    read_figures,
    refresh_catalog_stats,
    spec_fits,
    stats_key,
    top_price,
)
from tools.store import Doc, stem, terms

# Seeding records the figures through this module; carts and tills price with its `money`.
__all__ = ["money", "refresh_catalog_stats"]
# A search that names no product shows nothing dearer than this unless asked: the best match
# of "gaming laptop" is not the dearest one. A product named, or a price asked for, has no cap.
DEFAULT_CEILING_CENTS = 150_000
_NO_CEILING = 10**12
_CATEGORY_BY_TERM = {stem(name): name for name in CATEGORIES} | {
    stem(name[:-1]): name for name in CATEGORIES if name.endswith("s")} | CATEGORY_SYNONYMS
_TAG_BY_TERM = {stem(tag): tag for tag in USE_TAGS} | {tag: tag for tag in USE_TAGS}
# Words that say nothing about which product is wanted.
_FILLER = frozenset(terms(
    "a an and any are be best buy can could do for from get good have i im in is it looking me "
    "my need of on one or please recommend show some something that the to under want what "
    "which with would you your cheap new dollar budget less than below over about like cheapest "
    "cheaper expensive pricey premium most least nothing too crazy affordable price"))


def category_of(text: str) -> str | None:
    """The catalogue category some words name, if any."""
    # The customer's own words first, then the English of other languages' shop words.
    words = [stem(w) for w in re.findall(r"[a-z0-9]+", with_english(text).lower())]
    return next((_CATEGORY_BY_TERM[w] for w in words if w in _CATEGORY_BY_TERM), None)


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


async def _candidates(ctx: ToolContext, wheres: list[Doc], figures: Figures, floor: int,
                      ceiling: int, fits: Fits, ascending: bool, limit: int) -> list[Doc]:
    """Products in (floor, ceiling] from the first filters of `wheres` that find `limit`."""
    found: list[Doc] = []
    for where in wheres:
        stats = figures.by_key.get(stats_key(where))
        high = ceiling
        if high == _NO_CEILING and stats is None:
            high = await top_price(ctx, where)
        seen = {doc["sku"] for doc in found}
        batch = await in_price_windows(ctx, where, floor, high, stats, fits, ascending)
        found += [d for d in batch if d["sku"] not in seen]
        if len(found) >= limit:
            break
    return found


def _wheres(category: str | None, tag: str | None, words: set[str]) -> list[Doc]:
    wheres: list[Doc] = []
    if category is not None and tag is not None:
        wheres.append({"category": category, "tags": tag})
    if category is not None:
        wheres.append({"category": category})
    elif tag is not None:
        wheres.append({"tags": tag})
    elif words:
        wheres.append({"terms": {"$in": sorted(words)}})
    return wheres


def _cents(dollars: float | None) -> int | None:
    return None if dollars is None else round(dollars * 100)


async def recommend_products(
    ctx: ToolContext,
    query: str = "",
    budget: float | None = None,
    category: str | None = None,
    use_case: str | None = None,
    limit: int = 5,
    max_price: float | None = None,
    min_price: float | None = None,
    sort: Literal["relevance", "price_asc", "price_desc"] = "relevance",
    cheaper_than: float | None = None,
    colour: str | None = None,
    min_ram_gb: float | None = None,
    min_storage_gb: float | None = None,
    min_screen_in: float | None = None,
    min_battery_h: float | None = None,
) -> dict[str, Any]:
    """Recommend products from the catalogue: the one the customer names first, else the best fits.

    Args:
        query: What the customer is looking for, in their words: a product's name such as
            "Razer K70 4 Plus", or a need such as "laptop for coding".
        budget: The most the customer wants to pay per item, in dollars.
        category: A catalogue category such as laptops, phones or headphones.
        use_case: What the product is for, e.g. coding, gaming, running, travel.
        limit: How many products to return (1 to 10).
        max_price: Show nothing above this price, in dollars ("under $800").
        min_price: Show nothing below this price, in dollars ("over $500").
        sort: "price_asc" for cheap or cheapest, "price_desc" for premium, else "relevance".
        cheaper_than: Only products cheaper than this price, in dollars: the price of the
            product the customer wants something cheaper than.
        colour: Only products that come in this colour, e.g. black.
        min_ram_gb: Only products with at least this much memory, in GB.
        min_storage_gb: Only products with at least this much storage, in GB.
        min_screen_in: Only products whose screen is at least this many inches.
        min_battery_h: Only products whose battery lasts at least this many hours.
    """
    prices = (budget, max_price, min_price, cheaper_than)
    if any(v is not None and v < 0 for v in prices):
        return error("a price cannot be negative")
    if sort not in ("relevance", "price_asc", "price_desc"):
        return error("sort is one of relevance, price_asc or price_desc")
    words = set(terms(query)) - _FILLER
    use = set(terms(use_case or ""))
    whole = _TAG_BY_TERM.get((use_case or "").lower().strip())
    if whole:  # a tag of several words ("noise-cancelling") is one use, as the products say
        use.add(stem(whole))
    if category:
        category = _CATEGORY_BY_TERM.get(stem(category.lower().strip()), category.lower().strip())
        if category not in CATEGORIES:
            return error(f"unknown category {category!r}; try one of {', '.join(CATEGORIES)}")
    else:
        category = category_of(query)
    if not words and not use and category is None:
        return error("tell me what you are looking for: a product, a category or what it is for")
    limit = max(1, min(int(limit), 10))
    budget_cents = _cents(budget)
    below = _cents(cheaper_than)
    caps = [c for c in (budget_cents, _cents(max_price), None if below is None else below - 1)
            if c is not None]
    max_cents, min_cents = (min(caps) if caps else None), _cents(min_price)
    minimums = {k: v for k, v in (("ram_gb", min_ram_gb), ("storage_gb", min_storage_gb),
                                  ("screen_in", min_screen_in), ("battery_h", min_battery_h))
                if v is not None}
    fits = spec_fits(max_cents, min_cents, (colour or "").lower().strip() or None, minimums)
    tag = whole or next((_TAG_BY_TERM[w] for w in sorted(use | words) if w in _TAG_BY_TERM), None)
    wheres = _wheres(category, tag, words)
    figures = await read_figures(ctx, wheres)
    ceiling = max_cents if max_cents is not None else (
        DEFAULT_CEILING_CENTS if sort == "relevance" else _NO_CEILING)
    floor = -1 if min_cents is None else min_cents - 1
    by_name = await named(ctx, query, figures, fits)
    if by_name:  # the name's words ("4", "plus") are in too many products to search by
        wheres = [where for where in wheres if "terms" not in where]
    (liked, band), candidates = await asyncio.gather(
        history(ctx),
        _candidates(ctx, wheres, figures, floor, ceiling, fits, sort == "price_asc", limit))
    scored = sorted(((score(doc, words - {stem(category or "")}, use, liked, band,
                             budget_cents), doc) for doc in candidates),
                    key=lambda pair: pair[0][0], reverse=True)
    pairs = [(reasons, doc) for (_, reasons), doc in scored]
    # Cheapest first among the products for the use asked ("noise cancelling"), then the rest:
    # a cheaper pair without it is no cheaper noise-cancelling pair.
    ranked = (by_price([p for p in pairs if tag in p[1].get("tags", ())], sort)
              + by_price([p for p in pairs if tag not in p[1].get("tags", ())], sort))
    names = by_price([(["the one you asked for"] if match.exact else [], doc)
                      for match, doc in by_name], sort)
    seen = {doc["sku"] for _, doc in names}
    picked = (names + [pair for pair in ranked if pair[1]["sku"] not in seen])[:limit]
    return {"type": "product_list", "query": query, "category": category, "budget": budget,
            "sort": sort, "named": by_name[0][1]["sku"] if by_name else None,
            "exact": bool(by_name) and by_name[0][0].exact,  # the name said in full
            "products": [public_product(doc, reasons=reasons) for reasons, doc in picked]}


async def _resolve(ctx: ToolContext, sku: str, name: str) -> Doc | dict[str, Any]:
    """The product a SKU or a name picks; else the error or the closest products to choose."""
    if sku:
        return await find_product(ctx, sku) or not_found(f"product {sku}")
    if not name.strip():
        return error("which product? Tell me its name or SKU")
    figures = await read_figures(ctx, [])
    found = await named(ctx, name, figures, lambda doc: True)
    if found:
        return await find_product(ctx, found[0][1]["sku"]) or not_found(f"product {name}")
    return await recommend_products(ctx, query=name, limit=3)


async def get_product_details(ctx: ToolContext, sku: str = "", name: str = "") -> dict[str, Any]:
    """Show one product: price, description, specifications, colours and warranty.

    Args:
        sku: The product's SKU, e.g. LAP-00001.
        name: The product's name as the customer said it, when there is no SKU.
    """
    doc = await _resolve(ctx, sku, name)
    if "type" in doc:
        return doc
    return {"type": "product", **public_product(
        doc, description=doc["description"], specs=doc["specs"],
        colours=doc.get("colours", [c for c in [doc["specs"].get("color")] if c]),
        warranty_months=doc["warranty_months"])}


async def check_stock(ctx: ToolContext, sku: str = "", store_id: str | None = None,
                      name: str = "") -> dict[str, Any]:
    """Check how many units of a product each store has.

    When the name picks no one product, the closest products come back to choose from.

    Args:
        sku: The product's SKU, e.g. LAP-00001.
        store_id: One store to check (store-downtown, store-mall, store-airport); all if omitted.
        name: The product's name as the customer said it, when there is no SKU.
    """
    if not sku:
        doc = await _resolve(ctx, sku, name)
        if "type" in doc:
            return doc
        sku = doc["sku"]
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
