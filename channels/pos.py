"""The till's API for shop staff: request bodies, the POS key check, and result statuses."""

from __future__ import annotations

import hmac
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StringConstraints, ValidationError

from channels.errors import RETRY_AFTER_S, ApiError
from channels.web import Identifier, Message
from settings import Settings
from tools.cart import MAX_QUANTITY

MAX_LINES = 50
Sku = Annotated[str, StringConstraints(min_length=1, max_length=64),
               Field(json_schema_extra={"pattern": r"\S"})]  # a blank one is refused
TransactionId = Annotated[str, StringConstraints(min_length=1, max_length=64)]

# The status each coded tool error answers with (tools.pos.fail).
M = TypeVar("M", bound=BaseModel)
_STATUS = {"invalid": 422, "not_found": 404, "conflict": 409, "in_progress": 409,
           "out_of_stock": 409, "staff_only": 403, "till_unavailable": 503}


class PosChatRequest(BaseModel):
    """One message of shop staff at a till: `POST /pos/chat`."""

    model_config = ConfigDict(extra="forbid")

    store_id: Identifier
    staff_id: Identifier
    session_id: Identifier
    message: Message


class SaleLine(BaseModel):
    """One line of a till sale."""

    sku: Sku
    # The tool checks the range (its own message); the schema says it to API clients.
    quantity: Annotated[StrictInt, Field(json_schema_extra={"minimum": 1,
                                                            "maximum": MAX_QUANTITY})]


class PosTransactionRequest(BaseModel):
    """A sale the till rang up: `POST /pos/transactions`."""

    store_id: Identifier
    transaction_id: TransactionId
    items: list[SaleLine] = Field(min_length=1, max_length=MAX_LINES)
    staff_id: Identifier = "till"  # optional: who rang it up, when the till knows


class PosSyncRequest(BaseModel):
    """Which store's stock to pull from its till: `POST /pos/inventory/sync`."""

    store_id: Identifier


def check_pos_key(authorization: str | None, settings: Settings) -> None:
    """Refuse unless the request carries the till's key; with none configured, refuse all.

    The API key does not open the till's routes, nor this key the customers' ones.
    """
    scheme, _, key = (authorization or "").partition(" ")
    expected = settings.pos_api_key.get_secret_value() if settings.pos_api_key else ""
    # Compared even when unset, so that the answer takes the same time either way.
    valid = hmac.compare_digest(key.encode(), (expected or "\x00unset").encode())
    if scheme.lower() != "bearer" or not expected or not valid:
        raise ApiError(401, "unauthorized", "a valid till (POS) key is required")


def parse(model: type[M], raw: bytes) -> M:
    """The body as `model`, or a 422 naming the fields at fault."""
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        fields = ", ".join(str(e["loc"][0]) for e in exc.errors() if e["loc"]) or "body"
        raise ApiError(422, "invalid_request", f"invalid fields: {fields}") from None


def answer(result: dict[str, Any]) -> dict[str, Any]:
    """A tool's result as the till's answer; a coded error becomes that status."""
    if result.get("type") != "error":
        return result
    status = _STATUS.get(str(result.get("code")), 422)
    retry = RETRY_AFTER_S if status == 503 else None
    code = str(result.get("code") or "invalid_request")
    raise ApiError(status, code, str(result["message"]), retry)
