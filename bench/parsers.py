"""Measure the worst pathological message against normal ones through the same offline turn."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Any

from app import tune_collector
from bench.common import Measure, demo_shop, median
from bench.http import MESSAGES, database
from graph.agents.base import Turn
from graph.builder import AGENTS, build_graph
from graph.classifier import RouteClassifier
from graph.extract import prefix
from graph.session import make_saver, run_turn

LENGTH = 4000  # the longest message /chat accepts (channels.web.MESSAGE_MAX)


# Messages built to make a backtracking parser re-read the text from each position: one of each
# shape that was quadratic (README, Reliability A12), and the shapes the issue names. Each is a
# start, a unit repeated to `LENGTH` characters, and an end; said once, the unit is the same
# request at a normal length, which makes the same tool calls.
SHAPES: dict[str, tuple[str, str, str]] = {
    "commas": ("redeem ", "1,", ""),
    "digits": ("redeem ", "1", ""),
    "dollars": ("", "$", ""),
    "dollar_digits": ("under ", "$1", ""),
    "brackets": ("", "[", "]"),
    "nested": ("", "([{", ""),
    "token": ("", "laptop ", ""),
    "spaces": ("under", " ", "x"),
    "order_ids": ("", "ord-1 ", ""),
    "skus": ("", "LAP-00001 ", ""),
    "tracking": ("", "where ", ""),
    "spend": ("", "spend ", ""),
    "links": ("", "[a](", ""),
}


def _filled(start: str, unit: str, end: str) -> str:
    """`start`, then `unit` repeated, then `end`: `LENGTH` characters in all."""
    return start + (unit * LENGTH)[:LENGTH - len(start) - len(end)] + end


PATHOLOGICAL = {name: _filled(*shape) for name, shape in SHAPES.items()}
ONCE = {name: "".join(shape).strip() for name, shape in SHAPES.items()}
NORMAL = "I need a laptop for coding under $1000, can you show me a few?"


def parse(classifier: RouteClassifier, text: str, now: datetime | None = None) -> list[Any]:
    """Every parser a turn of `text` could run offline: the classifier and each agent's plan."""
    turn = Turn(text=prefix(text), brief={"points": 0, "cart": {"items": 0, "total": 0.0},
                                          "orders": [], "open_orders": []},
                history=[], now=now or datetime.now(UTC))
    return [classifier.predict(text), *(agent.plan(turn) for agent in AGENTS.values())]


async def measure(rounds: int = 15) -> list[Measure]:
    """parsers: each pathological message's turn against the same request said once."""
    with database() as db:
        async with demo_shop(db.base, "bench_parsers") as services:
            saver = make_saver(services.store.db)
            await saver.setup()
            graph = build_graph(services).compile(checkpointer=saver)
            tune_collector()
            session = iter(range(10**9))

            async def timed(message: str) -> float:
                started = time.perf_counter()
                await run_turn(graph, customer_id="demo-alice", session_id=f"p{next(session)}",
                               message=message)
                return (time.perf_counter() - started) * 1000

            for message in [*MESSAGES, *PATHOLOGICAL.values(), *ONCE.values()]:  # warm up
                await timed(message)
            normal: list[float] = []
            bad: dict[str, list[float]] = {name: [] for name in PATHOLOGICAL}
            once: dict[str, list[float]] = {name: [] for name in PATHOLOGICAL}
            for _ in range(rounds):  # interleaved, so that drift hits every side alike
                for name, message in PATHOLOGICAL.items():
                    normal.append(await timed(MESSAGES[len(normal) % len(MESSAGES)]))
                    once[name].append(await timed(ONCE[name]))
                    bad[name].append(await timed(message))
    ratios = {name: median(bad[name]) / median(once[name]) for name in PATHOLOGICAL}
    worst = max(ratios, key=ratios.__getitem__)
    typical = median(normal)
    each = ", ".join(f"{name} {ratio:.2f}x ({median(bad[name]) / typical:.2f}x)"
                     for name, ratio in ratios.items())
    return [Measure(
        "parsers", median(bad[worst]), median(once[worst]), ratios[worst], 3.0, "ms p50",
        f"an offline turn (`run_turn`: classifier, agent, planner, tools, checkpoint) of the "
        f"worst of {len(PATHOLOGICAL)} pathological {LENGTH}-character messages ({worst}) vs "
        f"the same request said once at a normal length (the same tool calls), {rounds} of "
        f"each interleaved. Planners read the first 2,000 characters, the classifier the first "
        f"1,000. Each, and in brackets against the median of the {len(MESSAGES)} normal kinds "
        f"of `bench.http` ({typical:.1f} ms; a search for a word the catalogue lacks costs "
        f"more than those whatever its length): {each}")]


if __name__ == "__main__":
    for row in asyncio.run(measure()):
        print(row.as_json())
