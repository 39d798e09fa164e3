"""Read a customer's answer to pending terms: a clear yes, a cancel, or something else."""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from importlib import resources
from typing import Literal

Answer = Literal["yes", "cancel", "other"]
LANGUAGES = ("en", "es", "fr", "de", "hi")
# Only the first characters are read: a yes is short, and a long message is never one.
READ_MAX = 200

# Emoji that mean the same as a word; any other symbol is dropped.
_EMOJI_WORDS = {"👍": " ok ", "👌": " ok ", "✅": " ok ", "✔": " ok ", "☑": " ok ",
                "👎": " no ", "❌": " no ", "✖": " no "}
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'"})
# Clause breaks; '?' is kept apart, since a question is never a yes nor a cancel.
_CLAUSE = re.compile(r"[,.;:!¡¿…\n]+")
_NOT_WORD = re.compile(r"[^\w'\- ]+")


def _fold(text: str) -> str:
    """Drop accents on Latin letters only: Devanagari vowel signs are combining marks too."""
    out: list[str] = []
    for char in unicodedata.normalize("NFD", text):
        if unicodedata.combining(char) and out and out[-1].isascii():
            continue
        out.append(char)
    return unicodedata.normalize("NFC", "".join(out))


def normalise(text: str) -> str:
    """Lower case, no accents on Latin letters, no emoji or punctuation, single spaces."""
    text = unicodedata.normalize("NFKC", text[:READ_MAX]).translate(_APOSTROPHES)
    for emoji, word in _EMOJI_WORDS.items():
        text = text.replace(emoji, word)
    # Zero-width and other format characters would hide a word's real letters.
    text = "".join(c for c in text if unicodedata.category(c) != "Cf")
    words = _NOT_WORD.sub(" ", _fold(text.casefold())).split()
    # "yes yes", "OK 👍": a word said twice in a row says it once.
    kept = [w for i, w in enumerate(words) if i == 0 or w != words[i - 1]]
    return " ".join(kept).strip(" -'")


def _read(name: str) -> frozenset[str]:
    lines = (resources.files("graph") / "phrases" / name).read_text(encoding="utf-8")
    return frozenset(normalise(line) for line in lines.splitlines()
                     if line.strip() and not line.lstrip().startswith("#"))


@cache
def phrases(kind: Literal["confirm_yes", "cancel"]) -> frozenset[str]:
    """Every language's phrases of one kind, normalised; read from the data files once."""
    return frozenset().union(*(_read(f"{kind}.{lang}.txt") for lang in LANGUAGES))


def _clauses(text: str) -> list[str]:
    return [c for c in (normalise(part) for part in _CLAUSE.split(text[:READ_MAX])) if c]


def _all_in(text: str, allowed: frozenset[str]) -> bool:
    """The whole message is one phrase, or each of its clauses is ("no. cancel it")."""
    if normalise(text) in allowed:
        return True
    clauses = _clauses(text)
    return bool(clauses) and all(c in allowed for c in clauses)


def calls_off(text: str) -> bool:
    """Some clause calls the move off, none says yes, and none asks for a change.

    "Actually no, cancel that" and "never mind, I'll buy it later" call it off; "no, just one
    charger" or "cancel that, add the hub instead" ask for a change, which the agent reads.
    """
    clauses = _clauses(text)
    cancels = [c for c in clauses if c in phrases("cancel")]
    rest = [c for c in clauses if c not in phrases("cancel")]
    if not cancels or any(c in phrases("confirm_yes") for c in rest):
        return False
    # Only the other clauses are read for a change: "rehne do" is a cancel, not two of a thing.
    return not any(asks_change(c) for c in rest)


def asks_change(text: str) -> bool:
    """The words ask to change what the terms hold: add, remove, a quantity, an amount."""
    # Imported here: graph.changes reads the catalogue's data, which a yes never needs.
    from graph.changes import ADD, SET, count, said_product

    return bool(ADD.search(text) or SET.search(text) or count(text) is not None
                or said_product(text) or re.search(r"\d", text))


def answer_of(text: str) -> Answer:
    """Decide, on the server, whether `text` confirms, cancels, or says something else.

    A yes must be the whole message; a question, a condition, a change or a negation anywhere
    makes it something else, which the agent that prepared the terms then reads. A cancel in
    a clause of its own calls the move off, unless the message also asks for a change.
    """
    if len(text) > READ_MAX or "?" in unicodedata.normalize("NFKC", text):
        return "other"
    if _all_in(text, phrases("confirm_yes")):
        return "yes"
    if _all_in(text, phrases("cancel")) or calls_off(text):
        return "cancel"
    return "other"
