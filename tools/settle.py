"""The settler: finishes the charges, refunds and redemptions a crash interrupted, and tells."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter

from pymongo.errors import PyMongoError

from tools import notices
from tools.charge import finish_charge
from tools.claims import LEASE
from tools.context import Services, ToolContext
from tools.loyalty import redeem_confirmed
from tools.returns import refund_confirmed
from tools.store import ActionInFlightError, Doc

log = logging.getLogger(__name__)

SETTLE_EVERY_S = 10.0
# Kinds the settler carries out again from their confirmation: each is idempotent by its keys.
REDO = {"redeem": redeem_confirmed, "refund": refund_confirmed}


async def settle_interrupted(services: Services) -> dict[str, int]:
    """Finish or release what dead processes left half-done; how many of each. Idempotent.

    A payment whose charge began a lease ago and never settled is finished: the gateway is asked
    under its key, so a charge it made becomes a paid payment, an order, points and an emptied
    cart, never a second charge; its customer is told. A claim whose holder's lease ran out is
    finished when its kind can be redone from its confirmation, and released otherwise.
    """
    store = services.store
    at = services.clock()
    counts: Counter[str] = Counter()
    charging = {"status": "pending", "charging_at": {"$lte": at - LEASE}}
    for payment_id in await store.payments.distinct("payment_id", charging):
        counts[await _finish_payment(services, payment_id)] += 1
    for claim in await store.claims.next_unfinished(at):
        counts[await _finish_claim(services, claim)] += 1
    await notices.refresh(store)
    return dict(counts)


async def _finish_payment(services: Services, payment_id: str) -> str:
    store = services.store
    payment = await store.payments.find_one({"payment_id": payment_id})
    if payment is None:
        return "missing"
    if "charging_at" not in payment:
        return "not_begun"
    try:
        await finish_charge(ToolContext(services, payment["customer_id"]), payment_id)
    except ActionInFlightError:
        return "in_flight"  # a live process holds it and will settle it
    settled = await store.payments.find_one({"payment_id": payment_id})
    if settled is None or settled["status"] == "pending":
        return "in_flight"
    await notices.tell(store, settled)
    log.info("settled payment %s: %s", payment_id, settled["status"])
    return "payments_settled"


async def _finish_claim(services: Services, claim: Doc) -> str:
    kind, key = claim["kind"], str(claim["key"])
    _, _, ref = key.partition(":")
    if kind == "charge":
        outcome = await _finish_payment(services, ref)
        if outcome not in ("not_begun", "missing"):
            return outcome
        # The yes was claimed, the card never charged: the yes, answered again, may charge.
    elif kind in REDO:
        confirmation = await services.store.confirmations.find_one({"_id": ref})
        if confirmation is not None:
            ctx = ToolContext(services, confirmation["customer_id"])
            try:
                await REDO[kind](ctx, confirmation)
            except ActionInFlightError:
                return "in_flight"
            return "claims_finished"
    # Nothing to finish from (a till sale, a call, a ticket: their requests are not stored):
    # released, so that the request, sent again, acts.
    await services.store.claims.abandon(claim)
    return "claims_released"


async def settle_forever(services: Services, every_s: float = SETTLE_EVERY_S) -> None:
    """Run the settler now and then every `every_s` seconds, until cancelled."""
    while True:
        try:
            counts = await settle_interrupted(services)
            if counts:
                log.info("settler: %s", counts)
        except PyMongoError as exc:  # the database is down: the next round retries
            log.warning("settler: database unavailable (%s)", type(exc).__name__)
        await asyncio.sleep(every_s)
