"""The voice PIN: checked against the customer's Argon2 hash; three misses lock voice for a day."""

from __future__ import annotations

import asyncio
import re
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from tools.context import ToolContext

PIN_TRIES = 3
PIN_FAILURES = "pin_failures"
PinCheck = Literal["right", "wrong", "locked", "no_pin"]

# OWASP's minimum Argon2id settings: a verification costs ~25 ms, off the event loop.
_HASHER = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
_DIGIT_WORDS = {
    # en, es, fr, de and Hindi (Latin script) digits as a speech-to-text service writes them
    "zero": "0", "oh": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
    "six": "6", "seven": "7", "eight": "8", "nine": "9",
    "cero": "0", "uno": "1", "dos": "2", "tres": "3", "cuatro": "4", "cinco": "5", "seis": "6",
    "siete": "7", "ocho": "8", "nueve": "9",
    "zéro": "0", "un": "1", "deux": "2", "trois": "3", "quatre": "4", "cinq": "5", "sept": "7",
    "huit": "8", "neuf": "9",
    "null": "0", "eins": "1", "zwei": "2", "drei": "3", "vier": "4", "fünf": "5", "sechs": "6",
    "sieben": "7", "acht": "8", "neun": "9",
    "shunya": "0", "ek": "1", "teen": "3", "char": "4", "paanch": "5", "chhe": "6", "saat": "7",
    "aath": "8", "nau": "9",
}
_TOKEN = re.compile(r"\d|[^\W\d_]+")
READ_MAX = 200


def hash_pin(pin: str) -> str:
    """The Argon2 hash stored in the customer's profile; the PIN itself is never stored."""
    return _HASHER.hash(pin)


# Words around a PIN said on its own ("my PIN is 4321", "es 4321").
_FILLER = frozenset({"my", "pin", "is", "it", "its", "it's", "the", "code", "number", "mi", "es",
                     "el", "mon", "est", "c'est", "meine", "ist", "mera", "hai", "ok", "okay"})


def spoken_pin(text: str, *, alone: bool = False) -> str | None:
    """The four digits of a PIN in a message ("4321", "four three two one"), if there are four.

    Args:
        text: The caller's words.
        alone: Only when the message says nothing else (a PIN said when none was asked for).
    """
    tokens = _TOKEN.findall(text[:READ_MAX].casefold())
    if alone and any(t not in _DIGIT_WORDS and not t.isdigit() and t not in _FILLER
                     for t in tokens):
        return None
    digits = "".join(_DIGIT_WORDS.get(token, token if token.isdigit() else "")
                     for token in tokens)
    return digits if len(digits) == 4 and digits.isascii() else None


def _day_key(ctx: ToolContext) -> str:
    return f"{ctx.customer_id}:{ctx.services.clock().date().isoformat()}"


async def voice_locked(ctx: ToolContext) -> bool:
    """Whether three wrong PINs today have stopped money moves on voice for this customer."""
    doc = await ctx.store.db[PIN_FAILURES].find_one({"_id": _day_key(ctx)})
    return bool(doc) and int(doc.get("count", 0)) >= PIN_TRIES  # type: ignore[union-attr]


async def has_pin(ctx: ToolContext) -> bool:
    """Whether the customer has a PIN at all (a guest never has one)."""
    customer = await ctx.store.customers.find_one({"_id": ctx.customer_id}, {"pin_hash": 1})
    return bool((customer or {}).get("pin_hash"))


async def check_pin(ctx: ToolContext, pin: str) -> PinCheck:
    """Check a spoken PIN; a wrong one counts towards today's lock, which is stored."""
    if await voice_locked(ctx):
        return "locked"
    customer = await ctx.store.customers.find_one({"_id": ctx.customer_id}, {"pin_hash": 1})
    stored = (customer or {}).get("pin_hash")
    if not stored:
        return "no_pin"
    try:
        if await asyncio.to_thread(_HASHER.verify, stored, pin):
            return "right"
    except (VerificationError, InvalidHashError):
        pass
    await ctx.store.db[PIN_FAILURES].update_one(
        {"_id": _day_key(ctx)},
        {"$inc": {"count": 1}, "$set": {"customer_id": ctx.customer_id,
                                        "at": ctx.services.clock()}}, upsert=True)
    return "locked" if await voice_locked(ctx) else "wrong"
