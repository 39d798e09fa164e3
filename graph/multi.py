"""Two requests in one message: find them, and run both agents in the one turn, in order.

"Where's my order and how many points do I have" is split where a joining word or a sentence's
end leaves two requests that the classifier files under two routes, each sure of its own. The
turn then runs the first request's agent, then the second's, each reading its own part of the
message, and answers both in one reply.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Literal

from langchain_core.messages import AIMessage, AnyMessage, HumanMessage
from langgraph.runtime import Runtime
from langgraph.types import Command

from graph.context import Context, tool_context
from graph.i18n import N_, gettext_for
from graph.language import Language
from graph.memory import merge
from graph.route_context import cues
from graph.routes import Route
from graph.state import State
from tools import confirm as confirmations
from tools.context import Services

# Each part must be this sure of its route, and hold this many words, to count as a request.
PART_CONFIDENT = 0.55
PART_WORDS = 2
_SENTENCE_END = re.compile(r"(?<=[?!.;])\s+|\s*[?!;]\s*(?=\S)")
ONE_AT_A_TIME = N_("I can prepare one payment or redemption at a time: answer the one above, "
                   "then ask me again for the other.")
Node = Callable[[State, Runtime[Context]], Awaitable[Command[Any]]]
Request = tuple[Route, str]


def _cuts(text: str, language: Language) -> list[tuple[int, int]]:
    """Where the message could be cut in two: each joining word, each sentence's end."""
    spots = [(m.start(), m.end()) for m in cues("join", language).finditer(text)]
    spots += [(m.start(), m.end()) for m in _SENTENCE_END.finditer(text.rstrip(" ?!.;"))]
    return sorted(spots)


def requests(text: str, language: Language, route_of: Callable[[str], tuple[Route, float]]
             ) -> list[Request] | None:
    """The two requests of a message and their routes, or None when it makes one request.

    The first cut that leaves two parts, each of `PART_WORDS` words at least and each routed
    with `PART_CONFIDENT` to a route of its own, wins: "a laptop and a mouse" is one request
    (one route), "where is my order and how many points do I have" two. Two parts of one route
    are two requests when each opens with a question word ("is it under warranty, and can I
    still return it?"); the agent then answers each in turn.

    Args:
        text: The customer's message.
        language: Its language, whose joining words are cut at.
        route_of: Routes one part, as the whole message would be (memory included).
    """
    for start, end in _cuts(text, language):
        left, right = text[:start].strip(" ,"), text[end:].strip(" ,")
        if len(left.split()) < PART_WORDS or len(right.split()) < PART_WORDS:
            continue
        (first, sure_first), (second, sure_second) = route_of(left), route_of(right)
        if min(sure_first, sure_second) < PART_CONFIDENT:
            continue
        if first != second or (_asks(left, language) and _asks(right, language)):
            return [(first, left), (second, right)]
    return None


def _asks(part: str, language: Language) -> bool:
    """The part opens with a question word: a request of its own, whoever answers it."""
    return cues("ask", language).match(part.lstrip(" ,¿¡")) is not None


def _asking(messages: list[AnyMessage], part: str) -> list[AnyMessage]:
    """The conversation as one agent reads it: its own part as the customer's newest words."""
    last = max(i for i, m in enumerate(messages) if isinstance(m, HumanMessage))
    return [*messages[:last], HumanMessage(part, id=messages[last].id)]


def _repeats(route: Route, done: list[dict[str, Any]], reply: str,
             answered: list[tuple[Route, list[Any], str]]) -> bool:
    """The agent answered the second part as it did the first: say it once."""
    kinds = [a.get("type") for a in done]
    return any(route == was and (reply == said or (kinds and kinds == types))
               for was, types, said in answered)


def make_multi_node(agents: Mapping[Route, Node], services: Services) -> Node:
    """The node that answers two requests: each agent in turn, one reply, one pending move.

    The state's `route` stays the first request's (set by the supervisor); the memory learns
    from both, the second last. Only one money or points move waits for a yes at a time: when
    both agents prepare one, the second is declined on the server at once (nothing can move)
    and the reply asks the customer to ask for it again.
    """

    async def both(state: State, runtime: Runtime[Context]) -> Command[Any]:
        # The Send from the supervisor carries the requests beside the state.
        asked: list[Request] = state.get("requests", [])  # type: ignore[typeddict-item,assignment]
        messages = list(state["messages"])
        memory = state.get("memory") or {}
        replies: list[str] = []
        traffic: list[AnyMessage] = []
        actions: list[dict[str, Any]] = []
        pending: Any = None
        answered_by = ""
        answered: list[tuple[Route, list[Any], str]] = []
        for route, part in asked:
            view: State = {"messages": _asking(messages, part), "memory": memory,
                           "route": route, "pending": None}
            command = await agents[route](view, runtime)
            update: dict[str, Any] = command.update  # type: ignore[assignment]
            said: list[AnyMessage] = update.get("messages", [])
            done = list(update.get("actions", []))
            reply = said[-1].text if said else ""
            if update.get("pending"):
                if pending is None:
                    pending = update["pending"]
                else:
                    ctx = tool_context(services, runtime.context)
                    await confirmations.decline(ctx, update["pending"]["confirmation_id"])
                    done = [a for a in done if not a.get("confirmation_id")]
                    reply = gettext_for(memory.get("language"))(ONE_AT_A_TIME)
            traffic.extend(said[:-1])
            if not _repeats(route, done, reply, answered):
                replies.append(reply)
                actions.extend(done)
            answered.append((route, [a.get("type") for a in done], reply))
            memory = merge(memory, update.get("memory"))
            answered_by = answered_by or str(update.get("answered_by", "offline"))
        goto: Literal["confirm", "__end__"] = "confirm" if pending else "__end__"
        return Command(goto=goto, update={
            "messages": [*traffic, AIMessage("\n\n".join(r for r in replies if r))],
            "actions": actions, "answered_by": answered_by, "pending": pending,
            "memory": memory})

    return both
