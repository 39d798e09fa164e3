"""Call tools: schedule an outbound voice call through the voice provider (SuperU).

The provider's call-creation scheme is not public, so the request shape is ours and kept in
`_request_call` alone, to swap when the real one is known: POST `{SUPERU_API_BASE_URL}/v1/calls`
with `Authorization: Bearer <SUPERU_API_KEY>` and JSON `{"to": E.164 phone, "purpose",
"scheduled_at": ISO datetime, "metadata": {"customer_id", "call_job_id"}}`; a 2xx answer is JSON
`{"id": provider call id, "status": ...}`.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from tools.call_time import parse_words, zone
from tools.caps import CapReached, give_back, take
from tools.context import ToolContext
from tools.registry import error
from tools.store import ActionInFlightError, Doc

PURPOSES = ("abandoned_cart", "promotion", "callback")
# A callback is the customer's own request, so it is allowed even when they opted out of calls.
PROACTIVE = frozenset({"abandoned_cart", "promotion"})
# A job in these states may still ring the customer (`requesting` is being sent right now); a
# stopped or moved one is `cancelled`.
LIVE_STATES = ("requesting", "queued", "scheduled")
MAX_AHEAD = timedelta(days=30)
# "now" computed by the model or a client may trail the server clock by a little.
PAST_GRACE = timedelta(minutes=2)
PROVIDER_TIMEOUT_S = 10.0


def _parse_when(when: str | None, now: datetime, tz: ZoneInfo) -> datetime | str:
    """The time to call, or why `when` is not acceptable.

    An ISO date and time (UTC if no zone) as a model writes it, or the customer's own words
    ("in an hour", "tomorrow at 10", "mañana a las 10"), read in their time zone.
    """
    if when is None or not when.strip():
        return now
    try:
        at = datetime.fromisoformat(when.strip().replace("Z", "+00:00"))
    except ValueError:
        words = parse_words(when, now, tz)
        if words is None:
            return ("say when to call, e.g. \"in an hour\" or \"tomorrow at 10\", or give an ISO "
                    "date and time such as 2025-06-02T15:00:00Z")
        at = words
    at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    if at < now - PAST_GRACE:
        return "that time is in the past; choose a time from now on"
    if at > now + MAX_AHEAD:
        return "calls can be scheduled at most 30 days ahead"
    return max(at, now)


async def _request_call(ctx: ToolContext, job: Doc) -> Doc:
    """Ask the provider to place the call; the fields to store on the job, never raising."""
    settings = ctx.services.settings
    if not settings.superu_api_base_url:
        return {"status": "queued"}
    if settings.superu_api_key is None:
        return {"status": "failed", "error": "SUPERU_API_KEY is not set"}
    url = settings.superu_api_base_url.rstrip("/") + "/v1/calls"
    body = {"to": job["phone"], "purpose": job["purpose"],
            "scheduled_at": job["scheduled_for"].isoformat(),
            "metadata": {"customer_id": job["customer_id"], "call_job_id": job["call_id"]}}
    headers = {"Authorization": f"Bearer {settings.superu_api_key.get_secret_value()}"}
    try:
        response = await ctx.services.http.post(url, json=body, headers=headers,
                                                 timeout=PROVIDER_TIMEOUT_S)
    except httpx.HTTPError as exc:
        return {"status": "failed", "error": f"provider unreachable: {type(exc).__name__}"}
    if not response.is_success:
        return {"status": "failed", "error": f"provider answered HTTP {response.status_code}"}
    try:
        answer = response.json()
        provider_id = str(answer["id"])
    except (ValueError, KeyError, TypeError):
        return {"status": "failed", "error": "provider answered without a call id"}
    return {"status": "scheduled", "provider_id": provider_id,
            "provider_status": answer.get("status")}


async def initiate_call(ctx: ToolContext, purpose: str, when: str | None = None,
                        replaces: str | None = None) -> dict[str, Any]:
    """Schedule a phone call to the customer at the number on their account.

    A callback is one the customer asks for; abandoned_cart and promotion calls are never made
    to a customer who opted out of calls.

    Args:
        purpose: abandoned_cart, promotion or callback.
        when: When to call: an ISO date and time (UTC if no zone), or the customer's words
            ("in an hour", "tomorrow at 10"), read in their time zone; now if omitted.
        replaces: The call_id of a call booked earlier that this one moves ("make it 11
            instead"): that call is cancelled once this one is booked.
    """
    purpose = purpose.strip().lower()
    if purpose not in PURPOSES:
        return error(f"unknown call purpose {purpose!r}; choose one of {', '.join(PURPOSES)}")
    now = ctx.services.clock()
    customer = await ctx.store.customers.find_one(
        {"_id": ctx.customer_id}, {"phone": 1, "do_not_call": 1, "timezone": 1})
    tz = zone((customer or {}).get("timezone"))
    at = _parse_when(when, now, tz)
    if isinstance(at, str):
        return error(at)
    if customer is None or not customer.get("phone"):
        return error("there is no phone number on your account to call")
    if customer.get("do_not_call") and purpose in PROACTIVE:
        return error("this customer has asked not to be called; no call was scheduled "
                     "(they can still ask for a callback themselves)")

    async def schedule() -> Doc:
        # Only a call that would be new takes one of the day's slots: a repeat of a request
        # answers its first result without reaching here.
        slot = await take(ctx, "call", ctx.services.settings.daily_calls_per_customer)
        job: Doc = {"call_id": f"CALL-{secrets.token_hex(6).upper()}",
                    "customer_id": ctx.customer_id, "phone": customer["phone"],
                    "purpose": purpose, "scheduled_for": at, "status": "requesting",
                    "created_at": now}
        try:
            await ctx.store.call_jobs.insert_one(job)
        except BaseException:
            await give_back(ctx, slot)
            raise
        outcome = await _request_call(ctx, job)
        await ctx.store.call_jobs.update_one({"call_id": job["call_id"]},
                                             {"$set": outcome | {"updated_at": now}})
        return {"type": "call_scheduled", "call_id": job["call_id"],
                "status": outcome["status"], "purpose": purpose,
                "scheduled_for": at.isoformat(), "timezone": tz.key,
                "local_time": at.astimezone(tz).isoformat()}

    key = f"call:{ctx.customer_id}:{purpose}:{at:%Y-%m-%dT%H}"
    try:
        result = await ctx.store.once(key, "call", ctx.customer_id, schedule)
    except CapReached:
        limit = ctx.services.settings.daily_calls_per_customer
        return error(f"you have already scheduled {limit} calls today, the most we arrange in a "
                     "day; no call was scheduled. Please try again tomorrow, or ask here and "
                     "we will help you now")
    except ActionInFlightError:
        return error("this call is being scheduled right now; try again in a moment")
    if result["status"] == "failed":
        # Free the key so that asking again retries; the failed job stays on record.
        await ctx.store.actions.delete_one({"key": key, "state": "done"})
    elif replaces and replaces != result["call_id"]:  # moved: the earlier time is dropped
        await ctx.store.call_jobs.update_one(
            {"call_id": replaces, "customer_id": ctx.customer_id,
             "status": {"$in": list(LIVE_STATES)}},
            {"$set": {"status": "cancelled", "cancelled_at": now, "cancelled_by": "customer",
                      "replaced_by": result["call_id"]}})
    return result
