"""People in the loop: a session's mode (assistant or human) and the handoff tickets operators work.

The mode is kept on the session's own document in `sessions`, beside its checkpoint: the turn
reads that document anyway when it takes the session (`checkpoints.turns`), so knowing whether
a person has the conversation costs no extra read, and every server process sees the same.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from checkpoints.saver import COLLECTION as SESSIONS
from checkpoints.turns import doc_id
from tools.store import Doc, Store
from tools.transcripts import COLLECTION as ARCHIVE
from tools.transcripts import entry

Mode = Literal["assistant", "human"]


def mode_of(session: Doc | None) -> Mode:
    """The mode a session document records (a session without one is the assistant's)."""
    return "human" if (session or {}).get("mode") == "human" else "assistant"


def _session_id(thread: str) -> str:
    return doc_id(thread, "")


async def enter_human(store: Store, thread: str, where: dict[str, str], *, ticket_id: str,
                      language: str, at: datetime) -> bool:
    """Give the session to a person for `ticket_id`; whether it changed (then archived).

    Args:
        store: The shop's database.
        thread: The session's key (`tools.context.session_key`).
        where: The session's `channel`, `user_id` and `session_id`, for its archive entry.
        ticket_id: The ticket the person answers.
        language: The customer's language, for the lines said while a person has the session.
        at: When.
    """
    try:  # a session already a person's matches nothing, and its `_id` then collides
        changed = await store.db[SESSIONS].update_one(
            {"_id": _session_id(thread), "mode": {"$ne": "human"}},
            {"$set": {"mode": "human", "ticket_id": ticket_id, "language": language}},
            upsert=True)
    except DuplicateKeyError:
        return False
    if not (changed.modified_count or changed.upserted_id is not None):
        return False
    await store.db[ARCHIVE].insert_one(entry("mode", thread, **where, at=at, mode="human",
                                             ticket_id=ticket_id))
    return True


async def leave_human(store: Store, ticket: Doc, at: datetime, say: Any) -> bool:
    """Give the ticket's session back to the assistant, which says so; whether it changed.

    Args:
        store: The shop's database.
        ticket: The handoff ticket being closed.
        at: When.
        say: `say(language) -> str`: the assistant's words, in the customer's language.
    """
    thread = ticket["session_key"]
    session = await store.db[SESSIONS].find_one({"_id": _session_id(thread)},
                                                {"mode": 1, "language": 1, "ticket_id": 1})
    if mode_of(session) != "human" or (session or {}).get("ticket_id") not in (
            None, ticket["ticket_id"]):
        return False
    changed = await store.db[SESSIONS].update_one(
        {"_id": _session_id(thread), "mode": "human"},
        {"$set": {"mode": "assistant"}, "$unset": {"ticket_id": ""}})
    if not changed.modified_count:
        return False
    await store.db[ARCHIVE].insert_one(entry(
        "mode", thread, **where_of(ticket), at=at, mode="assistant", ticket_id=ticket["ticket_id"],
        text=say((session or {}).get("language"))))
    return True


async def session_language(store: Store, thread: str) -> str | None:
    """The customer's language as recorded when the person joined."""
    session = await store.db[SESSIONS].find_one({"_id": _session_id(thread)}, {"language": 1})
    return (session or {}).get("language")


def where_of(ticket: Doc) -> dict[str, str]:
    """The channel, user and session id of a ticket's session, as archive entries name them."""
    return {"channel": ticket["channel"], "user_id": ticket["customer_id"],
            "session_id": ticket["session_id"]}


def public(ticket: Doc) -> dict[str, Any]:
    """A ticket as the operator API shows it."""
    opened = ticket.get("created_at")
    return {"ticket_id": ticket["ticket_id"], "channel": ticket["channel"],
            "user_id": ticket["customer_id"], "session_id": ticket["session_id"],
            "reason": ticket.get("reason", ""),
            "opened_at": opened.isoformat().replace("+00:00", "Z") if opened else None,
            "status": ticket["status"]}


async def tickets(store: Store, status: str, limit: int = 200) -> list[Doc]:
    """Tickets in `status`, oldest first."""
    return await store.handoff_tickets.find({"status": status}).sort(
        "created_at", ASCENDING).limit(limit).to_list()


async def ticket(store: Store, ticket_id: str) -> Doc | None:
    """One ticket by its id."""
    return await store.handoff_tickets.find_one({"ticket_id": ticket_id})


async def close(store: Store, ticket_id: str, at: datetime) -> bool:
    """Close an open ticket; whether this call closed it."""
    done = await store.handoff_tickets.update_one(
        {"ticket_id": ticket_id, "status": "open"},
        {"$set": {"status": "closed", "closed_at": at}})
    return bool(done.modified_count)


async def ask_call_back(store: Store, ticket_id: str, text: str, at: datetime) -> None:
    """Record on a voice ticket that a person must call the customer back with `text`."""
    await store.handoff_tickets.update_one({"ticket_id": ticket_id}, {"$push": {"call_backs": {
        "text": text, "at": at, "state": "to_call"}}})


async def record_operator(store: Store, ticket: Doc, text: str, at: datetime, by: str) -> Doc:
    """Archive a person's message to the ticket's customer, and who wrote it; the entry written.

    `by` is the operator's email (`api` for the shop's backend): the customer never sees it.
    """
    doc = entry("operator", ticket["session_key"], **where_of(ticket), at=at, text=text,
                ticket_id=ticket["ticket_id"], by=by)
    await store.db[ARCHIVE].insert_one(doc)
    return doc
