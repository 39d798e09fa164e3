"""Run every benchmark and write `bench/report.md` and `bench/report.json`."""

from __future__ import annotations

import asyncio
import json
import platform
import sys
from pathlib import Path

from bench import (
    archive,
    dashboard,
    durability,
    graph_turns,
    http,
    load,
    memory,
    money,
    parsers,
    routing_eval,
    search,
    webhook,
)
from bench.common import Measure

HERE = Path(__file__).resolve().parent


def write_report(rows: list[Measure]) -> None:
    """The Markdown table and the JSON file of the same figures."""
    lines = [
        "# OmniSales benchmarks",
        "",
        f"`make bench` on {platform.machine()} with Python {platform.python_version()}. Each "
        "measure is one side against the other, run side by side in one run.",
        "",
        "| measure | a | b | ratio | target | pass | unit | what |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    lines += [f"| {m.name} | {m.a:.4g} | {m.b:.4g} | {m.ratio:.3g} | {m.target:.3g} | "
              f"{m.verdict} | {m.unit} | "
              f"{f'**Why it cannot pass here:** {m.out_of_reach} ' if m.out_of_reach else ''}"
              f"{m.note} |" for m in rows]
    (HERE / "report.md").write_text("\n".join(lines) + "\n")
    (HERE / "report.json").write_text(json.dumps(
        {"measures": [m.as_json() for m in rows]}, indent=2) + "\n")


async def run() -> list[Measure]:
    """All measures, one after another so that they do not disturb each other."""
    rows: list[Measure] = []
    rows += await graph_turns.measure()
    rows += await search.measure()
    rows += routing_eval.measures()
    rows += await http.measure()
    rows += await load.measure()
    rows += await memory.measure()
    rows += await webhook.measure()
    rows += await money.measure()
    rows += await parsers.measure()
    rows += await durability.measure()
    rows += await archive.measure()
    rows += await dashboard.measure()
    return rows


def main() -> int:
    """Run, print and write the report."""
    rows = asyncio.run(run())
    write_report(rows)
    for row in rows:
        print(f"{row.name:<24} {row.ratio:8.3f} (target {row.target:g}) {row.verdict}")
    print(f"wrote {HERE / 'report.md'} and {HERE / 'report.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
