"""The chat models in failover order: OpenRouter, then Ollama; none means offline."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx2
from langchain_core.callbacks import AsyncCallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatResult
from langchain_ollama import ChatOllama
from langchain_openai import ChatOpenAI
from openai import DefaultAioHttpClient

from settings import Settings

# Request keys that only the SDK's `create()` or `parse()` knows how to send (`_OpenRouterChat`).
_SDK_OPTIONS = {"response_format", "extra_body", "extra_headers", "extra_query", "timeout"}


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
    """ChatOpenAI whose plain chat completions skip the `openai` SDK's typed layers.

    For a reply with no structured output and no streaming, the request LangChain built (already
    in the wire format) is posted as it is through the SDK's client, which keeps its timeout,
    retry and error types, and the JSON answer goes straight to LangChain's own parser. Skipped,
    per agent request: the SDK's walk of the body against its type hints (0.55 ms of CPU for a
    system prompt, a message and three tools), building the typed `ChatCompletion` and dumping it
    back to a dict, and the hop to a thread pool LangChain makes for that. Structured output, the
    Responses API and streaming go through ChatOpenAI unchanged. The body on the wire is the
    same: `tests/test_graph_llm.py` checks it field by field.
    """

    async def _agenerate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                         run_manager: AsyncCallbackManagerForLLMRun | None = None,
                         **kwargs: Any) -> ChatResult:
        payload = self._get_request_payload(messages, stop=stop, **kwargs)
        if (payload.get("stream") or set(payload) & _SDK_OPTIONS
                or self._use_responses_api(payload)):
            return await super()._agenerate(messages, stop, run_manager, **kwargs)
        answer = await self.root_async_client.post("/chat/completions", body=payload,
                                                   cast_to=object)
        return self._create_chat_result(answer)


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
            # Streamed calls (`/chat/stream`) report their tokens too, for the daily budgets:
            # LangChain asks for usage by itself only on OpenAI's own URL and client.
            stream_usage=True,
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
