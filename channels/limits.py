"""Rate limits kept in MongoDB, so that every worker shares them."""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime

from pymongo import ReturnDocument

from tools.store import Store


async def hit(store: Store, key: str, limit: int, window_s: int = 60) -> int | None:
    """Count one request for `key` in a fixed window; the seconds to wait when over the limit."""
    now = time.time()
    window = int(now // window_s)
    doc = await store.db["rate_limits"].find_one_and_update(
        {"_id": f"{key}:{window}"},
        {"$inc": {"count": 1},
         "$setOnInsert": {"expires_at": datetime.fromtimestamp((window + 2) * window_s, UTC)}},
        upsert=True, return_document=ReturnDocument.AFTER,
    )
    if doc is None or doc["count"] <= limit:
        return None
    return max(1, math.ceil((window + 1) * window_s - now))


async def ensure_indexes(store: Store) -> None:
    """Expire old rate-limit windows on their own; let the inbox sweep find unfinished work."""
    await store.db["rate_limits"].create_index("expires_at", expireAfterSeconds=0)
    await store.db["wa_inbound"].create_index("state")
    await store.db["wa_outbox"].create_index("state")
