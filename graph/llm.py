"""The chat models in failover order: OpenRouter, then Ollama; none means offline."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx2
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage
from langchain_ollama import ChatOllama
from langchain_openai import ChatOpenAI
from openai import DefaultAioHttpClient

from settings import Settings

# The request fields LangChain has already written in the wire format (`_OpenRouterChat`).
_AS_BUILT = ("messages", "tools")


@dataclass(frozen=True)
class NamedModel:
    """A chat model and the name the response reports in `answered_by`."""

    name: str
    model: BaseChatModel


class ModelError(RuntimeError):
    """A provider answered, but with an error instead of a message (e.g. inside a 200)."""


@contextlib.asynccontextmanager
async def model_http() -> AsyncIterator[httpx2.AsyncClient]:
    """The HTTP client for OpenRouter calls: the `openai` SDK over aiohttp, closed on exit.

    Its README advises aiohttp for concurrency: the default httpx2 pool checks every idle
    connection each time it hands one out or takes one back, which at 200 sessions at once
    was a third of a one-node model turn's CPU (`bench.load`, profiled with py-spy).
    """
    async with DefaultAioHttpClient() as client:
        yield client


class _OpenRouterChat(ChatOpenAI):
    """ChatOpenAI whose messages and tools reach the wire as LangChain wrote them.

    The `openai` SDK walks every key of a request against its type hints before it sends it: 0.55
    ms of CPU for an agent's request (system prompt, message, three tools), 0.09 ms without its
    messages and tools (timed one-off, 2,000 calls each). LangChain has already converted both
    to the API's format, so they go in `extra_body`, which the SDK sends as it is (`messages`
    stays as an empty list, which `create()` requires and `extra_body` replaces). Structured
    output (`parse()`) reads `messages` and `tools` itself and is left as it is. The body on the
    wire is the same: `tests/test_graph_llm.py` checks it field by field.
    """

    def _get_request_payload(self, input_: LanguageModelInput, *, stop: list[str] | None = None,
                             **kwargs: Any) -> dict[str, Any]:
        payload: dict[str, Any] = super()._get_request_payload(input_, stop=stop, **kwargs)
        if "response_format" in payload or self._use_responses_api(payload):
            return payload
        built = {key: payload.pop(key) for key in _AS_BUILT if key in payload}
        return payload | {"messages": [], "extra_body": {**(payload.get("extra_body") or {}),
                                                         **built}}


def build_models(settings: Settings, http: httpx2.AsyncClient | None = None
                 ) -> list[NamedModel]:
    """Configured models, primary first; each with a timeout, one retry and `max_tokens`.

    Args:
        settings: The product's settings.
        http: The client OpenRouter calls go through (`model_http`); the SDK's own if None.
    """
    models: list[NamedModel] = []
    if settings.openrouter_api_key is not None:
        models.append(NamedModel("openrouter", _OpenRouterChat(
            model=settings.openrouter_model,
            base_url=settings.openrouter_base_url,
            api_key=settings.openrouter_api_key,
            timeout=settings.llm_timeout_s,
            max_retries=1,
            max_tokens=settings.llm_max_tokens,  # type: ignore[call-arg]
            temperature=0,
            http_async_client=http,
        )))
    if settings.ollama_base_url:
        models.append(NamedModel("ollama", ChatOllama(
            model=settings.ollama_model,
            base_url=settings.ollama_base_url,
            num_predict=settings.llm_max_tokens,
            temperature=0,
            client_kwargs={"timeout": settings.llm_timeout_s},
        )))
    return models


def check(message: AIMessage) -> AIMessage:
    """Raise when a provider's 200 carried an error rather than an answer."""
    meta = message.response_metadata or {}
    if meta.get("finish_reason") == "error" or meta.get("error"):
        raise ModelError(str(meta.get("error") or "the provider reported an error"))
    if not message.content and not message.tool_calls:
        raise ModelError("the provider returned an empty message")
    return message
