"""The supervisor: routes each message with a fast local classifier, or an LLM when unsure."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
from langgraph.graph import END
from langgraph.runtime import Runtime
from langgraph.types import Command
from pydantic import BaseModel

from graph.agents.base import latest_text
from graph.classifier import RouteClassifier
from graph.confirmation import is_bare_answer
from graph.context import Context
from graph.i18n import gettext_for
from graph.language import detect
from graph.llm import NamedModel
from graph.prompts import ROUTER_PROMPT
from graph.routes import Route
from graph.state import State
from graph.till import STAFF_CHANNEL, STAFF_ONLY_REPLY, asks_for_till_work

log = logging.getLogger(__name__)

CONFIDENT = 0.55
FOLLOW_UP = re.compile(
    r"^\s*(yes|yeah|yep|no|nope|ok|okay|sure|that one|this one|the (first|second|third|fourth|"
    r"fifth|last|1st|2nd|3rd) one|what about|how about|and (in|with|for|the)|in (black|white|"
    r"blue|red|green|silver|grey|gray)|cheaper|something cheaper|bigger|smaller|another|more "
    r"like|tell me more|more details)\b",
    re.IGNORECASE,
)


class RouteChoice(BaseModel):
    """The route an LLM picks for a message."""

    route: Route


@dataclass(frozen=True)
class Decision:
    """Where a message goes, how sure the router is, and which stage decided."""

    route: Route
    confidence: float
    by: str


@dataclass(frozen=True)
class Router:
    """Two stages: the local classifier, then (when unsure and a model exists) an LLM."""

    classifier: RouteClassifier
    models: Sequence[NamedModel] = ()

    async def route(self, text: str, previous: Route | None = None) -> Decision:
        """Route one message; a short follow-up stays with the agent that is mid-task."""
        if previous is not None and previous != "general" and FOLLOW_UP.search(text) and len(
                text.split()) <= 8:
            return Decision(previous, 1.0, "follow_up")
        if previous is None and is_bare_answer(text):
            # A yes or no with nothing asked: never a reason to start a payment.
            return Decision("general", 1.0, "classifier")
        route, confidence = self.classifier.predict(text)
        if confidence >= CONFIDENT or not self.models:
            return Decision(route, confidence, "classifier")
        for named in self.models:
            try:
                chooser = named.model.with_structured_output(RouteChoice)
                choice = await chooser.ainvoke([SystemMessage(ROUTER_PROMPT), HumanMessage(text)])
                if isinstance(choice, RouteChoice):
                    return Decision(choice.route, 1.0, "llm")
            except Exception as exc:  # an unreachable model must not stop routing
                log.warning("routing with %s failed: %s", named.name, type(exc).__name__)
        return Decision(route, confidence, "classifier")


def make_supervisor(router: Router) -> Any:
    """The supervisor node: records the decision and hands the turn to that agent.

    The till's channel goes to the POS agent alone, and no customer channel ever reaches it:
    till work asked for there (by route or by its words) gets the staff-only answer, whatever a
    classifier or a model decided.
    """

    async def supervisor(state: State, runtime: Runtime[Context]) -> Command[Any]:
        if runtime.context.channel == STAFF_CHANNEL:
            return Command(goto="pos_adapter", update={"route": "pos_adapter",
                                                       "routed_by": "till"})
        text = latest_text(state["messages"])
        memory = state.get("memory") or {}
        language = detect(text, memory.get("language"))
        # Till words are answered before any model is asked to route them.
        decision = None if asks_for_till_work(text) else await router.route(
            text, state.get("route"))
        if decision is None or decision.route == "pos_adapter":
            return Command(goto=END, update={
                "messages": [AIMessage(gettext_for(language)(STAFF_ONLY_REPLY))],
                "route": "general", "routed_by": "staff_only", "actions": [],
                "answered_by": "offline", "memory": {"language": language}})
        return Command(goto=decision.route, update={
            "route": decision.route, "routed_by": decision.by, "memory": {"language": language}})

    return supervisor
