"""A daily token budget per customer: past it, the offline path answers instead of a model.

A customer's day is one `llm_usage` document, `{_id: "<customer>:<date>", tokens}`; a model turn
reads it with the customer's brief (`graph.context.model_brief`) and adds to it after the call.
"""

from __future__ import annotations

from datetime import datetime

from tools.store import Store

USAGE = "llm_usage"


def usage_key(customer_id: str, now: datetime) -> str:
    """The `_id` of the customer's usage document for the day of `now`."""
    return f"{customer_id}:{now.date().isoformat()}"


async def spend(store: Store, customer_id: str, now: datetime, tokens: int) -> None:
    """Add the tokens a turn used to the customer's day."""
    if tokens > 0:
        await store.db[USAGE].update_one(
            {"_id": usage_key(customer_id, now)}, {"$inc": {"tokens": tokens}}, upsert=True)
