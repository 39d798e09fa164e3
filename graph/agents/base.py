"""The node every agent shares: an LLM tool loop, or the offline planner, over its own tools."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool
from langgraph.runtime import Runtime
from langgraph.types import Command
from pydantic import ValidationError
from pymongo.errors import ConnectionFailure

from graph.budget import Meter
from graph.context import BriefPart, Context, customer_brief, model_brief, tool_context
from graph.extract import prefix
from graph.i18n import Gettext, gettext_for
from graph.llm import NamedModel, check
from graph.memory import Memory, for_prompt, learned
from graph.prompts import SYSTEM_PROMPT
from graph.routes import Route
from graph.state import Pending, State
from graph.terms import confirmation_of, follow_up, pending_of, terms_note
from tools.context import Services, ToolContext
from tools.registry import ToolFn, describe, error

log = logging.getLogger(__name__)

MAX_TOOL_ROUNDS = 3
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
class Agent:
    """An agent: its route, prompt, tools, and offline plan and reply."""

    name: Route
    prompt: str
    tools: tuple[ToolFn, ...]
    plan: Callable[[Turn], list[Call]]
    render: Callable[[Turn, list[dict[str, Any]]], str]
    # The parts of the customer brief the agent's model sees, and those its offline path reads.
    # Each part is a join in the brief's read: an agent reads what its work is about.
    brief: tuple[BriefPart, ...] = ("customer",)
    offline_brief: tuple[BriefPart, ...] = ()
    tool_names: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "tool_names", frozenset(fn.__name__ for fn in self.tools))


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


async def run_tool(agent: Agent, schemas: dict[str, BaseTool], ctx: ToolContext,
                   name: str, args: dict[str, Any]) -> dict[str, Any]:
    """Run one of the agent's own tools; bad arguments and failures become error results.

    The messages never name the tool: the model knows which one it called, and when the server
    writes the reply itself (tool rounds used up, or every model failed) `render` relays the
    first error to the customer, who must not learn internal tool names (abuse suite, d22).
    """
    if name not in agent.tool_names:
        return error("that action is not available here")
    try:
        validated = schemas[name].tool_call_schema.model_validate(args)  # type: ignore[union-attr]
    except ValidationError as exc:
        fields = ", ".join(str(e["loc"][0]) for e in exc.errors() if e["loc"])
        return error(f"invalid values for {fields or 'that request'}")
    fn = next(fn for fn in agent.tools if fn.__name__ == name)
    try:
        return await fn(ctx, **validated.model_dump())
    except ConnectionFailure:
        raise  # the database is down: the turn fails whole and the message is retried
    except Exception:
        log.exception("tool %s failed", name)
        return error("that did not work; please try again in a moment")


def make_agent_node(agent: Agent, services: Services, models: Sequence[NamedModel],
                    meter: Meter) -> Callable[[State, Runtime[Context]], Any]:
    """The graph node for `agent`: tries each model in turn, then the offline planner.

    `meter` records the tokens its models use; the graph's agents share one.
    """
    schemas = {fn.__name__: describe(fn) for fn in agent.tools}

    async def offline(ctx: ToolContext, turn: Turn, messages: list[AnyMessage],
                      results: list[dict[str, Any]]) -> None:
        calls = agent.plan(turn)
        if calls:
            ids = [f"offline-{i}" for i in range(len(calls))]
            messages.append(AIMessage("", tool_calls=[
                {"name": n, "args": a, "id": i, "type": "tool_call"}
                for (n, a), i in zip(calls, ids, strict=True)]))
            for (name, args), call_id in zip(calls, ids, strict=True):
                result = await run_tool(agent, schemas, ctx, name, args)
                results.append(result)
                messages.append(ToolMessage(json.dumps(result, default=str), tool_call_id=call_id,
                                            name=name))
        messages.append(AIMessage(agent.render(turn, results)))

    # An empty `tools` array is a 400 on OpenAI-compatible APIs: bind only real tools. Bound
    # once here, not per turn: converting the tool schemas costs CPU on every call.
    bound: dict[str, Runnable[Any, Any]] = {
        named.name: named.model.bind_tools(list(schemas.values())) if schemas else named.model
        for named in models}

    async def with_model(model: Runnable[Any, Any], ctx: ToolContext, turn: Turn,
                         history: list[AnyMessage], messages: list[AnyMessage],
                         results: list[dict[str, Any]], used: list[int]) -> None:
        """The tool loop; it carries on from `messages`, the rounds an earlier model finished.

        Only whole rounds (a call and all its results) are appended, so a model that fails
        mid-turn leaves a valid transcript and its tools' side effects are not repeated.
        """
        prompt = agent.prompt + (terms_note(turn.pending) if turn.pending else "")
        system = SystemMessage(SYSTEM_PROMPT.format(
            agent_prompt=prompt, brief=json.dumps(turn.brief, default=str),
            memory=json.dumps(for_prompt(turn.memory), default=str, ensure_ascii=False),
            language=turn.language))
        for _ in range(MAX_TOOL_ROUNDS):
            reply = check(await model.ainvoke([system, *history, *messages]))
            used.append(reply.usage_metadata["total_tokens"] if reply.usage_metadata else 0)
            if not reply.tool_calls:
                messages.append(reply)
                return
            round_: list[AnyMessage] = [reply]
            for call in reply.tool_calls:
                result = await run_tool(agent, schemas, ctx, call["name"], call["args"])
                results.append(result)
                round_.append(ToolMessage(json.dumps(result, default=str),
                                          tool_call_id=call["id"] or "", name=call["name"]))
            messages.extend(round_)
        messages.append(AIMessage(agent.render(turn, results)))

    async def node(state: State, runtime: Runtime[Context]
                   ) -> Command[Literal["confirm", "__end__"]]:
        ctx = tool_context(services, runtime.context)
        history = state["messages"]  # capped at five by the reducer (`graph.state`)
        now = services.clock()
        allowed: Sequence[NamedModel] = ()
        source = runtime.context.source
        if models:  # the model's part of the brief, read with the customer's and source's budgets
            brief, used_today, source_today = await model_brief(ctx, now, agent.brief, source)
            settings = services.settings
            if (used_today < settings.llm_daily_tokens_per_customer
                    and source_today < settings.llm_daily_tokens_per_key):
                allowed = models
        else:  # the offline answer reads only the parts of the brief it uses
            brief = await customer_brief(ctx, agent.offline_brief) if agent.offline_brief else {}
        answering = state.get("pending")  # set when the customer answered terms with a non-yes
        # The planners read a bounded prefix: their cost stays flat whatever the message's length.
        memory: Memory = state.get("memory") or {}
        turn = Turn(text=prefix(latest_text(history)), brief=brief, history=history, now=now,
                    pending=answering, memory=memory)
        answered_by, planned = "offline", False
        messages: list[AnyMessage] = []
        results: list[dict[str, Any]] = []
        used: list[int] = []
        for named in allowed:
            try:
                await with_model(bound[named.name], ctx, turn, history, messages, results, used)
                answered_by = named.name
                break
            except ConnectionFailure:
                raise
            except Exception as exc:  # a provider's failure of any kind: try the next one
                log.warning("%s failed for %s: %s", named.name, agent.name, type(exc).__name__)
        else:
            if results:  # tools already ran for a model that then failed: report, never redo
                messages.append(AIMessage(agent.render(turn, results)))
            else:
                await offline(ctx, turn, messages, results)
                planned = True
        await meter.spend(ctx.customer_id, turn.now, sum(used), source)
        confirmation, kept, note = confirmation_of(results), None, ""
        if answering:
            prepare = ((lambda: run_tool(agent, schemas, ctx, "process_payment", {}))
                       if "process_payment" in agent.tool_names else None)
            confirmation, kept, note = await follow_up(ctx, answering, confirmation, results,
                                                       prepare, turn.language)
        if confirmation is not None and (not planned or answering):
            # The customer confirms the server's terms in the server's words, never a model's
            # (which may state another amount, or claim the payment is already done).
            messages[-1] = AIMessage(agent.render(turn, [confirmation]))
        reply = messages[-1].text if messages else ""
        if kept is not None or note:  # what became of the terms, in the server's words
            answer = reply if planned else agent.render(turn, results)
            messages[-1] = AIMessage(f"{answer} {kept['summary'] if kept else note}".strip())
        pending = kept or pending_of(agent.name, confirmation, reply)
        # The turn ends here, or waits in `confirm` for the customer's yes. A `Command` rather
        # than a conditional edge, which would read the whole state again (README, Performance).
        return Command(goto="confirm" if pending else "__end__", update={
            "messages": messages,
            "actions": [r for r in results if r.get("type") != "error"],
            "answered_by": answered_by,
            "pending": pending,
            "memory": learned(memory, agent.name, results),
        })

    node.__name__ = agent.name
    return node


def usd(amount: float) -> str:
    """A dollar amount as customers read it."""
    return f"${amount:,.2f}"


def first_error(results: list[dict[str, Any]]) -> str | None:
    """The first error message among tool results, to relay as it is."""
    return next((r["message"] for r in results if r.get("type") == "error"), None)
