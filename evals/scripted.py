"""A chat model that answers from a script: what an obedient (or a disobedient) model would say."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import RunnableLambda

_ids = itertools.count(1)
# Said when a turn's script has run out: a model that has nothing more to call.
FALLBACK = "Is there anything else I can help you with?"


def message_of(step: dict[str, Any]) -> AIMessage:
    """One scripted answer: `{"calls": [{"name", "args"}]}` or `{"text": str}`."""
    calls = [{"name": c["name"], "args": c.get("args", {}), "id": f"scripted-{next(_ids)}",
              "type": "tool_call"} for c in step.get("calls", [])]
    return AIMessage(step.get("text", ""), tool_calls=calls,
                     usage_metadata={"input_tokens": 100, "output_tokens": 20,
                                     "total_tokens": 120})


class ScriptedChat(BaseChatModel):
    """Answers each model call of a turn with the next step of that turn's script.

    The runner sets `script` before each turn; tools are bound by the agents but the script
    decides what is called, as a model given those tools would.
    """

    script: list[dict[str, Any]] = []
    calls: int = 0

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def load(self, steps: Sequence[dict[str, Any]]) -> None:
        """The answers for the next turn, in order."""
        self.script = list(steps)

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> Any:
        """The script already knows the tools' names."""
        return self

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: Any = None, **kwargs: Any) -> ChatResult:
        self.calls += 1
        step = self.script.pop(0) if self.script else {"text": FALLBACK}
        return ChatResult(generations=[ChatGeneration(message=message_of(step))])


class ScriptedRouter(BaseChatModel):
    """The router's model: asked for a route, it names the one the turn expects (if any).

    An obedient model picks the agent that can answer; when the turn expects no particular
    route it gives no answer, and the router keeps its classifier's choice.
    """

    route: str | None = None

    @property
    def _llm_type(self) -> str:
        return "scripted-router"

    def with_structured_output(self, schema: Any, **kwargs: Any) -> Any:
        """A runnable that answers `schema(route=...)`, or None with no route to give."""
        return RunnableLambda(lambda _: schema(route=self.route) if self.route else None)

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: Any = None, **kwargs: Any) -> ChatResult:
        raise NotImplementedError("the router's model only answers structured routes")
