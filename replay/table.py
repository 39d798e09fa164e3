"""The replay's report as a table a person reads in a terminal."""

from __future__ import annotations

from typing import Any

WIDTH = 38  # characters of the customer's words shown in a row


def _short(text: str, width: int = WIDTH) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _money(cents: int) -> str:
    return f"{cents / 100:,.2f}"


def _actions(side: dict[str, Any] | None) -> str:
    return "; ".join(side["actions"]) if side and side["actions"] else "-"


def table(report: dict[str, Any]) -> str:
    """Turn by turn where the versions differ, then the sums and the funnel of each version."""
    period = report["period"]
    lines = [f"Replay of {period['start']} to {period['end']}"
             f"{' on ' + period['channel'] if period['channel'] else ''}: "
             f"original vs {report['version']}", ""]
    for conversation in report["conversations"]:
        lines.append(f"{conversation['channel']} {conversation['user_id']} "
                     f"(from {conversation['started_at']})")
        lines.append(f"  {'#':>3}  {'customer said':<{WIDTH}}  {'route was':<16}"
                     f"{'route now':<16}differs")
        for turn in conversation["turns"]:
            if turn["held"]:
                lines.append(f"  {turn['index']:>3}  {_short(turn['text']):<{WIDTH}}  "
                             "(a person had the conversation: not replayed)")
                continue
            was, now = turn["original"], turn["replay"]
            lines.append(f"  {turn['index']:>3}  {_short(turn['text']):<{WIDTH}}  "
                         f"{str(was['route']):<16}{str(now['route']):<16}"
                         f"{', '.join(turn['differs']) or '-'}")
            if turn.get("said", turn["text"]) != turn["text"]:  # a tap on the replay's terms
                lines.append(f"       tapped the replay's own terms: {turn['said']}")
            if "actions" in turn["differs"] or "money" in turn["differs"]:
                lines.append(f"       was: {_actions(was)} [{_money(was['money_cents'])}]")
                lines.append(f"       now: {_actions(now)} [{_money(now['money_cents'])}]")
        lines.append("")
    summary = report["summary"]
    differ = summary["differ"]
    lines += [
        f"{_count(summary['conversations'], 'conversation')}, "
        f"{_count(summary['turns'], 'turn')} replayed "
        f"({summary['held_turns']} held by a person); {summary['turns_differing']} differ: "
        f"route {differ['route']}, actions {differ['actions']}, money {differ['money']}",
        f"charged: original {_money(summary['money_cents']['original'])}, "
        f"replay {_money(summary['money_cents']['replay'])}", "",
        f"{'funnel':<20}{'original':>10}{'replay':>10}"]
    funnel = summary["funnel"]
    lines += [f"{step.replace('_', ' '):<20}{funnel['original'][step]:>10}"
              f"{funnel['replay'][step]:>10}" for step in funnel["original"]]
    return "\n".join(lines)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
