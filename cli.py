"""The `omnisales` command: serve, seed, chat, ask, route, receive a return, manage operators."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import sys
from collections.abc import AsyncIterator, Sequence
from typing import Any, NoReturn

from pydantic import ValidationError
from pymongo.errors import PyMongoError

from checkpoints.embedded import EmbeddedDatabaseError
from launcher import StartError
from ops.console import export_library_settings, settings_error, silence_stdout, where
from ops.logs import configure_for
from settings import Settings


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"omnisales: {message} (see omnisales --help)\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="omnisales", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    serve = commands.add_parser("serve", help="serve the API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    seed = commands.add_parser("seed", help="load the demo shop")
    seed.add_argument("--products", type=int, default=240)
    seed.add_argument("--reset", action="store_true")
    chat = commands.add_parser("chat", help="talk to the assistant in the terminal")
    chat.add_argument("--user", default="demo-alice")
    chat.add_argument("--session", default="terminal")
    ask = commands.add_parser("ask", help="one turn; prints the JSON of POST /chat")
    ask.add_argument("--user", required=True)
    ask.add_argument("--session", required=True)
    ask.add_argument("--channel", default="web", choices=["web", "whatsapp", "voice"])
    ask.add_argument("message")
    commands.add_parser("route", help="route utterances read from stdin, one a line")
    returns = commands.add_parser("returns", help="what shop staff do with returns")
    actions = returns.add_subparsers(dest="action", required=True, parser_class=_Parser)
    receive = actions.add_parser("receive", help="a return's parcel arrived: refund it")
    receive.add_argument("return_id")
    _replay_parser(commands)
    _operator_parser(commands)
    return parser


def _replay_parser(commands: Any) -> None:
    replay = commands.add_parser(
        "replay", help="say archived conversations again to the current or a changed assistant")
    replay.add_argument("--since", help="first instant (ISO 8601, UTC unless it says)")
    replay.add_argument("--until", help="instant after the period (default: now)")
    replay.add_argument("--days", type=int, default=7, help="the period, without --since")
    replay.add_argument("--channel", choices=["web", "whatsapp", "voice"])
    replay.add_argument("--sample", type=int, help="replay this many conversations at random")
    replay.add_argument("--seed", type=int, default=0, help="the random pick's seed")
    version = replay.add_mutually_exclusive_group()
    version.add_argument("--model", help="openrouter/<model> or ollama/<model> instead")
    version.add_argument("--offline", action="store_true", help="no model: the offline agents")
    replay.add_argument("--prompts", metavar="FILE", help="a TOML prompt set to replay with: "
                        "system, router and [agents] prompts, any of them")
    replay.add_argument("--json", action="store_true", help="print the report as JSON")


async def _replay(settings: Settings, args: argparse.Namespace) -> int:
    from graph.llm import build_models, model_http
    from replay.options import period, version_settings
    from replay.prompts import PromptsError, load_prompts
    from replay.run import replay
    from replay.table import table

    start, end = period(args.since, args.until, args.days)
    changed, version = version_settings(settings, args.model, args.offline)
    prompts = None
    if args.prompts is not None:
        try:  # a bad file is a usage error, like a bad option: status 2, before any work
            prompts = load_prompts(args.prompts)
            if changed.llm_mode == "offline":  # the offline agents read no prompt at all
                raise PromptsError("--prompts: only a model reads prompts, and this replay asks "
                                   "none (--model, or OPENROUTER_API_KEY or OLLAMA_BASE_URL)")
        except PromptsError as exc:
            print(f"omnisales: {exc}", file=sys.stderr)
            return 2
        version = f"{version} with prompts {args.prompts}"
    async with _open(settings, checkpointer=False) as app, model_http() as http:
        models = [] if args.offline else build_models(changed, http)
        report = await replay(app.store, changed, start=start, end=end, channel=args.channel,
                              sample=args.sample, seed=args.seed, models=models,
                              prompts=prompts, version=version)
    print(json.dumps(report, ensure_ascii=False) if args.json else table(report))
    return 0


def _operator_parser(commands: Any) -> None:
    operator = commands.add_parser("operator", help="the dashboard's operators")
    operator_actions = operator.add_subparsers(dest="action", required=True, parser_class=_Parser)
    add = operator_actions.add_parser("add", help="add an operator (or set a new password); "
                                      "the password is read from stdin")
    add.add_argument("email")
    add.add_argument("--role", choices=["admin", "agent"], default="agent")
    remove = operator_actions.add_parser("remove", help="remove an operator: signed out "
                                         "everywhere, their tickets back in the queue")
    remove.add_argument("email")


def _password() -> str:
    """The new password: asked twice on a terminal, else the first line of stdin."""
    if sys.stdin.isatty():
        import getpass

        first = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != first:
            raise ValueError("the two passwords differ")
        return first
    return sys.stdin.readline().rstrip("\r\n")


async def _operator_remove(settings: Settings, email: str) -> int:
    from tools import operators

    async with _open(settings, checkpointer=False) as app:
        removed = await operators.remove(app.store, email)
    print(json.dumps({"operator": operators.clean_email(email), "removed": removed}))
    return 0 if removed else 1


async def _operator_add(settings: Settings, email: str, role: str, password: str) -> None:
    from tools import operators

    async with _open(settings, checkpointer=False) as app:
        created = await operators.add(app.store, email, password, role)  # type: ignore[arg-type]
    print(json.dumps({"operator": operators.clean_email(email), "role": role,
                      "created": created}))


@contextlib.asynccontextmanager
async def _open(settings: Settings, **options: Any) -> AsyncIterator[Any]:
    """`app.open_app`, saying on stderr which data directory and database once they answer.

    Said after the database answered, so that a failure stays the one line that names it.
    """
    from app import open_app

    async with open_app(settings, **options) as app:
        print(where(settings), file=sys.stderr, flush=True)
        yield app


async def _receive(settings: Settings, return_id: str) -> int:
    from tools.returns import receive_return

    async with _open(settings, checkpointer=False) as app:
        result = await receive_return(app.services, return_id)
    if result["type"] == "error":
        print(f"omnisales: {result['message']}", file=sys.stderr)
        return 1
    print(json.dumps(result))
    return 0


async def _seed(settings: Settings, products: int, reset: bool) -> None:
    from tqdm import tqdm

    from tools.seed import DEFAULT_PRODUCTS, seed

    async with _open(settings) as app:
        total = max(products, DEFAULT_PRODUCTS)
        with tqdm(total=total, unit="products", disable=total < 5000) as bar:
            counts = await seed(app.store, products=products, reset=reset, progress=bar.update)
    print(json.dumps({"seeded": counts}))


async def _ask(settings: Settings, user: str, session: str, channel: str, message: str) -> None:
    from graph.session import run_turn

    async with _open(settings, seed_if_empty=True) as app:
        result = await run_turn(app.graph, customer_id=user, session_id=session,
                                channel=channel, message=message)
    print(json.dumps(result, default=str))


def _chat(settings: Settings, user: str, session: str) -> None:
    """The terminal conversation; Ctrl-C leaves at once, mid-question or mid-turn.

    Input is read on the main thread between turns (`input()` in a worker thread would keep
    the process waiting for a line after Ctrl-C), and each turn runs on one event loop.
    """
    from graph.session import run_turn

    with asyncio.Runner() as runner:
        opened = _open(settings, seed_if_empty=True)
        app = runner.run(opened.__aenter__())
        try:
            print(f"OmniSales ({settings.llm_mode}) as {user}. Empty line or Ctrl-D to quit.")
            while line := _line("you> "):
                result = runner.run(run_turn(app.graph, customer_id=user, session_id=session,
                                             message=line))
                print(f"[{result['agent_used']}] {result['reply']}")
        finally:
            runner.run(opened.__aexit__(None, None, None))


def _line(prompt: str) -> str:
    """The next line typed, stripped; empty at the end of input."""
    try:
        return input(prompt).strip()
    except EOFError:
        return ""


async def _route(settings: Settings) -> None:
    from graph.classifier import build_classifier
    from graph.language import detect
    from graph.llm import build_models, model_http
    from graph.supervisor import Router

    async with model_http() as http:
        router = Router(build_classifier(), build_models(settings, http))
        for line in sys.stdin:
            text = line.strip()
            if not text:
                continue
            decision = await router.route(text, language=detect(text))
            confidence = round(decision.confidence, 4)
            routed: dict[str, Any] = {"route": decision.route, "confidence": confidence,
                                      "by": decision.by}
            if decision.requests:  # two requests in one message: each one's route and words
                routed["requests"] = [list(request) for request in decision.requests]
            print(json.dumps(routed, ensure_ascii=False), flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; a failure is one line on stderr and a non-zero status."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        export_library_settings()  # tracing and LangSmith read the environment, not Settings
        settings = Settings()
        # Structured lines on stderr; a command other than `serve` says only what went wrong.
        configure_for(settings, logging.INFO if args.command == "serve" else logging.WARNING)
        job: Any
        if args.command == "serve":
            from server import serve

            serve(settings, host=args.host, port=args.port, workers=args.workers)
            return 0
        if args.command == "seed":
            if settings.environment == "production":
                print("omnisales: the demo data is for development; production is never seeded",
                      file=sys.stderr)
                return 1
            job = _seed(settings, args.products, args.reset)
        elif args.command == "ask":
            job = _ask(settings, args.user, args.session, args.channel, args.message)
        elif args.command == "chat":
            _chat(settings, args.user, args.session)
            return 0
        elif args.command == "replay":
            return asyncio.run(_replay(settings, args))
        elif args.command == "returns":
            return asyncio.run(_receive(settings, args.return_id))
        elif args.command == "operator" and args.action == "remove":
            return asyncio.run(_operator_remove(settings, args.email))
        elif args.command == "operator":
            job = _operator_add(settings, args.email, args.role, _password())
        else:
            job = _route(settings)
        asyncio.run(job)
        return 0
    except KeyboardInterrupt:
        print(file=sys.stderr)  # the prompt's line ends; nothing else to say
        return 130
    except BrokenPipeError:  # the reader left (`omnisales ask ... | head`): not an error to report
        silence_stdout()
        return 141
    except ValidationError as exc:
        print(f"omnisales: {settings_error(exc)}", file=sys.stderr)
    except (EmbeddedDatabaseError, PyMongoError) as exc:
        print(f"omnisales: database unreachable: {type(exc).__name__}", file=sys.stderr)
    except ValueError as exc:  # a bad period, model, email or password on the command line
        print(f"omnisales: {exc}", file=sys.stderr)
    except StartError as exc:
        print(f"omnisales: {exc}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
