"""Resolve what a customer refers back to ("it", "the second", "the cheaper one") in the memory.

The five kept messages forget the list a customer points at; the memory (`graph.memory`) keeps
it. The words that refer are data, one file per language (`graph.reference_words`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz

from graph import extract
from graph.memory import Memory, Product
from graph.reference_words import READ_MAX, found, normalise, not_names, said, words
from tools.catalog import category_of
from tools.catalog_data import CATEGORIES

CLOSE = 80  # how alike (0-100, rapidfuzz's ratio) a typed word and a name's word must be
_BY_PREFIX = {spec[0]: category for category, spec in CATEGORIES.items()}  # "KEY": keyboards


@dataclass(frozen=True)
class Reference:
    """What the words point at: one product when sure, several when the customer must choose.

    With `spec` set, the customer asks which of `items` has the most (or least) of it.
    """

    items: tuple[Product, ...] = ()
    how: str = ""
    spec: tuple[str, ...] = ()
    most: bool = True

    @property
    def product(self) -> Product | None:
        """The one product meant, when the words single it out."""
        return self.items[0] if len(self.items) == 1 and not self.spec else None

    @property
    def unclear(self) -> bool:
        """The words point at several products: ask which rather than guess."""
        return len(self.items) > 1 and not self.spec


def shown(memory: Memory) -> list[Product]:
    """The last list shown, as the memory keeps it."""
    return [p for p in memory.get("listing", {}).get("items", []) if p.get("sku")]


def order_items(memory: Memory) -> list[Product]:
    """The lines of the order in focus, as products to refer to."""
    return [{"sku": i["sku"], "name": i.get("name") or i["sku"]}
            for i in memory.get("order", {}).get("items", []) if i.get("sku")]


def _unique(products: Iterable[Product]) -> list[Product]:
    seen: dict[str, Product] = {}
    for product in products:  # the first of each SKU, in order
        seen.setdefault(str(product.get("sku", "")).upper(), product)
    return list(seen.values())


def _name_words(product: Product) -> set[str]:
    sku = str(product.get("sku", ""))
    category = str(product.get("category") or _BY_PREFIX.get(sku[:3].upper(), ""))
    named = normalise(f"{product.get('name', '')} {category} {category.removesuffix('s')}")
    return set(named.split())


def _alike(word: str, name_words: set[str]) -> bool:
    if word in name_words:
        return True
    return len(word) >= 4 and any(len(n) >= 4 and fuzz.ratio(word, n) >= CLOSE
                                  for n in name_words)


def named(text: str, candidates: Sequence[Product], loose: bool = False) -> list[Product]:
    """The candidates whose name (or category) the words say, best match first.

    Unless `loose`, a name counts only after a word that points back ("the Nikon", "el Dell",
    "dusra wala"), so that "recommend me a Dell" is a new search, not a reference.
    """
    kinds = {p.strip(): v for p, v in words("product").items()}  # "souris" is a mouse
    said_words = [kinds.get(w, w) for w in normalise(text[:READ_MAX]).split()]
    before = {p.strip() for p in words("definite")}
    after = {p.strip() for p in words("after")}
    skip = not_names()

    def pointed(i: int) -> bool:  # "the Dell", "that black Nikon", "Dell wala"
        return bool(before & set(said_words[max(0, i - 2):i])
                    or after & set(said_words[i + 1:i + 3]))

    wanted = [w for i, w in enumerate(said_words) if w not in skip and (loose or pointed(i))]
    if not wanted:
        return []
    scored = [(sum(_alike(w, _name_words(p)) for w in wanted), p) for p in candidates]
    best = max((score for score, _ in scored), default=0)
    picked = [p for score, p in scored if best and score == best]
    # A model number said after a name word ("the Garmin Watch 2") that none of them has
    # names a product not shown: a new look-up, not one of these.
    models = [w for i, w in enumerate(said_words) if i and any(c.isdigit() for c in w)
              and said_words[i - 1] in wanted and said_words[i - 1] not in skip]
    if models and not any(set(models) <= _name_words(p) for p in picked):
        return []
    # "the laptops" when every product shown is a laptop asks for more of them, not one.
    return picked if loose or len(candidates) < 2 or len(picked) < len(candidates) else []


def _by_price(products: Sequence[Product], cheapest: bool) -> list[Product]:
    priced = [p for p in products if isinstance(p.get("price"), int | float)]
    if not priced:
        return []
    pick = min if cheapest else max
    return [pick(priced, key=lambda p: float(p["price"]))]  # type: ignore[arg-type]


def _ordinal(text: str, listed: Sequence[Product]) -> list[Product]:
    said_ = found(text, "ordinal")
    if not said_ or not listed:
        return []
    index = int(words("ordinal")[said_[0]])
    index = index - 1 if index > 0 else index
    return [listed[index]] if -len(listed) <= index < len(listed) else []


def _spec(text: str) -> tuple[tuple[str, ...], bool] | None:
    specs, most, least = found(text, "spec"), found(text, "most"), found(text, "least")
    if not specs or not (most or least):
        return None
    # A spec named ("the largest RAM") wins over a size word that is a spec only alone.
    named_ = [s for s in specs if s not in most and s not in least] or specs
    keys = tuple(words("spec")[named_[0]].split())
    # "the least RAM" says both "least" and no "most"; "most" wins only when said alone.
    return keys, bool(most) and not least


def asks_new(text: str) -> bool:
    """The words name a kind of product, a use or a budget: a new search, not "it"."""
    kinds = {p.strip(): v for p, v in words("product").items()}
    mapped = " ".join(kinds.get(w, w) for w in normalise(text[:READ_MAX]).split())
    return bool(category_of(mapped) or extract.use_case(mapped) or extract.budget(text))


def names_other(text: str, memory: Memory) -> bool:
    """The words name a product other than the one in focus ("add the Razer K70 to my cart").

    A model number, a capitalised word mid-sentence, or another kind of product than the
    focus's says so.
    """
    focus = memory.get("focus") or {}
    known = _name_words(focus) if focus else set()
    tokens = [t.strip(".,!?¿¡:;\"'()") for t in text[:READ_MAX].split()]
    for i, token in enumerate(tokens):
        word = normalise(token).strip()
        name_like = (any(c.isdigit() for c in token) and not token.isdigit()) or (
            i > 0 and len(token) > 1 and token[0].isupper() and word not in not_names())
        if name_like and word and word not in known:
            return True
    kinds = {p.strip(): v for p, v in words("product").items()}
    named = category_of(" ".join(kinds.get(w, w) for w in normalise(text[:READ_MAX]).split()))
    return named is not None and named != focus.get("category", named)


def _other_kind(text: str, memory: Memory) -> bool:
    """The words name another kind of product than the last list's.

    "The cheapest keyboard?" after headphones is a new search, not the cheapest pair shown.
    """
    kinds = {p.strip(): v for p, v in words("product").items()}
    named = category_of(" ".join(kinds.get(w, w) for w in normalise(text[:READ_MAX]).split()))
    listed = {p.get("category") for p in shown(memory)} | {
        (memory.get("listing") or {}).get("filters", {}).get("category")}
    return named is not None and named not in listed


def resolve(text: str, memory: Memory, among: Sequence[Product] = (),
            loose: bool = False, default_focus: bool = False) -> Reference:
    """What the customer's words refer to, from the memory (and `among`, e.g. the cart's lines).

    Args:
        text: The customer's message.
        memory: The session's memory.
        among: More products the words may name (the cart's or the order's lines), first.
        loose: A name counts without a word pointing back (the customer asked for an action).
        default_focus: With no other sign, the words mean the product in focus.
    """
    text = text[:READ_MAX]
    folded = normalise(text)
    listed = shown(memory) or list(among)
    focus = memory.get("focus")
    pool = _unique([*among, *listed, *([focus] if focus else [])])
    if sku := extract.sku(text):
        match = [p for p in pool if str(p.get("sku", "")).upper() == sku]
        return Reference((match[0] if match else {"sku": sku},), "sku")
    names = named(text, among, loose) or named(text, pool, loose)  # `among` first
    if spec := _spec(folded):
        return Reference(tuple(names if len(names) > 1 else listed), "spec", spec[0], spec[1])
    for kind, cheapest in (("cheaper", True), ("pricier", False)):
        if found(folded, kind) and not found(folded, "cheaper_search") and not _other_kind(
                text, memory):
            picked = _by_price(names if len(names) > 1 else listed, cheapest)
            if picked:
                return Reference(tuple(picked), kind)
    if picked := _ordinal(folded, listed):
        return Reference(tuple(picked), "ordinal")
    if names:
        if len(names) > 1 and focus and any(p.get("sku") == focus.get("sku") for p in names):
            return Reference((focus,), "name")
        return Reference(tuple(names), "name")
    if found(folded, "pronoun") or (found(folded, "clitic") and not asks_new(text)) or (
            default_focus and not names_other(text, memory)):
        if focus:
            return Reference((focus,), "pronoun")
        if listed:
            return Reference(tuple(listed), "pronoun")
    return Reference()


def cheaper_search(text: str, memory: Memory) -> dict[str, Any] | None:
    """For "something cheaper": the last list's search again, cheapest first, below a price.

    Below the product in focus when there is one, else below the list's top pick (what was
    recommended first): the cheaper ones of the same kind, whether listed already or not.
    """
    if not said(text, "cheaper_search"):
        return None
    listing = memory.get("listing", {})
    focus = memory.get("focus")
    priced = [p for p in ([focus] if focus and "price" in focus else shown(memory)) if "price" in p]
    if not priced:
        return None
    filters = listing.get("filters", {})
    query = listing.get("query") or str((focus or {}).get("name", ""))
    category = filters.get("category") or (focus or {}).get("category")
    return {"query": query, "category": category,
            "use_case": filters.get("use_case") or extract.use_case(query),
            "cheaper_than": float(priced[0]["price"]), "sort": "price_asc"}


def names_of(products: Sequence[Product], limit: int = 4) -> list[str]:
    """The names to ask between, as customers read them (never SKUs)."""
    return [str(p.get("name") or p.get("sku")) for p in products[:limit]]
