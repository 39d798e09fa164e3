"""Cap a conversation at its newest messages without ever orphaning a tool result."""

from __future__ import annotations

from collections.abc import Sequence

from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, ToolMessage

MAX_MESSAGES = 5


def _is_tool_traffic(message: AnyMessage) -> bool:
    return isinstance(message, ToolMessage) or (
        isinstance(message, AIMessage) and bool(message.tool_calls))


def keep_last(messages: Sequence[AnyMessage], limit: int = MAX_MESSAGES) -> list[AnyMessage]:
    """The newest messages, at most `limit`, starting at a human message.

    Starting at a human message means a tool result is never kept without the AI message that
    called it. When the newest turn alone is longer than `limit`, its tool calls and results
    are dropped together and the customer's words and the final answer are kept.
    """
    humans = [i for i, m in enumerate(messages) if isinstance(m, HumanMessage)]
    for start in humans:
        if len(messages) - start <= limit:
            return list(messages[start:])
    start = humans[-1] if humans else 0
    talk = [m for m in messages[start:] if not _is_tool_traffic(m)]
    return talk[-limit:]
