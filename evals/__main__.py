"""`python -m evals`: the conversation suite on a fresh demo shop; exits 1 below the bar."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import tempfile
from pathlib import Path

from evals.cases import CATEGORIES, load
from evals.report import summary, text
from evals.runner import embedded_shop, run_all
from settings import Settings


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m evals", description=__doc__)
    parser.add_argument("--model", choices=("offline", "scripted"), default="offline",
                        help="offline: the product without a model; scripted: the conversations "
                             "that carry model scripts, run obedient and disobedient")
    parser.add_argument("--only", choices=CATEGORIES, help="run one category")
    parser.add_argument("--json", action="store_true", help="print the numbers as JSON")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="list the failing turns and which expectation failed")
    return parser.parse_args(argv)


async def _run(args: argparse.Namespace) -> dict[str, object]:
    conversations = load()
    if args.model == "scripted":
        conversations = [c for c in conversations if c.scripted]
    if args.only:
        conversations = [c for c in conversations if c.category == args.only]
    with tempfile.TemporaryDirectory(prefix="omnisales-evals-") as folder:
        async with embedded_shop(Path(folder)) as shop:
            outcomes = await run_all(shop, conversations, Settings(_env_file=None),  # type: ignore[call-arg]
                                     args.model)
    return summary(outcomes, args.model)


def main(argv: list[str] | None = None) -> int:
    """Run the suite, print the report; 0 when it clears the bar, 1 when not."""
    args = _arguments(argv)
    logging.basicConfig(level=logging.ERROR)  # the agents' warnings would drown the table
    result = asyncio.run(_run(args))
    print(json.dumps(result, indent=1) if args.json else text(result, args.verbose))
    return 0 if result["gate"]["pass"] else 1  # type: ignore[index]


if __name__ == "__main__":
    sys.exit(main())
