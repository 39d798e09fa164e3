"""A tool's refusal in the customer's language: the known ones translated, the rest as they are."""

from __future__ import annotations

import re

from graph.i18n import N_, Gettext

# Each refusal the customer-facing tools give, and how the customer reads it. A group of the
# pattern fills the blank of the same name; a refusal not listed is relayed in English.
KNOWN: list[tuple[re.Pattern[str], str]] = [(re.compile(p), text) for p, text in [
    (r"^product (?P<id>\S+) in your cart not found$", N_("{id} is not in your cart")),
    (r"^product (?P<id>\S+) not found$", N_("I can't find the product {id}")),
    (r"^order (?P<id>\S+) not found$", N_("I can't find the order {id} on your account")),
    (r"^payment (?P<id>\S+) not found$", N_("I can't find the payment {id}")),
    (r"^reward (?P<id>\S+) not found$", N_("I can't find that reward")),
    (r"^there are no orders on your account yet$", N_("there are no orders on your account yet")),
    (r"^your cart is empty; add something to it before paying$",
     N_("your cart is empty; add something to it before paying")),
    (r"^there is no saved card on your account; add one before paying$",
     N_("there is no saved card on your account; add one before paying")),
    (r"^order (?P<id>\S+) is already paid$", N_("order {id} is already paid")),
    (r"^a payment of order (?P<id>\S+) is going through already$",
     N_("a payment for order {id} is already going through")),
    (r"^tell me the 5-digit US postcode to deliver to$",
     N_("tell me the 5-digit US postcode to deliver to")),
    (r"^we deliver to US addresses only", N_("we deliver to US addresses only: give a 5-digit "
                                             "postcode, e.g. 10001")),
    (r"^tell me what you are looking for", N_("tell me what you are looking for: a product, a "
                                              "category or what it is for")),
    (r"^you (?:now )?have (?P<balance>\d+) points and .+ needs (?P<points>\d+)$",
     N_("you have {balance} points and that reward needs {points}")),
    (r"^you have already asked for a colleague (?P<count>\d+) times today",
     N_("you have already asked for a colleague {count} times today; no new request was opened. "
        "The team will answer the ones you have within business hours (Monday to Friday, 9am "
        "to 5pm)")),
    (r"^a colleague is being asked to help right now",
     N_("a colleague is being asked to help right now; try again in a moment")),
    (r"^the quantity must be between 1 and (?P<most>\d+)$",
     N_("the quantity must be between 1 and {most}")),
    (r"^name at least two products to compare$",
     N_("tell me at least two products to compare, or ask me for a list first")),
    (r"^those products do not list ", N_("those products do not list that")),
    (r"^which product\? Tell me its name or SKU$", N_("which product? Tell me its name")),
    (r"^order (?P<id>\S+) is (?P<status>\w+): nothing is due on it$",
     N_("nothing is due on order {id}")),
    # The return window's refusal without its ISO date: a customer reads the days.
    (r"^order (?P<id>\S+) was delivered on \S+, more than (?P<days>\d+) days ago, so it can no "
     r"longer be returned", N_("order {id} was delivered more than {days} days ago, so it can no "
                                "longer be returned; it may still be covered by its warranty, "
                                "which I can check")),
    (r"^order (?P<id>\S+) is (?P<status>\w+); it can be returned once delivered$",
     N_("order {id} can be returned once it is delivered")),
    (r"^order (?P<id>\S+) has no item (?P<item>\S+)$", N_("order {id} has no such item")),
    (r"^order (?P<id>\S+) has no warranty yet: cover starts on delivery$",
     N_("order {id} has no warranty yet: the cover starts on delivery")),
    (r"^that did not work; please try again in a moment$",
     N_("that did not work; please try again in a moment")),
]]


def problem(message: str, _: Gettext) -> str:
    """`message`, a tool's refusal, in the customer's language when it is a known one."""
    for pattern, text in KNOWN:
        if match := pattern.search(message):
            return _(text).format(**match.groupdict())
    return message
