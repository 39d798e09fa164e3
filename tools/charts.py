"""Bar charts drawn on the server as SVG, each bar with its number beside it (no script)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

ROW = 22  # pixels a bar's row takes
LABEL = 150  # pixels left of the bars for their labels
NUMBER = 90  # pixels right of the longest bar for its number


def _number(value: float, unit: str) -> str:
    text = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"
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
