"""Tell a question about the shop's rules from a request, and keep its follow-ups with it.

"Do you price match?", "can I pay cash in the store?", "how long does shipping usually take?"
ask what the shop's policy says, not for a payment, a delivery estimate or a product list: an
agent with `search_policy` answers them from it and prepares nothing (general, payment,
post-purchase; a question another agent would get goes to the general agent). The cues are
data files per language (`graph/cues/policy.<lang>.txt`; English cues count in every language).
The turn after a policy answer carries on with it when it opens as a follow-up does ("and
express?", "does that apply to laptops too?": `graph/cues/follow.<lang>.txt`) or refers back.
"""

from __future__ import annotations

import functools
import re
from typing import cast

from graph.language import Language
from graph.memory import Memory
from graph.route_context import CUES_DIR, refers_back
from graph.routes import Route
from graph.routing_examples import read_lines

# The agents that answer from the policy (they have `search_policy`): a policy question the
# classifier gives one of them stays there (a payment question with the payment agent, which
# then prepares nothing); any other goes to the general agent.
ANSWERS_POLICY: frozenset[Route] = frozenset({"general", "payment", "post_purchase"})
# An order id, a SKU or a postcode names something to act on: "can I return ORD-1001" and "how
# long would delivery take to 10001?" are requests (a return, an estimate), not the rules.
_NAMED = re.compile(r"\bord(?:er)?[\s#-]*\d{3,8}\b|\b[A-Za-z]{3}-\d{5}\b|\b\d{5}(?:-\d{4})?\b",
                    re.IGNORECASE)


def _lines(kind: str, language: str) -> set[str]:
    """The cues of one kind in a language and in English; a language without a file has none."""
    found: set[str] = set()
    for lang in {language, "en"}:
        path = CUES_DIR / f"{kind}.{lang}.txt"
        if path.exists():
            found |= {line.lower() for line in read_lines(path)}
    return found


@functools.cache
def _pattern(kind: str, language: str, anchored: bool) -> re.Pattern[str]:
    words = sorted(_lines(kind, language), key=len, reverse=True)
    alternatives = "|".join(re.escape(w) for w in words) or r"(?!x)x"
    start = r"^\W*" if anchored else r"(?<![\w'-])"
    return re.compile(rf"{start}(?:{alternatives})(?![\w'-])", re.IGNORECASE)


def asks_policy(text: str, language: str) -> bool:
    """Whether the message asks what a rule of the shop is (and names no order or product)."""
    if _NAMED.search(text):
        return False
    return _pattern("policy", language, False).search(text) is not None


def follows_policy(text: str, language: str, memory: Memory) -> bool:
    """Whether the message carries on with the policy answer of the turn before.

    The follow-up stays with the agent that answered (the memory's topic).
    """
    if (memory.get("topic") not in ANSWERS_POLICY or not memory.get("policy")
            or _NAMED.search(text)):
        return False
    return (_pattern("follow", language, True).search(text) is not None
            or refers_back(text, cast(Language, language)) or asks_policy(text, language))


def policy_question(text: str, memory: Memory) -> str:
    """The question to search the policy with: a follow-up carries the sections it follows.

    "and express?" alone finds nothing; with the section it follows ("shipping") it finds the
    express times.
    """
    return " ".join([text[:500], *(key.replace("_", " ") for key in memory.get("policy", []))])
