"""Pull arguments out of a customer's words for the offline planners: ids, money, dates.

Every pattern here runs in linear time (README, Reliability A12): a quantifier that a
following token could make backtrack is possessive (`*+`), and a search for a number starts only
where a run of digits starts, so that "1,1,1,..." is not re-read from each of its digits.
Planners read at most the first `PARSED_CHARS` characters of a message (`prefix`).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from tools.catalog import category_of
from tools.catalog_data import USE_TAGS
from tools.glossary import with_english
from tools.store import stem, terms

ORDER_ID = re.compile(r"\b(?:ord(?:er)?[\s#-]*)(\d{3,8})\b", re.IGNORECASE)
SKU = re.compile(r"\b([A-Za-z]{3})-(\d{5})\b")
PARSED_CHARS = 2000
MONEY = re.compile(
    r"(?:under|below|less than|at most|max(?:imum)?|up to|within|budget(?: of| is)?|<)\s*+"
    r"(?:usd\s*+)?\$?\s*+(\d[\d,]*+(?:\.\d+)?)\s*+(k\b)?",
    re.IGNORECASE,
)
BARE_BUDGET = re.compile(r"\$\s*+(\d[\d,]*+(?:\.\d+)?)\s*+(k\b)?(?:\s*budget)?", re.IGNORECASE)
# A number of points; the lookbehind and the leading commas start it only where its run starts.
POINTS = re.compile(r"(?<![\d,]),*+(\d[\d,]*+)\s*+(?:points|pts)", re.IGNORECASE)
QUANTITY = re.compile(r"\b(\d{1,3})\s*(?:x\b|units?|pcs|pieces|of (?:them|those|these))",
                      re.IGNORECASE)
POSTCODE = re.compile(r"\b(\d{5})\b")
REWARD = re.compile(r"\b(RW-[A-Z0-9]+)\b", re.IGNORECASE)
TRANSACTION = re.compile(r"\b(TX[-_]?[A-Za-z0-9-]{2,40})\b", re.IGNORECASE)
STORE_WORDS = {"downtown": "store-downtown", "mall": "store-mall", "riverside": "store-mall",
               "airport": "store-airport"}
_TIME = re.compile(r"\b(?:at\s*)?(\d{1,2})(?::(\d{2}))?\s*(am|pm)\b|\bat\s+(\d{1,2}):(\d{2})\b",
                   re.IGNORECASE)
_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


def prefix(text: str) -> str:
    """The part of a message the offline planners read: its first `PARSED_CHARS` characters."""
    return text[:PARSED_CHARS]


def order_id(text: str) -> str | None:
    """The first order id mentioned, as `ORD-1234`."""
    match = ORDER_ID.search(text)
    return f"ORD-{match.group(1)}" if match else None


def sku(text: str) -> str | None:
    """The first SKU mentioned, upper-cased."""
    match = SKU.search(text)
    return f"{match.group(1).upper()}-{match.group(2)}" if match else None


def _amount(number: str, thousands: str | None) -> float:
    value = float(number.replace(",", ""))
    return value * 1000 if thousands else value


def budget(text: str) -> float | None:
    """A price ceiling: "under $1000", "below 1.5k", "my budget is $800"."""
    text = with_english(text[:PARSED_CHARS])  # "menos de 1000 dólares": under $1000
    match = MONEY.search(text) or BARE_BUDGET.search(text)
    return _amount(match.group(1), match.group(2)) if match else None


def category(text: str) -> str | None:
    """The catalogue category a message names, if any."""
    return category_of(text)


def use_case(text: str) -> str | None:
    """What the product is for, among the catalogue's use-case tags."""
    text = with_english(text[:PARSED_CHARS])  # "programar", "coder": coding
    words = set(terms(text)) | {w for w in re.findall(r"[a-z0-9-]+", text.lower())}
    words |= {"coding"} if words & {"programming", "developer", "code", "software"} else set()
    spaced = f" {' '.join(re.findall(r'[a-z0-9]+', text.lower()))} "  # "noise cancelling"
    return next((use for use in USE_TAGS if stem(use) in words or use in words
                 or f" {use.replace('-', ' ')} " in spaced), None)


def quantity(text: str, default: int = 1) -> int:
    """How many units: "2 units", "3x", or a lone small number; negative numbers are kept."""
    match = QUANTITY.search(text) or re.search(
        r"(?<![\w-])(-?\d{1,3})\b(?!\s*(?:\$|usd|dollars|%))",
        re.sub(SKU, "", re.sub(ORDER_ID, "", re.sub(TRANSACTION, "", text))))
    return int(match.group(1)) if match else default


def points(text: str) -> int | None:
    """A number of points: "redeem 500 points"."""
    match = POINTS.search(text)
    return int(match.group(1).replace(",", "")) if match else None



def postcode(text: str) -> str | None:
    """A five-digit postcode, when the message is not about an order id."""
    cleaned = ORDER_ID.sub("", text)
    match = POSTCODE.search(cleaned)
    return match.group(1) if match else None


def store_id(text: str) -> str | None:
    """A store named by a word customers use for it."""
    lowered = text.lower()
    return next((sid for word, sid in STORE_WORDS.items() if word in lowered), None)


def when(text: str, now: datetime) -> datetime | None:
    """A date and time: "tomorrow at 10am", "friday 3pm", "in 2 hours"; None when none is said."""
    lowered = text.lower()
    day = None
    if "today" in lowered:
        day = now
    elif "tomorrow" in lowered:
        day = now + timedelta(days=1)
    else:
        for index, name in enumerate(_WEEKDAYS):
            if name in lowered:
                day = now + timedelta(days=(index - now.weekday()) % 7 or 7)
                break
    hours = re.search(r"in (\d{1,2}) hours?", lowered)
    if hours:
        return now + timedelta(hours=int(hours.group(1)))
    time = _TIME.search(lowered)
    if day is None and time is None:
        return None
    day = day or now
    if time is None:
        return day.replace(hour=10, minute=0, second=0, microsecond=0)
    hour = int(time.group(1) or time.group(4))
    minute = int(time.group(2) or time.group(5) or 0)
    if time.group(3) == "pm" and hour < 12:
        hour += 12
    if time.group(3) == "am" and hour == 12:
        hour = 0
    result = day.replace(hour=hour % 24, minute=minute, second=0, microsecond=0)
    return result if result > now else result + timedelta(days=1)
