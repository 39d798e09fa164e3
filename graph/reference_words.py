"""The words customers refer back with, per language: `graph/phrases/references.<lang>.txt`.

Each file has one `[section]` per kind of words (`pronoun`, `ordinal`, `cheaper`, `cart`,
`colour`, `store`, ...), a phrase a line, or `phrase = value`; the standard library's
`configparser` reads them. Every language's words are read at once: a customer who mixes
languages, or whose language a short message does not reveal, is still understood.
"""

from __future__ import annotations

import configparser
import re
import unicodedata
from functools import cache
from importlib import resources

from graph.language import LANGUAGES

READ_MAX = 300  # a reference is said in a sentence; the rest of a long message is not read
_NOT_WORD = re.compile(r"[^\w]+")


def normalise(text: str) -> str:
    """Lower case, no accents, words separated by one space, and a space at either end."""
    folded = "".join(c for c in unicodedata.normalize("NFKD", text.casefold())
                     if unicodedata.category(c) != "Mn")
    return f" {_NOT_WORD.sub(' ', folded).strip()} "


@cache
def _sections() -> dict[str, dict[str, str]]:
    """Each kind of reference: its phrases (normalised) and their values, every language."""
    kinds: dict[str, dict[str, str]] = {}
    for lang in LANGUAGES:
        parser = configparser.ConfigParser(allow_no_value=True, delimiters=("=",), strict=False,
                                           interpolation=None)
        name = f"references.{lang}.txt"
        parser.read_string((resources.files("graph") / "phrases" / name).read_text("utf-8"))
        for section in parser.sections():
            for phrase, value in parser.items(section):
                kinds.setdefault(section, {})[normalise(phrase)] = (value or "").strip()
    return kinds


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
