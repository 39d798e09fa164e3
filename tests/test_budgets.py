"""The daily model token budget per source (API key, channel) as well as per customer."""

from __future__ import annotations

import dataclasses
from typing import Any

from pydantic import SecretStr

from graph.budget import USAGE, usage_key
from graph.builder import build_graph
from graph.llm import build_models
from graph.session import run_turn
from tests.fakes import completion, mock_providers, ok
from tools.context import Services
from tools.store import Store

LAPTOP = "I need a laptop for coding under $1000"
COMPLETIONS = "http://openrouter.test/v1/chat/completions"


def _llm_graph(services: Services, checkpointer: Any, per_key: int) -> Any:
    settings = services.settings.model_copy(update={
        "openrouter_api_key": SecretStr("k"), "openrouter_base_url": "http://openrouter.test/v1",
        "llm_daily_tokens_per_customer": 10_000, "llm_daily_tokens_per_key": per_key})
    llm_services = dataclasses.replace(services, settings=settings)
    return build_graph(llm_services, build_models(settings)).compile(checkpointer=checkpointer)


async def test_a_key_past_its_daily_tokens_is_answered_offline_for_every_customer(
        services: Services, checkpointer: Any, seeded: Store) -> None:
    graph = _llm_graph(services, checkpointer, per_key=250)
    today = services.clock()
    with mock_providers() as router:  # each completion uses 140 tokens
        model = router.post(COMPLETIONS).mock(return_value=ok(completion("from the model")))
        answered = []
        for i in range(4):  # new customers each time: the customer budget never binds
            result = await run_turn(graph, customer_id=f"k-{i}", session_id="s", message="hello",
                                    source="key/abc")
            answered.append(result["answered_by"])
        other = await run_turn(graph, customer_id="k-other", session_id="s", message=LAPTOP,
                               source="key/def")
    # 0 and 140 tokens are under the key's 250; 280 is not: the offline path answers.
    assert answered == ["openrouter", "openrouter", "offline", "offline"]
    assert other["answered_by"] == "openrouter"  # another key has its own day
    assert model.call_count == 3
    usage = {doc["_id"]: doc["tokens"] async for doc in seeded.db[USAGE].find()}
    assert usage == {usage_key("key/abc", today): 280, usage_key("key/def", today): 140,
                     usage_key("k-0", today): 140, usage_key("k-1", today): 140,
                     usage_key("k-other", today): 140}


async def test_a_turn_without_a_source_is_held_to_the_customer_budget_only(
        services: Services, checkpointer: Any, seeded: Store) -> None:
    graph = _llm_graph(services, checkpointer, per_key=1)
    with mock_providers() as router:
        router.post(COMPLETIONS).mock(return_value=ok(completion("from the model")))
        result = await run_turn(graph, customer_id="studio-user", session_id="s", message="hello")
    assert result["answered_by"] == "openrouter"
    assert await seeded.db[USAGE].count_documents({"_id": {"$regex": "^key/"}}) == 0
