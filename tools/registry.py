"""The tools a model is offered for the domain functions, and the results of a refusal."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from langchain_core.tools import BaseTool, StructuredTool

ToolFn = Callable[..., Awaitable[dict[str, Any]]]


def error(message: str) -> dict[str, Any]:
    """A tool result the agent relays: bad input or a refusal, never an exception."""
    return {"type": "error", "message": message}


def not_found(what: str) -> dict[str, Any]:
    """The one answer for an id that does not exist and one the customer does not own."""
    return error(f"{what} not found")


@functools.cache
def describe(fn: ToolFn) -> BaseTool:
    """The tool a model is offered for `fn(ctx, **model_args)`: only the arguments after `ctx`.

    The function's docstring (summary and Google `Args:`) is the description the model sees.
    Nothing runs this tool: the agent node validates the model's arguments against its schema
    and calls `fn` itself with the channel's identity (`graph.agents.base.run_tool`). Built once
    per function and shared by every graph (~15 ms of pydantic model building each).
    """

    async def offered(**kwargs: Any) -> dict[str, Any]:
        raise RuntimeError(f"{fn.__name__} is called by the agent node, not as a tool")

    signature = inspect.signature(fn)
    visible = list(signature.parameters.values())[1:]
    offered.__signature__ = signature.replace(parameters=visible)  # type: ignore[attr-defined]
    hints = inspect.get_annotations(fn, eval_str=True)
    offered.__annotations__ = {p.name: hints[p.name] for p in visible} | {
        "return": dict[str, Any]}
    offered.__name__ = fn.__name__
    offered.__doc__ = fn.__doc__
    return StructuredTool.from_function(coroutine=offered, parse_docstring=True)
