"""How the catalogue ranks what it found: the customer's history, the words, the price."""

from __future__ import annotations

from tools.context import ToolContext
from tools.store import Doc, stem


def money(cents: int) -> float:
    """Cents as a number of currency units, for clients."""
    return round(cents / 100, 2)


# The customer and their latest orders' lines, joined on the customer's id: one round trip.
_HISTORY_LOOKUPS: list[Doc] = [
    {"$lookup": {"from": "customers", "localField": "_id", "foreignField": "_id",
                 "as": "customer"}},
    {"$lookup": {"from": "orders", "localField": "_id", "foreignField": "customer_id",
                 "pipeline": [{"$limit": 20}, {"$project": {"_id": 0, "items": 1}}],
                 "as": "orders"}},
    {"$project": {"customer.preferences": 1, "orders": 1}},
]


async def history(ctx: ToolContext) -> tuple[set[str], float | None]:
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




def score(doc: Doc, words: set[str], use: set[str], liked: set[str], band: float | None,
           budget_cents: int | None) -> tuple[float, list[str]]:
    """How well a product fits the words, use, history and budget; and the reasons to say."""
    reasons: list[str] = []
    score = 2.0 * len((words - use) & set(doc["terms"]))
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


def by_price(pairs: list[tuple[list[str], Doc]], sort: str) -> list[tuple[list[str], Doc]]:
    """Products with their reasons in the price order asked for; as they are for relevance."""
    if sort == "relevance":
        return pairs
    return sorted(pairs, key=lambda pair: pair[1]["price_cents"], reverse=sort == "price_desc")
