"""Changes of mind while terms wait, and two requests in one message, through the graph."""

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from graph.answers import answer_of
from graph.session import TurnResult
from tools.store import Store

Say = Callable[..., Awaitable[TurnResult]]
ALICE_CART = [{"sku": "KEY-00001", "quantity": 1}, {"sku": "ACC-00002", "quantity": 2}]


async def _cart(store: Store, items: list[dict[str, Any]] = ALICE_CART) -> None:
    await store.carts.replace_one({"_id": "demo-alice"}, {"_id": "demo-alice", "items": items},
                                  upsert=True)


async def _charged(store: Store) -> int:
    return await store.db["gateway_charges"].count_documents({})


@pytest.mark.parametrize(("text", "expected"), [
    ("actually no, cancel that", "cancel"), ("never mind, I'll buy it later", "cancel"),
    ("no, olvídalo, lo compro luego", "cancel"), ("non, laisse tomber, je verrai demain", "cancel"),
    ("nein, vergiss es, später", "cancel"), ("nahi, rehne do, baad mein", "cancel"),
    ("no, just one charger", "other"), ("cancel that, add the hub instead", "other"),
    ("no wait, just the $10 one", "other"), ("no, remove the chargers", "other"),
    ("yes, cancel", "other"), ("never mind, is that the final price?", "other"),
])
def test_a_cancel_in_a_clause_of_its_own_calls_the_move_off(text: str, expected: str) -> None:
    assert answer_of(text) == expected


async def test_a_cancel_with_more_words_drops_the_terms_and_the_cart_stays(
        turn: Say, seeded: Store) -> None:
    await _cart(seeded)
    assert (await turn("pay for my cart"))["awaiting_confirmation"]
    dropped = await turn("actually no, cancel that")
    assert not dropped["awaiting_confirmation"]
    assert [a["status"] for a in dropped["actions"]] == ["cancelled"]
    cart = await turn("what's in my cart now?")
    assert cart["agent_used"] == "payment" and not cart["awaiting_confirmation"]
    assert "Anker Charger 8" in cart["reply"] and "Razer K70 4 Plus" in cart["reply"]
    assert await turn("yes") and await _charged(seeded) == 0


async def test_the_total_is_asked_of_the_payment_agent(turn: Say, seeded: Store) -> None:
    await _cart(seeded)
    total = await turn("what's my total now?")
    assert total["agent_used"] == "payment" and "$346.97" in total["reply"]
