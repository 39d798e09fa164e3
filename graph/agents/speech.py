"""What the offline replies share: the customer's language, its messages, lists said in words."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from babel.lists import format_list

from graph.agents.base import Turn
from tools.call_time import LOCALES

LANGUAGES = ("en", "es", "fr", "de", "hi")


def said_language(turn: Turn) -> str | None:
    """The customer's language as the session memory (`graph.memory`) keeps it, if it does."""
    memory: dict[str, Any] = getattr(turn, "memory", None) or {}
    language = memory.get("language")
    return language if language in LANGUAGES else None


def language_of(turn: Turn) -> str:
    """The customer's language, English when the memory does not say."""
    return said_language(turn) or "en"


def gettext_of(turn: Turn) -> Callable[[str], str]:
    """The turn's message catalogue (`graph.i18n`), or the English text as written."""
    translate: Callable[[str], str] | None = getattr(turn, "gettext", None)
    return translate or (lambda text: text)


def names(items: list[dict[str, Any]], language: str = "en",
          style: Literal["or", "standard"] = "or") -> str:
    """Item names as a person lists them in the customer's language: "A, B, or C"."""
    labels = [str(i["name"]) for i in items]
    if len(labels) <= 1:
        return "".join(labels)
    return format_list(labels, style=style, locale=LOCALES.get(language, "en_US"))


def counted(items: list[dict[str, Any]], language: str = "en") -> str:
    """Lines with their quantities: "2 Apple Mouse 6 Pro and Sennheiser Sport 9"."""
    parts = [{"name": f"{i['quantity']} {i['name']}" if i.get("quantity", 1) != 1 else i["name"]}
             for i in items]
    return names(parts, language, "standard")
