"""Fake LLM providers in their real wire formats, served through respx.

OpenRouter is OpenAI-compatible: `POST {base}/chat/completions` answered with `chat.completion`
JSON. Ollama is `POST {base}/api/chat` answered with NDJSON (the client streams by default).

The `openai` SDK (3.x) sends through `httpx2`, which respx does not patch; `HTTPX2Mocker` routes
httpx2 requests through the same respx router as plain httpx (Ollama's client), so one
`respx.mock(assert_all_mocked=True)` covers both providers and refuses everything else.
"""

from __future__ import annotations

import itertools
import json
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import httpx2
import respx
from respx.mocks import Mocker

OPENROUTER_URL = "http://openrouter.test/api/v1"
OLLAMA_URL = "http://ollama.test:11434"
_ids = itertools.count(1)

Body = dict[str, Any]


class HTTPX2Mocker(Mocker):
    """Send httpx2 (openai SDK) traffic through the registered respx routers."""

    name = "httpx2"
    targets = ["httpx2._client.Client", "httpx2._client.AsyncClient"]
    target_methods = ["_transport_for_url"]

    @classmethod
    def mock(cls, spec: Any) -> Any:
        def _transport_for_url(self: Any, *args: Any, **kwargs: Any) -> httpx2.MockTransport:
            return httpx2.MockTransport(cls._bridge)

        return _transport_for_url

    @classmethod
    async def _bridge(cls, request: httpx2.Request) -> httpx2.Response:
        plain = httpx.Request(request.method, str(request.url), headers=request.headers.raw,
                              content=request.content)
        try:
            response = await cls.async_handler(plain)
        except httpx.TransportError as exc:  # respx side effects raise httpx's exceptions
            raise getattr(httpx2, type(exc).__name__, httpx2.TransportError)(
                str(exc), request=request) from exc
        if response is None:
            raise AssertionError(f"no route for {request.method} {request.url}")
        body = await response.aread()
        return httpx2.Response(response.status_code, headers=response.headers.raw, content=body)


@contextmanager
def mock_providers() -> Iterator[respx.MockRouter]:
    """One respx router for httpx and httpx2; any unrouted request fails the test."""
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as router:
        HTTPX2Mocker.register(router)
        HTTPX2Mocker.start()
        try:
            yield router
        finally:
            HTTPX2Mocker.unregister(router)
            HTTPX2Mocker.stop()


def body_of(request: httpx.Request) -> Body:
    """The JSON a provider was sent."""
    value: Body = json.loads(request.content)
    return value


# --- OpenRouter (OpenAI chat completions) -------------------------------------------------

def openai_tool_call(name: str, args: dict[str, Any], call_id: str | None = None) -> Body:
    """One entry of `message.tool_calls`: arguments are a JSON string."""
    return {"id": call_id or f"call_{next(_ids):06d}", "type": "function",
            "function": {"name": name, "arguments": json.dumps(args)}}


def completion(content: str | None = None, tool_calls: list[Body] | None = None,
               model: str = "openai/gpt-4o-mini") -> Body:
    """A `chat.completion` object as OpenRouter returns it."""
    message: Body = {"role": "assistant", "content": content}
    if tool_calls:
        message["tool_calls"] = tool_calls
    return {
        "id": f"gen-{next(_ids)}", "object": "chat.completion", "created": int(time.time()),
        "model": model, "provider": "OpenAI",
        "choices": [{"index": 0, "message": message, "logprobs": None,
                     "finish_reason": "tool_calls" if tool_calls else "stop",
                     "native_finish_reason": "tool_calls" if tool_calls else "stop"}],
        "usage": {"prompt_tokens": 120, "completion_tokens": 20, "total_tokens": 140},
    }


def completion_chunks(body: Body) -> list[Body]:
    """A `chat.completion` as OpenRouter streams it: `chat.completion.chunk` objects.

    The content comes a word at a time, then each tool call (its id and name, then its
    arguments), then the finish reason, then the usage in a chunk with no choices (asked for
    with `stream_options.include_usage`). An error object is kept on the last chunk.
    """
    choice = body["choices"][0]
    message = choice.get("message") or {}
    head = {"id": body["id"], "object": "chat.completion.chunk", "created": body["created"],
            "model": body["model"], "provider": body.get("provider", "OpenAI")}

    def chunk(delta: Body, finish: str | None = None, **extra: Any) -> Body:
        return {**head, "choices": [{"index": 0, "delta": delta, "finish_reason": finish,
                                     "native_finish_reason": finish, "logprobs": None}],
                **extra}

    chunks = [chunk({"role": "assistant", "content": ""})]
    chunks += [chunk({"content": word}) for word in re.findall(r"\S+\s*|\s+",
                                                               message.get("content") or "")]
    for index, call in enumerate(message.get("tool_calls") or []):
        chunks.append(chunk({"tool_calls": [{"index": index, "id": call["id"], "type": "function",
                                             "function": {"name": call["function"]["name"],
                                                          "arguments": ""}}]}))
        chunks.append(chunk({"tool_calls": [{"index": index, "function": {
            "arguments": call["function"]["arguments"]}}]}))
    extra = {"error": choice["error"]} if choice.get("error") else {}
    chunks.append(chunk({}, choice.get("finish_reason") or "stop", **extra))
    if usage := body.get("usage"):
        chunks.append({**head, "choices": [], "usage": usage})
    return chunks


def sse(chunks: list[Body]) -> httpx.Response:
    """Server-sent events as OpenRouter sends them: a keep-alive comment, `data:` lines, [DONE]."""
    lines = [": OPENROUTER PROCESSING\n\n", *(f"data: {json.dumps(c)}\n\n" for c in chunks),
             "data: [DONE]\n\n"]
    return httpx.Response(200, content="".join(lines).encode(),
                          headers={"content-type": "text/event-stream"})


def streamed(response: httpx.Response) -> httpx.Response:
    """`response` as the same API streams it, when it is a chat completion; else unchanged."""
    if (response.status_code != 200
            or not response.headers.get("content-type", "").startswith("application/json")):
        return response
    body = json.loads(response.content)
    if body.get("object") != "chat.completion":
        return response  # an error object: OpenRouter sends it as JSON even when asked to stream
    return sse(completion_chunks(body))


def openrouter_error(message: str = "upstream error", code: int = 502) -> Body:
    """The error object OpenRouter sends with status 200 when the upstream fails mid-request."""
    return {"error": {"message": message, "code": code, "metadata": {"provider_name": "X"}}}


# --- Ollama (/api/chat) -------------------------------------------------------------------

def ollama_tool_call(name: str, args: dict[str, Any]) -> Body:
    """One entry of Ollama's `message.tool_calls`: arguments are an object, there is no id."""
    return {"function": {"name": name, "arguments": args}}


def ollama_chat(content: str = "", tool_calls: list[Body] | None = None,
                model: str = "llama3.1", stream: bool = True) -> httpx.Response:
    """Ollama's answer: NDJSON chunks then a `done` line when streaming, else one object."""
    created = "2025-01-01T00:00:00.000000Z"
    message: Body = {"role": "assistant", "content": content}
    if tool_calls:
        message["tool_calls"] = tool_calls
    done: Body = {"model": model, "created_at": created, "done": True, "done_reason": "stop",
                  "total_duration": 1_000_000, "load_duration": 1000, "prompt_eval_count": 90,
                  "prompt_eval_duration": 1000, "eval_count": 12, "eval_duration": 1000}
    if not stream:
        return httpx.Response(200, json={**done, "message": message})
    lines = [{"model": model, "created_at": created, "message": message, "done": False},
             {**done, "message": {"role": "assistant", "content": ""}}]
    return httpx.Response(200, content="".join(json.dumps(line) + "\n" for line in lines),
                          headers={"content-type": "application/x-ndjson"})


# --- Scripting ----------------------------------------------------------------------------

Answer = Callable[[Body], httpx.Response]
Step = httpx.Response | Answer | type[Exception]


def openai_problem(body: Body) -> str | None:
    """What OpenAI-compatible APIs reject with a 400, in their words; None when acceptable."""
    if "tools" in body and not body["tools"]:
        return ("Invalid 'tools': empty array. Expected an array with minimum length 1, "
                "but got an empty array instead.")
    messages = body.get("messages") or []
    if not messages:
        return "Invalid 'messages': empty array."
    answered: set[str] = set()
    open_calls: set[str] = set()
    for message in messages:
        if message.get("role") == "tool":
            if message.get("tool_call_id") not in open_calls:
                return ("Invalid parameter: messages with role 'tool' must be a response to a "
                        "preceeding message with 'tool_calls'.")
            answered.add(message["tool_call_id"])
            continue
        if missing := open_calls - answered:
            return ("An assistant message with 'tool_calls' must be followed by tool messages "
                    f"responding to each 'tool_call_id'. Missing: {sorted(missing)}")
        open_calls, answered = set(), set()
        if message.get("role") == "assistant":
            open_calls = {call["id"] for call in message.get("tool_calls") or []}
    if missing := open_calls - answered:
        return f"tool_call_ids did not have response messages: {sorted(missing)}"
    return None


class Provider:
    """A respx side effect that records every body sent and answers from a script.

    `script` steps are used in order: a response, a callable of the request body, or an
    exception class to raise (e.g. `httpx.ReadTimeout`). When the script runs out, `default`
    answers; with no default an unexpected call fails the test. `validate` returns the reason a
    body is rejected, which is answered with a 400 like the real API's, and recorded.
    """

    def __init__(self, script: list[Step] | None = None, default: Answer | None = None,
                 validate: Callable[[Body], str | None] | None = None) -> None:
        self.script = list(script or [])
        self.default = default
        self.validate = validate
        self.bodies: list[Body] = []
        self.rejected: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = body_of(request)
        self.bodies.append(body)
        if self.validate is not None and (problem := self.validate(body)):
            self.rejected.append(problem)
            return httpx.Response(400, json={"error": {"message": problem, "code": 400}})
        step: Step
        if self.script:
            step = self.script.pop(0)
        elif self.default is not None:
            step = self.default
        else:
            raise AssertionError(f"unexpected provider call: {json.dumps(body)[:300]}")
        if isinstance(step, type):  # an httpx exception class, e.g. httpx.ReadTimeout
            raise step("scripted failure", request=request)  # type: ignore[call-arg]
        response = step if isinstance(step, httpx.Response) else step(body)
        # Asked to stream (the `/chat/stream` path), OpenRouter answers in server-sent events.
        return streamed(response) if body.get("stream") else response

    @property
    def agent_bodies(self) -> list[Body]:
        """Requests made by agents, not by the router's structured-output call."""
        return [b for b in self.bodies if not b.get("response_format") and not b.get("format")]


def ok(body: Body) -> httpx.Response:
    """A 200 carrying `body` as JSON."""
    return httpx.Response(200, json=body)
