"""Pass rates per route and per category, the gate, and the failing turns."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from evals.runner import NO_ROUTE, TurnOutcome

OVERALL_BAR = 0.95
CATEGORY_BAR = 0.85


def rates(outcomes: Sequence[TurnOutcome], key: str) -> dict[str, dict[str, Any]]:
    """Passed, total and rate of the turns grouped by `key` ("route" or "category")."""
    groups: dict[str, list[bool]] = defaultdict(list)
    for outcome in outcomes:
        groups[getattr(outcome, key)].append(outcome.passed)
    return {name: {"passed": sum(v), "turns": len(v), "rate": sum(v) / len(v)}
            for name, v in sorted(groups.items())}


def _failure(o: TurnOutcome) -> dict[str, Any]:
    """A failing turn: where, what was said, why it failed and what came back."""
    return {"conversation": o.conversation, "category": o.category, "turn": o.index,
            "say": o.say, "reasons": o.reasons, "agent_used": o.response.get("agent_used"),
            "reply": str(o.response.get("reply", ""))[:300]}


def summary(outcomes: Sequence[TurnOutcome], model: str) -> dict[str, Any]:
    """The numbers of a run, and whether it clears the bar."""
    passed = sum(o.passed for o in outcomes)
    overall = passed / len(outcomes) if outcomes else 0.0
    categories = rates(outcomes, "category")
    below = [name for name, row in categories.items() if row["rate"] < CATEGORY_BAR]
    routed = [o for o in outcomes if o.route != NO_ROUTE]
    routed_right = sum(not any(r.startswith("route:") for r in o.reasons) for o in routed)
    return {
        "routing": routed_right / len(routed) if routed else 0.0,
        "model": model, "conversations": len({(o.conversation, o.category) for o in outcomes}),
        "turns": len(outcomes), "passed": passed, "overall": overall,
        "by_category": categories, "by_route": rates(outcomes, "route"),
        "gate": {"overall_bar": OVERALL_BAR, "category_bar": CATEGORY_BAR,
                 "categories_below": below, "pass": overall >= OVERALL_BAR and not below},
        "failures": [_failure(o) for o in outcomes if not o.passed],
    }


def _table(title: str, rows: dict[str, dict[str, Any]]) -> list[str]:
    lines = [f"| {title} | passed | turns | rate |", "| --- | ---: | ---: | ---: |"]
    lines += [f"| {name} | {row['passed']} | {row['turns']} | {row['rate']:.0%} |"
              for name, row in rows.items()]
    return lines


def text(result: dict[str, Any], verbose: bool = False) -> str:
    """The report as Markdown tables, with the failing turns and their reasons when verbose."""
    lines = [f"make eval ({result['model']}): {result['conversations']} conversations, "
             f"{result['turns']} turns, {result['passed']} passed: {result['overall']:.1%}; "
             f"routed as expected: {result['routing']:.1%}", ""]
    lines += _table("category", result["by_category"]) + [""]
    lines += _table("route", result["by_route"]) + [""]
    gate = result["gate"]
    lines.append(f"gate: overall >= {gate['overall_bar']:.0%} and every category >= "
                 f"{gate['category_bar']:.0%}: {'pass' if gate['pass'] else 'FAIL'}"
                 + (f" (below: {', '.join(gate['categories_below'])})"
                    if gate["categories_below"] else ""))
    if verbose and result["failures"]:
        lines += ["", "failing turns:"]
        for f in result["failures"]:
            lines.append(f"- {f['conversation']} turn {f['turn']} ({f['category']}): "
                         f"{f['say']!r}")
            lines += [f"    {reason}" for reason in f["reasons"]]
            lines.append(f"    [{f['agent_used']}] {f['reply']!r}")
    return "\n".join(lines)
