"""Point-of-sale tools for shop staff: sync a store's stock from its till and record its sales."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
from pymongo import UpdateOne
from pymongo.errors import DuplicateKeyError

from tools.cart import MAX_QUANTITY
from tools.catalog import find_product, money
from tools.claims import move
from tools.context import ToolContext
from tools.store import ActionInFlightError, Doc

POS_CHANNEL = "pos"
POS_TIMEOUT_S = 10.0
MAX_LINES = 50
TRANSACTION_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
STAFF_ONLY = "till work is for shop staff at the till; nothing was rung up or synced"
_NOT_CONFIGURED = "the till system (POS) is not configured"
_DOWN = "the till system (POS) is unavailable"


def fail(code: str, message: str) -> dict[str, Any]:
    """An error result with a code the till's HTTP API maps to a status (`pos_api`)."""
    return {"type": "error", "code": code, "message": message}


class _Rejected(Exception):
    """The sale cannot go ahead; raised inside the ledger so that the claim is released."""

    def __init__(self, result: dict[str, Any]) -> None:
        super().__init__(result["message"])
        self.result = result


def _till_store(ctx: ToolContext) -> str | dict[str, Any]:
    """The store of the till this run comes from, or the refusal for anyone else.

    Defence in depth: the graph never runs the POS agent for a customer channel, and these tools
    refuse too, whatever a model or a caller asks. The store is the till's (`/pos/*` body),
    never a model's argument.
    """
    if ctx.channel != POS_CHANNEL:
        return fail("staff_only", STAFF_ONLY)
    if not ctx.store_id:
        return fail("invalid", "the till did not say which store it is")
    return ctx.store_id


def _row(item: Any) -> tuple[str, str, int] | None:
    """One inventory row from the POS as (sku, store_id, quantity), or None if malformed."""
    if not isinstance(item, dict):
        return None
    sku, store_id, quantity = item.get("sku"), item.get("store_id"), item.get("quantity")
    if not isinstance(sku, str) or not isinstance(store_id, str):
        return None
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 0:
        return None
    return sku.strip().upper(), store_id.strip(), quantity


async def sync_inventory(ctx: ToolContext, sku: str | None = None) -> dict[str, Any]:
    """Refresh this store's stock levels from the shop's till system.

    Args:
        sku: One product's SKU to refresh, e.g. LAP-00001; every product if omitted.
    """
    store = _till_store(ctx)
    if isinstance(store, dict):
        return store
    base = ctx.services.settings.pos_api_url
    if not base:
        return fail("till_unavailable", _NOT_CONFIGURED + "; stock was not changed")
    wanted = sku.strip().upper() if sku else None
    params = {"store_id": store} | ({"sku": wanted} if wanted else {})
    try:
        response = await ctx.services.http.get(base.rstrip("/") + "/inventory", params=params,
                                               timeout=POS_TIMEOUT_S)
        response.raise_for_status()
        items = response.json()["items"]
        if not isinstance(items, list):
            raise TypeError("items is not a list")
    except (httpx.HTTPError, ValueError, KeyError, TypeError):
        return fail("till_unavailable", _DOWN + "; stock was not changed")
    # Only this store's rows: one store's till never writes another store's stock.
    rows = [row for row in map(_row, items) if row is not None and row[1] == store
            and (wanted is None or row[0] == wanted)]
    skus = {row[0] for row in rows}
    known = set(await ctx.store.products.distinct("_id", {"_id": {"$in": sorted(skus)}}))
    at = ctx.services.clock()
    ops = [UpdateOne({"sku": s, "store_id": st}, {"$set": {"quantity": q, "synced_at": at}},
                     upsert=True)
           for s, st, q in rows if s in known]
    if ops and await ctx.store.stores.find_one({"_id": store}) is not None:
        await ctx.store.stock.bulk_write(ops, ordered=False)
    else:
        ops = []
    return {"type": "inventory_sync", "store_id": store, "updated": len(ops),
            "skipped": len(items) - len(ops)}


def _lines(items: Any) -> list[dict[str, Any]] | str:
    """The sale's lines, one per SKU in SKU order (so equal sales compare equal), or the fault."""
    if not isinstance(items, list) or not 0 < len(items) <= MAX_LINES:
        return f"a sale has 1 to {MAX_LINES} lines"
    merged: dict[str, int] = {}
    for item in items:
        sku = item.get("sku") if isinstance(item, dict) else None
        quantity = item.get("quantity") if isinstance(item, dict) else None
        if not isinstance(sku, str) or not sku.strip():
            return "each line needs a sku"
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
            return f"the quantity must be between 1 and {MAX_QUANTITY}"
        key = sku.strip().upper()
        merged[key] = merged.get(key, 0) + quantity
        if merged[key] > MAX_QUANTITY:
            return f"the quantity must be between 1 and {MAX_QUANTITY}"
    return [{"sku": sku, "quantity": merged[sku]} for sku in sorted(merged)]


async def _post_sale(ctx: ToolContext, base: str, body: Doc) -> None:
    """Send the sale to the till; raise _Rejected unless it answers 2xx."""
    try:
        response = await ctx.services.http.post(base.rstrip("/") + "/transactions", json=body,
                                                timeout=POS_TIMEOUT_S)
    except httpx.HTTPError:
        raise _Rejected(fail("till_unavailable",
                             _DOWN + "; the sale was not recorded, try again")) from None
    if not response.is_success:
        raise _Rejected(fail("till_unavailable",
                             f"the till system refused the sale (HTTP {response.status_code})"))


async def record_sale(ctx: ToolContext, transaction_id: str, items: Any) -> dict[str, Any]:
    """Record a till sale of several lines at the till's store, priced from the catalogue.

    A transaction id is unique per store: the same sale again answers the first result, the
    same id with other lines is a conflict, and the same id at another store is another sale.
    """
    store = _till_store(ctx)
    if isinstance(store, dict):
        return store
    transaction_id = transaction_id.strip() if isinstance(transaction_id, str) else ""
    if not TRANSACTION_ID.fullmatch(transaction_id):
        return fail("invalid", "the transaction id must be 1 to 64 letters, digits, '-' or '_'")
    lines = _lines(items)
    if isinstance(lines, str):
        return fail("invalid", lines)
    products = []
    for line in lines:
        product = await find_product(ctx, line["sku"])
        if product is None:
            return fail("not_found", f"product {line['sku']} not found")
        products.append(product)
    if await ctx.store.stores.find_one({"_id": store}) is None:
        return fail("not_found", f"store {store} not found")
    sold = [(p, line["quantity"]) for p, line in zip(products, lines, strict=True)]
    total_cents = sum(p["price_cents"] * quantity for p, quantity in sold)
    currency = products[0]["currency"]
    body = {"transaction_id": transaction_id, "store_id": store,
            "lines": [{"sku": p["sku"], "quantity": q, "unit_price_cents": p["price_cents"]}
                      for p, q in sold],
            "total_cents": total_cents, "staff_id": ctx.customer_id}

    async def sell() -> Doc:
        taken: list[tuple[Doc, int]] = []
        try:
            for product, quantity in sold:
                # The guard makes oversell impossible under concurrency.
                where = {"sku": product["sku"], "store_id": store}
                if not await move(ctx.store.stock, where, {"quantity": {"$gte": quantity}},
                                  {"$inc": {"quantity": -quantity}}):
                    row = await ctx.store.stock.find_one(where) or {"quantity": 0}
                    raise _Rejected(fail("out_of_stock", f"only {row['quantity']} of "
                                         f"{product['sku']} in stock at {store}"))
                taken.append((where, quantity))
            base = ctx.services.settings.pos_api_url
            if base:
                await _post_sale(ctx, base, body)
            status = "completed" if base else "recorded_offline"
            await ctx.store.pos_transactions.insert_one(
                body | {"status": status, "currency": currency,
                        "created_at": ctx.services.clock()})
        except BaseException as exc:
            for where, quantity in taken:  # every line reserved so far goes back
                await ctx.store.stock.update_one(where, {"$inc": {"quantity": quantity}})
            if isinstance(exc, DuplicateKeyError):
                raise _Rejected(fail("conflict", f"transaction {transaction_id} already "
                                     f"exists at {store}")) from None
            raise
        return {"type": "pos_transaction", "transaction_id": transaction_id, "store_id": store,
                "status": status, "total": money(total_cents), "currency": currency,
                "lines": lines}

    key = json.dumps(["pos", store, transaction_id], separators=(",", ":"))
    try:
        result = await ctx.store.once(key, "pos", ctx.customer_id, sell)
    except _Rejected as rejected:
        return rejected.result
    except ActionInFlightError:
        return fail("in_progress", f"transaction {transaction_id} is being recorded or was "
                    "refused; check it and try again")
    if result.get("lines") != lines:
        return fail("conflict", f"transaction {transaction_id} already exists at {store} "
                    "with other items")
    return result


async def process_transaction(ctx: ToolContext, transaction_id: str, sku: str,
                              quantity: int) -> dict[str, Any]:
    """Record an in-store sale rung up on this store's till, priced from the catalogue.

    Args:
        transaction_id: The till's transaction number; the same number is recorded only once.
        sku: The product's SKU, e.g. LAP-00001.
        quantity: How many units were sold (1 to 20).
    """
    return await record_sale(ctx, transaction_id, [{"sku": sku, "quantity": quantity}])
