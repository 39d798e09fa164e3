"""Cart changes said in words, from any agent: "add it to my cart", "make it two".

The words are data (`graph/phrases/references.<lang>.txt`: `[cart]`, `[add]`, `[remove]`,
`[empty]`, `[set]`); the product is resolved against the memory and the cart's lines
(`graph.references`). Words that point at several products plan no call: the agent asks which,
naming them (`question`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from graph import extract, reference_words, references
from graph.changes import count
from graph.memory import Memory, Product
from graph.reference_words import READ_MAX, found, normalise
from graph.references import Reference, resolve

Call = tuple[str, dict[str, Any]]
_NAMING_ONE = re.compile(r"(?<=\w)\s+ones?\b")  # linear: one run of spaces, then the word


@dataclass(frozen=True)
class CartTalk:
    """The cart calls some words ask for; none, with `unclear` set, when they must say which."""

    calls: list[Call]
    unclear: tuple[Product, ...] = ()


def lines_of(brief: dict[str, Any]) -> list[Product]:
    """The cart's lines as the brief names them (the `cart` part; empty without it)."""
    cart = brief.get("cart")
    return list(cart.get("lines", [])) if isinstance(cart, dict) else []


def _quantity(folded: str, default: int = 1) -> int:
    """How many, once the verbs and ordinals are out ("option 2", "kar do" are no counts)."""
    for kind in ("add", "remove", "set", "cart", "ordinal"):
        for phrase in found(folded, kind):
            folded = folded.replace(phrase, " ")
    # "the second one", "that one": "one" there names a product, not a count.
    folded = _NAMING_ONE.sub(" ", folded)
    return count(extract.SKU.sub(" ", folded)) or default


def _name_said(folded: str) -> str:
    """The words of a product's name: the message without its cart words and verbs."""
    for kind in ("add", "cart", "set", "stop", "definite"):
        for phrase in found(folded, kind):
            folded = folded.replace(phrase, " ")
    return " ".join(folded.split())


def _in_cart(text: str, memory: Memory, lines: Sequence[Product]) -> Reference:
    """What the words name among the cart's lines (or, without them, the memory's products)."""
    if not lines:
        return resolve(text, memory, loose=True, default_focus=True)
    focus = memory.get("focus")
    held = focus if focus and any(line.get("sku") == focus.get("sku") for line in lines) else None
    ref = resolve(text, {"focus": held} if held else {}, among=lines, loose=True,
                  default_focus=True)
    if ref.items or extract.sku(text):
        return ref
    return Reference(tuple(lines), "cart")


def _target(ref: Reference) -> tuple[str | None, tuple[Product, ...]]:
    if ref.product is not None:
        return str(ref.product.get("sku")), ()
    return None, ref.items if ref.unclear else ()


def plan_cart(text: str, memory: Memory, lines: Sequence[Product] = (),
              owner: bool = False) -> CartTalk | None:
    """The cart change the words ask for; None when they ask none.

    Args:
        text: The customer's message.
        memory: The session's memory: the product in focus and the last list.
        lines: The cart's lines, when the agent's brief has them.
        owner: The agent owns the cart (payment) and its brief has the lines: a verb alone is
            about the cart.
    """
    folded = normalise(text[:READ_MAX])
    cart = bool(found(folded, "cart"))
    about_cart = cart or owner
    if found(folded, "empty") and about_cart:
        return CartTalk([("empty_cart", {})])
    if owner and not lines and (found(folded, "remove") or (
            found(folded, "set") and _quantity(folded, 0))):
        return CartTalk([("view_cart", {})])  # nothing to take out: the cart shows it is empty
    if found(folded, "remove") and (about_cart or extract.sku(text)):
        sku, unclear = _target(_in_cart(text, memory, lines))
        return CartTalk([("remove_from_cart", {"sku": sku})] if sku else [], unclear)
    if found(folded, "add"):
        ref = resolve(text, memory, loose=cart, default_focus=cart)
        sku, unclear = _target(ref)
        if sku:
            return CartTalk([("add_to_cart", {"sku": sku, "quantity": _quantity(folded)})])
        if cart and not unclear and references.names_other(text, memory):
            # A product named that the talk has not shown: added when its whole name is said,
            # else the closest ones are shown and the customer picks (`tools.cart_names`).
            return CartTalk([("add_named_to_cart", {"name": _name_said(folded),
                                                    "quantity": _quantity(folded)})])
        if unclear or cart:
            return CartTalk([], unclear or tuple(references.shown(memory)))
        return None
    if found(folded, "set") and about_cart and (wanted := _quantity(folded, 0)):
        sku, unclear = _target(_in_cart(text, memory, lines))
        return CartTalk([("set_cart_quantity", {"sku": sku, "quantity": wanted})] if sku else [],
                        unclear)
    return None


def asks_cart(text: str) -> bool:
    """The words name the cart ("what's in my cart?", "mi carrito")."""
    return reference_words.said(text, "cart")


def unclear(text: str, memory: Memory, ref: Reference, lines: Sequence[Product] = (),
            owner: bool = False) -> tuple[Product, ...] | None:
    """The products to ask between when the words (a cart change, else `ref`) name several.

    Empty when a cart change names no product at all; None when nothing needs asking.
    """
    talk = plan_cart(text, memory, lines, owner)
    if talk is not None:
        return None if talk.calls else talk.unclear
    return ref.items if ref.unclear else None
