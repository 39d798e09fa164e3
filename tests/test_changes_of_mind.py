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


async def test_a_product_named_while_terms_wait_is_added_and_new_terms_shown(
        turn: Say, seeded: Store) -> None:
    await _cart(seeded, [{"sku": "KEY-00001", "quantity": 1}])
    first = await turn("pay for my cart")
    assert first["awaiting_confirmation"] and "$118.99" in first["reply"]
    changed = await turn("hold on, add the Samsung Stand 7 as well")
    assert changed["awaiting_confirmation"] and "$138.98" in changed["reply"]
    cart = await seeded.carts.find_one({"_id": "demo-alice"})
    assert cart is not None
    assert {i["sku"]: i["quantity"] for i in cart["items"]} == {"KEY-00001": 1, "ACC-00004": 1}
    assert await _charged(seeded) == 0
    paid = await turn("yes")
    assert paid["actions"][0]["status"] == "paid" and paid["actions"][0]["total"] == 138.98


async def test_add_by_name_then_check_out_prepares_the_new_total(turn: Say, seeded: Store) -> None:
    await _cart(seeded, [{"sku": "KEY-00001", "quantity": 1}])
    both = await turn("add two Samsung Stand 7 to my cart and check out")
    kinds = [a["type"] for a in both["actions"]]
    assert kinds[-2:] == ["cart", "payment_confirmation"] and both["awaiting_confirmation"]
    assert both["actions"][-1]["total"] == 158.97 and await _charged(seeded) == 0


async def test_a_name_said_in_part_asks_which_and_adds_nothing(turn: Say, seeded: Store) -> None:
    await _cart(seeded, [{"sku": "KEY-00001", "quantity": 1}])
    asked = await turn("add the Samsung Stand to my cart")
    assert not any(a["type"] == "cart" for a in asked["actions"])
    cart = await seeded.carts.find_one({"_id": "demo-alice"})
    assert cart is not None and [i["sku"] for i in cart["items"]] == ["KEY-00001"]


async def test_a_smaller_reward_named_by_value_replaces_the_waiting_one(
        turn: Say, seeded: Store) -> None:
    first = await turn("redeem my points for the $25 off reward")
    assert first["awaiting_confirmation"] and first["actions"][-1]["reward_id"] == "RW-25OFF"
    changed = await turn("no wait, just the $10 one")
    assert changed["awaiting_confirmation"] and "$10" in changed["reply"]
    assert changed["actions"][-1]["reward_id"] == "RW-10OFF"
    done = await turn("yes")
    assert done["actions"][-1]["balance"] == 1500  # 2,500 less the $10 reward's 1,000 points


async def test_a_price_and_its_stock_asked_at_once_answer_both(turn: Say, seeded: Store) -> None:
    both = await turn("how much is the Garmin Watch 2 and is it in stock at Downtown?")
    kinds = [a["type"] for a in both["actions"]]
    assert "stock" in kinds and "$312.99" in both["reply"] and "Downtown" in both["reply"]
    stock = next(a for a in both["actions"] if a["type"] == "stock")
    listed = next(a for a in both["actions"] if a["type"] == "product_list")
    garmin = next(p for p in listed["products"] if p["name"] == "Garmin Watch 2")
    assert stock["sku"] == garmin["sku"]


async def test_the_cart_and_an_order_asked_at_once_answer_both(turn: Say, seeded: Store) -> None:
    await _cart(seeded)
    both = await turn("what's in my cart and when does my laptop arrive?")
    kinds = [a["type"] for a in both["actions"]]
    assert "cart" in kinds and "order_status" in kinds
    assert "Razer K70 4 Plus" in both["reply"] and "Asus Swift 2" in both["reply"]


async def test_two_kinds_of_product_asked_at_once_are_both_searched(
        turn: Say, seeded: Store) -> None:
    both = await turn("I need a laptop for coding under $1000 and a wireless mouse")
    lists = [a for a in both["actions"] if a["type"] == "product_list"]
    assert [lst["category"] for lst in lists] == ["laptops", "accessories"]
    assert "Mouse" in lists[1]["products"][0]["name"]
    assert all(p["price"] <= 1000 for p in lists[0]["products"])
    assert lists[0]["products"][0]["name"] in both["reply"]
    assert lists[1]["products"][0]["name"] in both["reply"]
    cheapest = min(lists[1]["products"], key=lambda p: p["price"])
    added = await turn("add the cheapest mouse to my cart")
    cart = await seeded.carts.find_one({"_id": "demo-alice"})
    assert cart is not None and cheapest["sku"] in [i["sku"] for i in cart["items"]]
    assert cheapest["name"] in added["reply"]


async def test_two_questions_for_one_agent_are_both_answered_and_nothing_starts(
        turn: Say, seeded: Store) -> None:
    both = await turn("is my Sennheiser headset under warranty, and can I still return it?")
    assert both["agent_used"] == "post_purchase" and not both["awaiting_confirmation"]
    # The warranty, and the return rule from the shop's policy: no return is prepared.
    assert [a["type"] for a in both["actions"]] in (["warranty"], ["warranty", "policy"])
    assert "Sennheiser" in both["reply"] and "30 days" in both["reply"]
    assert await seeded.returns.count_documents({}) == 0


async def test_the_same_answer_to_two_parts_is_said_once(turn: Say, seeded: Store) -> None:
    await _cart(seeded)
    both = await turn("what's in my cart and what's my total?")
    assert [a["type"] for a in both["actions"]] == ["cart"]
    assert both["reply"].count("$346.97") == 1


@pytest.mark.parametrize("text", ["no, olvídalo, lo compro luego", "nein, vergiss es, später",
                                  "नहीं, रहने दो, बाद में"])
async def test_a_cancel_with_more_words_drops_the_terms_in_other_languages(
        turn: Say, seeded: Store, text: str) -> None:
    await _cart(seeded)
    assert (await turn("pay for my cart"))["awaiting_confirmation"]
    dropped = await turn(text)
    assert not dropped["awaiting_confirmation"]
    assert [a["status"] for a in dropped["actions"]] == ["cancelled"]
    assert await turn("yes") and await _charged(seeded) == 0


@pytest.mark.parametrize(("ask", "change"), [
    ("Ich möchte meinen Warenkorb bezahlen", "Nimm bitte die Ladegeräte raus, ich will nur die "
                                             "Tastatur"),
    ("quiero pagar mi carrito", "quita los cargadores, solo quiero el teclado"),
    ("je veux payer mon panier", "enlève les chargeurs"),
    ("pay for my cart", "remove the chargers please"),
])
async def test_the_chargers_named_in_any_language_leave_the_terms(
        turn: Say, seeded: Store, ask: str, change: str) -> None:
    await _cart(seeded)
    assert (await turn(ask))["awaiting_confirmation"]
    changed = await turn(change)
    assert changed["awaiting_confirmation"], changed["reply"]
    terms = [a for a in changed["actions"] if a["type"] == "payment_confirmation"][-1]
    assert [item["sku"] for item in terms["items"]] == ["KEY-00001"], terms
    assert terms["total"] == 118.99 and await _charged(seeded) == 0
