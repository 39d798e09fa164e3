"""Which of the five languages a customer writes in: per message, kept from turn to turn."""

from __future__ import annotations

import functools
import re
from collections import Counter
from pathlib import Path
from typing import Literal, get_args

from lingua import Language as Lingua
from lingua import LanguageDetector, LanguageDetectorBuilder

Language = Literal["en", "es", "fr", "de", "hi"]
LANGUAGES: tuple[Language, ...] = get_args(Language)
DEFAULT: Language = "en"

_LINGUA: dict[Lingua, Language] = {Lingua.ENGLISH: "en", Lingua.SPANISH: "es",
                                   Lingua.FRENCH: "fr", Lingua.GERMAN: "de", Lingua.HINDI: "hi"}
_DEVANAGARI = re.compile(r"[\u0900-\u097F]")
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
# Below this a statistical guess is noise: "ja", "merci" or "ok" alone are settled by the word
# lists, or the language stays what it was.
_SURE = 0.6
_WORDS_DIR = Path(__file__).with_name("languages")


@functools.cache
def _lexicon() -> dict[str, Language]:
    """Each marker word of `graph/languages/<lang>.txt` and its language.

    A word listed for two languages ("no", "de", "me") says nothing, so it counts for neither.
    """
    seen: dict[str, set[Language]] = {}
    for lang in LANGUAGES:
        for line in (_WORDS_DIR / f"{lang}.txt").read_text(encoding="utf-8").splitlines():
            if not line.startswith("#"):
                for word in line.lower().split():
                    seen.setdefault(word, set()).add(lang)
    return {word: next(iter(langs)) for word, langs in seen.items() if len(langs) == 1}


@functools.cache
def _detector() -> LanguageDetector:
    """Lingua's detector over the five languages, built once per process (about a second)."""
    return LanguageDetectorBuilder.from_languages(*_LINGUA).with_preloaded_language_models(
    ).build()


def ready() -> None:
    """Load the detector and the word lists now, so that no customer's turn waits for them."""
    _lexicon()
    _detector()


def detect(text: str, previous: Language | None = None) -> Language:
    """The language of `text`; with no clear sign (a SKU, "ok", "👍"), the conversation's own.

    Devanagari is Hindi. Otherwise each marker word counts one for its language, as do Spanish's
    opening marks and Lingua's confident guess on a sentence; the most votes win, and a tie keeps
    `previous`.
    """
    previous = previous or DEFAULT
    if _DEVANAGARI.search(text):
        return "hi"
    lexicon = _lexicon()
    words = [w.lower() for w in _WORD.findall(text[:500])]
    votes: Counter[Language] = Counter(lexicon[w] for w in words if w in lexicon)
    if "¿" in text or "¡" in text:
        votes["es"] += 2  # Spanish alone opens a question or an exclamation
    # Two short words ("Nikon Z50", "Razer K70 Plus") are as likely a product's name as a
    # sentence: the guess counts from three words of three letters on.
    if sum(len(w) >= 3 for w in words) >= 3:
        best = _detector().compute_language_confidence_values(" ".join(words))[0]
        if best.value >= _SURE:
            votes[_LINGUA[best.language]] += 1
    if not votes:
        return previous
    ranked = votes.most_common()
    top = ranked[0][1]
    leaders = [lang for lang, n in ranked if n == top]
    return previous if previous in leaders or len(leaders) > 1 else leaders[0]
