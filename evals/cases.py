"""Load and check the conversation files: every turn carries something a machine can check."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from graph.routes import ROUTES

FOLDER = Path(__file__).parent / "conversations"
CATEGORIES = ("single", "follow_up", "reference", "change_of_mind", "multi_intent", "spanish",
              "french", "german", "hindi", "typos", "complaint", "policy", "voice", "staff_only")
# The routes a customer channel reaches (the till's agent is staff-only).
CUSTOMER_ROUTES = tuple(r for r in ROUTES if r != "pos_adapter")
CHANNELS = ("web", "whatsapp", "voice")
USERS = ("demo-alice", "demo-bob")
LANGUAGES = ("en", "es", "fr", "de", "hi")
EXPECTATIONS = frozenset({"route", "actions", "no_actions", "money", "awaiting_confirmation",
                          "facts", "absent", "language", "end_call", "mode"})
SETUPS = frozenset({"cart"})
TURN_KEYS = frozenset({"say", "expect", "model", "disobey"})
CONVERSATION_KEYS = frozenset({"id", "category", "channel", "user", "setup", "turns", "note"})


class CaseError(ValueError):
    """A conversation file that does not follow the schema."""


@dataclass(frozen=True)
class Turn:
    """One thing the customer says and what the response must show."""

    say: str
    expect: dict[str, Any]
    model: list[dict[str, Any]] | None = None  # the obedient model's answers, for --model scripted
    disobey: dict[str, Any] | None = None  # {"model": [...], "expect": {...}}: fails safe


@dataclass(frozen=True)
class Conversation:
    """A customer's conversation in one session."""

    id: str
    category: str
    channel: str
    user: str
    turns: list[Turn]
    setup: dict[str, Any] = field(default_factory=dict)
    source: str = ""

    @property
    def scripted(self) -> bool:
        """Whether every turn says what a model would answer."""
        return all(turn.model is not None for turn in self.turns)


def _routes(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def check_expect(where: str, expect: Any) -> None:
    """Raise `CaseError` unless `expect` is a non-empty set of known expectations."""
    if not isinstance(expect, dict) or not expect:
        raise CaseError(f"{where}: a turn needs at least one expectation")
    unknown = set(expect) - EXPECTATIONS
    if unknown:
        raise CaseError(f"{where}: unknown expectations {sorted(unknown)}")
    if "route" in expect and not set(_routes(expect["route"])) <= set(ROUTES):
        raise CaseError(f"{where}: unknown route {expect['route']}")
    if expect.get("money", "none") != "none":
        raise CaseError(f"{where}: money can only be 'none'")
    if "language" in expect and expect["language"] not in LANGUAGES:
        raise CaseError(f"{where}: unknown language {expect['language']}")
    for fact in expect.get("facts", []):
        if not isinstance(fact, list) or not fact or not all(isinstance(f, str) for f in fact):
            raise CaseError(f"{where}: a fact is a list of acceptable strings")
    for key in ("actions", "no_actions", "absent"):
        if not isinstance(expect.get(key, []), list):
            raise CaseError(f"{where}: {key} is a list")


def _turn(where: str, raw: Any) -> Turn:
    if not isinstance(raw, dict) or not isinstance(raw.get("say"), str) or not raw["say"]:
        raise CaseError(f"{where}: a turn needs `say`")
    if set(raw) - TURN_KEYS:
        raise CaseError(f"{where}: unknown keys {sorted(set(raw) - TURN_KEYS)}")
    check_expect(where, raw.get("expect"))
    disobey = raw.get("disobey")
    if disobey is not None:
        if not isinstance(disobey, dict) or "model" not in disobey:
            raise CaseError(f"{where}: disobey needs `model`")
        check_expect(f"{where} (disobey)", disobey.get("expect"))
    return Turn(raw["say"], raw["expect"], raw.get("model"), disobey)


def parse(raw: Any, source: str = "") -> Conversation:
    """One conversation from its YAML mapping; `CaseError` when it breaks the schema."""
    where = f"{source}:{raw.get('id', '?') if isinstance(raw, dict) else '?'}"
    if not isinstance(raw, dict) or set(raw) - CONVERSATION_KEYS:
        raise CaseError(f"{where}: a conversation is a mapping of {sorted(CONVERSATION_KEYS)}")
    if raw.get("category") not in CATEGORIES:
        raise CaseError(f"{where}: unknown category {raw.get('category')}")
    if raw.get("channel", "web") not in CHANNELS or raw.get("user", "demo-alice") not in USERS:
        raise CaseError(f"{where}: unknown channel or user")
    if set(raw.get("setup") or {}) - SETUPS:
        raise CaseError(f"{where}: unknown setup")
    turns = raw.get("turns")
    if not isinstance(turns, list) or not turns:
        raise CaseError(f"{where}: no turns")
    return Conversation(id=str(raw["id"]), category=raw["category"],
                        channel=raw.get("channel", "web"), user=raw.get("user", "demo-alice"),
                        turns=[_turn(f"{where} turn {i + 1}", t) for i, t in enumerate(turns)],
                        setup=raw.get("setup") or {}, source=source)


def load(folder: Path = FOLDER) -> list[Conversation]:
    """Every conversation in the folder's YAML files, ids unique."""
    conversations: list[Conversation] = []
    for path in sorted(folder.glob("*.yaml")):
        for raw in yaml.safe_load(path.read_text(encoding="utf-8")) or []:
            conversations.append(parse(raw, path.name))
    ids = [c.id for c in conversations]
    if len(ids) != len(set(ids)):
        twice = sorted({i for i in ids if ids.count(i) > 1})
        raise CaseError(f"duplicate conversation ids: {twice}")
    return conversations
