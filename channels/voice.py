"""Verify SuperU voice webhooks, validate a voice turn and make replies speakable.

SuperU does not publish a webhook signing scheme, so this module defines ours; swap
`verify_voice_signature` when the provider documents theirs. Each request carries:

- `X-SuperU-Timestamp`: the send time in unix seconds (ASCII digits);
- `X-SuperU-Signature`: lowercase hex of HMAC-SHA256 with key `SUPERU_WEBHOOK_SECRET` over
  the bytes `timestamp + "." + raw body`, the body exactly as sent (before any JSON parsing).

A request is refused when the secret is unset (fail closed), a header is missing or malformed,
the HMAC differs ("bad_signature"), or the timestamp is more than `tolerance_s` away from now
("stale", which bounds replays; repeated `event_id`s inside the window are deduplicated by the
server).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from graph.i18n import gettext_for

SPEECH_MAX = 600
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_HEX_SHA256 = re.compile(r"[0-9a-fA-F]{64}")

# A Markdown link, whose text holds no bracket: each "[" is read up to the next one (linear).
_LINK = re.compile(r"!?\[([^\][]*+)\]\([^()[\]]*+\)")
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_BULLET = re.compile(r"^\s*(?:[-*+•]|\d{1,3}[.)])\s+")
_HEADING = re.compile(r"^\s*(?:#{1,6}|>+)\s*")
_EMPHASIS = re.compile(r"(\*{1,3}|_{2,3}|~~|`+)")
# A goodbye, the caller's or the reply's, in the five languages the shop serves.
_GOODBYE = re.compile(
    r"\b(?:good ?bye|bye(?: bye)?|farewell|take care|see you"
    r"|adi[oó]s|hasta (?:luego|pronto|la vista)|chao|chau"
    r"|au revoir|[aà] bient[oô]t|bonne (?:journ[ée]e|soir[ée]e)"
    r"|tsch[üu]ss?|auf wieder(?:sehen|h[öo]ren)|bis bald|sch[öo]nen tag noch"
    r"|alvida|phir mil(?:enge|te hain)|chalta hoon|chalti hoon|ciao)\b"
    r"|अलविदा|फिर मिलेंगे", re.IGNORECASE)
# The reply already asks for a yes, in the customer's language.
_ASKS_YES = re.compile(r"\b(?:yes|PIN|s[ií]|oui|ja|haan|han)\b|हाँ", re.IGNORECASE)
# What is never read aloud: a SKU or an internal id (a payment's, a ticket's, a confirmation's),
# with the brackets around it; a customer says a product's name, not its code.
_CODE = r"\b(?:[A-Z]{2,4}-\d{5}|(?:PAY|TCK|CNF)-[0-9A-F]{6,24}|RW-\w+)\b"
_BRACKETED_CODE = re.compile(r"\s*\([^()]*" + _CODE + r"[^()]*\)")
_BARE_CODE = re.compile(r"\s*" + _CODE)
SPOKEN_ITEMS = 3  # a listener keeps about three options in mind
_SENTENCE_END = re.compile(r"[.!?](?=\s)")

EventId = Annotated[str, StringConstraints(min_length=1, max_length=128,
                                           pattern=r"^[A-Za-z0-9_.:-]+$")]


class VoiceTurn(BaseModel):
    """One caller utterance sent by the voice provider."""

    model_config = ConfigDict(populate_by_name=True)

    call_id: EventId
    event_id: EventId
    from_: Annotated[str, StringConstraints(pattern=r"^\+[1-9][0-9]{6,14}$")] = Field(alias="from")
    transcript: Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)]


def verify_voice_signature(body: bytes, timestamp: str | None, signature: str | None,
                           secret: str | None, now: float,
                           tolerance_s: int = 300) -> Literal["ok", "bad_signature", "stale"]:
    """Check a voice webhook's signature and freshness, as the module docstring describes.

    Args:
        body: The raw request body.
        timestamp: The `X-SuperU-Timestamp` header.
        signature: The `X-SuperU-Signature` header.
        secret: The shared webhook secret; unset refuses every request.
        now: The current unix time in seconds.
        tolerance_s: How far the timestamp may be from now, either way.

    Returns:
        "ok", "bad_signature" (also for a missing secret or header), or "stale".
    """
    if not secret or timestamp is None or signature is None:
        return "bad_signature"
    timestamp, signature = timestamp.strip(), signature.strip()
    if not _TIMESTAMP.fullmatch(timestamp) or not _HEX_SHA256.fullmatch(signature):
        return "bad_signature"
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    if not hmac.compare_digest(expected.hexdigest().encode(), signature.lower().encode()):
        return "bad_signature"
    return "stale" if abs(now - int(timestamp)) > tolerance_s else "ok"


def _speakable_lines(reply: str) -> list[str]:
    """Each non-empty line without markdown, URLs or codes, ending like a sentence.

    Of a list only the first three items are kept.
    """
    sentences = []
    items = 0
    for raw in reply.splitlines():
        if _BULLET.match(raw):
            items += 1
            if items > SPOKEN_ITEMS:
                continue
        line = _LINK.sub(r"\1", raw)
        if _URL.search(line) and len(_URL.sub("", line).split()) <= 2:
            continue  # a line that only gave a link ("Label: https://...")
        line = _URL.sub("", line)
        line = _BARE_CODE.sub("", _BRACKETED_CODE.sub("", line))
        line = _HEADING.sub("", _BULLET.sub("", line))
        line = _EMPHASIS.sub("", line).replace("|", " ")
        line = re.sub(r"\s+", " ", line).strip(" -–—:;,")
        if line:
            sentences.append(line if line[-1] in ".!?" else line + ".")
    return sentences


def _cap(text: str, limit: int) -> str:
    """Cut at the last sentence end within the limit, else at the last word."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    ends = [m.end() for m in _SENTENCE_END.finditer(head + " ")]
    if ends and ends[-1] >= limit // 3:
        return head[: ends[-1]].rstrip()
    words = head[: limit - 1].rsplit(" ", 1)
    return (words[0] if len(words) > 1 else head[: limit - 1]).rstrip(" ,;:") + "."


def _same(text: str) -> str:
    return text


def format_speech(reply: str, actions: list[dict[str, Any]], awaiting_confirmation: bool,
                  heard: str = "", _: Callable[[str], str] = _same) -> dict[str, Any]:
    """Turn an assistant reply into what the voice agent says next.

    Args:
        reply: The assistant's reply, possibly with markdown, lists and links.
        actions: The typed tool results of the turn.
        awaiting_confirmation: Whether the turn asks the caller to confirm.
        heard: What the caller said this turn; a goodbye in it ends the call.
        _: The caller's language's `gettext`, for the words this adds (English by default).

    Returns:
        `{"text": str, "end_call": bool}`: plain sentences of at most about 600 characters;
        no SKUs, ids or URLs, at most three listed items; the call ends after a goodbye (the
        caller's or the reply's, in any of the five languages) or once a human handoff ticket
        is opened, never while a confirmation is pending.
    """
    spoken = " ".join(_speakable_lines(reply))
    text = _cap(spoken, SPEECH_MAX)
    if awaiting_confirmation and not _ASKS_YES.search(text):
        prompt = _("Please say yes or no.")
        text = f"{_cap(spoken, SPEECH_MAX - len(prompt) - 1)} {prompt}".strip()
    text = text or _("Sorry, could you say that again?")
    handed_off = any(isinstance(action, dict) and action.get("type") == "handoff_ticket"
                     for action in actions)
    said_goodbye = bool(_GOODBYE.search(reply) or _GOODBYE.search(heard[:500]))
    end_call = not awaiting_confirmation and (handed_off or said_goodbye)
    return {"text": text, "end_call": end_call}


def speak(result: Mapping[str, Any], heard: str) -> dict[str, Any]:
    """What the voice agent says after a turn: `format_speech` in the caller's language.

    Args:
        result: The turn's response (`graph.session.TurnResult`).
        heard: What the caller said this turn.
    """
    return format_speech(str(result.get("reply", "")), list(result.get("actions", [])),
                         bool(result.get("awaiting_confirmation")), heard,
                         gettext_for(str(result.get("language", "en"))))
