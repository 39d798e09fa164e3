"""Shop words of Spanish, French, German and Hindi in the catalogue's English: `tools/glossary/`.

Each `glossary.<lang>.txt` has one `[section]` per kind of word, a `phrase = english` a line:
`category` (a kind of product = the catalogue's word for it), `use` (what it is for = a use tag),
`cheap` and `premium` (price order), `under_before` and `under_after` (a price ceiling said
before or after its amount: "menos de 1000", "1000 dollar se kam"). The standard library's
`configparser` reads them; every language is read at once, since a customer mixes languages.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from importlib import resources

from tools.phrasebook import fold, read_sections

LANGUAGES = ("es", "fr", "de", "hi")
READ_MAX = 500  # the words that choose a product come first; a long message is not read whole
_AMOUNT = r"\$?\s*+(\d[\d.,]*+)\s*+(?:\$|usd|dolares|dollars?|euros?|€)?"


@cache
def _sections() -> dict[str, dict[str, str]]:
    """Each kind of word: its folded phrases and their English, every language."""
    return read_sections(resources.files("tools") / "glossary" / f"glossary.{lang}.txt"
                         for lang in LANGUAGES)


def _said(folded: str, kind: str) -> list[str]:
    """The English of the phrases of `kind` said in `folded` text, longest phrase first.

    A phrase that is its own English ("laptop" in Hinglish) adds nothing: English words are
    read as they are, and repeating them would weigh an English message differently.
    """
    said = sorted((p for p in _sections().get(kind, {}) if p in folded), key=len, reverse=True)
    english = (_sections()[kind][p] for p in said)
    return [e for p, e in zip(said, english, strict=True) if not e or fold(e) != p]


@cache
def _ceiling(kind: str) -> re.Pattern[str] | None:
    """A price ceiling said with the words of `kind`, its amount in group 1."""
    phrases = sorted((re.escape(p.strip()) for p in _sections().get(kind, {})), key=len,
                     reverse=True)
    if not phrases:
        return None
    words = "|".join(phrases)
    if kind == "under_before":
        return re.compile(rf"\b(?:{words})\s*+{_AMOUNT}")
    return re.compile(rf"{_AMOUNT}\s*+(?:{words})\b")


def _number(said: str) -> str:
    """An amount as English writes it: "1.000" and "1,000" are a thousand, "99,50" is 99.50."""
    said = said.rstrip(".,")
    if re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", said):
        return re.sub(r"[.,]", "", said)
    return said.replace(",", ".")


def english(text: str) -> str:
    """The catalogue's English for the shop words of other languages in `text` ("" if none).

    "busco un portátil para programar por menos de 1000 dólares" gives
    "laptop coding under $1000": what the English extractors read beside the customer's words.

    Args:
        text: The customer's words, in any of the five languages.
    """
    lowered = text[:READ_MAX].casefold()
    folded = fold(lowered)
    out = [*_said(folded, "category"), *_said(folded, "use")]
    if _said(folded, "premium"):
        out.append("premium")
    elif _said(folded, "cheap"):
        out.append("cheapest")
    for kind in ("under_before", "under_after"):
        pattern = _ceiling(kind)
        match = pattern.search(_spaced(lowered)) if pattern else None
        if match:
            out.append(f"under ${_number(match[1])}")
            break
    return " ".join(out)


def _spaced(lowered: str) -> str:
    """Accents folded and words spaced, but the digits' points and commas kept."""
    folded = "".join(c for c in unicodedata.normalize("NFKD", lowered)
                     if unicodedata.category(c) != "Mn")
    return " " + re.sub(r"[^\w.,$€]+", " ", folded).strip() + " "


def with_english(text: str) -> str:
    """`text` followed by its shop words in English, for the extractors that read English."""
    gloss = english(text)
    return f"{text} {gloss}" if gloss else text
