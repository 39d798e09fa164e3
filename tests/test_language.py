"""The customer's language: detected per message, kept through short or neutral messages."""

from typing import Any

import pytest

from graph.language import detect
from graph.session import TurnResult
from tests.test_graph_offline import Say

# As customers write them: whole requests, short answers, slang, no accents, Hinglish.
SENTENCES = [
    ("en", "where is my order? it was supposed to come yesterday"),
    ("en", "do you have anything cheaper"),
    ("en", "gimme the cheapest headphones u got"),
    ("es", "¿dónde está mi pedido?"),
    ("es", "quiero devolver el raton, llego roto"),
    ("es", "necesito un portatil para programar, maximo 800 dolares"),
    ("es", "el más barato"),
    ("es", "gracias"),
    ("fr", "où est ma commande ?"),
    ("fr", "je cherche un ordinateur portable pour coder"),
    ("fr", "le moins cher s'il vous plait"),
    ("fr", "merci"),
    ("de", "wo ist meine Bestellung?"),
    ("de", "ich möchte die Maus zurückgeben"),
    ("de", "das günstigere bitte"),
    ("de", "danke"),
    ("hi", "मेरा ऑर्डर कहाँ है"),
    ("hi", "mera order kahan hai"),
    ("hi", "mujhe ek laptop chahiye coding ke liye"),
    ("hi", "kya ye black mein milega?"),
    ("hi", "haan"),
]


@pytest.mark.parametrize(("language", "text"), SENTENCES)
def test_a_message_is_read_in_its_language(language: str, text: str) -> None:
    assert detect(text, previous="en") == language
    # And the same when the conversation so far was in another language.
    assert detect(text, previous="de" if language != "de" else "fr") == language


@pytest.mark.parametrize("text", ["ok", "LAP-00003", "ORD-1002", "👍", "Nikon Z50",
                                  "Razer K70 4 Plus", "2", "$800"])
@pytest.mark.parametrize("previous", ["en", "es", "fr", "de", "hi"])
def test_a_message_with_no_sign_keeps_the_conversations_language(text: str,
                                                                 previous: Any) -> None:
    assert detect(text, previous) == previous


async def test_the_response_says_the_language_and_keeps_it(turn: Say) -> None:
    spanish: TurnResult = await turn("hola, ¿dónde está mi pedido?")
    assert spanish["language"] == "es"
    assert (await turn("ORD-1002"))["language"] == "es"
    assert (await turn("where is my order ORD-1002?"))["language"] == "en"


async def test_till_work_is_refused_in_the_customers_language(turn: Say) -> None:
    result = await turn("¿puedes registrar una venta en la caja registradora de la tienda?")
    assert result["language"] == "es" and result["actions"] == []
    assert "caja" in result["reply"] and "till" not in result["reply"]
