"""Archive each turn, and answer for the assistant while a person has the conversation."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import PyMongoError

from checkpoints.saver import SessionSaver
from graph.i18n import N_, gettext_for
from graph.language import detect
from tools import takeover
from tools.store import Doc, Store, now
from tools.transcripts import COLLECTION, Archive, entry

logger = logging.getLogger(__name__)

# Said, in the customer's language, to each message while a person has the conversation.
HOLDING_LINE = N_("Thank you, a colleague has your message and will answer you here as soon "
                  "as they can.")
# On a call, where the person cannot join: they call back.
CALL_BACK_LINE = N_("Thank you, a colleague has your message and will call you back as soon as "
                    "they can.")
PIN_SHOWN = "••••"  # what the archive keeps of a spoken PIN


class ArchivedSaver(SessionSaver):
    """The product's checkpointer, with the archive its sessions' turns append to."""

    def __init__(self, db: AsyncDatabase[Any], *, shared: bool,
                 settled: Any) -> None:
        super().__init__(db, shared=shared, settled=settled)
        self.store = Store(db)
        self.archive = Archive(self.store)

    def mode(self, thread: str) -> takeover.Mode:
        """The mode of the session this process holds for a turn."""
        return takeover.mode_of(self.held(thread))


@dataclass
class TurnLog:
    """One turn as the archive keeps it: who, where, when it began, and what it said."""

    thread: str
    channel: str
    user_id: str
    session_id: str
    text: str
    at: datetime = field(default_factory=now)

    @property
    def where(self) -> dict[str, str]:
        """The session's channel, user and session id."""
        return {"channel": self.channel, "user_id": self.user_id, "session_id": self.session_id}

    def entry(self, result: dict[str, Any], *, route: str | None, routed_by: str | None,
              confidence: float | None, tokens: int) -> Doc:
        """The archive entry of the turn that gave `result`."""
        replied = now()
        doc = entry("turn", self.thread, **self.where, at=self.at, replied_at=replied,
                    text=self.text, reply=result["reply"], route=route, routed_by=routed_by,
                    agent=result["agent_used"], answered_by=result["answered_by"],
                    actions=result["actions"], language=result["language"],
                    latency_ms=round((replied - self.at).total_seconds() * 1000, 1),
                    tokens=tokens, mode=result["mode"])
        if confidence is not None:  # sparse in its index: only turns a router decided
            doc["confidence"] = round(confidence, 4)
        return doc


def spoken(message: str, pin: str | None) -> str:
    """What the archive keeps of the customer's words: never a voice PIN."""
    return PIN_SHOWN if pin is not None else message


async def holding_turn(saver: ArchivedSaver, log: TurnLog) -> dict[str, Any]:
    """A turn while a person has the session: archived, answered with the holding line.

    The graph is not run: nothing is routed, no tool is called, no pending terms are confirmed.
    The entry is written before the answer, since the person reads the customer from it.
    """
    saved = saver.held(log.thread) or {}
    language = detect(log.text, saved.get("language"))
    line = CALL_BACK_LINE if log.channel == "voice" else HOLDING_LINE
    # The handoff route's, said by the server itself: within what clients know of both fields.
    result = {"reply": gettext_for(language)(line), "agent_used": "handoff",
              "actions": [], "awaiting_confirmation": False, "answered_by": "offline",
              "language": language, "mode": "human"}
    await saver.store.db[COLLECTION].insert_one(
        log.entry(result, route=None, routed_by="human", confidence=None, tokens=0))
    return result


async def archive_turn(saver: ArchivedSaver, log: TurnLog, result: dict[str, Any],
                       values: dict[str, Any], *, resumed: bool, confidence: float | None,
                       tokens: int) -> None:
    """Queue the turn's archive entry; a turn that opened a handoff ticket gives it to a person."""
    opened = next((a for a in result["actions"] if a.get("type") == "handoff_ticket"
                   and a.get("status") == "open"), None)
    if opened is not None:
        try:
            await takeover.enter_human(saver.store, log.thread, log.where,
                                       ticket_id=opened["ticket_id"],
                                       language=result["language"], at=now())
        except PyMongoError as exc:  # the turn stands; its next one finds the ticket and retries
            logger.error("session not handed to a person (ticket %s): %s", opened["ticket_id"],
                       type(exc).__name__)
    saver.archive.append(log.entry(
        result, route=values.get("route"),
        routed_by="confirmation" if resumed else values.get("routed_by"),
        confidence=None if resumed else confidence, tokens=tokens))

