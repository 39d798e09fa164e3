"""Read a change to pending terms ("remove the chargers", "just one", "add ACC-00003 too")."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from graph import extract
from tools.cart_names import NUMBER_WORDS as _NUMBER_WORDS
from tools.catalog_data import CATEGORIES, CATEGORY_SYNONYMS
from tools.glossary import with_english

Call = tuple[str, dict[str, Any]]
READ_MAX = 300

REMOVE = re.compile(r"\b(remove|cancel|take (out|off|away)|drop|delete|without|no more|get rid of|"
                    r"quita|quitar|sin|enl[eè]ve|retire[zr]?|sans|entfern\w*|ohne|nimm|"
                    r"hata\w*|nikal\w*)\b", re.IGNORECASE)
ADD = re.compile(r"\b(add|also|plus|as well|another|a[ñn]ade|agrega|ajoute[zr]?|"
                 r"hinzu\w*|dazu|jod\w*)\b", re.IGNORECASE)
SET = re.compile(r"\b(make it|just|only|change (it|that|the quantity) to|instead of|solo|"
                 r"seulement|juste|nur|sirf|bas)\b", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]{3,}")
_LETTERS = re.compile(r"[^\W\d_]+")
_PREFIX_CATEGORY = {spec[0]: category for category, spec in CATEGORIES.items()}
_CATEGORY_WORDS = frozenset({*(w for c in CATEGORIES for w in (c, c.rstrip("s"))),
                            *(w for s in CATEGORY_SYNONYMS for w in (s, s.rstrip("s")))})
_STOP = frozenset({"the", "them", "this", "that", "those", "these", "and", "too", "please",
                   "remove", "just", "only", "make", "add", "one", "two", "out", "from", "cart",
                   "instead", "also", "with", "without", "want", "del", "les", "des", "die",
                   "der", "das", "los", "las"})


def _stem(word: str) -> str:
    word = word.casefold()
    for suffix in ("es", "s"):
        if len(word) > 4 and word.endswith(suffix) and not word.endswith("ss"):
            return word[: -len(suffix)]
    return word


def _words_of(item: dict[str, Any]) -> set[str]:
    """An item's name words, its category and the category's synonyms, stemmed."""
    category = _PREFIX_CATEGORY.get(str(item.get("sku", ""))[:3].upper(), "")
    words = {_stem(w) for w in _WORD.findall(str(item.get("name", "")))}
    if category:
        words |= {_stem(category)} | {_stem(w) for w, c in CATEGORY_SYNONYMS.items()
                                      if c == category}
    return words


def matching(text: str, items: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The items a message names, by SKU or by words of their names (name words first)."""
    if sku := extract.sku(text):
        return [i for i in items if str(i.get("sku", "")).upper() == sku.upper()]
    # Shop words of other languages count as their English: "die Ladegeräte" are the chargers.
    said = {_stem(w) for w in _WORD.findall(with_english(text[:READ_MAX]))} - _STOP
    if not said:
        return []
    by_name = [i for i in items
               if said & {_stem(w) for w in _WORD.findall(str(i.get("name", "")))}]
    return by_name or [i for i in items if said & _words_of(i)]


def _number(text: str) -> int | None:
    # A count, not an amount: "$1", "1 dollar" or "10%" is never how many units.
    if match := re.search(r"(?<![\w$€£.,-])(\d{1,2})(?![\w.,%-]|\s*(?:\$|usd|dollars?|"
                          r"euros?|bucks))", extract.SKU.sub("", text), re.IGNORECASE):
        return int(match.group(1))
    return next((_NUMBER_WORDS[w] for w in _LETTERS.findall(text.casefold())
                 if w in _NUMBER_WORDS), None)


def plan_change(text: str, items: Sequence[dict[str, Any]],
                shown: Sequence[dict[str, Any]] = ()) -> list[Call]:
    """The cart changes a message asks for, then new terms; [] when it asks for none.

    Args:
        text: The customer's message, which is not a yes.
        items: The lines of the pending terms (sku, name, quantity).
        shown: Products shown earlier in the session, for "add the hub too".
    """
    text = text[:READ_MAX]
    if REMOVE.search(text):
        targets = matching(text, items)
        if targets:
            return [*(("remove_from_cart", {"sku": i["sku"]}) for i in targets),
                    ("process_payment", {})]
        return []
    if ADD.search(text):
        quantity = _number(text) or 1
        if targets := matching(text, shown) or (
                [{"sku": extract.sku(text)}] if extract.sku(text) else []):
            return [("add_to_cart", {"sku": targets[0]["sku"], "quantity": quantity}),
                    ("process_payment", {})]
        if said_product(text) or _LETTERS.search(ADD.sub(" ", text)):
            # A product named that was never shown: the catalogue finds it by its whole name;
            # the changed cart drops the old terms and the server prepares new ones.
            return [("add_named_to_cart", {"name": text, "quantity": quantity})]
    wanted = _number(text)
    if wanted is not None and (SET.search(text) or matching(text, items)):
        targets = matching(text, items)
        if not targets:
            several = [i for i in items if int(i.get("quantity", 1)) > 1]
            targets = several if len(several) == 1 else list(items) if len(items) == 1 else []
        if len(targets) == 1:
            return [("set_cart_quantity", {"sku": targets[0]["sku"], "quantity": wanted}),
                    ("process_payment", {})]
    return []


def said_product(text: str) -> bool:
    """The words name a product: a SKU, a category ("the chargers"), or a remove of an item."""
    if extract.sku(text) or REMOVE.search(re.sub(r"\bcancel\w*", "", text, flags=re.I)):
        return True
    said = {_stem(w) for w in _WORD.findall(text[:READ_MAX])}
    return bool(said & _CATEGORY_WORDS)


def count(text: str) -> int | None:
    """How many units some words say ("two", "3", "deux"); None when they say no count."""
    return _number(text)
