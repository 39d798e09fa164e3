"""Route a message that refers back: the classifier's scores weighed with the session's memory.

A follow-up ("which of those has the most RAM?", "is it in stock downtown?", "where is it
now?") names its subject by a reference, not by its words, so the classifier alone reads only
what is asked. What it refers to is in the memory: the product in focus or the last list when a
product agent answered last, the order in focus when an order agent did. The router then scales
down the routes that act only on the other kind of subject (an order's, for a product) and adds
a prior for the agent whose topic is open. The cues that a message refers back, and the
words that name an order outright, are data files per language (`graph/cues`).
"""

from __future__ import annotations

import functools
import re
from typing import Literal

from graph.extract import category
from graph.language import LANGUAGES, Language
from graph.memory import Memory
from graph.routes import Route
from graph.routing_examples import EXAMPLES_DIR as _EXAMPLES
from graph.routing_examples import read_lines

CUES_DIR = _EXAMPLES.with_name("cues")
Subject = Literal["product", "order"]
CueKind = Literal["refer", "order", "join", "ask", "courtesy", "closing", "pay", "redeem",
                  "price"]
# The routes that act only on the other kind of subject: a product's questions are not an
# order's (where it is, returning it), an order's are not a product's (its specs, its stock).
# Every other route fits either: points, payment, a call, a person, a thank-you are asked for
# whatever is in focus.
UNFITS: dict[Subject, frozenset[Route]] = {
    "product": frozenset({"fulfillment", "post_purchase"}),
    "order": frozenset({"recommendation", "inventory"}),
}
_PRODUCT_AGENTS: frozenset[Route] = frozenset({"recommendation", "inventory", "payment"})
_ORDER_AGENTS: frozenset[Route] = frozenset({"fulfillment", "post_purchase"})
# How much a route that cannot act on the subject keeps of its score, and the open topic's
# prior: a quarter, so that a sure classifier still wins ("is it possible to cancel my order"
# after a list is a fresh request), and 0.3, to settle close calls. Chosen before the
# conversation cases of tests/test_route_context.py were run, which measure them (0.97 of 64).
UNFIT = 0.25
TOPIC_PRIOR = 0.3
# A short message the classifier is unsure of ("until when exactly?", "ok and who's the
# carrier", "how much is that worth?") leaves its subject to the conversation: the open topic
# weighs double. A short message that says what it wants ("track my order", "any offers?") is
# one the classifier is sure of, and stays a fresh request.
ELLIPTIC_WORDS = 6
UNSURE = 0.6
ELLIPTIC_PRIOR = 2 * TOPIC_PRIOR
_PRODUCT_TOPICS: frozenset[Route] = frozenset({"recommendation", "inventory"})
_PUNCTUATION = " ¡¿!?,.;:-"
_SKU = re.compile(r"\b[A-Za-z]{3}-\d{5}\b")
_ORDER_ID = re.compile(r"\bord(?:er)?[\s#-]*\d{3,8}\b", re.IGNORECASE)
_WARRANTY = re.compile(r"warrant|guarant|garant|वारंटी", re.IGNORECASE)
_RULES = re.compile(r"\b(polic\w*|rules?|terms|pol[ií]tica|politique|richtlinie\w*)\b",
                    re.IGNORECASE)


@functools.cache
def cues(kind: CueKind, language: Language) -> re.Pattern[str]:
    """One pattern matching any cue of `graph/cues/<kind>.<language>.txt` as whole words.

    English cues count in every language: customers mix them in ("the second one", "ok").
    """
    words = set(read_lines(CUES_DIR / f"{kind}.{language}.txt"))
    if kind != "join":
        words |= set(read_lines(CUES_DIR / f"{kind}.en.txt"))
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<![\w'-])(?:{alternatives})(?![\w'-])", re.IGNORECASE)


def refers_back(text: str, language: Language) -> bool:
    """Whether the message points back at something: a pronoun, an ordinal, a comparative."""
    return cues("refer", language if language in LANGUAGES else "en").search(text) is not None


def request_part(text: str, language: Language) -> str:
    """The message without the thanks or greeting it opens with, when a request follows.

    "Danke, und wie viel kostet sie?" asks a price: the thanks is manners, not a request for
    the general agent. A courtesy said alone ("merci", "hola") is kept: it is the message.
    """
    pattern = cues("courtesy", language if language in LANGUAGES else "en")
    rest = text.lstrip(_PUNCTUATION)
    while (match := pattern.match(rest)) is not None and match.end():
        rest = rest[match.end():].lstrip(_PUNCTUATION)
    return rest if len(re.findall(r"\w+", rest)) >= 2 else text


def subject(text: str, language: Language, memory: Memory) -> Subject | None:
    """What the message is about: an order or a product it names, else what the memory holds.

    The memory's subject is the one of the agent that answered last: a warranty question after a
    list of laptops is about a laptop, after an order's status about that order. After another
    agent, it is what the memory holds, when it holds a product or an order but not both.
    """
    if _ORDER_ID.search(text) or cues("order", language).search(text):
        return "order"
    if _SKU.search(text):
        return "product"
    # The open topic says what the talk is about, even when its last answer found nothing.
    topic = memory.get("topic")
    if topic in _ORDER_AGENTS:
        return "order"
    if topic in _PRODUCT_AGENTS:
        return "product"
    has_product = bool(memory.get("focus") or (memory.get("listing") or {}).get("items"))
    has_order = bool(memory.get("order"))
    if has_product != has_order:
        return "product" if has_product else "order"
    return None


def elliptical(text: str, language: Language, confidence: float) -> bool:
    """A short message the classifier is unsure of, which is not only thanks or a goodbye."""
    language = language if language in LANGUAGES else "en"
    if len(re.findall(r"\w+", text)) > ELLIPTIC_WORDS or confidence >= UNSURE:
        return False
    return not any(cues(kind, language).fullmatch(text.strip(_PUNCTUATION))
                   for kind in ("courtesy", "closing"))


def weigh(scores: dict[Route, float], about: Subject | None, topic: Route | None,
          prior: float = TOPIC_PRIOR) -> dict[Route, float]:
    """The classifier's scores with the memory's say: unfit routes scaled, the topic favoured."""
    unfit = UNFITS[about] if about is not None else frozenset()
    weighed = {route: score * (UNFIT if route in unfit else 1.0)
               for route, score in scores.items()}
    if topic is not None and topic in weighed and topic != "general" and topic not in unfit:
        weighed[topic] += prior
    total = sum(weighed.values()) or 1.0
    return {route: score / total for route, score in weighed.items()}


def product_warranty(text: str, language: Language, memory: Memory) -> bool:
    """A warranty question while a product is what the talk is about: that product's warranty.

    "How long is the warranty?" after a product shown asks its own months, not the shop's
    policy; "what's your warranty policy?" still asks the policy.
    """
    return (bool(_WARRANTY.search(text)) and not _RULES.search(text)
            and bool(memory.get("focus")) and memory.get("topic") in _PRODUCT_AGENTS
            and subject(text, language, memory) == "product")


def product_price(text: str, language: Language, memory: Memory, confidence: float) -> bool:
    """A price question while a product is what the talk is about: that product's price.

    "How much is it?" after a stock check, "how much is the Nikon?" after a list of cameras.
    A price of something else is one the classifier is sure of ("how much is shipping for it?").
    """
    language = language if language in LANGUAGES else "en"
    return (confidence < UNSURE and cues("price", language).search(text) is not None
            and memory.get("topic") in _PRODUCT_TOPICS
            and bool(memory.get("focus") or (memory.get("listing") or {}).get("items")))


def asks_price_alone(text: str, language: Language) -> bool:
    """A short price question naming no kind of product: "¿cuánto cuesta?", "was kostet die?"."""
    language = language if language in LANGUAGES else "en"
    return (len(re.findall(r"\w+", text)) <= ELLIPTIC_WORDS
            and cues("price", language).search(text) is not None and category(text) is None)
