"""A daily token budget per customer: past it, the offline path answers instead of a model."""

from __future__ import annotations

from datetime import datetime

from tools.store import Store


def _key(customer_id: str, now: datetime) -> str:
    return f"{customer_id}:{now.date().isoformat()}"


async def has_budget(store: Store, customer_id: str, now: datetime, limit: int) -> bool:
    """Whether the customer may still use a model today."""
    doc = await store.db["llm_usage"].find_one({"_id": _key(customer_id, now)})
    return doc is None or doc["tokens"] < limit


async def spend(store: Store, customer_id: str, now: datetime, tokens: int) -> None:
    """Add the tokens a turn used to the customer's day."""
    if tokens > 0:
        await store.db["llm_usage"].update_one(
            {"_id": _key(customer_id, now)}, {"$inc": {"tokens": tokens}}, upsert=True)
