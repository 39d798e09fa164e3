"""The route classifier's examples: data files the project writes, one per route and language.

`graph/examples/<route>.<lang>.txt` holds what customers say for that route in that language, one
message a line (`#` starts a comment). Every example is our own: the Bitext utterances measure
the classifier (`bench.routing_eval`) and never train it.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import NamedTuple, cast

from graph.language import LANGUAGES, Language
from graph.routes import ROUTES, Route

EXAMPLES_DIR = Path(__file__).with_name("examples")


class Example(NamedTuple):
    """One message a customer might send, the route it takes and its language."""

    text: str
    route: Route
    language: Language


def read_lines(path: Path) -> list[str]:
    """The non-empty, non-comment lines of a data file, stripped."""
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("#")]


@functools.cache
def examples() -> tuple[Example, ...]:
    """Every example, by route then language, in file order (so training is repeatable)."""
    found: list[Example] = []
    for route in ROUTES:
        for language in LANGUAGES:
            path = EXAMPLES_DIR / f"{route}.{language}.txt"
            if path.exists():
                found.extend(Example(text, route, cast(Language, language))
                             for text in read_lines(path))
    return tuple(found)


def split(every: int = 5) -> tuple[list[Example], list[Example]]:
    """Train and held-out examples: every `every`-th line of each file is held out.

    The split is by position, fixed, so a measurement on the held-out part is repeatable and
    never chosen by looking at results.
    """
    train: list[Example] = []
    held: list[Example] = []
    counters: dict[tuple[Route, Language], int] = {}
    for example in examples():
        key = (example.route, example.language)
        counters[key] = counters.get(key, 0) + 1
        (held if counters[key] % every == 0 else train).append(example)
    return train, held
