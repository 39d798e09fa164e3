"""Find the customer behind a phone number, creating a guest for a new one."""

from __future__ import annotations

import contextlib
import re

from pymongo.errors import DuplicateKeyError

from tools.store import Store, now


async def customer_for_phone(store: Store, phone: str, name: str | None = None) -> str:
    """The id of the customer with this E.164 number; a new number becomes a guest."""
    existing = await store.customers.find_one({"phone": phone}, {"_id": 1})
    if existing is not None:
        return str(existing["_id"])
    guest_id = "guest-" + re.sub(r"\D", "", phone)
    # Another message from the same new number may have created it first.
    with contextlib.suppress(DuplicateKeyError):
        await store.customers.insert_one({
            "_id": guest_id, "name": (name or "there")[:80], "phone": phone, "tier": "bronze",
            "preferences": {}, "do_not_call": False, "guest": True, "cards": [],
            "created_at": now()})
    return guest_id
