"""Turn the domain functions into LangChain tools that take identity from the run-time context."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from langchain_core.tools import BaseTool, StructuredTool
from langgraph.prebuilt import ToolRuntime

from tools.context import Services, ToolContext

ToolFn = Callable[..., Awaitable[dict[str, Any]]]


def error(message: str) -> dict[str, Any]:
    """A tool result the agent relays: bad input or a refusal, never an exception."""
    return {"type": "error", "message": message}


def not_found(what: str) -> dict[str, Any]:
    """The one answer for an id that does not exist and one the customer does not own."""
    return error(f"{what} not found")


def context_from_runtime(services: Services, runtime: ToolRuntime[Any, Any]) -> ToolContext:
    """Who is asking: the graph's run-time context, set by the channel."""
    ctx = runtime.context
    return ToolContext(services=services, customer_id=ctx.customer_id, channel=ctx.channel,
                       session_id=ctx.session_id, store_id=getattr(ctx, "store_id", None))


def make_tool(fn: ToolFn, services: Services) -> BaseTool:
    """Wrap `fn(ctx, **model_args)` as a tool: the model sees only the arguments after `ctx`.

    The function's docstring (summary and Google `Args:`) is the description the model sees.
    """

    async def run(runtime: ToolRuntime[Any, Any], **kwargs: Any) -> dict[str, Any]:
        return await fn(context_from_runtime(services, runtime), **kwargs)

    _as_visible(run, fn)
    # The schema and description come from `fn` alone: read once, then shared by every graph
    # (each costs ~15 ms of pydantic model building, ~0.3 s for the graph's tools).
    return _described(fn).model_copy(update={"coroutine": run})


def _as_visible(run: Callable[..., Any], fn: ToolFn) -> None:
    """Give `run` the signature, annotations, name and docstring the model should see."""
    signature = inspect.signature(fn)
    visible = list(signature.parameters.values())[1:]
    runtime_param = inspect.Parameter(
        "runtime", inspect.Parameter.KEYWORD_ONLY, annotation=ToolRuntime
    )
    run.__signature__ = signature.replace(parameters=[*visible, runtime_param])  # type: ignore[attr-defined]
    hints = inspect.get_annotations(fn, eval_str=True)
    run.__annotations__ = {p.name: hints[p.name] for p in visible} | {
        "runtime": ToolRuntime, "return": dict[str, Any]}
    run.__name__ = fn.__name__
    run.__doc__ = fn.__doc__


@functools.cache
def _described(fn: ToolFn) -> StructuredTool:
    """The tool of `fn` with no services behind it: its schema and description."""

    async def unbound(runtime: ToolRuntime[Any, Any], **kwargs: Any) -> dict[str, Any]:
        raise RuntimeError("a described tool is copied with a coroutine before it is used")

    _as_visible(unbound, fn)
    return StructuredTool.from_function(coroutine=unbound, parse_docstring=True)
