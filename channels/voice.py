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
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

SPEECH_MAX = 600
_CONFIRM_PROMPT = "Please say yes or no."
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_HEX_SHA256 = re.compile(r"[0-9a-fA-F]{64}")

# A Markdown link, whose text holds no bracket: each "[" is read up to the next one (linear).
_LINK = re.compile(r"!?\[([^\][]*+)\]\([^()[\]]*+\)")
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_BULLET = re.compile(r"^\s*(?:[-*+•]|\d{1,3}[.)])\s+")
_HEADING = re.compile(r"^\s*(?:#{1,6}|>+)\s*")
_EMPHASIS = re.compile(r"(\*{1,3}|_{2,3}|~~|`+)")
_GOODBYE = re.compile(r"\b(?:good ?bye|bye|farewell|take care)\b", re.IGNORECASE)
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
    """Each non-empty line without markdown or URLs, ending like a sentence."""
    sentences = []
    for raw in reply.splitlines():
        line = _LINK.sub(r"\1", raw)
        line = _URL.sub("", line)
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


def format_speech(reply: str, actions: list[dict[str, Any]],
                  awaiting_confirmation: bool) -> dict[str, Any]:
    """Turn an assistant reply into what the voice agent says next.

    Args:
        reply: The assistant's reply, possibly with markdown, lists and links.
        actions: The typed tool results of the turn.
        awaiting_confirmation: Whether the turn asks the caller to confirm.

    Returns:
        `{"text": str, "end_call": bool}`: plain sentences of at most about 600 characters;
        the call ends after a goodbye or once a human handoff ticket is opened, never while a
        confirmation is pending.
    """
    spoken = " ".join(_speakable_lines(reply))
    text = _cap(spoken, SPEECH_MAX)
    if awaiting_confirmation and not re.search(r"\b(yes|PIN)\b", text, re.IGNORECASE):
        text = f"{_cap(spoken, SPEECH_MAX - len(_CONFIRM_PROMPT) - 1)} {_CONFIRM_PROMPT}".strip()
    text = text or "Sorry, could you say that again?"
    handed_off = any(isinstance(action, dict) and action.get("type") == "handoff_ticket"
                     for action in actions)
    end_call = not awaiting_confirmation and (handed_off or bool(_GOODBYE.search(reply)))
    return {"text": text, "end_call": end_call}
