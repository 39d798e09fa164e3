"""The shop's knowledge: its policy document, searched by the customer's question."""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from typing import Any

from rapidfuzz import fuzz

from tools.context import ToolContext
from tools.policy_data import LANGUAGES, SHOP_ID, policy_document
from tools.store import Store, stem

MAX_SECTIONS = 2
KEEP_RATIO = 0.5
FUZZY_MIN = 86  # "warrenty", "shiping" still find their section
_WORD = re.compile(r"\w+")
# Words of a question that say nothing of its topic; the other words are matched to keywords.
_STOP_WORDS = (
    "what whats your you the and for are is do does can how when where which have with about "
    "que los las del una por como cual para tiene tienen son est les des une pour quel quels "
    "vous avez was ist sind die der das und ihr habt wie kya hai hain aap ka ki ke")
_STOP = frozenset(_STOP_WORDS.split())
# Small words that give a question's language away (a guess for when the caller gives none).
_MARKER_WORDS = {
    "es": "el la los las es son de del que cuál cual qué su sus tienen hay cómo igualan "
          "política devoluciones envío horario tienda",
    "fr": "le la les est sont vous votre vos quel quelle quels quelles du des politique "
          "retour horaires magasin alignez",
    "de": "der die das ist sind wie was wann eure ihr ihre habt dauert hat laden geöffnet "
          "rückgabe versand",
    "hi": "kya hai hain kab kaise kitne aap mujhe mera meri ka ki ke"}
_MARKERS = {lang: frozenset(words.split()) for lang, words in _MARKER_WORDS.items()}


def _words(text: str) -> list[str]:
    """Words without accents (Devanagari kept), plurals folded."""
    folded = "".join(c for c in unicodedata.normalize("NFKD", text.lower())
                     if not unicodedata.combining(c))
    return [stem(w) for w in _WORD.findall(folded) if len(w) > 2 and w not in _STOP]


def _score(question: list[str], keywords: set[str], weight: dict[str, float]) -> float:
    """How well a section's keywords cover the question, rarer keywords counting for more."""
    score = 0.0
    for word in question:
        if word in keywords:
            score += weight[word]
        elif len(word) > 4 and (near := max(keywords, key=lambda k: fuzz.ratio(word, k))) and (
                fuzz.ratio(word, near) >= FUZZY_MIN):
            score += 0.8 * weight[near]
    return score


def _weights(sections: list[set[str]]) -> dict[str, float]:
    """Each keyword's weight: a word every store section has ("store") tells little."""
    counts = Counter(word for keywords in sections for word in keywords)
    return {word: math.log(1 + len(sections) / n) for word, n in counts.items()}


async def seed_policy(store: Store) -> int:
    """Store the demo shop's policy document, unless one is there; how many were written."""
    return await store.insert_new("policies", [policy_document()])


def guess_language(question: str) -> str:
    """The question's language from its small words, when the caller does not say it."""
    words = set(_WORD.findall(question.lower()))
    hits = {lang: len(words & markers) for lang, markers in _MARKERS.items()}
    best = max(hits, key=lambda lang: hits[lang])
    return best if hits[best] else "en"


async def search_policy(ctx: ToolContext, question: str,
                        language: str | None = None) -> dict[str, Any]:
    """Find the shop's rules that answer a question; read-only, it prepares nothing.

    The policy covers returns, shipping, payment methods, price match, loyalty tiers,
    warranty, and store hours and addresses.

    Args:
        question: The customer's question, in their words and language.
        language: The language to answer in: en, es, fr, de or hi; guessed if omitted.
    """
    document = await ctx.store.policies.find_one({"_id": SHOP_ID})
    if document is None:
        return {"type": "policy", "sections": [], "language": language or "en"}
    lang = language if language in LANGUAGES else guess_language(question)
    asked = _words(question[:500])
    keywords = [set(_words(s["keywords"])) for s in document["sections"]]
    weight = _weights(keywords)
    scored = sorted(((_score(asked, k, weight), i, s)
                     for i, (k, s) in enumerate(zip(keywords, document["sections"], strict=True))),
                    key=lambda row: (-row[0], row[1]))
    best = scored[0][0] if scored else 0
    # The best section, and the next when it answers a good part of the question too ("cards,
    # and your hours": payment and hours).
    kept = [s for score, _, s in scored if score and score >= best * KEEP_RATIO][:MAX_SECTIONS]
    tied = [s for score, _, s in scored if best and score == best and s["key"].startswith("store-")]
    if len(tied) > 1:  # no one store named ("what stores do you have?"): the list of them all
        kept = [s for s in document["sections"] if s["key"] == "stores"] or kept
    if any(s["key"].startswith("store-") for s in kept):  # a store's section has its hours
        kept = [s for s in kept if s["key"] != "hours"]
    return {"type": "policy", "language": lang, "sections": [
        {"key": s["key"], "text": s["text"].get(lang) or s["text"]["en"]} for s in kept]}
