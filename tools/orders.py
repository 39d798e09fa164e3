"""Order tools: track the customer's own orders and estimate delivery dates."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from tools.catalog import find_product
from tools.context import ToolContext
from tools.registry import error, not_found
from tools.store import Doc

ORDER_ID = re.compile(r"ORD-\d{1,12}")
POSTCODE = re.compile(r"\d{5}")
CUT_OFF = time(14, 0)  # local time; the shop keeps its clock in UTC
# method: (earliest, latest) business days after the ship date
METHODS: dict[str, tuple[int, int]] = {
    "standard": (3, 5), "express": (1, 2), "next_day": (1, 1), "pickup": (0, 0)}
REMOTE_PREFIXES = ("99", "96")  # Alaska, Hawaii and the Pacific islands
REMOTE_DAYS = 2
BACKORDER_DAYS = 5
CLOSED = ("delivered", "cancelled")


def add_business_days(start: date, days: int) -> date:
    """The date `days` business days (Monday to Friday) after `start`."""
    day = start
    while days > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day


def ship_date(at: datetime) -> date:
    """The day an order placed at `at` leaves: today before the cut-off on a business day."""
    local = at.astimezone(UTC) if at.tzinfo else at
    if local.weekday() < 5 and local.time() < CUT_OFF:
        return local.date()
    return add_business_days(local.date(), 1)


def delivery_window(at: datetime, method: str, extra_days: int = 0) -> Doc:
    """Ship date, earliest and latest arrival (ISO dates) and the business days it takes."""
    low, high = METHODS[method]
    shipped = ship_date(at)
    return {"ship_date": shipped.isoformat(),
            "earliest": add_business_days(shipped, low + extra_days).isoformat(),
            "latest": add_business_days(shipped, high + extra_days).isoformat(),
            "business_days": high + extra_days}


def _remote(postcode: str | None) -> bool:
    return bool(postcode) and str(postcode).startswith(REMOTE_PREFIXES)


def _estimated_delivery(order: Doc) -> str | None:
    if order["status"] in CLOSED:
        return None
    if order.get("estimated_delivery"):
        return str(order["estimated_delivery"])
    shipping = order.get("shipping") or {}
    method = shipping.get("method", "standard")
    if method not in METHODS:
        method = "standard"
    extra = REMOTE_DAYS if _remote(shipping.get("postcode")) else 0
    return str(delivery_window(order["created_at"], method, extra)["latest"])


async def _find_order(ctx: ToolContext, order_id: str | None) -> Doc | None:
    orders = ctx.store.orders
    if order_id is not None:
        if not ORDER_ID.fullmatch(order_id):
            return None
        # Ownership is part of the query: another customer's order is simply not found. The
        # hint names the unique index; the embedded server would otherwise walk the customer's.
        return await orders.find_one({"order_id": order_id, "customer_id": ctx.customer_id},
                                     hint=[("order_id", 1)])
    newest = [("created_at", -1)]
    open_order = await orders.find_one(
        {"customer_id": ctx.customer_id, "status": {"$nin": list(CLOSED)}}, sort=newest)
    return open_order or await orders.find_one({"customer_id": ctx.customer_id}, sort=newest)


async def track_order(ctx: ToolContext, order_id: str | None = None) -> dict[str, Any]:
    """Show the status, tracking and delivery date of one of the customer's orders.

    Args:
        order_id: The order number, e.g. ORD-1002; omit it for the customer's latest order.
    """
    wanted = (order_id or "").strip().upper() or None
    order = await _find_order(ctx, wanted)
    if order is None:
        if wanted is None:
            return error("there are no orders on your account yet")
        return not_found(f"order {wanted}")
    return {
        "type": "order_status", "order_id": order["order_id"], "status": order["status"],
        "tracking": order.get("tracking") or None,
        "items": [{"name": line["name"], "sku": line["sku"], "quantity": line["quantity"]}
                  for line in order["items"]],
        "history": [{"status": step["status"], "at": step["at"].isoformat()}
                    for step in order.get("status_history", [])],
        "estimated_delivery": _estimated_delivery(order),
    }


async def _stocked_stores(ctx: ToolContext, sku: str) -> list[str]:
    rows = ctx.store.stock.find({"sku": sku, "quantity": {"$gt": 0}}, {"store_id": 1})
    return sorted([row["store_id"] async for row in rows])


async def estimate_delivery(
    ctx: ToolContext, postcode: str | None = None, method: str = "standard",
    sku: str | None = None,
) -> dict[str, Any]:
    """Estimate when an order placed now would arrive.

    Args:
        postcode: The US 5-digit delivery postcode; the customer's address if omitted.
        method: standard, express, next_day or pickup (collect from a store).
        sku: A product to check stock for; out-of-stock items ship later.
    """
    method = method.strip().lower().replace("-", "_").replace(" ", "_")
    if method not in METHODS:
        return error(f"unknown delivery method {method!r}; choose one of {', '.join(METHODS)}")
    if postcode is None:
        customer = await ctx.store.customers.find_one({"_id": ctx.customer_id}, {"address": 1})
        postcode = ((customer or {}).get("address") or {}).get("postcode")
        if postcode is None and method != "pickup":
            return error("tell me the 5-digit US postcode to deliver to")
    if postcode is not None:
        postcode = postcode.strip()
        if not POSTCODE.fullmatch(postcode):
            return error("we deliver to US addresses only: give a 5-digit postcode, e.g. 10001")
    at = ctx.services.clock()
    notes: list[str] = []
    extra = 0
    stores: list[str] = []
    if sku is not None:
        product = await find_product(ctx, sku)
        if product is None:
            return not_found(f"product {sku}")
        stores = await _stocked_stores(ctx, product["sku"])
    if method == "pickup":
        if sku is None:
            return error("tell me which product you want to pick up")
        if not stores:
            return error(f"store pickup is unavailable: {sku.upper()} is out of stock in "
                         "every store")
        notes.append("ready for pickup at " + ", ".join(stores))
    else:
        if _remote(postcode):
            extra += REMOTE_DAYS
            notes.append(f"remote delivery zone: +{REMOTE_DAYS} business days")
        if sku is not None and not stores:
            extra += BACKORDER_DAYS
            notes.append(f"on backorder: +{BACKORDER_DAYS} business days")
    return {"type": "delivery_estimate", "method": method, "postcode": postcode,
            **delivery_window(at, method, extra), "notes": notes}
