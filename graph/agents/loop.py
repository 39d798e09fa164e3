"""An agent turn's one tool loop, whoever answers: each chat model in turn, then the planner."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from langchain_core.messages import AIMessage, AnyMessage, SystemMessage, ToolMessage
from langchain_core.runnables import Runnable, RunnableConfig
from langchain_core.tools import BaseTool
from langgraph.constants import TAG_NOSTREAM
from pydantic import ValidationError
from pymongo.errors import ConnectionFailure

from graph.llm import check
from graph.memory import for_prompt
from graph.prompts import SYSTEM_PROMPT
from graph.terms import confirmation_of, terms_note
from ops import metrics
from tools.context import ToolContext
from tools.registry import error

if TYPE_CHECKING:
    from graph.agents.base import Agent, Turn

log = logging.getLogger(__name__)

MAX_TOOL_ROUNDS = 3
OFFLINE = "offline"
# A model call whose words the server replaces with its own terms (`make_agent_node`): its
# tokens must not reach a streaming client (LangGraph's `messages` stream mode skips the tag).
_UNSTREAMED: RunnableConfig = {"tags": [TAG_NOSTREAM]}


@dataclass
class Transcript:
    """What one agent turn has said and done: whole rounds only (a call and all its results).

    A speaker that fails mid-turn so leaves a valid transcript, which the next one carries on
    from: it sees the tools that already ran and never runs them again.
    """

    turn: Turn
    messages: list[AnyMessage] = field(default_factory=list)
    results: list[dict[str, Any]] = field(default_factory=list)
    tokens: int = 0  # what the models' answers used, for the daily budgets
    system: SystemMessage | None = None  # the models' prompt, written once a turn when asked


class Speaker(Protocol):
    """A chat model, or the offline planner: given the transcript, the next AI message."""

    @property
    def name(self) -> str:
        """What `answered_by` reports when this speaker answers."""
        ...

    async def reply(self, transcript: Transcript) -> AIMessage:
        """A message with tool calls to run, or the reply to the customer."""
        ...


@dataclass(frozen=True)
class ModelSpeaker:
    """A chat model with the agent's tools bound: it sees the prompt, history and transcript."""

    name: str
    model: Runnable[Any, Any]
    agent: Agent
    system: str = SYSTEM_PROMPT  # the shared prompt the agent's own is put in (`PromptSet`)

    async def reply(self, transcript: Transcript) -> AIMessage:
        """Ask the model; a provider's error inside a 200 raises (`graph.llm.check`)."""
        turn = transcript.turn
        if transcript.system is None:
            prompt = self.agent.prompt + (terms_note(turn.pending) if turn.pending else "")
            transcript.system = SystemMessage(self.system.format(
                agent_prompt=prompt, brief=json.dumps(turn.brief, default=str),
                memory=json.dumps(for_prompt(turn.memory), default=str, ensure_ascii=False),
                language=turn.language))
        # Terms waiting or prepared this turn: the reply will be the server's words, not these.
        rewritten = turn.pending is not None or confirmation_of(transcript.results) is not None
        message = await self.model.ainvoke([transcript.system, *turn.history, *transcript.messages],
                                           _UNSTREAMED if rewritten else None)
        return check(message)


@dataclass(frozen=True)
class Planner:
    """The offline planner as the last speaker: its plan as tool calls, then the rendered reply.

    It plans only on an empty transcript. After a model that failed once its tools had run, it
    reports what they did (`render`) rather than plan again: side effects are never repeated.
    """

    agent: Agent
    name: str = OFFLINE

    async def reply(self, transcript: Transcript) -> AIMessage:
        """The plan's tool calls the first time; the render of the results afterwards."""
        turn = transcript.turn
        calls = [] if transcript.results else self.agent.plan(turn)
        if not calls:
            return AIMessage(self.agent.render(turn, transcript.results))
        return AIMessage("", tool_calls=[
            {"name": name, "args": args, "id": f"offline-{i}", "type": "tool_call"}
            for i, (name, args) in enumerate(calls)])


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


async def model_reply(speaker: Speaker, transcript: Transcript) -> AIMessage:
    """The speaker's next message; a model's call is counted, with its outcome and tokens."""
    if speaker.name == OFFLINE:
        return await speaker.reply(transcript)
    try:
        reply = await speaker.reply(transcript)
    except Exception:
        metrics.MODEL_CALLS.labels(speaker.name, "error").inc()
        raise
    metrics.MODEL_CALLS.labels(speaker.name, "ok").inc()
    if reply.usage_metadata:
        metrics.MODEL_TOKENS.labels(speaker.name).inc(reply.usage_metadata["total_tokens"])
    return reply


async def converse(speaker: Speaker, transcript: Transcript, agent: Agent,
                   schemas: dict[str, BaseTool], ctx: ToolContext) -> None:
    """The tool loop: at most `MAX_TOOL_ROUNDS` rounds, then the server's own reply."""
    for _ in range(MAX_TOOL_ROUNDS):
        reply = await model_reply(speaker, transcript)
        usage = reply.usage_metadata
        transcript.tokens += usage["total_tokens"] if usage else 0
        if not reply.tool_calls:
            transcript.messages.append(reply)
            return
        round_: list[AnyMessage] = [reply]
        for call in reply.tool_calls:
            result = await run_tool(agent, schemas, ctx, call["name"], call["args"])
            transcript.results.append(result)
            round_.append(ToolMessage(json.dumps(result, default=str),
                                      tool_call_id=call["id"] or "", name=call["name"]))
        transcript.messages.extend(round_)
    transcript.messages.append(AIMessage(agent.render(transcript.turn, transcript.results)))


async def answer(speakers: Sequence[Speaker], transcript: Transcript, agent: Agent,
                 schemas: dict[str, BaseTool], ctx: ToolContext) -> tuple[str, bool]:
    """Each speaker in turn until one answers; who did, and whether the planner planned.

    The planner is last and never fails, so every turn is answered.
    """
    for speaker in speakers:
        reported = bool(transcript.results)  # tools a failed model ran: the planner reports
        try:
            await converse(speaker, transcript, agent, schemas, ctx)
        except ConnectionFailure:
            raise
        except Exception as exc:  # a provider's failure of any kind: try the next one
            if speaker.name == OFFLINE:
                raise
            log.warning("%s failed for %s: %s", speaker.name, agent.name, type(exc).__name__)
            metrics.MODEL_FAILOVERS.labels(speaker.name).inc()
            continue
        return speaker.name, speaker.name == OFFLINE and not reported
    raise RuntimeError("no speaker answered")  # unreachable: the planner is always last
