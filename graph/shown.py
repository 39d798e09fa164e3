"""What a streaming client has been shown of a turn's reply (`graph.session.stream_turn`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

from langchain_core.messages import AIMessage, AIMessageChunk


@dataclasses.dataclass
class Shown:
    """What a streaming client has been shown of the reply since its last reset."""

    text: str = ""
    message: str | None = None  # the id of the model message being shown
    calls: set[str] = dataclasses.field(default_factory=set)  # messages that became tool calls

    def _reset(self, message: str | None) -> Iterator[tuple[str, dict[str, Any]]]:
        if self.text:
            yield "reset", {}
        self.text, self.message = "", message

    def token(self, chunk: AIMessageChunk) -> Iterator[tuple[str, dict[str, Any]]]:
        """A model's streamed piece: shown if it is text of a reply, not of tool calls."""
        if chunk.id in self.calls:
            return
        if chunk.tool_call_chunks:  # words said before calling tools are not the reply
            self.calls.add(chunk.id or "")
            if chunk.id == self.message:
                yield from self._reset(None)
            return
        text = chunk.text
        if not text:
            return
        if chunk.id != self.message:  # another model call: what the last one said is not it
            yield from self._reset(chunk.id)
        self.text += text
        yield "token", {"text": text}

    def reply(self, update: Any) -> Iterator[tuple[str, dict[str, Any]]]:
        """A node's reply in one piece, unless it is what the streamed tokens already said."""
        messages = update.get("messages") if isinstance(update, dict) else None
        replies = [m for m in messages or () if isinstance(m, AIMessage) and not m.tool_calls]
        if not replies or replies[-1].text == self.text:
            return
        yield from self._reset(replies[-1].id)
        self.text = replies[-1].text
        yield "token", {"text": self.text}
