"""Route a message offline: a linear model over our own examples, sharpened by a few rules."""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import cast

import numpy as np
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from graph.routes import Route
from graph.routing_examples import Example, examples

_Analyzer = Callable[[str], Iterable[str]]
_LATIN_MARKS = re.compile("[\u0300-\u036f]")
# The classifier reads a message's first characters: what is asked is said early, and its cost
# (character n-grams) then stays flat for longer messages (README, Reliability A12).
CLASSIFIED_CHARS = 1000

# Identifiers carry no meaning of their own: as placeholders (matched on lower-cased text), one
# seen in training stands for all.
_PLACEHOLDERS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\bord-?\d+\b"), " ordid "),
    (re.compile(r"\btx-?\d+\b"), " txid "),
    (re.compile(r"\binv-?\d+\b"), " invid "),
    (re.compile(r"\b[a-z]{3}-?\d{5}\b"), " skuid "),
    (re.compile(r"\+\d[\d -]{6,}\d"), " phonenum "),
    # An amount starts where its run of digits and commas starts: linear on "1,1,1,...".
    (re.compile(r"[$€£]\s?\d[\d,]*+(?:\.\d+)?"
                r"|(?<![\d,]),*+\b\d[\d,]*+(?:\.\d+)?\s?(?:dollars|bucks|usd)\b"), " amount "),
)

# (pattern on the normalised text, route, boost): the boost is added to the model's probability
# for that route, so a boost of 1 all but overrides the model; a smaller one settles close calls.
# "A before B" rules find the first A once (an atomic group) and then look for B after it, rather
# than trying every A in turn: linear on a message that repeats A (README, Reliability A12).
_RULE_SOURCES: tuple[tuple[str, Route, float], ...] = (
    # An order id with a tracking word, unless money or a return is what is asked about.
    (r"^(?!.*\b(pay|paid|refund|return|invoice|warranty|bill|charge))"
     r"(?:(?>.*?\bordid\b).*\b(where|track|status|arriv|deliver|ship|dispatch)"
     r"|(?>.*?\b(where|track|status)\b).*\bordid\b)", "fulfillment", 1.0),
    (r"\b(call|ring|phone|bell)\s+(me|us)\b|\bcall[- ]?backs?\b"
     r"|\bgive (me|us) an? (call|ring|bell)\b|\b(schedul|book|arrang)\w* (a |my )?(phone )?call",
     "proactive_call", 1.0),
    (r"\b(human|real person|live (agent|person)|representative|operator)\b", "handoff", 1.0),
    (r"\b(speak|talk|chat)\w* (to|with) (an? |your )?(agent|person|someone|somebody|manager)",
     "handoff", 1.0),
    # "till" is a cash register after an article or with a number; "how long till" is "until".
    (r"\btxid\b|^till\b|\b(the|a|our|each|every|that|this|which|my) till\b|\btills\b"
     r"|\btill (number|no|#|\d)|\b(cash|store|shop) registers?\b|\bregisters? \d|\bpos\b"
     r"|\bpoint[- ]of[- ]sale\b|\bterminal \d|\bring(ing)? (it |this |them )?up\b",
     "pos_adapter", 1.0),
    (r"\b(loyalty|points?|rewards?|newsletter|coupons?|vouchers?|promo)\b", "loyalty", 0.6),
    (r"\b(in|out of|back in) stock\b|\brestock", "inventory", 0.6),
    (r"(?m)^(?:(?>.*?\bskuid\b).*\b(stock|availab)|(?>.*?\b(stock|availab))\w*\b.*\bskuid\b)",
     "inventory", 1.0),
    (r"\binvoices?\b", "payment", 0.6),
    (r"\b(refunds?|warranty|reimburs\w*)\b", "post_purchase", 0.6),
    (r"\b(password|log ?in|sign ?up)\b", "general", 0.4),
)
_RULES = tuple((re.compile(pattern), route, boost) for pattern, route, boost in _RULE_SOURCES)


def normalise(text: str) -> str:
    """Lower-case a message, drop Latin accents, replace order ids, SKUs, amounts and phones.

    Customers often type without accents ("esta disponible", "ou est ma commande"): with the
    accents dropped on both sides, "está" and "esta" are one word to the classifier. Only the
    Latin combining marks go; Devanagari's vowel signs are letters and stay.
    """
    text = _LATIN_MARKS.sub("", unicodedata.normalize("NFKD", text.lower()))
    text = unicodedata.normalize("NFC", text)
    for pattern, placeholder in _PLACEHOLDERS:
        text = pattern.sub(placeholder, text)
    return text


class RouteClassifier:
    """Predict a route and a confidence for one message, without a network or a model server.

    Scores are computed straight from the fitted vocabularies and weights rather than through
    scikit-learn's `transform`, whose per-call validation costs more than the arithmetic; and in
    plain Python, not numpy: for the hundred or so features of a message, numpy's per-call
    overhead is most of a turn's routing cost (0.61 against 0.44 ms added to a turn).
    """

    def __init__(self, vectorizers: Sequence[TfidfVectorizer], model: LogisticRegression) -> None:
        self._routes: tuple[Route, ...] = tuple(cast(Route, str(c)) for c in model.classes_)
        self._index = {route: i for i, route in enumerate(self._routes)}
        self._intercept: tuple[float, ...] = tuple(float(b) for b in model.intercept_)
        # Per block of features: its analyzer, and for each feature its idf and the class
        # weights times that idf, so that scoring a feature is adding its row.
        self._blocks: list[tuple[_Analyzer, dict[str, tuple[float, tuple[float, ...]]]]] = []
        start = 0
        for vectorizer in vectorizers:
            vocabulary: dict[str, int] = vectorizer.vocabulary_
            idf = np.asarray(vectorizer.idf_, dtype=np.float64)
            weights = model.coef_[:, start:start + len(vocabulary)].T * idf[:, None]
            self._blocks.append((vectorizer.build_analyzer(), {
                term: (float(idf[i]), tuple(weights[i].tolist()))
                for term, i in vocabulary.items()}))
            start += len(vocabulary)

    def _probabilities(self, text: str) -> list[float]:
        """The model's probability for each route, as `predict_proba` would give it."""
        logits = list(self._intercept)
        for analyzer, features in self._blocks:
            counts = Counter(t for t in analyzer(text) if t in features)
            if not counts:
                continue
            rows: list[tuple[float, ...]] = []
            squares = 0.0
            for term, count in counts.items():  # sublinear tf, then each block L2-normalised
                idf, row = features[term]
                tf = 1.0 + math.log(count)
                rows.append(row if count == 1 else tuple(tf * w for w in row))
                squares += (tf * idf) ** 2
            norm = math.sqrt(squares)
            logits = [logit + sum(column) / norm
                      for logit, column in zip(logits, zip(*rows, strict=True), strict=True)]
        top = max(logits)
        exp = [math.exp(logit - top) for logit in logits]
        total = sum(exp)
        return [e / total for e in exp]

    def scores(self, text: str) -> dict[Route, float]:
        """Each route's share of the model's probabilities plus rule boosts (they sum to 1).

        Args:
            text: The customer's message.
        """
        # Cut again once normalised: placeholders are longer than the "$1" they replace.
        text = normalise(text[:CLASSIFIED_CHARS])[:CLASSIFIED_CHARS]
        scores = self._probabilities(text)
        for pattern, route, boost in _RULES:
            if pattern.search(text):
                scores[self._index[route]] += boost
        total = sum(scores)
        return {route: score / total for route, score in zip(self._routes, scores, strict=True)}

    def predict(self, text: str) -> tuple[Route, float]:
        """Return the route for a message and a confidence in [0, 1].

        The confidence is the winning share of the model's probabilities plus rule boosts, so it
        drops when a rule and the model disagree.

        Args:
            text: The customer's message.
        """
        return best(self.scores(text))

    def predict_many(self, texts: Iterable[str]) -> list[tuple[Route, float]]:
        """Return `predict` for each message, in order.

        Args:
            texts: The customers' messages.
        """
        return [self.predict(text) for text in texts]


def best(scores: dict[Route, float]) -> tuple[Route, float]:
    """The top route of `scores` and its share of them (ties: the first route listed)."""
    route = max(scores, key=scores.__getitem__)
    return route, min(1.0, scores[route] / (sum(scores.values()) or 1.0))


def build_classifier(training: Sequence[Example] | None = None) -> RouteClassifier:
    """Train the classifier; the same result every time.

    Args:
        training: The examples to learn from; all of the project's own (`graph/examples`) when
            not given. Tests pass a part of them to measure on the rest.
    """
    training = examples() if training is None else training
    texts = [normalise(example.text) for example in training]
    labels = [example.route for example in training]
    vectorizers = [
        TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, lowercase=False),
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True,
                        lowercase=False),
    ]
    features = hstack([vectorizer.fit_transform(texts) for vectorizer in vectorizers]).tocsr()
    # saga trains in about a second on the five languages' examples. At a looser tolerance
    # (1e-2) the fit stopped early enough that adding one example moved Bitext's holdout by a
    # point; at 1e-3 it is settled (holdout 0.975), and lbfgs scores lower (0.949).
    model = LogisticRegression(C=20.0, solver="saga", tol=1e-3, max_iter=500, random_state=0)
    model.fit(features, labels)
    return RouteClassifier(vectorizers, model)
