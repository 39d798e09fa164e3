"""M3, M4, A8: only a clear yes of the same session's current terms charges, counted in the DB."""

import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from channels.whatsapp import format_reply, parse_webhook
from graph.answers import answer_of
from graph.session import TurnResult
from tools.cart import priced_cart, remove_from_cart, set_cart_quantity
from tools.context import ToolContext, session_key
from tools.store import Store

Say = Callable[..., Awaitable[TurnResult]]
PHRASINGS = [json.loads(line) for line in
             (Path(__file__).parent / "data" / "confirmation_phrasings.jsonl").read_text(
                 encoding="utf-8").splitlines() if line.strip()]
ALICE_CART = [{"sku": "KEY-00001", "quantity": 1}, {"sku": "ACC-00002", "quantity": 2}]


async def reset_cart(store: Store, items: list[dict[str, Any]] = ALICE_CART) -> None:
    await store.carts.replace_one({"_id": "demo-alice"}, {"_id": "demo-alice", "items": items},
                                  upsert=True)


async def charges(store: Store, session: str | None = None, channel: str = "web"
                  ) -> list[dict[str, Any]]:
    """The sandbox gateway's charges (of one session's payments), and they must be paid ones."""
    where = {"session_key": session_key(channel, "demo-alice", session)} if session else {}
    payments = await store.payments.find(where).to_list()
    ids = [p["payment_id"] for p in payments]
    made = await store.db["gateway_charges"].find({"_id": {"$in": ids}}).to_list()
    paid = [p for p in payments if p["status"] == "paid"]
    assert len(paid) == len(made)  # every charge is a paid payment, and nothing paid uncharged
    return made


def test_the_phrasings_cover_five_languages_and_enough_of_each_answer() -> None:
    langs = {row["lang"] for row in PHRASINGS}
    assert langs == {"en", "es", "fr", "de", "hi"}
    assert sum(row["expected"] == "yes" for row in PHRASINGS) >= 20
    assert sum(row["expected"] != "yes" for row in PHRASINGS) >= 60
    for lang in langs:
        assert {row["expected"] for row in PHRASINGS if row["lang"] == lang} == {
            "yes", "no", "other"}


@pytest.mark.parametrize("row", PHRASINGS, ids=lambda row: f"{row['lang']}:{row['text']}")
def test_the_server_reads_each_phrasing(row: dict[str, str]) -> None:
    expected = {"yes": "yes", "no": "cancel", "other": "other"}[row["expected"]]
    assert answer_of(row["text"]) == expected


@pytest.mark.slow
async def test_m3_only_a_clear_yes_charges_through_the_graph(turn: Say, seeded: Store) -> None:
    failures = []
    for n, row in enumerate(PHRASINGS):
        session = f"m3-{n}"
        await reset_cart(seeded)
        asked = await turn("pay for my cart", session=session)
        assert asked["awaiting_confirmation"], row
        result = await turn(row["text"], session=session)
        made = await charges(seeded, session)
        if row["expected"] == "yes":
            ok = len(made) == 1 and result["actions"][0]["status"] == "paid"
        elif row["expected"] == "no":
            ok = (not made and not result["awaiting_confirmation"]
                  and "nothing was charged" in result["reply"].lower())
        else:  # answered or changed by the agent, and asked again
            ok = not made and result["awaiting_confirmation"] and "yes" in result["reply"]
        if not ok:
            failures.append((row, result["reply"], len(made)))
    assert failures == []


async def test_a_cancel_says_so_and_a_later_yes_charges_nothing(turn: Say,
                                                                seeded: Store) -> None:
    await turn("pay for my cart")
    dropped = await turn("Please do not charge me")
    assert dropped["actions"][0]["status"] == "cancelled"
    assert "Cancelled: nothing was charged." in dropped["reply"]
    await turn("yes")
    assert await charges(seeded) == []


async def test_a_question_is_answered_and_the_same_terms_asked_again(turn: Say,
                                                                     seeded: Store) -> None:
    asked = await turn("pay for my cart")
    terms = asked["actions"][0]
    answered = await turn("sure? is that the final price?")
    assert answered["awaiting_confirmation"] and answered["agent_used"] == "payment"
    assert f"${terms['total']:,.2f}" in answered["reply"] and "ending 4242" in answered["reply"]
    assert answered["actions"][-1]["confirmation_id"] == terms["confirmation_id"]  # kept
    assert await charges(seeded) == []
    paid = await turn("yes")
    assert [c["amount_cents"] for c in await charges(seeded)] == [round(terms["total"] * 100)]
    assert paid["actions"][0]["status"] == "paid"


@pytest.mark.parametrize(("change", "cart_after"), [
    ("remove the chargers", [("KEY-00001", 1)]),
    ("please remove the keyboard", [("ACC-00002", 2)]),
    ("remove ACC-00002", [("KEY-00001", 1)]),
    ("just one of them", [("KEY-00001", 1), ("ACC-00002", 1)]),
    ("make it 3 chargers", [("KEY-00001", 1), ("ACC-00002", 3)]),
    ("add ACC-00003 too", [("KEY-00001", 1), ("ACC-00002", 2), ("ACC-00003", 1)]),
])
async def test_m4_a_change_renews_the_terms_and_the_yes_pays_the_changed_cart(
        turn: Say, seeded: Store, alice: ToolContext, change: str,
        cart_after: list[tuple[str, int]]) -> None:
    first = (await turn("pay for my cart"))["actions"][0]
    renewed = await turn(change)
    assert renewed["awaiting_confirmation"] and await charges(seeded) == []
    terms = next(a for a in renewed["actions"] if a["type"] == "payment_confirmation")
    assert terms["confirmation_id"] != first["confirmation_id"]
    assert [(i["sku"], i["quantity"]) for i in terms["items"]] == cart_after
    assert f"${terms['total']:,.2f}" in renewed["reply"]
    old = await seeded.db["confirmations"].find_one({"_id": first["confirmation_id"]})
    assert old is not None and old["status"] == "cancelled"  # superseded: it can never confirm
    _, total_at_yes = await priced_cart(alice)
    await turn("yes")
    made = await charges(seeded)
    assert [c["amount_cents"] for c in made] == [total_at_yes]
    assert total_at_yes == round(terms["total"] * 100)


async def test_m4_removing_everything_drops_the_terms(turn: Say, seeded: Store) -> None:
    await reset_cart(seeded, [{"sku": "ACC-00002", "quantity": 2}])
    await turn("pay for my cart")
    emptied = await turn("remove the chargers")
    assert not emptied["awaiting_confirmation"] and "nothing was charged" in emptied["reply"]
    await turn("yes")
    assert await charges(seeded) == []


@pytest.mark.parametrize("message", [
    "what payment methods do you take?", "I was charged twice!!", "what's your return policy?",
    "how many points do I have", "Do you accept PayPal?", "can I return things I bought?",
])
async def test_nothing_prepares_a_money_move_unless_asked(turn: Say, seeded: Store,
                                                          message: str) -> None:
    result = await turn(message)
    assert not result["awaiting_confirmation"]
    assert await seeded.db["confirmations"].count_documents({}) == 0
    assert await seeded.payments.count_documents({}) == 0
    assert await seeded.returns.count_documents({}) == 0


async def test_a8_yes_in_another_session_or_after_expiry_charges_nothing(
        turn: Say, seeded: Store, services: Any) -> None:
    await turn("pay for my cart")
    other = await turn("yes", session="elsewhere")
    assert not other["awaiting_confirmation"] and await charges(seeded) == []
    await seeded.db["confirmations"].update_many({}, {"$set": {"expires_at": services.clock()}})
    late = await turn("yes")
    assert "expired" in late["reply"] and await charges(seeded) == []


async def test_a8_a_superseded_button_confirms_nothing_and_shows_the_current_terms(
        turn: Say, seeded: Store) -> None:
    first = (await turn("pay for my cart"))["actions"][0]
    renewed = await turn("remove the chargers")
    current = next(a for a in renewed["actions"] if a["type"] == "payment_confirmation")
    stale = await turn(f"confirm_yes:{first['confirmation_id']}")
    assert await charges(seeded) == []
    assert "no longer" in stale["reply"] or "expired" in stale["reply"]
    assert f"${current['total']:,.2f}" in stale["reply"] and stale["awaiting_confirmation"]
    assert await turn("confirm_yes") and await charges(seeded) == []  # a button naming nothing
    paid = await turn(f"confirm_yes:{current['confirmation_id']}")
    assert paid["actions"][0]["status"] == "paid"
    assert [c["amount_cents"] for c in await charges(seeded)] == [round(current["total"] * 100)]
    again = await turn(f"confirm_yes:{current['confirmation_id']}")
    assert len(await charges(seeded)) == 1 and not again["awaiting_confirmation"]


async def test_the_no_button_of_the_current_terms_cancels(turn: Say, seeded: Store) -> None:
    terms = (await turn("pay for my cart"))["actions"][0]
    result = await turn(f"confirm_no:{terms['confirmation_id']}")
    assert result["actions"][0]["status"] == "cancelled" and await charges(seeded) == []


async def points(store: Store) -> int:
    rows = await store.db["loyalty_ledger"].find({"customer_id": "demo-alice"}).to_list()
    return sum(int(r["delta"]) for r in rows)


async def test_a_redemption_waits_for_a_clear_yes_and_a_change_renews_it(
        turn: Say, seeded: Store) -> None:
    first = (await turn("redeem RW-5OFF"))["actions"][0]
    assert first["type"] == "redeem_confirmation"
    for message in ("ja, aber erst morgen", "sí pero no ahora", "how many points do I have?"):
        answered = await turn(message)
        assert answered["awaiting_confirmation"] and await points(seeded) == 2500, message
    renewed = await turn("redeem RW-10OFF instead")
    terms = next(a for a in renewed["actions"] if a["type"] == "redeem_confirmation")
    assert terms["confirmation_id"] != first["confirmation_id"]
    old = await seeded.db["confirmations"].find_one({"_id": first["confirmation_id"]})
    assert old is not None and old["status"] == "cancelled"
    await turn(f"confirm_yes:{first['confirmation_id']}")  # the replaced terms' button
    assert await points(seeded) == 2500
    await turn("oui")
    assert await points(seeded) == 1500


async def test_a_refund_is_not_made_on_a_question_and_is_dropped_on_nahi(
        turn: Say, seeded: Store) -> None:
    asked = await turn("I want to return order ORD-1001, the headphones are broken")
    assert asked["awaiting_confirmation"]
    answered = await turn("haan lekin kab milega?")
    assert answered["awaiting_confirmation"] and await seeded.returns.count_documents({}) == 0
    dropped = await turn("nahi")
    assert not dropped["awaiting_confirmation"] and await seeded.returns.count_documents({}) == 0
    refunds = await seeded.db["gateway_charges"].count_documents({"refunds": {"$exists": True}})
    assert refunds == 0


async def test_cart_tools_validate_on_the_server_and_touch_only_the_callers_cart(
        alice: ToolContext, bob: ToolContext, seeded: Store) -> None:
    for quantity in (0, -1, 21):
        refused = await set_cart_quantity(alice, "ACC-00002", quantity)
        assert refused["type"] == "error"
    assert (await remove_from_cart(bob, "ACC-00002"))["type"] == "error"  # not in Bob's cart
    assert (await set_cart_quantity(bob, "KEY-00001", 3))["type"] == "error"
    cart = await seeded.carts.find_one({"_id": "demo-alice"})
    assert cart is not None and cart["items"] == ALICE_CART
    changed = await set_cart_quantity(alice, "acc-00002", 5)
    assert [(i["sku"], i["quantity"]) for i in changed["items"]] == [
        ("KEY-00001", 1), ("ACC-00002", 5)]
    assert [i["sku"] for i in (await remove_from_cart(alice, "KEY-00001"))["items"]] == [
        "ACC-00002"]


def test_the_yes_button_names_its_confirmation_and_arrives_as_its_id() -> None:
    body = format_reply("15550000001", "Ready to pay. Reply yes or no.",
                        [{"type": "payment_confirmation", "confirmation_id": "CNF-ABC123"}], True)
    ids = [b["reply"]["id"] for b in body["interactive"]["action"]["buttons"]]
    assert ids == ["confirm_yes:CNF-ABC123", "confirm_no:CNF-ABC123"]
    tapped = {"from": "15550000001", "id": "wamid.t", "timestamp": "1717000002",
              "type": "interactive", "interactive": {
                  "type": "button_reply",
                  "button_reply": {"id": "confirm_yes:CNF-ABC123", "title": "Yes"}}}
    payload = {"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [
        {"field": "messages", "value": {"messaging_product": "whatsapp", "messages": [tapped]}}]}]}
    (message,), _ = parse_webhook(payload)
    assert message.text == "confirm_yes:CNF-ABC123"


async def test_a_change_naming_nothing_in_the_terms_says_so_and_keeps_them(
        turn: Say, seeded: Store) -> None:
    first = (await turn("pay for my cart"))["actions"][0]
    unclear = await turn("add the hub too")
    # A product never shown is looked up by name: the hubs it could be are named, none added.
    assert unclear["awaiting_confirmation"] and "which one" in unclear["reply"].lower()
    assert "Hub" in unclear["reply"] and not any(a["type"] == "cart" for a in unclear["actions"])
    assert unclear["actions"][-1]["confirmation_id"] == first["confirmation_id"]
    cancelled_line = await turn("cancel the chargers")
    terms = next(a for a in cancelled_line["actions"] if a["type"] == "payment_confirmation")
    assert [i["sku"] for i in terms["items"]] == ["KEY-00001"]
    assert await charges(seeded) == []


@pytest.mark.parametrize(("text", "expected"), [
    ("YES!!!", "yes"), ("  Yes,   please. ", "yes"), ("👍👍", "yes"), ("Sí, adelante 🙂", "yes"),
    ("OUI, VAS-Y", "yes"), ("ja, bitte", "yes"), ("हाँ जी", "yes"), ("y\u200bes", "yes"),
    ("yes？", "other"), ("¿sí?", "other"), ("yes " + "please " * 40, "other"),
    ("yes. no.", "other"), ("no. cancel it.", "cancel"), ("👎", "cancel"), ("", "other"),
    ("yes, cancel", "other"), ("confirm_yes", "other"),
])
def test_answers_are_read_whole_after_normalising(text: str, expected: str) -> None:
    assert answer_of(text) == expected
