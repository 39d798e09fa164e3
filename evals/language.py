"""An independent check of which language a reply is written in: common words per language.

The product's own `language` field could say "es" over an English reply; this check reads the
words, so that a reply passes a language expectation only when it is written in that language.
"""

from __future__ import annotations

import re


def _vocab(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Frequent function words that are rare in the other four languages' sentences.
STOP_WORDS: dict[str, frozenset[str]] = {
    "en": _vocab("the and you your is are to of for with this that it in on can would "
             "here have has be we our will"),
    "es": _vocab("el la los las y es son de del para con su sus tu tus un una que en por "
             "está están puedo quieres tiene hay pedido carrito gracias"),
    "fr": _vocab("le la les et est sont de des du pour avec votre vos un une que en par "
             "vous je il elle dans sur commande panier merci"),
    "de": _vocab("der die das und ist sind von für mit ihr ihre ihren ein eine einen dass "
             "in auf sie ich wir bestellung warenkorb danke nicht"),
    "hi": _vocab("hai hain aap aapka aapki aapke ka ki ke mein nahi kya ko se raha rahi "
             "tha thi kar karna karein yeh woh ji"),
}
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_DEVANAGARI = re.compile(r"[\u0900-\u097F]")
# Words English shares with a language's list ("order", "in") do not count towards it.
_SHARED = {lang: words & STOP_WORDS["en"] for lang, words in STOP_WORDS.items() if lang != "en"}


def scores(text: str) -> dict[str, int]:
    """How many of each language's common words the text holds."""
    words = [w.lower() for w in _WORD.findall(text)]
    out = {lang: sum(w in vocab and w not in _SHARED.get(lang, set()) for w in words)
           for lang, vocab in STOP_WORDS.items()}
    out["hi"] += len(_DEVANAGARI.findall(text)) // 3  # Hindi in its own script
    return out


def written_in(text: str, language: str) -> bool:
    """Whether `text` reads as `language`: its words outnumber every other language's, twice."""
    counts = scores(text)
    mine = counts.get(language, 0)
    return mine >= 2 and all(mine > n for lang, n in counts.items() if lang != language)
