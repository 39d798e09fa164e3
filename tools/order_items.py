"""Which lines of an order the customer's words name: "the mouse", "one of the two cables"."""

from __future__ import annotations

import re
import unicodedata

from rapidfuzz import fuzz

from tools.catalog_data import CATEGORIES, CATEGORY_SYNONYMS
from tools.context import ToolContext
from tools.store import Doc, stem

# Words for the catalogue's things in the other four languages, and English irregulars; each
# maps to an English word of a product name or category. Data, not logic: extend freely.
ITEM_WORDS = {
    "mice": "mouse", "raton": "mouse", "souris": "mouse", "maus": "mouse",
    "cables": "cable", "kabel": "cable", "cavo": "cable", "cargador": "charger",
    "chargeur": "charger", "ladegerat": "charger", "ladekabel": "cable",
    "auriculares": "headphones", "audifonos": "headphones", "casque": "headphones",
    "ecouteurs": "headphones",
    "kopfhorer": "headphones", "earphones": "headphones", "portatil": "laptops",
    "ordinateur": "laptops", "laptop": "laptops", "telefono": "phones", "movil": "phones",
    "telephone": "phones", "handy": "phones", "teclado": "keyboards", "clavier": "keyboards",
    "tastatur": "keyboards", "pantalla": "monitors", "ecran": "monitors", "bildschirm": "monitors",
    "camara": "cameras", "appareil": "cameras", "kamera": "cameras", "reloj": "smartwatches",
    "montre": "smartwatches", "uhr": "smartwatches", "altavoz": "speakers", "enceinte": "speakers",
    "lautsprecher": "speakers", "soporte": "stand", "hub": "hub",
}
# Words of a product name that say nothing of which item it is.
_PLAIN = frozenset({"pro", "plus", "lite", "the", "and"})
# Model names that are also everyday words ("one of them", "the whole book"): no item alone.
_EVERYDAY = frozenset({"one", "air", "book", "edge", "modern", "quiet", "sport", "designer"})
_WORD = re.compile(r"[a-z]+")
_MODELS = frozenset(stem(m.lower()) for spec in CATEGORIES.values() for m in spec[2])
_NOUNS = frozenset(
    {stem(w.lower()) for spec in CATEGORIES.values() for w in (*spec[1], *spec[2])} | {
        stem(w) for w in CATEGORIES} | {stem(w) for w in CATEGORY_SYNONYMS} | {
        stem(w) for w in ITEM_WORDS}) - _EVERYDAY
RECENT_ORDERS = 5
FUZZY_MIN = 88  # a typo ("mosue", "hedphones") still names the item


def _words(text: str) -> list[str]:
    """Lower-case words without accents, plurals folded, translated to the catalogue's words."""
    plain = unicodedata.normalize("NFKD", text.lower()).encode("ascii", "ignore").decode()
    return [stem(ITEM_WORDS.get(w, w)) for w in _WORD.findall(plain) if len(w) > 2]


def names_an_item(text: str) -> bool:
    """Whether the words name a kind of product or a brand, rather than only an order."""
    return any(w in _NOUNS or stem(w) in _NOUNS for w in _words(text))


def _line_words(line: Doc) -> set[str]:
    category = str(line.get("category") or "")
    # A synonym that is itself a product's name ("charger" for accessories) is no synonym of
    # the category's other products: an Anker cable is no charger.
    synonyms = {k for k, v in CATEGORY_SYNONYMS.items() if v == category and stem(k) not in _MODELS}
    words = _words(f"{line['name']} {category} {' '.join(synonyms)}")
    return {w for w in words if w not in _PLAIN}


def _matches(said: list[str], line: Doc) -> int:
    """How many of the customer's words name this line, typos allowed."""
    own = _line_words(line)
    return sum(1 for w in said if w in own or (len(w) > 3 and any(
        fuzz.ratio(w, o) >= FUZZY_MIN for o in own)))


def matching_lines(lines: list[Doc], words: str) -> list[Doc]:
    """The lines the words name best: one when they are clear, several when they are not.

    "the Samsung charger" names the one Samsung charger among two chargers; "the charger" names
    both, and the customer is asked which.
    """
    said = [w for w in _words(words) if w not in _PLAIN]
    scored = [(_matches(said, line), line) for line in lines]
    best = max((score for score, _ in scored), default=0)
    return [line for score, line in scored if score and score == best]


async def other_order_with(ctx: ToolContext, words: str, not_this: str) -> Doc | None:
    """The one other recent delivered order of the customer's with an item the words name.

    "return the mouse" said of the latest order when the mouse came in an earlier one: that
    order, if exactly one fits; else None, and the customer is asked which item.
    """
    recent = await ctx.store.orders.find(
        {"customer_id": ctx.customer_id, "status": "delivered", "order_id": {"$ne": not_this}},
    ).sort("created_at", -1).limit(RECENT_ORDERS).to_list()
    fitting = [order for order in recent if matching_lines(list(order["items"]), words)]
    return fitting[0] if len(fitting) == 1 else None
