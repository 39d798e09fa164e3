"""Product names as customers type them: name terms, typo correction and picking by name."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

_WORD = re.compile(r"[a-z0-9]+")
# A typo is corrected only on words this long and this close to a name word: "razr" is Razer,
# while short words ("z", "5", "hp") must be typed as they are.
MIN_FUZZY_LEN = 4
FUZZY_CUTOFF = 80.0
MAX_NAME_WORDS = 6  # the longest run of words looked up as a whole name
MAX_LOOKUPS = 60  # whole-name runs looked up at once, at most


def words(text: str) -> list[str]:
    """The lower-case words of some text, in order."""
    return _WORD.findall(text.lower())


def name_terms(name: str) -> list[str]:
    """What the name index holds for a product name: its words, adjacent pairs and whole name.

    "Nikon Z 6 Plus" holds nikon, z, 6, plus; the pairs "nikon z", "z 6", "6 plus" (a pair
    names a product line far more narrowly than a word); and "nikon z 6 plus", which only the
    products of exactly that name hold, however large the catalogue.
    """
    tokens = words(name)
    pairs = [f"{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False)]
    whole = [" ".join(tokens)] if len(tokens) > 2 else []
    return sorted(set(tokens) | set(pairs) | set(whole))


def _parts(word: str, vocabulary: Mapping[str, int]) -> list[str]:
    """A word typed without its space ("z6") as the name words it joins ("z", "6")."""
    parts = re.findall(r"[a-z]+|[0-9]+", word)
    return parts if len(parts) > 1 and all(p in vocabulary for p in parts) else [word]


def correct(text: str, vocabulary: Mapping[str, int]) -> list[str]:
    """The customer's words that are name words, typos corrected against `vocabulary`.

    Words that are not name words ("the", "is", "stock") are left out.
    """
    found: list[str] = []
    known = list(vocabulary)
    for word in words(text):
        if word in vocabulary:
            found.append(word)
        elif len(parts := _parts(word, vocabulary)) > 1:
            found += parts
        elif len(word) >= MIN_FUZZY_LEN and not word.isdigit():
            best = process.extractOne(word, known, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
            found += [best[0]] if best is not None else []
    return found


def lookup_terms(said: Sequence[str], common: Mapping[str, int]) -> tuple[list[str], str | None]:
    """The name-index terms to read candidates by, from the corrected words.

    Runs of three to MAX_NAME_WORDS words are looked up as whole names, and adjacent pairs
    ("razer k70") as product lines. `common` counts the products of the pairs that many
    products share; the others are rare. Returns the whole names and rare pairs, and the least
    common of the other pairs: read when the first find nothing.
    """
    runs = {" ".join(said[i:i + n]) for n in range(3, MAX_NAME_WORDS + 1)
            for i in range(len(said) - n + 1)}
    pairs = sorted({f"{a} {b}" for a, b in zip(said, said[1:], strict=False)})
    rare = [pair for pair in pairs if pair not in common]
    shared = min((pair for pair in pairs if pair in common), key=common.__getitem__,
                 default=None)
    return sorted(runs)[:MAX_LOOKUPS] + rare, shared


@dataclass(frozen=True)
class NameMatch:
    """How well the customer's words name one product."""

    exact: bool  # the whole name was said, in order
    covered: int  # how many of the name's words were said
    missing: int  # how many were not

    @property
    def named(self) -> bool:
        """Whether this names a product (or its line): two of its words at least, or all."""
        return self.exact or self.covered >= 2

    def key(self) -> tuple[bool, int, int]:
        """Sort key: the exact name first, then the most words said, then the fewest left."""
        return (not self.exact, -self.covered, self.missing)


def name_match(said: Sequence[str], name: str) -> NameMatch:
    """Compare corrected words (`correct`) with one product name."""
    tokens = words(name)
    text = " " + " ".join(said) + " "
    exact = bool(tokens) and f" {' '.join(tokens)} " in text
    heard = set(said)
    covered = set()
    for i, token in enumerate(tokens):
        if token in heard:
            covered.add(i)
        if i + 1 < len(tokens) and token + tokens[i + 1] in heard:
            covered |= {i, i + 1}
    return NameMatch(exact, len(covered), len(tokens) - len(covered))


def match_name(text: str, candidates: Sequence[str]) -> int | None:
    """Which of some names (the last list shown) the customer means: "the Nikon", "the Dell one".

    Returns the index of the one name that the words fit best, or None when none fits or two fit
    equally (then the customer should be asked which).

    Args:
        text: The customer's words.
        candidates: The names to pick from, in the order they were shown.
    """
    if not candidates:
        return None
    vocabulary = {w: 1 for name in candidates for w in name_terms(name) if " " not in w}
    said = correct(text, vocabulary)
    if not said:
        return None
    scored = []
    for index, name in enumerate(candidates):
        match = name_match(said, name)
        closeness = fuzz.token_set_ratio(" ".join(said), name.lower())
        scored.append(((match.covered, closeness), index))
    scored.sort(reverse=True)
    (best, index), rest = scored[0], scored[1:]
    if best[0] == 0 or (rest and rest[0][0] == best):
        return None
    return index
