"""Bar charts drawn on the server as SVG, each bar with its number beside it (no script)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

ROW = 22  # pixels a bar's row takes
LABEL = 150  # pixels left of the bars for their labels
NUMBER = 90  # pixels right of the longest bar for its number


def _number(value: float, unit: str) -> str:
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return f"{text} {unit}".strip()


def bar_chart(rows: Sequence[tuple[str, float]], *, title: str, unit: str = "",
              width: int = 480) -> str:
    """An accessible horizontal bar chart of `rows` (label, value), the value written beside.

    Args:
        rows: The bars, top to bottom; negative values are drawn as empty bars.
        title: What the chart shows; its accessible name.
        unit: Written after each number (e.g. "ms", "%", "USD").
        width: The chart's width in pixels.

    Returns:
        An `<svg>` element, every text escaped, to embed in a page as it is.
    """
    span = max(width - LABEL - NUMBER, 10)
    top = max((value for _, value in rows), default=0) or 1
    height = ROW * len(rows) + 28
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" '
             f'height="{height}" viewBox="0 0 {width} {height}" class="chart">',
             f"<title>{escape(title)}</title>",
             f'<text x="0" y="16" font-weight="bold">{escape(title)}</text>']
    for i, (label, value) in enumerate(rows):
        y = 28 + i * ROW
        length = round(max(value, 0) / top * span, 1)
        parts += [
            f'<text x="{LABEL - 6}" y="{y + 15}" text-anchor="end">{escape(str(label))}</text>',
            f'<rect x="{LABEL}" y="{y + 3}" width="{length}" height="{ROW - 6}" '
            f'fill="currentColor" opacity="0.7"><title>{escape(str(label))}: '
            f"{escape(_number(value, unit))}</title></rect>",
            f'<text x="{LABEL + length + 6}" y="{y + 15}">{escape(_number(value, unit))}</text>']
    parts.append("</svg>")
    return "".join(parts)


def funnel_chart(funnel: Sequence[Mapping[str, Any]]) -> str:
    """The `funnel` of `tools.analytics.figures` as bars of sessions, step by step."""
    return bar_chart([(str(s["step"]).replace("_", " "), float(s["sessions"])) for s in funnel],
                     title="Funnel (sessions)")


def figure_charts(figures: Mapping[str, Any]) -> dict[str, str]:
    """Every chart of `tools.analytics.figures`, by name, each with its numbers beside its bars."""
    return {
        "funnel": funnel_chart(figures["funnel"]),
        "revenue_by_channel": bar_chart(
            [(c["channel"], c["revenue_cents"] / 100) for c in figures["by_channel"]],
            title="Revenue by channel", unit=figures["revenue"]["currency"]),
        "conversion_by_channel": bar_chart(
            [(c["channel"], round(c["conversion"] * 100, 1)) for c in figures["by_channel"]],
            title="Conversion by channel (paid sessions)", unit="%"),
        "revenue_by_agent": bar_chart(
            [(a["agent"], a["revenue_cents"] / 100) for a in figures["by_agent"]],
            title="Revenue by agent", unit=figures["revenue"]["currency"]),
        "answered_by": bar_chart(
            [(m["answered_by"], round(m["share"] * 100, 1)) for m in figures["answered_by"]],
            title="Turns answered by", unit="%"),
        "languages": bar_chart(
            [(lang["language"], lang["turns"]) for lang in figures["languages"]],
            title="Turns by language"),
        "latency_p95": bar_chart(
            [(r["route"], r["p95_ms"]) for r in figures["latency_by_route"]],
            title="p95 turn latency by route", unit="ms"),
        "handoff_reasons": bar_chart(
            [(r["reason"], r["count"]) for r in figures["handoffs"]["reasons"]],
            title="Handoffs by reason"),
    }
