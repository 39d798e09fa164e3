"""The supervisor: routes each message by a local classifier, the session's memory and a model."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, SystemMessage
from langgraph.constants import TAG_NOSTREAM
from langgraph.graph import END
from langgraph.runtime import Runtime
from langgraph.types import Command, Send
from pydantic import BaseModel, Field

from graph.agents.base import latest_text
from graph.answers import answer_of
from graph.classifier import RouteClassifier, best
from graph.confirmation import is_bare_answer
from graph.context import Context
from graph.i18n import gettext_for
from graph.language import DEFAULT, Language, detect
from graph.llm import NamedModel
from graph.memory import Memory, for_prompt, merge
from graph.multi import Request, requests
from graph.policy_talk import ANSWERS_POLICY, asks_policy, follows_policy
from graph.prompts import ROUTER_PROMPT
from graph.route_context import (
    ELLIPTIC_PRIOR,
    TOPIC_PRIOR,
    elliptical,
    product_price,
    product_warranty,
    refers_back,
    request_part,
    subject,
    weigh,
)
from graph.routes import Route
from graph.state import State
from graph.till import STAFF_CHANNEL, STAFF_ONLY_REPLY, asks_for_till_work
from ops import metrics
from ops.turns import routed
from tools.glossary import with_english

log = logging.getLogger(__name__)

CONFIDENT = 0.55
# The previous turn as the routing model reads it: enough to resolve "it", never a transcript.
PREVIOUS_CHARS = 400
MULTI_NODE = "both"


class RouteChoice(BaseModel):
    """The route an LLM picks for a message, and the second one when it asks two things."""

    route: Route
    second: Route | None = Field(default=None, description=(
        "Only when the message makes a second, different request: that request's route."))


@dataclass(frozen=True)
class Decision:
    """Where a message goes, how sure the router is, and which stage decided.

    `requests` holds the two requests (route, words) when the message makes two; `route` is
    then the first one's.
    """

    route: Route
    confidence: float
    by: str
    requests: tuple[Request, ...] = ()


def previous_turn(messages: Sequence[AnyMessage]) -> dict[str, str]:
    """The customer's words and the reply of the turn before the newest message."""
    humans = [i for i, m in enumerate(messages) if isinstance(m, HumanMessage)]
    if len(humans) < 2:
        return {}
    start, end = humans[-2], humans[-1]
    replies = [m.text for m in messages[start + 1:end]
               if isinstance(m, AIMessage) and not m.tool_calls and m.text]
    turn = {"customer": messages[start].text[:PREVIOUS_CHARS]}
    if replies:
        turn["assistant"] = replies[-1][:PREVIOUS_CHARS]
    return turn


@dataclass(frozen=True)
class Router:
    """The local classifier weighed with the memory, then (when it should) an LLM."""

    classifier: RouteClassifier
    models: Sequence[NamedModel] = ()
    prompt: str = ROUTER_PROMPT  # what the routing model reads (`PromptSet.router`)

    def offline(self, text: str, memory: Memory | None = None,
                language: Language = DEFAULT) -> tuple[Decision, bool]:
        """The classifier's decision, and whether the message refers back to the memory."""
        memory = memory or {}
        topic = memory.get("topic")
        if answer_of(text) != "other" or is_bare_answer(text):
            # A yes, a no, an ok: an answer to the agent that spoke last, never a new request
            # (and with nothing asked, never a reason to start a payment).
            return Decision(topic if topic and topic != "general" else "general", 1.0,
                            "follow_up"), True
        if follows_policy(text, language, memory):  # stays with the agent that answered
            return Decision(memory.get("topic") or "general", 1.0, "policy"), True

        def scores_of(words: str) -> dict[Route, float]:
            # Shop words of other languages weigh as their English: "relojes para correr".
            return self.classifier.scores(with_english(request_part(words, language)))

        def route_of(words: str, scores: dict[Route, float] | None = None) -> tuple[Route, float]:
            scores = scores or scores_of(words)
            if topic is not None:
                # A pronoun names its subject ("is it in stock?"); a short unsure message with
                # none leaves it to the open topic, which then weighs double.
                points = refers_back(words, language)
                short = not points and elliptical(words, language, max(scores.values()))
                if short or points:
                    scores = weigh(scores, subject(words, language, memory), topic,
                                   ELLIPTIC_PRIOR if short else TOPIC_PRIOR)
            return best(scores)

        own = scores_of(text)
        sure = max(own.values())
        follows = topic is not None and (refers_back(text, language)
                                         or elliptical(text, language, sure))
        route, confidence = route_of(text, own)
        if product_warranty(text, language, memory) or product_price(text, language, memory,
                                                                      sure):
            # That product's months or price, not the shop's policy or delivery.
            return Decision("recommendation", 1.0, "context"), True
        if asks_policy(text, language):
            # A question about the shop's rules: answered from the policy by an agent that has
            # it, whatever product or order it mentions in passing; it prepares nothing.
            return Decision(route if route in ANSWERS_POLICY else "general", 1.0,
                            "policy"), follows
        found = requests(text, language, route_of)
        if found:
            return Decision(found[0][0], confidence, "classifier", tuple(found)), follows
        return Decision(route, confidence, "context" if follows else "classifier"), follows

    async def route(self, text: str, memory: Memory | None = None, language: Language = DEFAULT,
                    previous: dict[str, str] | None = None) -> Decision:
        """Route one message; with a model, it decides when the classifier may be wrong.

        The model is asked when the classifier is unsure, the message refers back, seems to make
        two requests, or is not in English; it sees the memory and the previous turn.
        An unreachable or unusable model never stops routing: the classifier's answer stands.
        """
        decision, follows = self.offline(text, memory, language)
        # Two requests found by the classifier are a guess too ("is it still under warranty?
        # It's my husband's order" is one): the model, when there is one, says whether.
        if decision.by == "follow_up" or not self.models or not (
                decision.confidence < CONFIDENT or follows or language != "en"
                or decision.requests):
            return decision
        prompt = self.prompt.format(
            memory=json.dumps(for_prompt(memory or {}), default=str, ensure_ascii=False),
            previous=json.dumps(previous or {}, ensure_ascii=False))
        for named in self.models:
            try:
                chooser = named.model.with_structured_output(RouteChoice)
                # Never streamed to the customer: the choice is the server's, not a reply.
                choice = await chooser.ainvoke([SystemMessage(prompt), HumanMessage(text)],
                                               {"tags": [TAG_NOSTREAM]})
            except Exception as exc:  # an unreachable model must not stop routing
                log.warning("routing with %s failed: %s", named.name, type(exc).__name__)
                metrics.MODEL_CALLS.labels(named.name, "error").inc()
                continue
            metrics.MODEL_CALLS.labels(named.name, "ok").inc()
            if isinstance(choice, RouteChoice):
                if choice.second and choice.second != choice.route:
                    parts = decision.requests or ((choice.route, text), (choice.second, text))
                    return Decision(choice.route, 1.0, "llm",
                                    ((choice.route, parts[0][1]), (choice.second, parts[1][1])))
                return Decision(choice.route, 1.0, "llm")
        return decision


def make_supervisor(router: Router) -> Any:
    """The supervisor node: records the decision and hands the turn to that agent.

    The till's channel goes to the POS agent alone, and no customer channel ever reaches it:
    till work asked for there (by route or by its words) gets the staff-only answer, whatever a
    classifier or a model decided. Two requests go to the node that runs both agents
    (`graph.multi`); the state's `route` is then the first request's.
    """

    async def supervisor(state: State, runtime: Runtime[Context]) -> Command[Any]:
        if runtime.context.channel == STAFF_CHANNEL:
            routed("till", "pos_adapter")
            return Command(goto="pos_adapter", update={"route": "pos_adapter",
                                                       "routed_by": "till"})
        text = latest_text(state["messages"])
        memory = state.get("memory") or {}
        language = detect(text, memory.get("language"))
        # Till words are answered before any model is asked to route them.
        decision = None if asks_for_till_work(text) else await router.route(
            text, memory, language, previous_turn(state["messages"]))
        if decision is None or "pos_adapter" in (
                decision.route, *(route for route, _ in decision.requests)):
            routed("staff_only", "general")
            return Command(goto=END, update={
                "messages": [AIMessage(gettext_for(language)(STAFF_ONLY_REPLY))],
                "route": "general", "routed_by": "staff_only", "actions": [],
                "answered_by": "offline", "memory": {"language": language}})
        if runtime.context.trace is not None:
            runtime.context.trace.confidence = decision.confidence
        routed(decision.by, decision.route)
        update = {"route": decision.route, "routed_by": decision.by,
                  "memory": {"language": language}}
        if decision.requests:
            both = {**state, **update, "memory": merge(memory, {"language": language}),
                    "requests": list(decision.requests)}
            return Command(goto=Send(MULTI_NODE, both), update=update)
        return Command(goto=decision.route, update=update)

    return supervisor
