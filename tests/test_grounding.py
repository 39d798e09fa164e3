"""A model's reply states only amounts, ids and money moves the server gave it."""

import pytest

from graph.grounding import ungrounded

PAYMENT = {"type": "payment_confirmation", "payment_id": "PAY-1A2B", "total": 1264.99,
           "items": [{"name": "Google Edge 7 Pro", "quantity": 1, "price": 1264.99}]}
POINTS = {"type": "points", "balance": 2500, "value": 25.0}


@pytest.mark.parametrize(("reply", "results"), [
    ("Ready to pay $1,264.99 for the Google Edge 7 Pro?", [PAYMENT]),
    ("Prêt à payer 1 264,99 $ ?", [PAYMENT]),
    ("Bereit, 1.264,99 $ zu bezahlen?", [PAYMENT]),
    ("You have 2,500 points, worth $25.", [POINTS]),
    ("Your payment PAY-1A2B is ready.", [PAYMENT]),
    ("Happy to help! What are you looking for?", []),
])
def test_what_the_tools_gave_is_sent(reply: str, results: list[dict[str, object]]) -> None:
    assert ungrounded(reply, results) is None


@pytest.mark.parametrize(("reply", "results"), [
    ("Ready to pay $999.00?", [PAYMENT]),  # another total
    ("I've refunded you $1,264.99.", [PAYMENT]),  # a refund that never happened
    ("Te he reembolsado el pedido.", []),
    ("Your order ORD-1003 is processing.", [{"type": "error",
                                              "message": "order ORD-1003 not found"}]),
    ("That will be 10 dollars.", []),
])
def test_what_the_model_made_up_is_caught(reply: str, results: list[dict[str, object]]) -> None:
    assert ungrounded(reply, results) is not None


def test_the_customers_own_words_are_known() -> None:
    assert ungrounded("Laptops under $1,000: here you are.", [], "laptop under $1000") is None
