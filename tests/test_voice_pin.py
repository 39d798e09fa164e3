"""A caller id alone never moves money: on voice the customer's PIN does, three misses lock it."""

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from checkpoints.saver import COLLECTION
from graph.builder import build_graph
from graph.session import TurnResult, make_saver, run_turn
from tests.api_support import Api
from tools.context import Services, session_key
from tools.pin import spoken_pin
from tools.seed import CARD_SUCCEEDS
from tools.store import Store

Say = Callable[..., Awaitable[TurnResult]]
CALL = "CA-1"


def said_in(secret: str, text: str) -> bool:
    """Whether `secret` is in `text` as words, not as digits inside a number or an encoded id.

    The driver's debug log holds cluster times, request ids and base64: "4321" turns up inside
    them by chance (`"t": 1796524321`), which is no leak.
    """
    return re.search(r'(?<!": )(?<![\w.+/-])' + re.escape(secret) + r"(?![\w.])", text) is not None


async def voice_charges(store: Store, user: str = "demo-alice") -> int:
    key = session_key("voice", user, CALL)
    payments = await store.payments.find({"session_key": key}).to_list()
    made = await store.db["gateway_charges"].count_documents(
        {"_id": {"$in": [p["payment_id"] for p in payments]}})
    assert made == sum(p["status"] == "paid" for p in payments)
    return made


async def stored_sessions(store: Store) -> str:
    """Everything the checkpointer stored, as text: messages, writes and resume values."""
    return repr(await store.db[COLLECTION].find({}).to_list())


@pytest.mark.parametrize(("said", "pin"), [
    ("4321", "4321"), ("my pin is 4 3 2 1", "4321"), ("four three two one", "4321"),
    ("Four, three, two, one.", "4321"), ("cuatro tres dos uno", "4321"), ("yes", None),
    ("make it 2", None), ("12345", None), ("redeem 1000 points", "1000"),
])
def test_a_pin_is_read_from_digits_or_words(said: str, pin: str | None) -> None:
    assert spoken_pin(said) == pin


async def test_the_right_pin_pays_once_and_is_never_stored_logged_or_said(
        turn: Say, seeded: Store, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    await turn("pay for my cart", channel="voice", session=CALL)
    asked = await turn("yes please", channel="voice", session=CALL)
    assert "PIN" in asked["reply"] and asked["awaiting_confirmation"]
    assert await voice_charges(seeded) == 0  # the yes alone moves nothing on voice
    paid = await turn("four three two one", channel="voice", session=CALL)
    assert paid["actions"][0]["status"] == "paid"
    assert await voice_charges(seeded) == 1
    await turn("4321", channel="voice", session=CALL)
    assert await voice_charges(seeded) == 1
    stored = await stored_sessions(seeded)
    assert "PIN withheld" in stored
    for secret in ("4321", "four three two one"):
        assert secret not in stored and secret not in paid["reply"]
        assert not [r for r in caplog.records if said_in(secret, r.getMessage())]
    customer = await seeded.customers.find_one({"_id": "demo-alice"})
    assert customer is not None and "4321" not in repr(customer)  # stored as a hash


async def test_three_wrong_pins_lock_voice_for_the_day_across_a_restart(
        turn: Say, seeded: Store, services: Services) -> None:
    await turn("pay for my cart", channel="voice", session=CALL)
    await turn("yes", channel="voice", session=CALL)
    for wrong in ("1111", "one two three four"):
        again = await turn(wrong, channel="voice", session=CALL)
        assert "not right" in again["reply"] and await voice_charges(seeded) == 0
    locked = await turn("9 9 9 9", channel="voice", session=CALL)
    assert "WhatsApp" in locked["reply"] and await voice_charges(seeded) == 0
    assert not locked["awaiting_confirmation"]
    assert (await seeded.db["pin_failures"].find_one({}) or {}).get("count") == 3
    assert await turn("4321", channel="voice", session=CALL)  # the right PIN, fourth
    assert await voice_charges(seeded) == 0
    # A new process (graph and checkpointer) on the same database: still locked today.
    saver = make_saver(seeded.db)
    await saver.setup()
    restarted = build_graph(services).compile(checkpointer=saver)
    await run_turn(restarted, customer_id="demo-alice", session_id=CALL,
                   message="pay for my cart", channel="voice")
    later = await run_turn(restarted, customer_id="demo-alice", session_id=CALL,
                           message="yes", channel="voice")
    assert not later["awaiting_confirmation"]  # dropped: voice cannot carry it out today
    assert "paused" in later["reply"] and "WhatsApp" in later["reply"]
    await run_turn(restarted, customer_id="demo-alice", session_id=CALL, message="4321",
                   channel="voice")
    assert await voice_charges(seeded) == 0
    # The lock is the caller's, on voice only: the web still takes a yes.
    await turn("pay for my cart", session="web-1")
    paid = await turn("yes", session="web-1")
    assert paid["actions"][0]["status"] == "paid"


async def test_a_guest_without_a_pin_cannot_pay_by_voice(turn: Say, seeded: Store) -> None:
    guest: dict[str, Any] = {
        "_id": "guest-15550009999", "name": "there", "phone": "+15550009999", "guest": True,
        "cards": [{"card_id": "card-g", "brand": "visa", "last4": CARD_SUCCEEDS[-4:],
                   "token": CARD_SUCCEEDS, "default": True}]}
    await seeded.customers.insert_one(guest)
    await seeded.carts.insert_one({"_id": guest["_id"],
                                   "items": [{"sku": "ACC-00002", "quantity": 1}]})
    user = str(guest["_id"])
    asked = await turn("pay for my cart", user=user, channel="voice", session=CALL)
    assert asked["awaiting_confirmation"]
    refused = await turn("yes", user=user, channel="voice", session=CALL)
    assert "WhatsApp" in refused["reply"]
    await turn("1234", user=user, channel="voice", session=CALL)
    assert await voice_charges(seeded, user) == 0


async def test_a_cancel_instead_of_the_pin_drops_the_terms(turn: Say, seeded: Store) -> None:
    await turn("pay for my cart", channel="voice", session=CALL)
    await turn("yes", channel="voice", session=CALL)
    dropped = await turn("no, cancel it", channel="voice", session=CALL)
    assert "nothing was charged" in dropped["reply"] and not dropped["awaiting_confirmation"]
    assert await voice_charges(seeded) == 0


def test_a_pin_said_alone_is_told_from_a_number_in_a_request() -> None:
    assert spoken_pin("my PIN is 4 3 2 1", alone=True) == "4321"
    assert spoken_pin("redeem 1000 points", alone=True) is None



@pytest.mark.slow
async def test_a_signed_call_from_alices_number_pays_only_with_her_pin(api: Api) -> None:
    """The issue's repro: a signed turn from Alice's number alone paid her cart."""
    said = []
    for n, words in enumerate(("pay for my cart", "yes", "four three two one")):
        response = await api.voice({"call_id": "call-9", "event_id": f"evt-{n}",
                                    "from": "+15550000001", "transcript": words})
        assert response.status_code == 200
        said.append(response.json()["text"])
        charged = await api.store.db["gateway_charges"].count_documents({})
        assert charged == (1 if n == 2 else 0), said
    assert "PIN" in said[1] and "Payment received" in said[2]
    events = repr(await api.store.db["voice_events"].find({}).to_list())
    sessions = repr(await api.store.db[COLLECTION].find({}).to_list())
    for secret in ("4321", "four three two one"):
        assert all(secret not in text for text in said)
        assert secret not in events and secret not in sessions
