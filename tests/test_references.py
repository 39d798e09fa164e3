"""References resolve against the memory, in five languages: "the second", "le moins cher", ..."""

from typing import Any

import pytest

from graph import reference_words
from graph.cart_talk import CartTalk, plan_cart, unclear
from graph.i18n import gettext_for
from graph.memory import Memory
from graph.reference_replies import question
from graph.reference_words import colour
from graph.references import cheaper_search, names_other, order_items, resolve

DELL = {"sku": "LAP-00011", "name": "Dell Inspiron 5", "price": 899.99, "category": "laptops"}
LENOVO = {"sku": "LAP-00012", "name": "Lenovo ThinkPad 3 Pro", "price": 749.99,
          "category": "laptops"}
APPLE = {"sku": "LAP-00013", "name": "Apple Air 7", "price": 999.99, "category": "laptops"}
DELL_2 = {"sku": "LAP-00014", "name": "Dell Pavilion 2", "price": 649.99, "category": "laptops"}
LISTED = [DELL, LENOVO, APPLE, DELL_2]
MOUSE = {"sku": "ACC-00021", "name": "Logitech Mouse 3", "quantity": 2, "price": 29.99}
KEYS = {"sku": "KEY-00001", "name": "Keychron K 2 Plus", "quantity": 1, "price": 89.99}


def listing(focus: dict[str, Any] | None = None) -> Memory:
    memory: Memory = {"listing": {"query": "laptop for coding", "items": LISTED,  # type: ignore[typeddict-item]
                                  "filters": {"category": "laptops", "budget": 1000.0}}}
    if focus:
        memory["focus"] = focus  # type: ignore[typeddict-item]
    return memory


@pytest.mark.parametrize(("text", "meant"), [
    ("tell me more about the second one", LENOVO),
    ("ok and the last one?", DELL_2),
    ("I'll go with the cheaper one", DELL_2),
    ("what's the cheapest of those", DELL_2),
    ("and the most expensive one?", APPLE),
    ("tell me about the Lenovo", LENOVO),
    ("the lenovo one please", LENOVO),
    ("what about the thinkpda", LENOVO),  # a typo
    ("háblame del segundo", LENOVO),
    ("¿y el más barato?", DELL_2),
    ("el último", DELL_2),
    ("¿el Lenovo tiene buena batería?", LENOVO),
    ("parle-moi du deuxième", LENOVO),
    ("je veux le moins cher", DELL_2),
    ("et le dernier ?", DELL_2),
    ("erzähl mir mehr über das zweite", LENOVO),
    ("das günstigere bitte", DELL_2),
    ("der letzte", DELL_2),
    ("dusra wala dikhao", LENOVO),
    ("sasta wala kaisa hai", DELL_2),
    ("Lenovo wala batao", LENOVO),
    ("दूसरा वाला दिखाओ", LENOVO),
])
def test_a_pick_from_the_last_list(text: str, meant: dict[str, Any]) -> None:
    assert resolve(text, listing()).product == meant


@pytest.mark.parametrize("text", [
    "does it come in black?", "is that one any good?", "¿lo tienen en negro?",
    "je le veux en noir", "gibt es das auch in schwarz?", "isko black mein dikhao",
    "tell me more", "dime más", "dites-m'en plus", "erzähl mir mehr", "aur batao"])
def test_a_pronoun_is_the_product_in_focus(text: str) -> None:
    assert resolve(text, listing(focus=APPLE)).product == APPLE


def test_the_mouse_is_a_line_of_the_order_in_focus() -> None:
    memory: Memory = {**listing(), "order": {"order_id": "ORD-1001", "items": [  # type: ignore[typeddict-item]
        {"sku": "HPH-00001", "name": "Sony Quiet 4", "quantity": 1},
        {"sku": "ACC-00001", "name": "Apple Mouse 6 Pro", "quantity": 2}]}}
    for text in ("I want to return the mouse", "quiero devolver el mouse",
                 "je veux retourner la souris Apple", "mouse wala wapas karna hai"):
        ref = resolve(text, memory, among=order_items(memory), loose=True)
        assert ref.product is not None and ref.product["sku"] == "ACC-00001", text


def test_a_name_two_listed_products_share_is_asked_about_by_name() -> None:
    ref = resolve("tell me about the Dell one", listing())
    assert ref.unclear and {p["sku"] for p in ref.items} == {
        DELL["sku"], DELL_2["sku"]}
    asked = question(gettext_for("en"), ref.items)
    assert "Dell Inspiron 5" in asked and "Dell Pavilion 2" in asked and "LAP-" not in asked
    # The one in focus is the one being talked about.
    assert resolve("tell me about the Dell one", listing(focus=DELL_2)).product == DELL_2


def test_it_with_nothing_in_focus_asks_which_of_the_list() -> None:
    ref = resolve("how long is the warranty on it?", listing())
    assert ref.unclear and list(ref.items) == LISTED


@pytest.mark.parametrize(("text", "most"), [
    ("which of those has the most RAM?", True), ("¿cuál tiene más memoria?", True),
    ("lequel a le plus de mémoire ?", True), ("welches hat den meisten Arbeitsspeicher?", True),
    ("kisme sabse zyada RAM hai?", True), ("which one has the least storage", False)])
def test_a_spec_compared_among_the_listed(text: str, most: bool) -> None:
    ref = resolve(text, listing())
    assert ref.spec and ref.spec[0] in ("ram_gb", "storage_gb") and ref.most is most
    assert list(ref.items) == LISTED and ref.product is None


@pytest.mark.parametrize("text", [
    "recommend me a Dell laptop for gaming", "I need a laptop for coding under $1000",
    "show me the laptops for students", "hello", "what are your opening hours?",
    "je cherche le meilleur portable pour coder", "busco la mejor laptop para gaming",
    "gibt es Laptops unter 500?", "ich suche den besten Kopfhörer zum Laufen",
    "yeh laptop 800 dollar ke under hai kya", "this weekend I need a camera for travel"])
def test_a_new_request_is_no_reference(text: str) -> None:
    ref = resolve(text, listing(focus=DELL))
    assert ref.product is None and not ref.unclear and not ref.spec


@pytest.mark.parametrize("text", [
    "anything cheaper?", "algo más barato?", "quelque chose de moins cher ?",
    "etwas Günstigeres?", "kuch sasta dikhao"])
def test_something_cheaper_searches_below_what_was_shown(text: str) -> None:
    # Below the list's top pick, cheapest first, for the same use; below the focus if any.
    assert cheaper_search(text, listing()) == {
        "query": "laptop for coding", "category": "laptops", "use_case": "coding",
        "cheaper_than": 899.99, "sort": "price_asc"}
    assert cheaper_search(text, listing(focus=APPLE))["cheaper_than"] == 999.99  # type: ignore[index]
    assert resolve(text, listing()).product is None  # a search, not a pick


@pytest.mark.parametrize("text", [
    "add it to my cart", "añádelo al carrito", "ajoute-le au panier",
    "leg es in den Warenkorb", "isko cart mein daal do"])
def test_add_it_to_the_cart(text: str) -> None:
    talk = plan_cart(text, listing(focus=APPLE))
    assert talk is not None and talk.calls == [("add_to_cart", {"sku": APPLE["sku"],
                                                                "quantity": 1})]


@pytest.mark.parametrize(("text", "call"), [
    ("add the cheaper one", ("add_to_cart", {"sku": DELL_2["sku"], "quantity": 1})),
    ("add two of the second one to my cart", ("add_to_cart", {"sku": LENOVO["sku"],
                                                              "quantity": 2})),
    ("remove LAP-00003 from my cart", ("remove_from_cart", {"sku": "LAP-00003"})),
    ("take the mouse out of my cart", ("remove_from_cart", {"sku": MOUSE["sku"]})),
    ("quita el Keychron del carrito", ("remove_from_cart", {"sku": KEYS["sku"]})),
    ("quita el ratón del carrito", ("remove_from_cart", {"sku": MOUSE["sku"]})),
    ("enlève la souris du panier", ("remove_from_cart", {"sku": MOUSE["sku"]})),
    ("nimm die Maus aus dem Warenkorb", ("remove_from_cart", {"sku": MOUSE["sku"]})),
    ("keyboard cart se hata do", ("remove_from_cart", {"sku": KEYS["sku"]})),
    ("make it two", ("set_cart_quantity", {"sku": APPLE["sku"], "quantity": 2})),
    ("make it one", ("set_cart_quantity", {"sku": APPLE["sku"], "quantity": 1})),
    ("add one more of the cheaper one", ("add_to_cart", {"sku": DELL_2["sku"], "quantity": 1})),
    ("add three of the last one to my cart", ("add_to_cart", {"sku": DELL_2["sku"],
                                                              "quantity": 3})),
    ("que sean tres", ("set_cart_quantity", {"sku": APPLE["sku"], "quantity": 3})),
    ("mach zwei draus", ("set_cart_quantity", {"sku": APPLE["sku"], "quantity": 2})),
    ("isko do kar do", ("set_cart_quantity", {"sku": APPLE["sku"], "quantity": 2})),
    ("empty my cart", ("empty_cart", {})), ("vacía mi carrito", ("empty_cart", {})),
    ("vide mon panier", ("empty_cart", {})), ("leere meinen Warenkorb", ("empty_cart", {})),
    ("cart khali karo", ("empty_cart", {})),
])
def test_cart_changes_by_reference(text: str, call: tuple[str, dict[str, Any]]) -> None:
    lines: list[Any] = [MOUSE, KEYS, {**APPLE, "quantity": 1}]
    talk = plan_cart(text, listing(focus=APPLE), lines, owner=True)
    assert talk is not None and talk.calls == [call]


def test_add_to_cart_with_nothing_in_focus_asks_which() -> None:
    memory = listing()
    talk = plan_cart("add it to my cart", memory)
    assert talk is not None and talk.calls == [] and list(talk.unclear) == LISTED
    assert unclear("add it to my cart", memory, resolve("", memory)) == tuple(LISTED)


def test_a_question_is_no_cart_change() -> None:
    for text in ("what laptops do you have?", "I'd like a laptop for gaming",
                 "how much is the Dell?"):
        assert plan_cart(text, listing(focus=DELL)) is None


@pytest.mark.parametrize(("text", "meant"), [
    ("does it come in black?", "black"), ("¿lo tienen en negro?", "black"),
    ("je le veux en blanc", "white"), ("gibt es das auch in Schwarz?", "black"),
    ("kya yeh kaala milega?", "black"), ("is it in stock?", None)])
def test_the_colour_asked_about(text: str, meant: str | None) -> None:
    assert colour(text) == meant


def test_the_cart_owner_with_an_empty_cart_shows_it() -> None:
    for text in ("remove it", "make it two", "quita el ratón del carrito"):
        assert plan_cart(text, listing(focus=APPLE), [], owner=True) == CartTalk(
            [("view_cart", {})])
    assert plan_cart("just pay for it", listing(focus=APPLE), [], owner=True) is None


@pytest.mark.parametrize(("text", "store"), [
    ("is it in stock downtown?", "store-downtown"), ("¿lo tienen en el centro comercial?",
                                                    "store-mall"),
    ("est-il en stock au centre-ville ?", "store-downtown"), ("am Flughafen?", "store-airport"),
    ("mall mein hai kya?", "store-mall"), ("is it in stock?", None)])
def test_a_store_in_each_language(text: str, store: str | None) -> None:
    assert reference_words.store(text) == store


@pytest.mark.parametrize(("text", "other"), [
    ("add the Razer K70 4 Plus to my cart", True), ("add a keyboard to my cart", True),
    ("añade el teclado al carrito", True), ("add it to my cart", False),
    ("put the Apple Air 7 in my basket", False), ("add 2 to my cart please", False),
    ("put it in my cart", False)])
def test_a_product_named_other_than_the_focus(text: str, other: bool) -> None:
    memory = listing(focus=APPLE)
    assert names_other(text, memory) is other
    talk = plan_cart(text, memory)
    assert talk is not None
    if other:  # looked up by its name (`tools.cart_names`), never the focus added in its place
        assert [name for name, _ in talk.calls] == ["add_named_to_cart"]
        assert "sku" not in talk.calls[0][1] and talk.calls[0][1]["name"]
    else:
        assert talk.calls[0][0] == "add_to_cart" and talk.calls[0][1]["sku"] == APPLE["sku"]
