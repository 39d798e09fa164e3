"""What a conversation remembers beside its five kept messages: a small, bounded memory.

The checkpoint keeps the newest five messages (`graph.trim`), the product's design. What a
customer refers back to ("the cheaper one", "the second", "it", "the mouse", "in Spanish
please") must outlive them, so the state keeps it here: the product in focus, the last list
shown and what made it, the order in focus, the open topic and the customer's language.
Every part is small and bounded (a list keeps `LISTED` items), so the memory costs the
checkpoint a few hundred bytes whatever the conversation's length.
"""

from __future__ import annotations

from typing import Any, TypedDict

from graph.language import Language
from graph.routes import Route
from tools.cart_names import named_whole

LISTED = 5
_KEEP_FIELDS = ("sku", "name", "price", "currency", "category")


class Product(TypedDict, total=False):
    """A product as the memory keeps it: enough to name it and compare its price."""

    sku: str
    name: str
    price: float
    currency: str
    category: str


class Listing(TypedDict, total=False):
    """The last list of products shown, and the query and filters that made it."""

    query: str
    filters: dict[str, Any]
    items: list[Product]


class OrderFocus(TypedDict, total=False):
    """The order the conversation is about, and its lines."""

    order_id: str
    status: str
    items: list[dict[str, Any]]


class Memory(TypedDict, total=False):
    """A session's memory; each key is replaced whole when a turn learns something newer."""

    language: Language
    focus: Product
    listing: Listing
    order: OrderFocus
    topic: Route
    policy: list[str]  # the policy sections the last turn answered from, for its follow-ups


def merge(left: Memory | None, right: Memory | None) -> Memory:
    """The state's reducer: the newer value of each key; a `None` value forgets that key."""
    merged: dict[str, Any] = {**(left or {}), **(right or {})}
    return {k: v for k, v in merged.items() if v is not None}  # type: ignore[return-value]


def _product(doc: dict[str, Any]) -> Product:
    return {k: doc[k] for k in _KEEP_FIELDS if k in doc}  # type: ignore[return-value]


_FILTERS = ("category", "budget", "max_price", "min_price", "sort", "use_case")


def learned(memory: Memory, route: Route, results: list[dict[str, Any]]) -> Memory:
    """What the tool results of one turn teach `memory` (the newest result wins a key).

    A list becomes the listing (and its only or named item, the focus); a product, its stock
    or a cart line added becomes the focus; an order's status, return or warranty becomes the order.
    """
    known = memory.get("order", {})
    known_focus = memory.get("focus", {})
    # A policy answer is kept one turn only: its follow-up ("and express?") comes next or never.
    memory = {"topic": route, "policy": None}  # type: ignore[typeddict-item]
    for result in results:
        kind = result.get("type")
        if kind == "product_list" and result.get("products"):
            # A search that found nothing leaves the last list to refer back to.
            items = [_product(p) for p in result["products"][:LISTED]]
            memory["listing"] = {"query": str(result.get("query") or ""), "items": items,
                                 "filters": {k: result[k] for k in _FILTERS
                                             if result.get(k) is not None}}
            # Its only item, or the one whose whole name the customer said, is in focus, even
            # when the list shows its neighbours too: "how much is the Garmin Watch 2 and is it
            # in stock?" asks about that one.
            exact = [p for p in items
                     if result.get("exact") and p.get("sku") == result.get("named")]
            named = items[0] if len(items) == 1 else exact[0] if exact else named_whole(
                str(result.get("query") or ""), list(items))  # type: ignore[arg-type]
            if named is not None:
                memory["focus"] = named  # type: ignore[typeddict-item]
        elif kind in ("product", "stock") and result.get("sku"):
            # A stock result names the product only: what the focus knew of it (price,
            # category) stays for "anything cheaper?" or "any offers on it?".
            same = memory.get("focus", known_focus)
            kept = same if same.get("sku") == result["sku"] else {}
            memory["focus"] = {**kept, **_product(result)}  # type: ignore[typeddict-item]
        elif kind == "cart" and result.get("added"):
            line = next((i for i in result.get("items", []) if i.get("sku") == result["added"]),
                        {"sku": result["added"]})
            same = memory.get("focus", known_focus)
            kept = same if same.get("sku") == result["added"] else {}
            price = {"price": line["unit_price"]} if "unit_price" in line else {}
            memory["focus"] = {**kept, **_product({**line, **price})}  # type: ignore[typeddict-item]
        elif kind == "order_status" and result.get("order_id"):
            memory["order"] = {"order_id": result["order_id"], "status": result.get("status", ""),
                               "items": [{k: line.get(k) for k in ("sku", "name", "quantity")}
                                         for line in result.get("items", [])[:LISTED * 2]]}
        elif kind == "policy" and result.get("sections"):
            memory["policy"] = [str(s.get("key")) for s in result["sections"]][:2]
        elif kind in ("return", "warranty", "delivery_estimate") and result.get("order_id"):
            order = memory.get("order", known)
            if order.get("order_id") != result["order_id"]:
                memory["order"] = {"order_id": result["order_id"]}
    return memory


def for_prompt(memory: Memory) -> dict[str, Any]:
    """The memory as the model reads it in its system prompt (no internal keys)."""
    return {k: v for k, v in memory.items() if v}
