"""Request and error bodies of the web chat API (the response is `graph.session.TurnResult`)."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, StringConstraints

IDENTIFIER_PATTERN = re.compile(r"^[A-Za-z0-9_.:@+-]+$")
Identifier = Annotated[str, StringConstraints(min_length=1, max_length=64,
                                              pattern=IDENTIFIER_PATTERN.pattern)]
MESSAGE_MAX = 4000


class ChatRequest(BaseModel):
    """One customer turn sent to `POST /chat`."""

    user_id: Identifier
    session_id: Identifier
    message: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                              max_length=MESSAGE_MAX)]
    channel: Literal["web"] = "web"
