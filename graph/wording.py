"""How a salesperson says money, dates, specs and lists, in the customer's language."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from babel.dates import format_date
from babel.lists import format_list
from babel.numbers import format_currency, format_decimal, format_percent

from graph.i18n import N_, Gettext, gettext_for

# Hindi replies are Hinglish (Latin script, as Indian customers chat): Indian English money and
# dates go with it ("$1,249.00", "Friday, 11 December 2026").
_LOCALES = {"en": "en_US", "es": "es_ES", "fr": "fr_FR", "de": "de_DE", "hi": "en_IN"}
# A status, a colour, a use: the words the customer reads for the catalogue's and orders' codes.
STATUS = {
    "placed": N_("confirmed"), "processing": N_("processing (being prepared)"),
    "shipped": N_("shipped and on its way"),
    "delivered": N_("delivered"), "cancelled": N_("cancelled"), "paid": N_("paid"),
    "pending": N_("going through"), "declined": N_("declined"), "failed": N_("declined"),
    "refunded": N_("refunded"), "returned": N_("returned"),
}
COLOURS = {"black": N_("black"), "white": N_("white"), "silver": N_("silver"),
           "blue": N_("blue"), "green": N_("green"), "red": N_("red"), "grey": N_("grey")}
USES = {
    "coding": N_("coding"), "gaming": N_("gaming"), "student": N_("students"),
    "business": N_("business"), "travel": N_("travel"), "creative": N_("creative work"),
    "camera": N_("photos"), "battery": N_("long battery life"), "budget": N_("a tight budget"),
    "compact": N_("a compact size"), "drawing": N_("drawing"), "reading": N_("reading"),
    "noise-cancelling": N_("noise cancelling"), "wireless": N_("wireless use"),
    "running": N_("running"), "studio": N_("studio work"), "design": N_("design work"),
    "office": N_("office work"), "4k": N_("4K"), "mechanical": N_("mechanical typing"),
    "quiet": N_("quiet typing"), "vlogging": N_("vlogging"), "sports": N_("sports"),
    "portrait": N_("portraits"), "beginner": N_("beginners"), "fitness": N_("fitness"),
    "sleep": N_("sleep tracking"), "gps": N_("GPS"), "swimming": N_("swimming"),
    "portable": N_("taking along"), "waterproof": N_("wet weather"), "party": N_("parties"),
    "home": N_("the home"), "smart": N_("a smart home"), "usb-c": N_("USB-C"),
    "fast-charging": N_("fast charging"), "desk": N_("the desk"), "5g": N_("5G"),
}
CATEGORIES = {
    "laptops": N_("laptops"), "phones": N_("phones"), "tablets": N_("tablets"),
    "headphones": N_("headphones"), "monitors": N_("monitors"), "keyboards": N_("keyboards"),
    "cameras": N_("cameras"), "smartwatches": N_("smartwatches"), "speakers": N_("speakers"),
    "accessories": N_("accessories"),
}
# Words of a complaint, in the five languages: the reply then opens with an apology.
COMPLAINT = re.compile(
    r"\b(broken|damaged|wrong|terrible|awful|angry|furious|disappointed|complain\w*|worst"
    r"|unacceptable|ridiculous|never (arrived|came)|still not|late|charged twice|overcharged"
    r"|queja|roto|rota|dañad[oa]|pésim[oa]|enfadad[oa]|molest[oa]|inaceptable|equivocad[oa]"
    r"|plainte|cass[ée]e?|abîm[ée]e?|inadmissible|déçue?|furieux|furieuse|en retard"
    r"|beschwerde|kaputt|beschädigt|falsch|enttäuscht|unverschämt|ärger\w*|verspätet"
    r"|shikayat|kharab|toota|tooti|bekaar|bakwas|gussa|galat)\b"
    r"|शिकायत|खराब|टूटा|गलत", re.IGNORECASE)


def locale_of(language: str) -> str:
    """The Babel locale for the customer's numbers and dates."""
    return _LOCALES.get(language, "en_US")


def money(amount: float | int | str, language: str, currency: str = "USD") -> str:
    """An amount as the customer reads prices: "$1,249.00", "1.249,00 $", "1 249,00 $US"."""
    return format_currency(float(amount), currency or "USD", locale=locale_of(language))


def day(value: date | datetime | str, language: str) -> str:
    """A date in words with its weekday ("Friday, December 11, 2026"); never an ISO date."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if isinstance(value, datetime):
        value = value.date()
    return format_date(value, format="full", locale=locale_of(language))


def listed(words: Iterable[str], language: str) -> str:
    """Words joined as the language joins a list: "A, B and C", "A, B y C", "A, B aur C"."""
    items = list(words)
    if language == "hi" and len(items) > 1:  # Hinglish joins with "aur"; Babel's en_IN, "and"
        return ", ".join(items[:-1]) + " aur " + items[-1]
    return format_list(items, locale=locale_of(language))


def highlights(product: dict[str, Any], _: Gettext, language: str, most: int = 3) -> str:
    """A product's real selling points (specs, then what it suits): never search internals."""
    specs: dict[str, Any] = product.get("specs") or {}
    points: list[str] = []
    if ram := specs.get("ram_gb"):
        points.append(_("{gb} GB RAM").format(gb=ram))
    if storage := specs.get("storage_gb"):
        points.append(_("{gb} GB storage").format(gb=storage))
    if size := specs.get("screen_in") or specs.get("size_in"):
        points.append(_("{inches}-inch screen").format(
            inches=format_decimal(size, locale=locale_of(language))))
    if hz := specs.get("refresh_hz"):
        points.append(f"{hz} Hz")
    if cpu := specs.get("cpu"):
        points.append(str(cpu))
    if colour := specs.get("color"):
        points.append(_(COLOURS[colour]) if colour in COLOURS else str(colour))
    uses = [_(USES[t]) for t in product.get("tags") or [] if t in USES][:2]
    if uses:
        points.append(_("good for {uses}").format(uses=listed(uses, language)))
    return ", ".join(points[:most])


def offer_words(offer: dict[str, Any], _: Gettext, language: str) -> str:
    """An offer in the customer's words: "10 % de descuento en portátiles"; else its title."""
    category, pct = offer.get("category"), offer.get("discount_pct")
    if pct and category in CATEGORIES:
        return _("{percent} off {category}").format(
            percent=format_percent(pct / 100, locale=locale_of(language)),
            category=_(CATEGORIES[category]))
    return str(offer.get("title", ""))


def status(value: str, _: Gettext) -> str:
    """An order's or a payment's status in the customer's words."""
    return _(STATUS[value]) if value in STATUS else value.replace("_", " ")


def card_words(card: str | None, _: Gettext) -> str:
    """A card as a person says it: "Visa •••• 4242" is "your Visa card ending 4242"."""
    if not card:
        return _("your card")
    brand, _dots, last4 = card.rpartition(" ")
    brand = brand.replace("•", "").strip() or "card"
    return _("your {brand} card ending {last4}").format(brand=brand.title(), last4=last4)


def apology(text: str, _: Gettext) -> str:
    """An apology to open a reply with, when the customer is complaining; else nothing."""
    return _("I'm sorry about that.") + " " if COMPLAINT.search(text) else ""


def gettext_of(language: str) -> Gettext:
    """`_` where there is no `Turn` (the confirmation step, notices)."""
    return gettext_for(language)


def items_text(items: list[dict[str, Any]], language: str) -> str:
    """Lines of a cart, an order or terms: "2 × Anker Charger 3 and 1 × Dell Inspiron 5"."""
    return listed([f"{i['quantity']} × {i['name']}" for i in items], language)


def cart_text(result: dict[str, Any], _: Gettext, language: str) -> str:
    """The cart, its total and the next step."""
    if not result.get("items"):
        return _("Your cart is empty. What can I find for you?")
    return _("Your cart: {items}. Total {total}. Ready to check out, or shall I keep looking "
             "for something?").format(
        items=items_text(result["items"], language),
        total=money(result["total"], language, result.get("currency", "USD")))
