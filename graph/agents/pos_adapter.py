"""POS adapter agent, for shop staff at a till: syncs the store's stock and rings up sales."""

from __future__ import annotations

import re
from typing import Any

from graph import extract
from graph.agents.base import Agent, Call, Turn, first_error
from graph.problems import problem
from graph.wording import money
from tools.pos import process_transaction, sync_inventory

POS_ADAPTER_PROMPT = """You help shop staff at their store's till (POS). sync_inventory pulls this
store's stock counts from the till; process_transaction rings up an in-store sale with the till's
transaction id, a SKU and a quantity. The store is the till's own; prices come from the
catalogue, never from the message."""


def plan(turn: Turn) -> list[Call]:
    """Sync stock, or ring up a sale when the message names all its parts (not the store)."""
    text = turn.text
    transaction = extract.TRANSACTION.search(text)
    sku = extract.sku(text)
    if transaction and sku:
        return [("process_transaction", {
            "transaction_id": transaction.group(1).upper(), "sku": sku,
            "quantity": extract.quantity(text)})]
    if re.search(r"sync|refresh|update|pull", text, re.IGNORECASE):
        return [("sync_inventory", {"sku": sku})]
    return []


def render(turn: Turn, results: list[dict[str, Any]]) -> str:
    """Report the sync or the sale."""
    _ = turn.gettext
    if message := first_error(results):
        return _("Sorry, {problem}.").format(problem=problem(message, _))
    result = results[-1] if results else {}
    if result.get("type") == "inventory_sync":
        return _("Stock synced from the till: {rows} rows updated.").format(rows=result["updated"])
    if result.get("type") == "pos_transaction":
        return _("Transaction {transaction} {status}: {total}.").format(
            transaction=result["transaction_id"], status=result["status"],
            total=money(result["total"], turn.language, result["currency"]))
    return _("I can sync this store's stock from the till, or ring up a sale: give the "
             "transaction id (TX-...), the SKU and the quantity.")


AGENT = Agent("pos_adapter", POS_ADAPTER_PROMPT, (sync_inventory, process_transaction), plan,
              render)
