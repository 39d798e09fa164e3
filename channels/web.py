"""Request and error bodies of the web chat API (the response is `graph.session.TurnResult`)."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

IDENTIFIER_PATTERN = re.compile(r"^[A-Za-z0-9_.:@+-]+$")
Identifier = Annotated[str, StringConstraints(min_length=1, max_length=64,
                                              pattern=IDENTIFIER_PATTERN.pattern)]
MESSAGE_MAX = 4000


# Blank after stripping is refused: the schema says so with a pattern (a non-space somewhere).
Message = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                           max_length=MESSAGE_MAX),
                    Field(json_schema_extra={"pattern": r"\S"})]


class ChatRequest(BaseModel):
    """One customer turn sent to `POST /chat`."""

    user_id: Identifier
    session_id: Identifier
    message: Message
    channel: Literal["web"] = "web"
