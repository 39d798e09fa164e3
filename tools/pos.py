"""Point-of-sale tools: sync store stock from the till system and record in-store sales."""

from __future__ import annotations

import re
from typing import Any

import httpx
from pymongo import UpdateOne
from pymongo.errors import DuplicateKeyError

from tools.cart import MAX_QUANTITY
from tools.catalog import find_product, money
from tools.context import ToolContext
from tools.registry import error, not_found
from tools.store import ActionInFlightError, Doc

POS_TIMEOUT_S = 10.0
TRANSACTION_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
_NOT_CONFIGURED = "the till system (POS) is not configured"
_DOWN = "the till system (POS) is unavailable"


class _Rejected(Exception):
    """The sale cannot go ahead; raised inside the ledger so that the claim is released."""

    def __init__(self, result: dict[str, Any]) -> None:
        super().__init__(result["message"])
        self.result = result


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
    """Refresh store stock levels from the shop's till system.

    Args:
        sku: One product's SKU to refresh, e.g. LAP-00001; every product if omitted.
    """
    base = ctx.services.settings.pos_api_url
    if not base:
        return error(_NOT_CONFIGURED + "; stock was not changed")
    wanted = sku.strip().upper() if sku else None
    try:
        response = await ctx.services.http.get(
            base.rstrip("/") + "/inventory", params={"sku": wanted} if wanted else None,
            timeout=POS_TIMEOUT_S)
        response.raise_for_status()
        items = response.json()["items"]
        if not isinstance(items, list):
            raise TypeError("items is not a list")
    except (httpx.HTTPError, ValueError, KeyError, TypeError):
        return error(_DOWN + "; stock was not changed")
    rows = [row for row in map(_row, items) if row is not None
            and (wanted is None or row[0] == wanted)]
    skus = {row[0] for row in rows}
    known = set(await ctx.store.products.distinct("_id", {"_id": {"$in": sorted(skus)}}))
    stores = set(await ctx.store.stores.distinct("_id"))
    at = ctx.services.clock()
    ops = [UpdateOne({"sku": s, "store_id": st}, {"$set": {"quantity": q, "synced_at": at}},
                     upsert=True)
           for s, st, q in rows if s in known and st in stores]
    if ops:
        await ctx.store.stock.bulk_write(ops, ordered=False)
    return {"type": "inventory_sync", "updated": len(ops), "skipped": len(items) - len(ops)}


async def _post_sale(ctx: ToolContext, base: str, body: Doc) -> None:
    """Send the sale to the till; raise _Rejected unless it answers 2xx."""
    try:
        response = await ctx.services.http.post(base.rstrip("/") + "/transactions", json=body,
                                                timeout=POS_TIMEOUT_S)
    except httpx.HTTPError:
        raise _Rejected(error(_DOWN + "; the sale was not recorded, try again")) from None
    if not response.is_success:
        raise _Rejected(error(f"the till system refused the sale (HTTP {response.status_code})"))


async def process_transaction(
    ctx: ToolContext, transaction_id: str, sku: str, quantity: int, store_id: str
) -> dict[str, Any]:
    """Record an in-store sale rung up on the till for this customer, priced from the catalogue.

    Args:
        transaction_id: The till's transaction number; the same number is recorded only once.
        sku: The product's SKU, e.g. LAP-00001.
        quantity: How many units were sold (1 to 20).
        store_id: The store of the sale: store-downtown, store-mall or store-airport.
    """
    transaction_id = transaction_id.strip()
    if not TRANSACTION_ID.fullmatch(transaction_id):
        return error("the transaction id must be 1 to 64 letters, digits, '-' or '_'")
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not (
            0 < quantity <= MAX_QUANTITY):
        return error(f"the quantity must be between 1 and {MAX_QUANTITY}")
    product = await find_product(ctx, sku)
    if product is None:
        return not_found(f"product {sku}")
    if await ctx.store.stores.find_one({"_id": store_id}) is None:
        return not_found(f"store {store_id}")
    total_cents = product["price_cents"] * quantity
    body = {"transaction_id": transaction_id, "store_id": store_id,
            "lines": [{"sku": product["sku"], "quantity": quantity,
                       "unit_price_cents": product["price_cents"]}],
            "total_cents": total_cents, "customer_id": ctx.customer_id}
    where = {"sku": product["sku"], "store_id": store_id}

    async def sell() -> Doc:
        # Reserve the stock first: the guard makes oversell impossible under concurrency. An
        # update, not a findAndModify, which the embedded server answers by reading every row.
        taken = await ctx.store.stock.update_one(
            where | {"quantity": {"$gte": quantity}}, {"$inc": {"quantity": -quantity}})
        if not taken.matched_count:
            row = await ctx.store.stock.find_one(where) or {"quantity": 0}
            raise _Rejected(error(f"only {row['quantity']} of {product['sku']} in stock at "
                                  f"{store_id}"))
        base = ctx.services.settings.pos_api_url
        try:
            if base:
                await _post_sale(ctx, base, body)
            status = "completed" if base else "recorded_offline"
            await ctx.store.pos_transactions.insert_one(
                body | {"status": status, "currency": product["currency"],
                        "created_at": ctx.services.clock()})
        except BaseException as exc:
            await ctx.store.stock.update_one(where, {"$inc": {"quantity": quantity}})
            if isinstance(exc, DuplicateKeyError):
                raise _Rejected(error(f"transaction {transaction_id} already exists")) from None
            raise
        return {"type": "pos_transaction", "transaction_id": transaction_id, "status": status,
                "total": money(total_cents), "currency": product["currency"]}

    key = f"pos:{transaction_id}"
    try:
        result = await ctx.store.once(key, "pos", ctx.customer_id, sell)
    except _Rejected as rejected:
        return rejected.result
    except ActionInFlightError:
        return error(f"transaction {transaction_id} is being recorded or was refused; "
                     "check it and try again")
    claim = await ctx.store.actions.find_one({"key": key}, {"customer_id": 1})
    if claim is not None and claim["customer_id"] != ctx.customer_id:
        # Transaction ids are the till's, shared by all customers: never show another's sale.
        return error(f"transaction {transaction_id} already exists")
    return result
