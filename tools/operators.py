"""Operators of the dashboard: their accounts (Argon2 hashes), sessions, and who holds a ticket.

Accounts live in `operators` (keyed by the lower-cased email), logins in `operator_sessions`
(keyed by a digest of the cookie's token, so that a copy of the database opens no session;
expired by a TTL index). A ticket is held by at most one operator: taking it is one conditional
`find_one_and_update`, so two operators taking it at once cannot both win.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pymongo import ReturnDocument

from settings import kept_secret
from tools.store import Doc, Store, now

OPERATORS = "operators"
SESSIONS = "operator_sessions"
SESSION_HOURS = 12
PASSWORD_MIN = 10
EMAIL_MAX = 254
Role = Literal["admin", "agent"]
ROLES: tuple[Role, ...] = ("admin", "agent")
DEV_EMAIL = "admin@localhost"

_hasher = PasswordHasher()
# Verified when the email is unknown, so that an unknown email costs the same time as a known one.
_DUMMY = _hasher.hash(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class Operator:
    """A signed-in operator: who, their role, and their session's CSRF token."""

    email: str
    role: str
    csrf: str
    session: str


def clean_email(email: str) -> str:
    """The email as accounts are keyed: trimmed and lower-cased; ValueError if it is not one."""
    email = email.strip().lower()
    local, at, domain = email.partition("@")
    if not at or not local or not domain or len(email) > EMAIL_MAX or any(
            c.isspace() for c in email):
        raise ValueError("not an email address")
    return email


async def add(store: Store, email: str, password: str, role: Role = "agent") -> bool:
    """Create the operator, or set a new password and role; whether it was new.

    Raises:
        ValueError: A bad email, a password shorter than `PASSWORD_MIN`, or an unknown role.
    """
    email = clean_email(email)
    if len(password) < PASSWORD_MIN:
        raise ValueError(f"the password needs at least {PASSWORD_MIN} characters")
    if role not in ROLES:
        raise ValueError("the role is admin or agent")
    hashed = await asyncio.to_thread(_hasher.hash, password)
    done = await store.db[OPERATORS].update_one(
        {"_id": email}, {"$set": {"password": hashed, "role": role, "updated_at": now()},
                         "$setOnInsert": {"created_at": now()}}, upsert=True)
    # A new password or role signs the operator out everywhere: a session opened with the old
    # password (perhaps by whoever learnt it) or the old role opens nothing any more.
    await store.db[SESSIONS].delete_many({"email": email})
    return done.upserted_id is not None


async def remove(store: Store, email: str) -> bool:
    """Remove the operator: signed out everywhere, their tickets back in the queue; if they were.

    Raises:
        ValueError: A bad email.
    """
    email = clean_email(email)
    done = await store.db[OPERATORS].delete_one({"_id": email})
    await store.db[SESSIONS].delete_many({"email": email})
    await store.handoff_tickets.update_many({"status": "open", "taken_by": email},
                                            {"$set": {"taken_by": None}})
    return bool(done.deleted_count)


async def check_password(store: Store, email: str, password: str,
                         data_dir: Path | None = None) -> Doc | None:
    """The operator whose password this is, or None (in about the same time either way).

    Args:
        store: The shop's database.
        email: The email typed.
        password: The password typed.
        data_dir: In development, where the password of `admin@localhost` is kept: that
            operator is made (or its password set again) when it signs in with it, so that the
            login printed at start always works.
    """
    if data_dir is not None and email.strip().lower() == DEV_EMAIL and hmac.compare_digest(
            password.encode(), dev_password(data_dir).encode()):
        found = await store.db[OPERATORS].find_one({"_id": DEV_EMAIL})
        if found is None or not await _matches(str(found["password"]), password):
            await add(store, DEV_EMAIL, password, "admin")
        return await store.db[OPERATORS].find_one({"_id": DEV_EMAIL})
    try:
        email = clean_email(email)
    except ValueError:
        email = ""
    found = await store.db[OPERATORS].find_one({"_id": email}) if email else None
    matches = await _matches(str(found["password"]) if found else _DUMMY, password)
    return found if matches and found is not None else None


async def _matches(hashed: str, password: str) -> bool:
    try:
        return await asyncio.to_thread(_hasher.verify, hashed, password)
    except (VerificationError, InvalidHashError):
        return False


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def open_session(store: Store, operator: Doc) -> tuple[str, Operator]:
    """A new session for `operator`: the cookie's token, and the session."""
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    await store.db[SESSIONS].insert_one({
        "_id": _digest(token), "email": operator["_id"], "role": operator.get("role", "agent"),
        "csrf": csrf, "created_at": now(), "expires_at": now() + timedelta(hours=SESSION_HOURS)})
    return token, Operator(operator["_id"], operator.get("role", "agent"), csrf, _digest(token))


async def session(store: Store, token: str | None) -> Operator | None:
    """The signed-in operator of a cookie's token, if the session is live."""
    if not token or len(token) > 128:
        return None
    doc = await store.db[SESSIONS].find_one({"_id": _digest(token)})
    if doc is None or doc["expires_at"] <= now():
        return None
    return Operator(doc["email"], doc["role"], doc["csrf"], doc["_id"])


async def close_session(store: Store, operator: Operator) -> None:
    """Sign out: the session is gone, its cookie opens nothing any more."""
    await store.db[SESSIONS].delete_one({"_id": operator.session})


async def take(store: Store, ticket_id: str, email: str, at: datetime) -> Doc | None:
    """Hold an open ticket nobody holds (or that `email` holds); the ticket, or None if not.

    One conditional write: of two operators taking the ticket at once, one matches.
    """
    taken = await store.handoff_tickets.find_one_and_update(
        {"ticket_id": ticket_id, "status": "open", "taken_by": None},
        {"$set": {"taken_by": email, "taken_at": at}}, return_document=ReturnDocument.AFTER)
    if taken is not None:
        return taken
    mine = await store.handoff_tickets.find_one(
        {"ticket_id": ticket_id, "status": "open", "taken_by": email})
    return mine


def dev_password(data_dir: Path) -> str:
    """The development operator's password: generated once, kept in DATA_DIR (never production)."""
    return kept_secret(data_dir, "admin_password", 12)


def ensure_dev_operator(uri: str, db_name: str, data_dir: Path) -> str:
    """Create `admin@localhost` (or set its password again) before a development server starts.

    Synchronous, as `server.serve` runs before the event loop; the password is the one kept in
    DATA_DIR, which is returned to be printed. A database that refuses here is left for the
    server's own start to report: the operator is then made at its first sign-in
    (`check_password`).
    """
    from pymongo import MongoClient
    from pymongo.errors import PyMongoError

    password = dev_password(data_dir)
    client: MongoClient[Doc] = MongoClient(uri, tz_aware=True, serverSelectionTimeoutMS=5000)
    try:
        accounts = client[db_name][OPERATORS]
        found = accounts.find_one({"_id": DEV_EMAIL})
        try:
            current = found is not None and _hasher.verify(str(found["password"]), password)
        except (VerificationError, InvalidHashError):
            current = False
        if not current:
            accounts.update_one({"_id": DEV_EMAIL}, {
                "$set": {"password": _hasher.hash(password), "role": "admin", "updated_at": now()},
                "$setOnInsert": {"created_at": now()}}, upsert=True)
    except PyMongoError:
        pass
    finally:
        client.close()
    return password
