import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import httpx
import respx
from pydantic import SecretStr

from tests.test_orders import at
from tools.calls import initiate_call
from tools.context import ToolContext

NOW = datetime(2025, 6, 6, 10, 0, tzinfo=UTC)
CALLS_URL = "https://voice.test/v1/calls"


def with_provider(ctx: ToolContext, **settings: Any) -> ToolContext:
    """The customer at NOW, with the voice provider configured."""
    update = {"superu_api_base_url": "https://voice.test/", "superu_api_key": SecretStr("sk-v")}
    configured = ctx.services.settings.model_copy(update=update | settings)
    return at(replace(ctx, services=replace(ctx.services, settings=configured)), NOW)


async def test_call_is_queued_when_no_provider_is_configured(alice: ToolContext) -> None:
    result = await initiate_call(at(alice, NOW), "abandoned_cart")
    assert result == {"type": "call_scheduled", "call_id": result["call_id"], "status": "queued",
                      "purpose": "abandoned_cart", "scheduled_for": NOW.isoformat(),
                      "timezone": "America/New_York", "local_time": "2025-06-06T06:00:00-04:00"}
    job = await alice.store.call_jobs.find_one({"call_id": result["call_id"]})
    assert job is not None and job["call_id"].startswith("CALL-")
    assert job["phone"] == "+15550000001" and job["customer_id"] == "demo-alice"
    assert job["status"] == "queued" and job["scheduled_for"] == NOW


@respx.mock
async def test_call_request_sent_to_provider_and_stored(alice: ToolContext) -> None:
    route = respx.post(CALLS_URL).mock(
        return_value=httpx.Response(201, json={"id": "prov-42", "status": "scheduled"}))
    result = await initiate_call(with_provider(alice), "promotion", "2025-06-07T15:30:00Z")
    assert result["status"] == "scheduled"
    assert result["scheduled_for"] == "2025-06-07T15:30:00+00:00"
    request = route.calls.last.request
    assert request.headers["Authorization"] == "Bearer sk-v"
    assert json.loads(request.content) == {
        "to": "+15550000001", "purpose": "promotion", "scheduled_at": "2025-06-07T15:30:00+00:00",
        "metadata": {"customer_id": "demo-alice", "call_job_id": result["call_id"]}}
    job = await alice.store.call_jobs.find_one({"call_id": result["call_id"]})
    assert job is not None
    assert (job["status"], job["provider_id"]) == ("scheduled", "prov-42")


@respx.mock(assert_all_called=False)
async def test_do_not_call_refuses_proactive_calls_without_any_request(
        alice: ToolContext) -> None:
    await alice.store.customers.update_one({"_id": "demo-alice"}, {"$set": {"do_not_call": True}})
    route = respx.post(CALLS_URL).mock(return_value=httpx.Response(201, json={"id": "p"}))
    for purpose in ("abandoned_cart", "promotion"):
        result = await initiate_call(with_provider(alice), purpose)
        assert result["type"] == "error" and "not to be called" in result["message"]
    assert route.call_count == 0
    assert await alice.store.call_jobs.count_documents({}) == 0


@respx.mock
async def test_do_not_call_still_allows_a_requested_callback(alice: ToolContext) -> None:
    await alice.store.customers.update_one({"_id": "demo-alice"}, {"$set": {"do_not_call": True}})
    route = respx.post(CALLS_URL).mock(return_value=httpx.Response(200, json={"id": "p-1"}))
    result = await initiate_call(with_provider(alice), "callback")
    assert result["status"] == "scheduled" and route.call_count == 1


@respx.mock
async def test_provider_error_marks_job_failed_without_raising(alice: ToolContext) -> None:
    respx.post(CALLS_URL).mock(return_value=httpx.Response(500, text="boom"))
    result = await initiate_call(with_provider(alice), "callback")
    assert result["type"] == "call_scheduled" and result["status"] == "failed"
    job = await alice.store.call_jobs.find_one({"call_id": result["call_id"]})
    assert job is not None and job["status"] == "failed" and "500" in job["error"]


@respx.mock
async def test_provider_timeout_marks_job_failed_and_a_retry_tries_again(
        alice: ToolContext) -> None:
    route = respx.post(CALLS_URL)
    route.side_effect = [httpx.ReadTimeout("slow"), httpx.Response(200, json={"id": "p-2"})]
    first = await initiate_call(with_provider(alice), "callback")
    assert first["status"] == "failed"
    second = await initiate_call(with_provider(alice), "callback")
    assert second["status"] == "scheduled" and route.call_count == 2
    statuses = await alice.store.call_jobs.distinct("status")
    assert sorted(statuses) == ["failed", "scheduled"]


@respx.mock
async def test_repeated_call_request_schedules_once(alice: ToolContext) -> None:
    route = respx.post(CALLS_URL).mock(return_value=httpx.Response(200, json={"id": "p-3"}))
    ctx = with_provider(alice)
    first = await initiate_call(ctx, "abandoned_cart", "2025-06-08T09:05:00+00:00")
    again = await initiate_call(ctx, "abandoned_cart", "2025-06-08T09:40:00Z")
    assert again == first
    assert route.call_count == 1
    assert await alice.store.call_jobs.count_documents({"customer_id": "demo-alice"}) == 1


async def test_call_rejects_bad_purpose_and_times(alice: ToolContext) -> None:
    ctx = at(alice, NOW)
    assert "callback" in (await initiate_call(ctx, "sell them a boat"))["message"]
    assert "past" in (await initiate_call(ctx, "callback", "2025-06-05T10:00:00Z"))["message"]
    assert "30 days" in (await initiate_call(ctx, "callback", "2025-07-07T10:00:00Z"))["message"]
    assert (await initiate_call(ctx, "callback", "whenever suits"))["type"] == "error"
    assert await alice.store.call_jobs.count_documents({}) == 0
