"""The node every agent shares: one tool loop over its own tools, whichever speaker answers."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, ToolMessage
from langchain_core.tools import BaseTool
from langgraph.runtime import Runtime
from langgraph.types import Command

from graph.agents.loop import (
    MAX_TOOL_ROUNDS,
    ModelSpeaker,
    Planner,
    Speaker,
    Transcript,
    answer,
    run_tool,
)
from graph.budget import Meter
from graph.context import BriefPart, Context, customer_brief, model_brief, tool_context
from graph.extract import prefix
from graph.grounding import ungrounded
from graph.i18n import Gettext, gettext_for
from graph.llm import NamedModel
from graph.memory import Memory, learned
from graph.prompts import SYSTEM_PROMPT
from graph.routes import Route
from graph.state import Pending, State
from graph.terms import confirmation_of, follow_up, pending_of
from tools.context import Services, ToolContext
from tools.registry import ToolFn, describe

log = logging.getLogger(__name__)

__all__ = ["MAX_TOOL_ROUNDS", "Agent", "Call", "Offline", "Turn", "first_error", "latest_text",
           "make_agent_node", "parse_result", "run_tool", "usd"]

Call = tuple[str, dict[str, Any]]


@dataclass(frozen=True)
class Turn:
    """What an offline planner reads: the customer's words, their brief, the recent history."""

    text: str
    brief: dict[str, Any]
    history: Sequence[AnyMessage]
    now: datetime
    pending: Pending | None = None  # terms the customer is answering with something not a yes
    memory: Memory = field(default_factory=lambda: Memory())  # what the talk refers back to

    @property
    def language(self) -> str:
        """The customer's language, as the supervisor detected it this turn."""
        return self.memory.get("language", "en")

    @property
    def gettext(self) -> Gettext:
        """`_` for the reply: the customer's language's message catalogue (`graph.i18n`)."""
        return gettext_for(self.language)

    def last_action(self, kind: str) -> dict[str, Any] | None:
        """The newest tool result of this type in the kept history, if any."""
        for message in reversed(self.history):
            if isinstance(message, ToolMessage):
                result = parse_result(message)
                if result.get("type") == kind:
                    return result
        return None


@dataclass(frozen=True)
class Offline:
    """A part of an agent's brief that its offline reply reads too: `brief=(Offline("orders"),)`.

    The model reads every part an agent declares. The offline path reads only the parts marked
    so, and none when none is: each part is a join in the brief's read, and an offline turn is
    measured against a one-node LangGraph turn (README, Performance).
    """

    part: BriefPart


@dataclass(frozen=True)
class Agent:
    """An agent: its route, prompt, tools, offline plan and reply, and its one brief."""

    name: Route
    prompt: str
    tools: tuple[ToolFn, ...]
    plan: Callable[[Turn], list[Call]]
    render: Callable[[Turn, list[dict[str, Any]]], str]
    # The parts of the customer brief the agent's work is about: its model sees them all, its
    # offline path those marked `Offline`. Each part is a join in the brief's read.
    brief: tuple[BriefPart | Offline, ...] = ("customer",)
    tool_names: frozenset[str] = field(init=False)
    model_parts: tuple[BriefPart, ...] = field(init=False)
    offline_parts: tuple[BriefPart, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "tool_names", frozenset(fn.__name__ for fn in self.tools))
        object.__setattr__(self, "model_parts", tuple(
            p.part if isinstance(p, Offline) else p for p in self.brief))
        object.__setattr__(self, "offline_parts", tuple(
            p.part for p in self.brief if isinstance(p, Offline)))


def parse_result(message: ToolMessage) -> dict[str, Any]:
    """A tool result as the dict the tool returned."""
    try:
        value = json.loads(str(message.content))
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def latest_text(messages: Sequence[AnyMessage]) -> str:
    """The customer's newest words."""
    for message in reversed(messages):
        if isinstance(message, HumanMessage):
            return message.text
    return ""


def _grounded(agent: Agent, transcript: Transcript) -> None:
    """A model's reply that states what the server did not give it is replaced by the server's.

    An amount, an id or a money move the turn's tools, the brief, the memory and the kept
    messages do not hold comes from the model alone (`graph.grounding`): the customer gets the
    agent's own reply from the results instead.
    """
    turn, messages = transcript.turn, transcript.messages
    if not messages or not isinstance(messages[-1], AIMessage):
        return
    why = ungrounded(messages[-1].text, transcript.results, turn.brief, turn.memory,
                     [m.content for m in turn.history])
    if why is not None:
        log.warning("a %s reply stated %s; the server's reply was sent", agent.name, why)
        messages[-1] = AIMessage(agent.render(turn, transcript.results))


async def _terms(agent: Agent, schemas: dict[str, BaseTool], ctx: ToolContext,
                 transcript: Transcript, planned: bool) -> Pending | None:
    """The terms the turn leaves waiting for a yes; the reply about them in the server's words.

    A reply the planner wrote from the results already states them; a model's never does.
    """
    turn, messages, results = transcript.turn, transcript.messages, transcript.results
    answering = turn.pending
    confirmation, kept, note = confirmation_of(results), None, ""
    if answering:
        prepare = ((lambda: run_tool(agent, schemas, ctx, "process_payment", {}))
                   if "process_payment" in agent.tool_names else None)
        confirmation, kept, note = await follow_up(ctx, answering, confirmation, results, prepare,
                                                   turn.language)
    if confirmation is not None and (not planned or answering):
        # The customer confirms the server's terms in the server's words, never a model's
        # (which may state another amount, or claim the payment is already done). Those model
        # calls were not streamed (`graph.agents.loop.ModelSpeaker`).
        messages[-1] = AIMessage(agent.render(turn, [confirmation]))
    reply = messages[-1].text
    if kept is not None or note:  # what became of the terms, in the server's words
        said = reply if planned else agent.render(turn, results)
        messages[-1] = AIMessage(f"{said} {kept['summary'] if kept else note}".strip())
    return kept or pending_of(agent.name, confirmation, reply)


def make_agent_node(agent: Agent, services: Services, models: Sequence[NamedModel],
                    meter: Meter, system: str = SYSTEM_PROMPT
                    ) -> Callable[[State, Runtime[Context]], Any]:
    """The graph node for `agent`: one tool loop, spoken by each model in turn, then the planner.

    `meter` records the tokens its models use; the graph's agents share one. `system` is the
    shared prompt its models read, the agent's own prompt inside it.
    """
    tools = [describe(fn) for fn in agent.tools]
    schemas = {tool.name: tool for tool in tools}
    # An empty `tools` array is a 400 on OpenAI-compatible APIs: bind only real tools. Bound
    # once here, not per turn: converting the tool schemas costs CPU on every call.
    speakers: list[Speaker] = [
        ModelSpeaker(named.name, named.model.bind_tools(tools) if tools else named.model, agent,
                     system)
        for named in models]
    planner = Planner(agent)
    offline: tuple[Speaker, ...] = (planner,)
    everyone = (*speakers, planner)

    async def node(state: State, runtime: Runtime[Context]
                   ) -> Command[Literal["confirm", "__end__"]]:
        ctx = tool_context(services, runtime.context)
        history = state["messages"]  # capped at five by the reducer (`graph.state`)
        now = services.clock()
        source = runtime.context.source
        chosen = offline
        if speakers:  # the model's brief, read with the customer's and source's budgets
            brief, used_today, source_today = await model_brief(ctx, now, agent.model_parts,
                                                                source)
            settings = services.settings
            if (used_today < settings.llm_daily_tokens_per_customer
                    and source_today < settings.llm_daily_tokens_per_key):
                chosen = everyone
        else:  # the offline answer reads only the parts of the brief it uses
            brief = await customer_brief(ctx, agent.offline_parts) if agent.offline_parts else {}
        answering = state.get("pending")  # set when the customer answered terms with a non-yes
        # The planners read a bounded prefix: their cost stays flat whatever the message's length.
        memory: Memory = state.get("memory") or {}
        turn = Turn(text=prefix(latest_text(history)), brief=brief, history=history, now=now,
                    pending=answering, memory=memory)
        transcript = Transcript(turn)
        answered_by, planned = await answer(chosen, transcript, agent, schemas, ctx)
        if not planned:
            _grounded(agent, transcript)
        await meter.spend(ctx.customer_id, now, transcript.tokens, source)
        if runtime.context.trace is not None:
            runtime.context.trace.tokens += transcript.tokens
        pending = await _terms(agent, schemas, ctx, transcript, planned)
        # The turn ends here, or waits in `confirm` for the customer's yes. A `Command` rather
        # than a conditional edge, which would read the whole state again (README, Performance).
        return Command(goto="confirm" if pending else "__end__", update={
            "messages": transcript.messages,
            "actions": [r for r in transcript.results if r.get("type") != "error"],
            "answered_by": answered_by,
            "pending": pending,
            "memory": learned(memory, agent.name, transcript.results),
        })

    node.__name__ = agent.name
    return node


def usd(amount: float) -> str:
    """A dollar amount as customers read it."""
    return f"${amount:,.2f}"


def first_error(results: list[dict[str, Any]]) -> str | None:
    """The first error message among tool results, to relay as it is."""
    return next((r["message"] for r in results if r.get("type") == "error"), None)
