"""The words customers refer back with, per language: `graph/phrases/references.<lang>.txt`.

Each file has one `[section]` per kind of words (`pronoun`, `ordinal`, `cheaper`, `cart`,
`colour`, `store`, ...), a phrase a line, or `phrase = value`; the standard library's
`configparser` reads them. Every language's words are read at once: a customer who mixes
languages, or whose language a short message does not reveal, is still understood.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from graph.language import LANGUAGES
from tools.phrasebook import fold, read_sections

READ_MAX = 300  # a reference is said in a sentence; the rest of a long message is not read
normalise = fold  # the customer's words as the phrases are kept


@cache
def _sections() -> dict[str, dict[str, str]]:
    """Each kind of reference: its phrases (normalised) and their values, every language."""
    return read_sections(resources.files("graph") / "phrases" / f"references.{lang}.txt"
                         for lang in LANGUAGES)


def words(kind: str) -> dict[str, str]:
    """The phrases of one kind (`pronoun`, `ordinal`, `cheaper`, `cart`, ...) and their values."""
    return _sections().get(kind, {})


def found(text: str, kind: str) -> list[str]:
    """The phrases of `kind` said in `text` (already normalised), longest first."""
    return sorted((p for p in words(kind) if p in text), key=len, reverse=True)


def said(text: str, kind: str) -> bool:
    """Whether `text` says a phrase of `kind` (whole words, any of the five languages)."""
    return bool(found(normalise(text[:READ_MAX]), kind))


@cache
def not_names() -> frozenset[str]:
    """Words that never name a product: every referring word, and the `stop` lists."""
    return frozenset(w for name, kind in _sections().items() if name != "product"
                     for phrase in kind for w in phrase.split())


def value_said(text: str, kind: str) -> str | None:
    """The value of the longest phrase of `kind` said: a colour ("negro" is black), a store."""
    said_ = found(normalise(text[:READ_MAX]), kind)
    return words(kind)[said_[0]] if said_ else None


def colour(text: str) -> str | None:
    """The colour the words ask about, as the catalogue's specs spell it."""
    return value_said(text, "colour")


def store(text: str) -> str | None:
    """The store the words name, in any of the five languages ("centre-ville", "Flughafen")."""
    return value_said(text, "store")
