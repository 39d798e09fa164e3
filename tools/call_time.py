"""Call times as customers say them ("in an hour", "mañana a las 10"), in their own time zone."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import dateparser
from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time, format_timedelta
from dateparser.search import search_dates

DEFAULT_TIMEZONE = "America/New_York"
LANGUAGES = ("en", "es", "fr", "de", "hi")
# The customer's language to the locale their times are written in.
LOCALES = {"en": "en_US", "es": "es", "fr": "fr", "de": "de", "hi": "hi"}
# A bare hour after "at", "a las", "à", "um" ("tomorrow at 10") is an hour, which dateparser
# reads only as "10:00": "at 10" alone it takes for a day of the month, or drops.
_BARE_HOUR = re.compile(
    r"\b(at|a las|a la|à|a|um|baje|bje)\s+(\d{1,2})(?![\d:.h])(?!\s*(?:am|pm|a\.m|p\.m|uhr|h\b))",
    re.IGNORECASE)
_HOUR_WORD = re.compile(r"(\d{1,2})\s*(?:uhr|baje|bje|बजे)", re.IGNORECASE)
# A clock time in a phrase: "10am", "3 pm", "10:30", "10h", "10 Uhr", "10:00" (a bare hour
# after "at" is written so by `_normalised`).
_CLOCK = re.compile(r"\b\d{1,2}(?::\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.|h\b|uhr\b)|\b\d{1,2}:\d{2}\b",
                    re.IGNORECASE)
# dateparser's search reads short words of other languages as dates ("me" is Portuguese May).
_TIME_CLUE = re.compile(
    r"\d|hour|minute|tomorrow|today|tonight|morning|afternoon|evening|monday|tuesday|wednesday|"
    r"thursday|friday|saturday|sunday|mañana|hora|minuto|hoy|tarde|noche|lunes|martes|miércoles|"
    r"jueves|viernes|sábado|domingo|demain|heure|minute|aujourd|soir|matin|lundi|mardi|mercredi|"
    r"jeudi|vendredi|samedi|dimanche|morgen|stunde|minute|heute|abend|montag|dienstag|mittwoch|"
    r"donnerstag|freitag|samstag|sonntag|kal|ghante|ghanta|baje|कल|घंटे|बजे", re.IGNORECASE)
DEFAULT_HOUR = 10  # a day named without a time: mid-morning, when the shop's staff are in
EARLIEST_BARE_HOUR = 8  # nobody asks for a call at "3" meaning 3 in the morning
# Words that name a day or a span from now: a new time with one of them is read whole.
_DAY_OR_SPAN = re.compile(
    r"hour|minute|tomorrow|today|tonight|monday|tuesday|wednesday|thursday|friday|saturday|"
    r"sunday|mañana|hora|minuto|hoy|lunes|martes|miércoles|jueves|viernes|sábado|domingo|"
    r"demain|heure|aujourd|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|morgen|stunde|"
    r"heute|montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|kal\b|parso|ghant|"
    r"कल|घंटे", re.IGNORECASE)
# An hour said alone to move a booked call: "make it 11", "11:30 instead", "à 15h", "um 14 Uhr".
_HOUR_ALONE = re.compile(r"(?<![\d:.,])(\d{1,2})(?::(\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?(?![\d:.,])",
                         re.IGNORECASE)
# Within this, a call time is said from now ("in 1 hour, 1:40 AM"), as the customer asked it.
SOON = timedelta(hours=6)


def zone(name: str | None) -> ZoneInfo:
    """The customer's time zone, or the shop's when theirs is unset or unknown."""
    try:
        return ZoneInfo(name or DEFAULT_TIMEZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIMEZONE)


def _clock_hour(hour: str) -> int:
    """A bare hour as a call time: 1 to 7 without am or pm is the afternoon ("friday at 3")."""
    return int(hour) + 12 if 1 <= int(hour) <= EARLIEST_BARE_HOUR - 1 else int(hour)


def _normalised(text: str) -> str:
    """The words with bare hours written as clock times, as dateparser reads them."""
    text = _HOUR_WORD.sub(lambda m: f"{m.group(1)}:00", text)
    return _BARE_HOUR.sub(lambda m: f"{m.group(1)} {_clock_hour(m.group(2))}:00", text)


def parse_words(text: str, now: datetime, tz: ZoneInfo) -> datetime | None:
    """The moment the customer names, aware in `tz`; None when the words name no time.

    Args:
        text: The customer's words, in any of the five languages.
        now: The server's clock (aware).
        tz: The customer's time zone: "at 10" is ten o'clock where they are.
    """
    if not _TIME_CLUE.search(text):
        return None
    local_now = now.astimezone(tz)
    settings = {"RELATIVE_BASE": local_now.replace(tzinfo=None), "PREFER_DATES_FROM": "future",
                "TIMEZONE": str(tz.key), "RETURN_AS_TIMEZONE_AWARE": True}
    found = search_dates(_normalised(text[:300]), languages=list(LANGUAGES),
                         settings=settings)  # type: ignore[arg-type]
    if not found:
        return None
    phrase, at = found[-1] if len(found) > 1 and found[0][0].strip().isalpha() and len(
        found[0][0].strip()) <= 3 else found[0]
    if (clock := _CLOCK.search(phrase)) and clock.end() < len(phrase.rstrip()):
        # dateparser may take words after the time into the phrase ("tomorrow at 10am about
        # a") and lose the time: the phrase read up to its clock time says it.
        at = dateparser.parse(phrase[:clock.end()], languages=list(LANGUAGES),
                              settings=settings) or at  # type: ignore[arg-type]
    at = at.astimezone(tz)
    if at.time() == datetime.min.time() and not re.search(r"\d", phrase):
        at = at.replace(hour=DEFAULT_HOUR)  # "on monday": a day without an hour
    return at


def moved(text: str, booked: datetime, now: datetime, tz: ZoneInfo) -> datetime | None:
    """The new time for a call booked at `booked`, from words that may name only an hour.

    "Friday at 3" or "in two hours" is read whole; "make it 11" keeps the booked day, and an
    hour without am or pm is the one of the two nearest the booked time (11 after 10am is 11am).
    """
    if _DAY_OR_SPAN.search(text):
        return parse_words(text, now, tz)
    match = _HOUR_ALONE.search(_HOUR_WORD.sub(lambda m: f"{m.group(1)}:00", text))
    if match is None or int(match.group(1)) > 23 or int(match.group(2) or 0) > 59:
        return None
    hour, minute, half = int(match.group(1)), int(match.group(2) or 0), match.group(3)
    local = booked.astimezone(tz)
    if half:
        hour = hour % 12 + (12 if half.lower().startswith("p") else 0)
    elif hour < 12:  # 11 or 23: the one nearer the booked hour
        hour = min((hour, hour + 12), key=lambda h: abs(h - local.hour))
    return local.replace(hour=hour, minute=minute, second=0, microsecond=0)


def say(at: datetime, now: datetime, tz: ZoneInfo, language: str = "en") -> str:
    """A call time in words, in the customer's language: "tomorrow at 10:00 AM".

    Today and tomorrow by name (CLDR's relative days), a later day by weekday and date; the
    clock time in the customer's zone, as their locale writes it. Never an ISO timestamp.
    A time within a few hours is said from now too: "in 1 hour, 1:40 AM".
    """
    locale_name = LOCALES.get(language, "en_US")
    try:
        locale = Locale.parse(locale_name)
    except (UnknownLocaleError, ValueError):
        locale = Locale.parse("en_US")
    local, today = at.astimezone(tz), now.astimezone(tz).date()
    clock = format_time(local, "short", tzinfo=tz, locale=locale)
    if timedelta(0) < at - now <= SOON:
        # Hinglish is written in Latin script: its span in English words, as customers write it.
        span = format_timedelta(at - now, add_direction=True,
                                locale="en_US" if language == "hi" else locale)
        return f"{span} ({clock})".replace("\u202f", " ").replace("\u00a0", " ")
    days = (local.date() - today).days
    # Babel keeps CLDR's relative day names ("tomorrow", "demain") in its locale data only.
    relative = locale._data["date_fields"]["day"]["relative"]  # noqa: SLF001
    day = relative.get(days) if 0 <= days <= 1 else None
    if day is None:
        day = format_date(local, "EEEE d MMMM", locale=locale)
    pattern = locale._data["datetime_formats_relative"].get("long") or "{1}, {0}"  # noqa: SLF001
    said = pattern.replace("{1}", day).replace("{0}", clock).replace("'", "")
    return said.replace("\u202f", " ").replace("\u00a0", " ")  # plain spaces, for speech too



def say_date(iso: str, language: str = "en") -> str:
    """An ISO date in words in the customer's language: "March 4, 2027", "4 de marzo de 2027"."""
    try:
        day = datetime.fromisoformat(iso).date()
    except ValueError:
        return iso
    return format_date(day, "long", locale=LOCALES.get(language, "en_US"))
