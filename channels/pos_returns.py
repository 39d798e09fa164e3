"""`POST /pos/returns/{return_id}/receive`: shop staff book a returned parcel in; it is refunded."""

from __future__ import annotations

import hmac
from typing import Any

from litestar import Request, post

from channels.errors import ApiError
from tools.returns import receive_return


def check_pos_key(request: Request[Any, Any, Any]) -> None:
    """Let through only `Authorization: Bearer <POS_API_KEY>`; with no key set, nobody."""
    configured = request.app.state.omnisales.settings.pos_api_key
    scheme, _, key = request.headers.get("authorization", "").partition(" ")
    expected = configured.get_secret_value() if configured is not None else ""
    if not expected or scheme.lower() != "bearer" or not hmac.compare_digest(
            key.encode(), expected.encode()):
        raise ApiError(401, "unauthorized", "a valid POS key is required")


@post("/pos/returns/{return_id:str}/receive", status_code=200)
async def receive(request: Request[Any, Any, Any], return_id: str) -> dict[str, Any]:
    """The parcel of a return has arrived: refund it (once, however often this is posted)."""
    check_pos_key(request)
    result = await receive_return(request.app.state.omnisales.services, return_id[:60])
    if result["type"] == "error":
        raise ApiError(404, "not_found", result["message"])
    return result
