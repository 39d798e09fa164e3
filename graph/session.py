"""Run one customer turn through the compiled graph and shape the response clients get."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any, TypedDict

from langchain_core.messages import AIMessage, AIMessageChunk, HumanMessage
from langgraph.checkpoint.base import Checkpoint
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Command
from pymongo.asynchronous.database import AsyncDatabase

from checkpoints.saver import SessionSaver
from graph.archive import ArchivedSaver, TurnLog, archive_turn, holding_turn, spoken
from graph.confirmation import PIN_MARKER
from graph.context import Context, TurnTrace
from graph.i18n import gettext_for
from graph.routes import ROUTES
from graph.shown import Shown
from graph.wording import money
from tools import notices
from tools.context import session_key
from tools.pin import spoken_pin
from tools.store import Store

RECURSION_LIMIT = 25
Graph = CompiledStateGraph[Any, Any, Any, Any]


class TurnResult(TypedDict):
    """The response of `POST /chat` and `omnisales ask`."""

    reply: str
    agent_used: str
    actions: list[dict[str, Any]]
    awaiting_confirmation: bool
    answered_by: str
    language: str  # the reply's language, which is the customer's (`graph.language`)
    mode: str  # `assistant`, or `human` while a person has the conversation (`tools.takeover`)


def settled(checkpoint: Checkpoint) -> bool:
    """Whether the run that saved `checkpoint` is over.

    With no confirmation pending, the agent ends the run; only a pending one sends it on to
    `confirm`, whose interrupt is written after the checkpoint.
    """
    return not checkpoint["channel_values"].get("pending")


def make_saver(db: AsyncDatabase[Any], *, shared: bool = False) -> ArchivedSaver:
    """The product's checkpointer and archive; `shared` when other processes serve the shop."""
    return ArchivedSaver(db, shared=shared, settled=settled)


def thread_id(channel: str, customer_id: str, session_id: str) -> str:
    """A session is (channel, user, session id): the same key the tools file its records under."""
    return session_key(channel, customer_id, session_id)


@dataclasses.dataclass
class _Run:
    """One turn being run: the graph's input, config and context, and its archive entry."""

    payload: Any
    config: Any
    context: Context
    log: TurnLog
    saver: ArchivedSaver | None  # None under another saver (Studio, tools): nothing archived
    human: bool = False  # a person has the session: the graph is not run

    def resumed(self) -> bool:
        return isinstance(self.payload, Command)

    async def archive(self, values: dict[str, Any], result: TurnResult) -> TurnResult:
        """Archive the turn (in the background); a handoff gives the session to a person."""
        if self.saver is None:
            return result
        trace = self.context.trace or TurnTrace()
        await archive_turn(self.saver, self.log, dict(result), values, resumed=self.resumed(),
                           confidence=trace.confidence, tokens=trace.tokens)
        return result

    async def hold(self) -> TurnResult:
        """The holding line, archived; said while a person has the session."""
        assert self.saver is not None
        return TurnResult(**await holding_turn(self.saver, self.log))  # type: ignore[typeddict-item]


@contextlib.asynccontextmanager
async def _turn(graph: Graph, customer_id: str, session_id: str, message: str,
                channel: str, store_id: str | None = None, source: str = ""
                ) -> AsyncIterator[_Run]:
    """Hold the session for one turn and give the run's input.

    The input is a new message, or the answer to the confirmation the session waits on.
    """
    thread = thread_id(channel, customer_id, session_id)
    config: Any = {"configurable": {"thread_id": thread}, "recursion_limit": RECURSION_LIMIT}
    context = Context(customer_id=customer_id, channel=channel, session_id=session_id,
                      store_id=store_id, source=source, trace=TurnTrace())
    saver = graph.checkpointer
    log = TurnLog(thread, channel, customer_id, session_id, message)
    if not isinstance(saver, SessionSaver):  # another saver (Studio, tools): no lock to take
        waiting = any(task.interrupts for task in (await graph.aget_state(config)).tasks)
        payload, context = _input(waiting, message, context)
        yield _Run(payload, config, context, log, None)
        return
    async with saver.turn(thread) as waiting:
        payload, context = _input(waiting, message, context)
        log.text = spoken(message, context.pin)
        archived = saver if isinstance(saver, ArchivedSaver) else None
        yield _Run(payload, config, context, log, archived,
                   human=archived is not None and archived.mode(thread) == "human")


def _input(waiting: bool, message: str, context: Context) -> tuple[Any, Context]:
    """The run's input and context; a caller's PIN goes in the context, never in the state.

    A resume value and a message are both checkpointed, so the PIN is taken out of the words of
    a voice session that waits on terms before the graph sees them.
    """
    # Said when terms wait, four digits are the PIN; said otherwise, only four digits alone are.
    pin = spoken_pin(message, alone=not waiting) if context.channel == "voice" else None
    if pin is not None:
        message = PIN_MARKER
        context = dataclasses.replace(context, pin=pin)
    return (Command(resume=message) if waiting else {"messages": [HumanMessage(message)]}), context


def _result(values: dict[str, Any]) -> TurnResult:
    replies = [m for m in values["messages"] if isinstance(m, AIMessage) and not m.tool_calls]
    actions = list(values.get("actions", []))
    pending = values.get("pending")
    if pending and not any(a.get("confirmation_id") == pending["confirmation_id"]
                           for a in actions):
        # The terms still asked about, so that a channel's Yes button can name them.
        actions.append({"type": "awaiting_confirmation", "kind": pending["kind"],
                        "confirmation_id": pending["confirmation_id"],
                        "expires_at": pending["expires_at"]})
    return TurnResult(
        reply=replies[-1].text if replies else "",
        agent_used=values.get("route", "general"),
        actions=actions,
        awaiting_confirmation=bool(values.get("pending")),
        answered_by=values.get("answered_by", "offline"),
        language=(values.get("memory") or {}).get("language", "en"),
        # A handoff ticket opened (or still open) this turn: a person has the session now.
        mode="human" if any(a.get("type") == "handoff_ticket" and a.get("status") == "open"
                            for a in actions) else "assistant",
    )


async def _with_notices(graph: Graph, thread: str, result: TurnResult) -> TurnResult:
    """The reply, led by how payments ended that the session was not told of (a crash)."""
    saver = graph.checkpointer
    if not isinstance(saver, SessionSaver):
        return result
    settled = await notices.take(Store(saver.sessions.database), thread)
    if not settled:
        return result
    language = result["language"]  # told in the customer's language, amounts in their locale
    told = [notices.payment_text(p, gettext_for(language),
                                 lambda amount, currency: money(amount, language, currency))
            for p in settled]
    reply = "\n\n".join([*told, result["reply"]])
    return result | {"reply": reply,
                     "actions": [*map(notices.payment_action, settled), *result["actions"]]}


async def run_turn(graph: Graph, *, customer_id: str, session_id: str, message: str,
                   channel: str = "web", store_id: str | None = None, source: str = ""
                   ) -> TurnResult:
    """One turn, with one checkpoint written at its end; `Busy` if the session stays busy.

    `store_id` is the till's store on the staff channel `pos`; customer channels have none.
    `source` is what the turn came through (an API key's digest, a channel's webhook), set by
    the server: its daily token budget is shared by every customer it serves.
    """
    async with _turn(graph, customer_id, session_id, message, channel, store_id, source) as run:
        if run.human:
            return await run.hold()
        values = await graph.ainvoke(run.payload, run.config, context=run.context,
                                     durability="exit")
    return await run.archive(values, await _with_notices(
        graph, thread_id(channel, customer_id, session_id), _result(values)))


async def stream_turn(graph: Graph, *, customer_id: str, session_id: str, message: str,
                      channel: str = "web", source: str = ""
                      ) -> AsyncGenerator[tuple[str, dict[str, Any]]]:
    """One turn as events, the last one the whole response (`POST /chat/stream`).

    - `("step", {"node": ...})` as each graph node finishes;
    - `("token", {"text": ...})`: the next piece of the reply; a model's reply comes as its
      tokens arrive, the server's own (offline, confirmation, a report) in one piece;
    - `("reset", {})`: the pieces shown since the last reset are not the reply, drop them (the
      model's words turned into tool calls, or it failed and the next speaker answers);
    - `("response", TurnResult)`: the whole response, as `/chat` returns it. It is the
      authority: its `reply` replaces whatever the pieces said (a payment notice may lead it).

    A model's words that the server replaces with its own terms are never streamed
    (`graph.agents.loop.ModelSpeaker`), nor the router's structured output.
    """
    values: Any = {}
    shown = Shown()
    async with _turn(graph, customer_id, session_id, message, channel,
                     source=source) as run:
        if run.human:
            held = await run.hold()
            yield "token", {"text": held["reply"]}
            yield "response", dict(held)
            return
        parts: AsyncIterator[tuple[str, Any]] = graph.astream(  # type: ignore[assignment]
            run.payload, run.config, context=run.context, durability="exit",
            stream_mode=["messages", "updates", "values"])
        async for mode, chunk in parts:
            if mode == "messages":
                token, meta = chunk
                if isinstance(token, AIMessageChunk) and meta.get("langgraph_node") in ROUTES:
                    for event in shown.token(token):
                        yield event
            elif mode == "updates":
                for node, update in chunk.items():
                    if node.startswith("__"):
                        continue
                    for event in shown.reply(update):
                        yield event
                    yield "step", {"node": node}
            else:
                values = chunk
    yield "response", dict(await run.archive(values, await _with_notices(
        graph, thread_id(channel, customer_id, session_id), _result(values))))
