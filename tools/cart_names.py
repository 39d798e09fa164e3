"""Add a product the customer names in words ("add the Samsung Stand 7") to the cart."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from tools.cart import MAX_QUANTITY, add_to_cart
from tools.catalog import recommend_products
from tools.context import ToolContext
from tools.registry import error

# How many products the catalogue offers for the words; one of them must be named whole.
CANDIDATES = 5
READ_MAX = 200
_WORDS = re.compile(r"[^\W_]+")
# Counts said in words, in the five languages (`graph.changes` reads them too).
NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "uno": 1, "una": 1,
                "dos": 2, "tres": 3, "un": 1, "une": 1, "deux": 2, "trois": 3, "ein": 1,
                "eine": 1, "einen": 1, "eins": 1, "zwei": 2, "drei": 3, "ek": 1, "do": 2,
                "teen": 3, "single": 1, "both": 2, "pair": 2, "couple": 2}


def _phrase(text: str) -> str:
    """Lower-case words and single spaces, framed by spaces, for whole-phrase containment."""
    folded = unicodedata.normalize("NFKC", text[:READ_MAX]).casefold()
    return f" {' '.join(_WORDS.findall(folded))} "


def named_whole(words: str, products: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The product whose whole name the words say; the longest such name wins.

    "the Samsung Stand 7 as well" names the Samsung Stand 7, not the Samsung Stand 7 Pro nor
    the Samsung Stand 5 Lite; words naming no product whole name none.
    """
    said = _phrase(words)
    whole = [p for p in products if _phrase(str(p.get("name", ""))).strip()
             and _phrase(str(p.get("name", ""))) in said]
    return max(whole, key=lambda p: len(str(p["name"])), default=None)


async def add_named_to_cart(ctx: ToolContext, name: str, quantity: int = 1) -> dict[str, Any]:
    """Add a product to the cart by the name the customer said, when no SKU is known.

    Returns the cart when one product's whole name was said; otherwise the closest products
    (a product_list) so that the customer can say which one.

    Args:
        name: The product's name in the customer's words, e.g. "Samsung Stand 7".
        quantity: How many units to add (1 to 20).
    """
    if quantity <= 0 or quantity > MAX_QUANTITY:
        return error(f"the quantity must be between 1 and {MAX_QUANTITY}")
    found = await recommend_products(ctx, query=name[:READ_MAX], limit=CANDIDATES)
    if found.get("type") != "product_list":
        return found
    product = named_whole(name, list(found.get("products", [])))
    if product is None:
        return {**found, "products": found.get("products", [])[:3]}
    return await add_to_cart(ctx, str(product["sku"]), _outside_name(name, product, quantity))


def _outside_name(words: str, product: dict[str, Any], quantity: int) -> int:
    """The count, unless it was read from the name itself: "the Samsung Stand 7" is one."""
    name = _phrase(str(product["name"]))
    if f" {quantity} " not in name:
        return quantity
    rest = _phrase(words).replace(name, " ").split()
    if str(quantity) in rest:
        return quantity
    return next((int(w) if w.isdigit() else NUMBER_WORDS[w] for w in rest
                 if (w.isdigit() and 0 < int(w) <= MAX_QUANTITY) or w in NUMBER_WORDS), 1)
