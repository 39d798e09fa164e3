"""The till's routes (`/pos/*`, staff only): the POS agent, a sale and a stock sync."""

from __future__ import annotations

from typing import Any

from litestar import Request, post

from app import App
from channels.errors import ApiError
from channels.pos import (
    PosChatRequest,
    PosSyncRequest,
    PosTransactionRequest,
    answer,
    check_pos_key,
    parse,
)
from checkpoints.turns import Busy
from graph.session import TurnResult, run_turn
from graph.till import STAFF_CHANNEL
from tools.context import ToolContext
from tools.pos import record_sale, sync_inventory

POS_BODY_LIMIT = 64 * 1024


def _till(request: Request[Any, Any, Any]) -> App:
    app: App = request.app.state.omnisales
    check_pos_key(request.headers.get("authorization"), app.settings)
    return app


def _staff(app: App, store_id: str, staff_id: str, session_id: str = "") -> ToolContext:
    """The tools' view of a till: the staff member acts, at the store the till belongs to."""
    return ToolContext(services=app.services, customer_id=staff_id, channel=STAFF_CHANNEL,
                       session_id=session_id, store_id=store_id)


@post("/pos/chat", status_code=200, request_max_body_size=POS_BODY_LIMIT)
async def pos_chat(request: Request[Any, Any, Any]) -> TurnResult:
    """One message of shop staff to the POS agent, at the store the body names."""
    app = _till(request)
    body = parse(PosChatRequest, await request.body())
    if await app.store.stores.find_one({"_id": body.store_id}) is None:
        raise ApiError(404, "not_found", f"store {body.store_id} not found")
    try:
        return await run_turn(app.graph, customer_id=body.staff_id, session_id=body.session_id,
                              message=body.message, channel=STAFF_CHANNEL,
                              store_id=body.store_id, source="channel/pos")
    except Busy:
        raise ApiError(409, "session_busy", "this session is still answering; retry") from None


@post("/pos/transactions", status_code=200, request_max_body_size=POS_BODY_LIMIT)
async def pos_transaction(request: Request[Any, Any, Any]) -> dict[str, Any]:
    """Record a till sale; the same sale again answers the first result."""
    app = _till(request)
    body = parse(PosTransactionRequest, await request.body())
    ctx = _staff(app, body.store_id, body.staff_id)
    return answer(await record_sale(ctx, body.transaction_id,
                                    [line.model_dump() for line in body.items]))


@post("/pos/inventory/sync", status_code=200, request_max_body_size=POS_BODY_LIMIT)
async def pos_inventory_sync(request: Request[Any, Any, Any]) -> dict[str, Any]:
    """Pull the store's stock counts from its till."""
    app = _till(request)
    body = parse(PosSyncRequest, await request.body())
    return answer(await sync_inventory(_staff(app, body.store_id, "till")))


ROUTES = [pos_chat, pos_transaction, pos_inventory_sync]
