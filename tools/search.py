"""How the catalogue is searched at any size: recorded figures, price windows and names."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from tools.context import ToolContext
from tools.names import NameMatch, correct, lookup_terms, name_match, name_terms
from tools.store import Doc, Store

CANDIDATES = 40
MAX_WINDOWS = 10
FIRST_WINDOW_CENTS = 1000
# The most products a name lookup reads: the lowest SKUs holding the customer's name terms.
NAME_CANDIDATES = 400
# A pair of name words more products than this share is recorded as common; rarer pairs are
# what a name is looked up by, and the record stays small at any catalogue size.
COMMON_PAIR = NAME_CANDIDATES // 4
LIST_FIELDS = {"_id": 0, "sku": 1, "name": 1, "price_cents": 1, "currency": 1, "category": 1,
               "tags": 1, "terms": 1, "popularity": 1, "brand": 1, "specs": 1, "colours": 1}
STATS = "catalog_stats"
WHOLE = ""  # the key of the whole catalogue's figures, there once the figures were recorded
NAMES = "names"  # the key of the name words and how many products carry each
_NONE = {"count": 0}  # the figures of a filter that no product matches
Fits = Callable[[Doc], bool]


def stats_key(where: Doc) -> str:
    """The `catalog_stats` document that describes the products matching `where`."""
    return "|".join(f"{k}={where[k]}" for k in sorted(where))


def _described(where: Doc) -> bool:
    """Whether `refresh_catalog_stats` records figures for this filter: category and/or tag."""
    return bool(where) and set(where) <= {"category", "tags"} and all(
        isinstance(v, str) for v in where.values())


async def refresh_catalog_stats(store: Store) -> None:
    """Record price range and count per category, tag and both; and the name words.

    The search reads them to size its price windows: a window then holds about as many products
    as it needs, however large the catalogue. A category with a tag that has no figures has no
    products, and the search does not look for any. The name words (each with the number of
    products whose name holds it) correct a customer's typos and pick the narrow name terms.
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
    # Grouped by name first: a catalogue has far fewer names than products.
    cursor = await store.products.aggregate([{"$group": {"_id": "$name", "n": {"$sum": 1}}}])
    words: Counter[str] = Counter()
    pairs: Counter[str] = Counter()
    async for row in cursor:
        for term in name_terms(row["_id"] or ""):
            if term.count(" ") == 1:
                pairs[term] += row["n"]
            elif " " not in term:
                words[term] += row["n"]
    common = sorted((pair, n) for pair, n in pairs.items() if n > COMMON_PAIR)
    await store.db[STATS].replace_one(
        {"_id": NAMES}, {"words": sorted(words.items()), "common_pairs": common}, upsert=True)


@dataclass
class Figures:
    """What the search read of the recorded figures, in one round trip."""

    by_key: dict[str, Doc] = field(default_factory=dict)
    words: dict[str, int] = field(default_factory=dict)
    common_pairs: dict[str, int] = field(default_factory=dict)


async def read_figures(ctx: ToolContext, wheres: list[Doc]) -> Figures:
    """The recorded figures of each filter in `wheres` and the name words, read at once.

    Without recorded figures both are empty; a described filter without figures in a catalogue
    that has them gets `_NONE`.
    """
    keys = [stats_key(w) for w in wheres if _described(w)]
    rows = await ctx.store.db[STATS].find({"_id": {"$in": [WHOLE, NAMES, *keys]}}).to_list()
    found = {row["_id"]: row for row in rows}
    figures = Figures()
    if WHOLE in found:
        figures.by_key = {key: found.get(key, _NONE) for key in keys}
    if NAMES in found:
        figures.words = dict(found[NAMES]["words"])
        figures.common_pairs = dict(found[NAMES]["common_pairs"])
    return figures


async def in_price_windows(ctx: ToolContext, where: Doc, floor: int, ceiling: int,
                           stats: Doc | None, fits: Fits, ascending: bool = False) -> list[Doc]:
    """Candidates priced in (floor, ceiling], a narrow price window at a time.

    From the ceiling downwards, or from the floor upwards when `ascending` (cheapest first).
    Each query matches a small slice of the index (category or tag, then price), so its cost
    does not grow with the catalogue. The first window is sized from the catalogue's price
    figures (`stats`) when there are some; a window widens while it finds little. Products that
    do not `fit` the customer's spec filters are left out.
    """
    found: list[Doc] = []
    width = FIRST_WINDOW_CENTS
    if stats is not None:
        if stats["count"] == 0 or stats["low"] > ceiling or stats["high"] <= floor:
            return []
        ceiling, floor = min(ceiling, stats["high"]), max(floor, stats["low"] - 1)
        density = stats["count"] / max(1, stats["high"] - stats["low"])
        width = max(100, round(CANDIDATES / density))
    edge = floor if ascending else ceiling
    for _ in range(MAX_WINDOWS):
        if len(found) >= CANDIDATES or (edge >= ceiling if ascending else edge <= floor):
            break
        low, high = (edge, min(ceiling, edge + width)) if ascending else (
            max(floor, edge - width), edge)
        batch = await ctx.store.products.find(
            where | {"price_cents": {"$gt": low, "$lte": high}}, LIST_FIELDS).to_list()
        found += [doc for doc in batch if fits(doc)]
        edge = high if ascending else low
        if len(batch) < CANDIDATES // 4:
            width *= 2
        elif len(batch) > CANDIDATES * 2:
            width = max(100, width // 2)
    return found


async def top_price(ctx: ToolContext, where: Doc) -> int:
    """The highest price among the products matching `where` (0 when none): one index read."""
    top = await ctx.store.products.find(where, {"price_cents": 1}).sort(
        "price_cents", -1).limit(1).to_list()
    return int(top[0]["price_cents"]) if top else 0


async def named(ctx: ToolContext, text: str, figures: Figures, fits: Fits
                ) -> list[tuple[NameMatch, Doc]]:
    """The products the customer's words name, best first: "Razer K70 4 Plus", "razr k70".

    Typos are corrected against the catalogue's name words; candidates are the products of the
    whole names said and of the rare pairs, else of the least common pair (an index read of
    at most NAME_CANDIDATES products, whatever the catalogue's size); each is compared with the
    words. Ties go to the lowest SKU, so a larger catalogue gives the same first product for
    the same name.
    """
    said = correct(text, figures.words) if figures.words else [
        w for w in name_terms(text) if " " not in w]
    rare, shared = lookup_terms(said, figures.common_pairs)
    found: list[tuple[NameMatch, Doc]] = []
    for keys in (rare, [shared] if shared else []):
        if not keys or found:
            continue
        if keys == rare:  # each term holds few products: read them all, lowest SKU first
            cursor = ctx.store.products.find({"name_terms": {"$in": keys}}, LIST_FIELDS).sort(
                "_id", 1).limit(NAME_CANDIDATES)
        else:  # one term that many share: its first entries in the index, lowest SKU first
            cursor = ctx.store.products.find({"name_terms": keys[0]}, LIST_FIELDS).limit(
                COMMON_PAIR)
        docs = await cursor.to_list()
        matches = [(name_match(said, doc["name"]), doc) for doc in docs if fits(doc)]
        found = [(m, doc) for m, doc in matches if m.named]
    found.sort(key=lambda pair: (pair[0].key(), pair[1]["sku"]))
    return found


def spec_fits(max_cents: int | None, min_cents: int | None, colour: str | None,
              minimums: dict[str, float]) -> Fits:
    """A test of one product against the customer's price, colour and spec minimums."""
    def fits(doc: Doc) -> bool:
        price = doc["price_cents"]
        if (max_cents is not None and price > max_cents) or (
                min_cents is not None and price < min_cents):
            return False
        if colour and colour not in doc.get("colours", [doc.get("specs", {}).get("color")]):
            return False
        specs = doc.get("specs", {})
        return all(float(specs.get(key, 0)) >= low for key, low in minimums.items())
    return fits
