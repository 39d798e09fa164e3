"""What the offline replies share: the customer's language and things said in words."""

from __future__ import annotations

from typing import Any

from graph.agents.base import Turn

LANGUAGES = ("en", "es", "fr", "de", "hi")


def said_language(turn: Turn) -> str | None:
    """The customer's language as the session memory (`graph.memory`) keeps it, if it does."""
    memory: dict[str, Any] = getattr(turn, "memory", None) or {}
    language = memory.get("language")
    return language if language in LANGUAGES else None


def language_of(turn: Turn) -> str:
    """The customer's language, English when the memory does not say."""
    return said_language(turn) or "en"


def names(items: list[dict[str, Any]], conjunction: str = "or") -> str:
    """Item names as a person lists them: "A", "A or B", "A, B or C"."""
    labels = [str(i["name"]) for i in items]
    if len(labels) <= 1:
        return "".join(labels)
    return f"{', '.join(labels[:-1])} {conjunction} {labels[-1]}"


def counted(items: list[dict[str, Any]]) -> str:
    """Lines with their quantities: "2 Apple Mouse 6 Pro and 1 Sennheiser Sport 9"."""
    parts = [f"{i['quantity']} {i['name']}" if i.get("quantity", 1) != 1 else str(i["name"])
             for i in items]
    if len(parts) <= 1:
        return "".join(parts)
    return f"{', '.join(parts[:-1])} and {parts[-1]}"
