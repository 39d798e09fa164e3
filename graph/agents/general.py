"""General agent: greetings, account help, and the shop's rules from its policy document."""

from __future__ import annotations

import re
from typing import Any

from graph.agents.after_sale_replies import policy_text
from graph.agents.base import Agent, Call, Offline, Turn, first_error
from graph.agents.speech import gettext_of, said_language
from graph.confirmation import is_bare_answer
from graph.policy_talk import asks_policy, follows_policy, policy_question
from graph.route_context import cues
from graph.wording import apology
from tools.catalog_data import STORES
from tools.policy import search_policy

GENERAL_PROMPT = """You handle greetings, account questions and the shop's rules. For any
question about returns, shipping, payment methods, price match, loyalty tiers, warranty, store
hours or addresses, call search_policy and answer from the sections it finds, briefly; a question
prepares nothing (no payment, no return). Account changes are made in the account settings page
or by a colleague. Say briefly what you can help with: products, stock, payments, orders, points,
returns, calls."""

# What makes a message a question about the shop rather than a greeting: in the five languages.
ABOUT_SHOP = re.compile(
    r"polic|hour|open|clos|location|address|where are you|store|shop|return|refund|ship|"
    r"deliver|pay|card|cash|price|match|tier|perk|member|gold|silver|bronze|warrant|"
    r"horario|abiert|tienda|direcci|devoluc|reembols|env[ií]o|pago|tarjeta|precio|garant|"
    r"horaire|ouvert|magasin|adresse|retour|rembours|livraison|paiement|carte|prix|"
    r"öffnungs|geöffnet|laden|adresse|rückgabe|versand|zahlung|preis|"
    r"samay|khula|dukaan|wapas|vapas|delivery|समय|पता|वापसी|where|dónde|où|\bwo\b|kahan|"
    + "|".join(re.escape(word.lower()) for s in STORES for word in s["name"].split()),
    re.IGNORECASE)


def plan(turn: Turn) -> list[Call]:
    """Look up the shop's rules for a question about them; greetings need no tool."""
    if turn.text.lower().startswith("confirm_") or is_bare_answer(turn.text):
        return []
    text, language = turn.text, turn.language
    if (ABOUT_SHOP.search(text) or asks_policy(text, language)
            or follows_policy(text, language, turn.memory)):
        return [("search_policy", {"question": policy_question(turn.text, turn.memory),
                                   "language": said_language(turn)})]
    return []


def render(turn: Turn, results: list[dict[str, Any]]) -> str:
    """A short answer for greetings, account questions and the shop's rules."""
    _ = gettext_of(turn)
    text = turn.text.lower()
    name = turn.brief.get("name", "there")
    if message := first_error(results):
        return _("Sorry, {problem}.").format(problem=message)
    policy = next((r for r in results if r.get("type") == "policy"), None)
    if policy is not None and policy.get("sections"):
        # A complaint answered by a rule ("it's cheaper elsewhere, annoyed": price match)
        # opens with an apology.
        return apology(turn.text, _) + policy_text(
            turn, policy, _("Is there anything else I can check for you?"))
    if re.search(r"account|password|log ?in|sign ?up|register|profile|email", text):
        return _("You can manage your account (password, details, sign-up) in the account "
                 "settings page; if something does not work, ask for a human and a colleague "
                 "will help.")
    if text.startswith("confirm_"):  # a button of terms that expired or were replaced
        return _("That button belongs to a request that is no longer open: nothing was done.")
    if is_bare_answer(text):
        return _("There is nothing waiting for your answer right now. What can I do for you?")
    if cues("closing", turn.language).search(text):  # "thx", "merci, au revoir", "danke"
        return _("You are welcome! Anything else I can do?")
    if policy is not None:
        return policy_text(turn, policy, "")
    return _("Hi {name}! I can recommend products, check stock, take payments, track orders, "
             "show your points and offers, handle returns and warranty, or arrange a call."
             ).format(name=name)

AGENT = Agent("general", GENERAL_PROMPT, (search_policy,), plan, render,
              brief=(Offline("customer"),))
