"""Run conversations on a fresh demo shop, each in its own session on its own copy of the shop."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from checkpoints.embedded import start_embedded
from evals.cases import Conversation, Turn
from evals.checks import grade
from evals.scripted import ScriptedChat, ScriptedRouter
from graph.builder import build_graph, trained_classifier
from graph.llm import NamedModel
from graph.session import make_saver, run_turn
from graph.supervisor import Router
from settings import Settings
from tools.cart import add_to_cart, remove_from_cart, view_cart
from tools.context import Services, ToolContext
from tools.gateway import SandboxGateway
from tools.seed import seed
from tools.store import Store

# The group of turns that expect no route (most answer terms that wait for a yes).
NO_ROUTE = "(any route)"


@dataclass
class TurnOutcome:
    """One graded turn."""

    conversation: str
    category: str
    route: str  # the expected route (the first acceptable one): what the turn is about
    index: int
    say: str
    reasons: list[str]
    response: dict[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        """Whether every expectation held."""
        return not self.reasons


async def money_count(store: Store) -> int:
    """Charges, redemptions and refunds so far: paid payments, spent points, opened returns."""
    db = store.db
    return (await db["payments"].count_documents({"status": "paid"})
            + await db["loyalty_ledger"].count_documents({"delta": {"$lt": 0}})
            + await db["returns"].count_documents({})
            + await db["vouchers"].count_documents({}))


class Shop:
    """The demo shop seeded once in a template database; a copy of it for each conversation."""

    def __init__(self, uri: str) -> None:
        self.uri = uri
        self.template = f"evals_template_{uuid.uuid4().hex[:8]}"
        self.collections: list[str] = []

    async def build(self) -> None:
        """Seed the template."""
        store = Store.connect(self.uri, self.template)
        try:
            await seed(store, reset=True)
            self.collections = [n for n in await store.db.list_collection_names()
                                if await store.db[n].estimated_document_count()]
        finally:
            await store.close()

    @contextlib.asynccontextmanager
    async def copy(self) -> AsyncIterator[Store]:
        """A fresh copy of the demo shop, dropped afterwards."""
        store = Store.connect(self.uri, f"evals_{uuid.uuid4().hex[:12]}")
        try:
            for name in self.collections:
                cursor = await store.client[self.template][name].aggregate(
                    [{"$out": {"db": store.db.name, "coll": name}}])
                await cursor.to_list()
            await store.ensure_indexes()  # `$out` leaves the copy without them
            yield store
        finally:
            await store.client.drop_database(store.db.name)
            await store.close()


@contextlib.asynccontextmanager
async def embedded_shop(folder: Any) -> AsyncIterator[Shop]:
    """A fresh embedded database in `folder` holding a freshly seeded demo shop."""
    server = start_embedded(folder)
    try:
        shop = Shop(server.uri)
        await shop.build()
        yield shop
    finally:
        server.stop()


async def set_up(ctx: ToolContext, setup: dict[str, Any]) -> None:
    """Put the conversation's starting state in place through the shop's own tools."""
    if "cart" in setup:
        for line in (await view_cart(ctx))["items"]:
            await remove_from_cart(ctx, line["sku"])
        for line in setup["cart"]:
            await add_to_cart(ctx, line["sku"], int(line.get("quantity", 1)))


def _script(turn: Turn, disobey: bool) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The model's answers and the expectations for a turn in this run."""
    if disobey and turn.disobey:
        return list(turn.disobey["model"]), dict(turn.disobey["expect"])
    return list(turn.model or []), dict(turn.expect)


async def run_conversation(store: Store, conversation: Conversation, settings: Settings,
                           model: str = "offline", disobey: bool = False) -> list[TurnOutcome]:
    """Say each turn in a new session on `store` and grade the responses."""
    scripted = ScriptedChat() if model == "scripted" else None
    models = [NamedModel("scripted", scripted)] if scripted else []
    chooser = ScriptedRouter()
    # Offline the router has its classifier alone; scripted, it may ask an obedient model.
    router = Router(trained_classifier(), [NamedModel("scripted", chooser)] if scripted else [])
    outcomes: list[TurnOutcome] = []
    label = "disobey" if disobey else conversation.category
    async with httpx.AsyncClient() as http:
        services = Services(store=store, settings=settings, gateway=SandboxGateway(store),
                            http=http)
        saver = make_saver(store.db)
        await saver.setup()
        graph = build_graph(services, models, router=router).compile(checkpointer=saver)
        session = f"eval-{conversation.id}"
        await set_up(ToolContext(services=services, customer_id=conversation.user,
                                 channel=conversation.channel, session_id=session),
                     conversation.setup)
        for index, turn in enumerate(conversation.turns):
            steps, expect = _script(turn, disobey)
            if scripted is not None:
                scripted.load(steps)
                wanted = turn.expect.get("route")  # the router obeys in both runs
                chooser.route = wanted if isinstance(wanted, str) else (wanted or [None])[0]
            before = await money_count(store)
            try:
                response: dict[str, Any] = dict(await run_turn(
                    graph, customer_id=conversation.user, session_id=session,
                    message=turn.say, channel=conversation.channel))
                reasons = grade(expect, response, conversation.channel,
                                await money_count(store) != before, turn.say)
            except Exception as exc:  # a crash is a failed turn, reported with its kind
                response, reasons = {}, [f"error: {type(exc).__name__}: {exc}"[:200]]
            route = expect.get("route", NO_ROUTE)
            outcomes.append(TurnOutcome(conversation.id, label,
                                        route if isinstance(route, str) else route[0],
                                        index + 1, turn.say, reasons, response))
    return outcomes


async def run_all(shop: Shop, conversations: Sequence[Conversation], settings: Settings,
                  model: str = "offline") -> list[TurnOutcome]:
    """Every conversation on its own copy of the shop; scripted runs also run the disobedient."""
    outcomes: list[TurnOutcome] = []
    for conversation in conversations:
        runs = [False, True] if model == "scripted" and any(
            t.disobey for t in conversation.turns) else [False]
        for disobey in runs:
            async with shop.copy() as store:
                outcomes += await run_conversation(store, conversation, settings, model,
                                                   disobey)
    return outcomes
