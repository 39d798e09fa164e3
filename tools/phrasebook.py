"""Word lists kept as data files: one `[section]` per kind of word, `phrase` or `phrase = value`.

The standard library's `configparser` reads them. Phrases are folded (`fold`) so that they match
folded text as whole words, whatever the case or the accents the customer typed.
"""

from __future__ import annotations

import configparser
import re
import unicodedata
from collections.abc import Iterable
from importlib.resources.abc import Traversable

_NOT_WORD = re.compile(r"[^\w]+")


def fold(text: str) -> str:
    """Lower case, no accents, words separated by one space, and a space at either end."""
    folded = "".join(c for c in unicodedata.normalize("NFKD", text.casefold())
                     if unicodedata.category(c) != "Mn")
    return f" {_NOT_WORD.sub(' ', folded).strip()} "


def read_sections(files: Iterable[Traversable]) -> dict[str, dict[str, str]]:
    """Each section of the files (every language's, merged): its folded phrases and values."""
    kinds: dict[str, dict[str, str]] = {}
    for file in files:
        parser = configparser.ConfigParser(allow_no_value=True, delimiters=("=",), strict=False,
                                           interpolation=None)
        parser.read_string(file.read_text("utf-8"))
        for section in parser.sections():
            for phrase, value in parser.items(section):
                kinds.setdefault(section, {})[fold(phrase)] = (value or "").strip()
    return kinds
