"""What agents say about references: which one is meant, the cart now, a comparison, a colour."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from graph import reference_words, references
from graph.i18n import N_
from graph.memory import Product
from graph.wording import cart_text, money

Gettext = Callable[[str], str]
# The colours the catalogue's specs spell, marked for the catalogues: `_(colour)` says them.
COLOURS = (N_("black"), N_("white"), N_("blue"), N_("red"), N_("green"), N_("silver"),
           N_("grey"))


def question(_: Gettext, products: Sequence[Product]) -> str:
    """One short question naming the products to choose between (names, never SKUs)."""
    names = references.names_of(products)
    if not names:
        return _("Which product do you mean? Tell me its name.")
    if len(names) == 1:
        return _("Do you mean {name}?").format(name=names[0])
    options = _("{first} or {last}").format(first=", ".join(names[:-1]), last=names[-1])
    return _("Which one do you mean: {options}?").format(options=options)


def cart_reply(_: Gettext, result: dict[str, Any], language: str) -> str:
    """The cart as it now is, after any change: its lines and total (names, never SKUs)."""
    return cart_text(result, _, language)


_SPECS = {"ram_gb": (N_("RAM"), "{:g} GB"), "storage_gb": (N_("storage"), "{:g} GB"),
          "screen_in": (N_("screen"), "{:g} in"), "size_in": (N_("screen"), "{:g} in"),
          "refresh_hz": (N_("refresh rate"), "{:g} Hz"), "price": (N_("price"), "${:,.2f}")}


def compared(_: Gettext, result: dict[str, Any]) -> str:
    """For a product picked by `compare_products`: why it, among those compared ("" if not)."""
    comparison = result.get("compared")
    if not isinstance(comparison, dict):
        return ""
    label, unit = _SPECS.get(comparison["spec"], (comparison["spec"].replace("_", " "), "{:g}"))
    most = _("the most {spec}") if comparison["most"] else _("the least {spec}")
    text = _("Of those, {name} has {most}: {value}.").format(
        name=result["name"], most=most.format(spec=_(label)),
        value=unit.format(comparison["value"]))
    if comparison.get("tied"):
        text += " " + _("So does {names}.").format(names=", ".join(comparison["tied"]))
    return text + " "


def colour_note(_: Gettext, result: dict[str, Any], text: str) -> str:
    """For "does it come in black?": the product's colour, from its specs ("" if not asked)."""
    asked = reference_words.colour(text)
    colour = result.get("specs", {}).get("color")
    if asked is None or not isinstance(colour, str):
        return ""
    if colour == asked:
        return _("Yes, it comes in {colour}.").format(colour=_(colour)) + " "
    return _("This one comes in {colour}, not {asked}.").format(colour=_(colour),
                                                              asked=_(asked)) + " "


def product_notes(_: Gettext, result: dict[str, Any], text: str) -> str:
    """What to say before a product's details: why it was picked, the colour asked about."""
    return compared(_, result) + colour_note(_, result, text)


def product_reply(_: Gettext, result: dict[str, Any], text: str, language: str) -> str:
    """A product looked up by an agent that is not the catalogue's: its notes, price, warranty."""
    return product_notes(_, result, text) + _(
        "{name} costs {price}, with a {months}-month warranty.").format(
        name=result["name"], price=money(result["price"], language, result.get("currency", "USD")),
        months=result.get("warranty_months", 0))
