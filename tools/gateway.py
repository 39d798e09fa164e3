"""The sandbox payment gateway: records charges in MongoDB and behaves like a real test mode."""

from __future__ import annotations

import secrets
from typing import Any

from pymongo.errors import DuplicateKeyError

from tools.store import Store, now

# Test card numbers as real gateways publish them: one succeeds, one declines, one errors.
DECLINED_CARDS = {"4000000000000002": "card_declined", "4000000000009995": "insufficient_funds"}
FAILING_CARDS = {"4000000000000119": "processing_error"}


class SandboxGateway:
    """A gateway whose charges are documents in `gateway_charges`, keyed by idempotency key."""

    name = "sandbox"

    def __init__(self, store: Store) -> None:
        self._charges = store.gateway_charges

    async def charge(
        self, *, card_token: str, amount_cents: int, currency: str, idempotency_key: str
    ) -> dict[str, Any]:
        """Charge a test card; a repeated idempotency key returns the first outcome."""
        if amount_cents <= 0:
            return {"status": "failed", "code": "invalid_amount", "reference": None}
        if card_token in FAILING_CARDS:
            return {"status": "failed", "code": FAILING_CARDS[card_token], "reference": None}
        status = "declined" if card_token in DECLINED_CARDS else "paid"
        doc = {
            "_id": idempotency_key, "reference": f"ch_{secrets.token_hex(8)}", "status": status,
            "code": DECLINED_CARDS.get(card_token), "amount_cents": amount_cents,
            "currency": currency, "last4": card_token[-4:], "at": now(), "refunded_cents": 0,
        }
        try:
            await self._charges.insert_one(doc)
        except DuplicateKeyError:
            doc = await self._charges.find_one({"_id": idempotency_key}) or doc
        return {"status": doc["status"], "code": doc["code"], "reference": doc["reference"]}

    async def lookup(self, idempotency_key: str) -> dict[str, Any] | None:
        """The outcome of the charge made under this key; None if none was made."""
        doc = await self._charges.find_one({"_id": idempotency_key})
        if doc is None:
            return None
        return {"status": doc["status"], "code": doc["code"], "reference": doc["reference"]}

    async def refund(
        self, *, reference: str, amount_cents: int, currency: str, idempotency_key: str
    ) -> dict[str, Any]:
        """Refund part or all of a paid charge once per key, never more than was charged."""
        refunded = await self._charges.update_one(
            {"reference": reference, "status": "paid",
             "$expr": {"$lte": [{"$add": ["$refunded_cents", amount_cents]}, "$amount_cents"]},
             "refunds": {"$ne": idempotency_key}},
            {"$inc": {"refunded_cents": amount_cents}, "$push": {"refunds": idempotency_key}},
        )
        if not refunded.matched_count:
            # A repeated key answers the first refund's outcome, like a repeated charge.
            if await self._charges.count_documents(
                    {"reference": reference, "refunds": idempotency_key}, limit=1):
                return {"status": "refunded", "code": None, "reference": reference}
            return {"status": "failed", "code": "not_refundable", "reference": reference}
        return {"status": "refunded", "code": None, "reference": reference}
