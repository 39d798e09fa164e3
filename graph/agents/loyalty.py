"""Loyalty agent: points balance, rewards to redeem, and current offers."""

from __future__ import annotations

import re
from typing import Any

from babel.numbers import format_number

from graph import extract
from graph.agents.base import Agent, Call, Turn, first_error
from graph.cart_talk import plan_cart, unclear
from graph.i18n import Gettext
from graph.problems import problem
from graph.reference_replies import cart_reply, product_reply, question
from graph.references import Reference, resolve
from graph.route_context import cues
from graph.wording import day, locale_of, money, offer_words
from tools.cart import add_to_cart, remove_from_cart, set_cart_quantity, view_cart
from tools.cart_names import add_named_to_cart
from tools.catalog import get_product_details, recommend_products
from tools.loyalty import get_offers, get_points, redeem_rewards

LOYALTY_PROMPT = """You handle loyalty points, rewards and offers. get_points shows the balance
and the rewards; redeem_rewards prepares a redemption that the customer then confirms; get_offers
lists current offers ("offers on it": the category of the memory's product in focus). Never
promise points or discounts the tools do not show."""

# Rewards by the points they cost, for "redeem 1000 points".
_REWARD_BY_POINTS = {500: "RW-5OFF", 1000: "RW-10OFF", 2500: "RW-25OFF"}
_REWARD_BY_DOLLARS = {5: "RW-5OFF", 10: "RW-10OFF", 25: "RW-25OFF"}
# "spend ... points" on one line: the first "spend " once, then "points" after it (linear).
_SPEND_POINTS = re.compile(r"(?m)^(?>.*?spend ).*points")

# A reward named by its value alone ("just the $10 one", "10 euros"), read while one waits.
_VALUE = re.compile(r"[$€£]\s?(\d+)\b|\b(\d+)\s?(?:[$€£]|dollars?|bucks|euros?|dólares|"
                    r"rupees?)", re.IGNORECASE)


def _reward(text: str, by_value: bool = False) -> str | None:
    """The reward some words name: its id, its points, its "$N off" (or, `by_value`, "$N")."""
    if match := extract.REWARD.search(text):
        return match.group(1).upper()
    if (points := extract.points(text)) is not None:
        return _REWARD_BY_POINTS.get(points, f"RW-{points}PTS")
    if match := re.search(r"\$(\d+)\s*off", text):
        return _REWARD_BY_DOLLARS.get(int(match.group(1)))
    if by_value and (match := _VALUE.search(text)):
        return _REWARD_BY_DOLLARS.get(int(match.group(1) or match.group(2)))
    return None


def plan(turn: Turn) -> list[Call]:
    """Change the cart, redeem, list offers (for the product referred to), or show the balance."""
    pending = turn.pending
    if pending is not None and pending["kind"] == "redeem_confirmation" and (
            reward := _reward(turn.text, by_value=True)):
        # "No wait, just the $10 one": the other reward's terms replace the waiting ones.
        return [("redeem_rewards", {"reward_id": reward})]
    if (talk := plan_cart(turn.text, turn.memory)) is not None:
        return talk.calls
    text = turn.text.lower()
    # `graph/cues/redeem.<lang>.txt`: "redeem", "canjear", "einlösen", "25 dollar wala reward"
    if cues("redeem", turn.language).search(turn.text) or _SPEND_POINTS.search(text):
        reward = _reward(turn.text, by_value=True)  # asked to redeem: "the 25 dollar one"
        return [("redeem_rewards", {"reward_id": reward})] if reward else [("get_points", {})]
    ref = resolve(turn.text, turn.memory)
    if re.search(r"offer|deal|discount|promo|coupon|sale|newsletter", text):
        return [("get_offers", {"category": extract.category(turn.text)
                                or (ref.product or {}).get("category")})]
    if ref.product is not None and ref.how not in ("pronoun", ""):  # "the Dell one"
        return [("get_product_details", {"sku": ref.product["sku"]})]
    return [("get_points", {})]


def render(turn: Turn, results: list[dict[str, Any]]) -> str:
    """Balance, offers, or the redemption to confirm, and what the customer can do next."""
    _, lang = turn.gettext, turn.language
    if message := first_error(results):
        return _("Sorry, {problem}. Want to see your points and the rewards you can get?"
                 ).format(problem=problem(message, _))
    if not results and (which := unclear(turn.text, turn.memory, Reference())) is not None:
        return question(turn.gettext, which)
    result = results[-1] if results else {}
    kind = result.get("type")
    if kind == "product_list":  # a product named: which one?
        return question(turn.gettext, result.get("products", []))
    if kind == "cart":
        return cart_reply(turn.gettext, result, turn.language)
    if kind == "product":
        return product_reply(turn.gettext, result, turn.text, turn.language)
    if kind == "points":
        said = _("You have {points} points.").format(points=format_number(result["balance"],
                                                                           locale_of(lang)))
        rewards = [r for r in result.get("rewards", []) if r["points"] <= result["balance"]]
        if not rewards:
            return said + " " + _("Every order earns more; want me to show you current offers?")
        best = max(rewards, key=lambda r: r["points"])
        return said + " " + _("That's enough for {reward} (for {cost} points). Want to redeem "
                              "it?").format(reward=_reward_name(best, _, lang),
                                            cost=format_number(best["points"], locale_of(lang)))
    if kind == "offers":
        if not result["offers"]:
            return _("There are no offers for you right now. Want me to check your points "
                     "instead?")
        lines = [_("{offer}, until {day}").format(offer=offer_words(o, _, lang),
                                                  day=day(o["valid_until"], lang))
                 for o in result["offers"]]
        return "\n".join([_("Current offers for you:"), *(f"- {line}" for line in lines),
                          _("Shall I find something they apply to?")])
    if kind == "redeem_confirmation":
        return _("Redeem {points} points for {reward}? You would have {left} left. Shall I go "
                 "ahead, yes or no?").format(
            points=format_number(result["points"], locale_of(lang)),
            reward=_reward_name(result, _, lang),
            left=format_number(result["balance_after"], locale_of(lang)))
    return _("I can show your points, the rewards you can get, and current offers. Which would "
             "you like?")


def _reward_name(reward: dict[str, Any], _: Gettext, lang: str) -> str:
    """A reward as the customer reads it: its value off the next order when it has one."""
    if value := reward.get("value"):
        return _("{value} off your next order").format(value=money(value, lang))
    return str(reward.get("name", ""))


AGENT = Agent("loyalty", LOYALTY_PROMPT,
              (get_points, redeem_rewards, get_offers, get_product_details, recommend_products,
               view_cart, add_to_cart,
               add_named_to_cart, remove_from_cart, set_cart_quantity), plan, render,
              brief=("customer", "points"))
