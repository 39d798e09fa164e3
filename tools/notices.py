"""Telling a customer how a payment ended when the turn that charged it could not."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from pymongo.errors import DuplicateKeyError

from channels.whatsapp import format_reply
from tools.catalog import money
from tools.claims import move
from tools.payments import status_of
from tools.store import Doc, Store, now

# Sessions, by database and session key, that may have something to be told: filled as notices
# are recorded here and refreshed by the settler from the database (where another process may
# have recorded them), so that a turn with nothing to be told makes no round trip to learn it.
_waiting: set[tuple[str, str]] = set()


def _same(message: str) -> str:
    return message


def payment_text(payment: Doc, _: Callable[[str], str] = _same,
                 amount: Callable[[float, str], str] | None = None) -> str:
    """What the customer is told about a settled payment.

    Args:
        payment: The payment as stored.
        _: The customer's language's `gettext` (English by default).
        amount: Writes an amount and its currency in the customer's locale.
    """
    cents, currency = money(payment["total_cents"]), payment["currency"]
    total = amount(cents, currency) if amount else f"${cents:,.2f} {currency}"
    status = payment["status"]
    if status == "paid":
        return _("Good news: your payment of {total} went through. Your order number is "
                 "{order}.").format(total=total, order=payment.get("order_id"))
    if status == "cancelled":
        return _("Your payment of {total} was cancelled: nothing was charged.").format(
            total=total)
    return _("Sorry, your payment of {total} did not go through: nothing was charged. Would "
             "you like to try again?").format(total=total)


def payment_action(payment: Doc) -> Doc:
    """The payment's `payment_status` action, as a turn reports it."""
    return status_of(payment)


async def expect(store: Store, payment: Doc) -> None:
    """Note that the payment's session must hear how it ends; idempotent."""
    with contextlib.suppress(DuplicateKeyError):
        await store.notices.insert_one({
            "_id": payment["payment_id"], "session_key": payment["session_key"],
            "customer_id": payment["customer_id"], "state": "pending", "created_at": now()})
    _waiting.add((store.db.name, payment["session_key"]))


async def refresh(store: Store) -> None:
    """Learn which sessions have something to be told, whichever process recorded it."""
    keys = await store.notices.distinct("session_key", {"state": "pending"})
    # Only added: a session told is dropped by `take`, which reads what is pending.
    _waiting.update((store.db.name, key) for key in keys)


def forget(db_name: str) -> None:
    """Drop what this process noted about a database's sessions (a database reset or dropped)."""
    _waiting.difference_update({entry for entry in _waiting if entry[0] == db_name})


async def tell(store: Store, payment: Doc) -> None:
    """Tell the customer how a payment a crash interrupted ended, on their channel, once.

    Every session hears it at its next reply; a WhatsApp customer is also sent it now, through
    the WhatsApp outbox, whose sender delivers it.
    """
    await expect(store, payment)
    if payment.get("channel") != "whatsapp" or payment["status"] == "pending":
        return
    customer = await store.customers.find_one({"_id": payment["customer_id"]}, {"phone": 1})
    phone = (customer or {}).get("phone")
    if not phone:
        return
    body = format_reply(phone, payment_text(payment), [payment_action(payment)], False)
    with contextlib.suppress(DuplicateKeyError):  # one message per payment
        await store.wa_outbox.insert_one({
            "_id": f"notice:{payment['payment_id']}", "to": phone, "body": body,
            "state": "pending", "attempts": 0})
    await move(store.notices, {"_id": payment["payment_id"]}, {"state": "pending"},
               {"$set": {"state": "sent", "sent_at": now()}})


async def take(store: Store, session_key: str) -> list[Doc]:
    """The session's settled payments not yet told, each handed out once."""
    if (store.db.name, session_key) not in _waiting:
        return []
    told: list[Doc] = []
    waiting = False
    for notice in await store.notices.find({"state": "pending", "session_key": session_key}
                                           ).to_list():
        payment = await store.payments.find_one({"payment_id": notice["_id"]})
        if payment is not None and payment["status"] == "pending":
            waiting = True  # still going through: told at a later reply
            continue
        taken = await move(store.notices, {"_id": notice["_id"]}, {"state": "pending"},
                           {"$set": {"state": "told", "told_at": now()}})
        if taken and payment is not None:
            told.append(payment)
    if not waiting:
        _waiting.discard((store.db.name, session_key))
    return told
