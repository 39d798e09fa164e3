"""Post-purchase agent: returns with refunds the customer confirms, warranty checks and claims."""

from __future__ import annotations

import re

from langchain_core.messages import ToolMessage

from graph import extract
from graph.agents.after_sale_replies import render
from graph.agents.base import Agent, Call, Offline, Turn, parse_result
from graph.agents.speech import said_language
from graph.policy_talk import follows_policy, policy_question
from graph.reference_words import said
from tools.handoff import open_handoff_ticket
from tools.order_items import names_an_item
from tools.policy import search_policy
from tools.returns import check_warranty, initiate_return
from tools.warranty import claim_warranty

POST_PURCHASE_PROMPT = """You handle returns, refunds, warranty and complaints. initiate_return
prepares a return of a whole order, or of some items (sku or the customer's words in `item`, and
a quantity), and the refund the server computes; the customer then confirms it. When several
items fit, ask which. check_warranty says whether items are covered; claim_warranty opens a claim
for a faulty item under warranty (out of warranty: offer a paid repair or a colleague).
search_policy answers questions about the rules: a question prepares nothing. Complaints:
apologise, open a ticket with open_handoff_ticket, and offer one next step."""

RETURN_WORDS = re.compile(
    r"\b(return|refund|send (it |them )?back|exchange|devolver|devuelvo|devoluci\w*|reembols\w*|"
    r"retourner|retour\w*|rembours\w*|zurückgeben|zurückschicken|rückgabe|erstatt\w*|"
    r"wapas|vapas)\b", re.IGNORECASE)
FAULT_WORDS = re.compile(
    r"\b(broken|broke|stopped working|not working|doesn'?t work|does not work|won'?t turn on|"
    r"faulty|defective|dead|cracked|claim|repair|no funciona|roto|rota|averiad\w*|"
    r"ne (marche|fonctionne) plus|en panne|cass[ée]e?|kaputt|defekt|funktioniert nicht|"
    r"kharab|toot gaya|tut gaya|band ho gaya)\b", re.IGNORECASE)
WARRANTY_WORDS = re.compile(r"warrant|guarant|garant|covered|वारंटी", re.IGNORECASE)
ABOUT_RULES = re.compile(
    r"\b(polic\w*|pol[ií]tica|politique|richtlinie|rules?|how (do|does|can|long)|"
    r"what('?s| is| are)|(can|could|may) i|do you (accept|take|allow|do)|cu[aá]nto tiempo|"
    r"combien de temps|wie lange|kitne din|kya hai)\b", re.IGNORECASE)
COMPLAINT_WORDS = re.compile(
    r"\b(complain\w*|complaint|terrible|awful|unacceptable|disgusting|angry|furious|worst|"
    r"rude|ridiculous|wrong|(?:isn'?t|is not|not) what i ordered|"
    r"queja|reclamaci[oó]n|inaceptable|plainte|inadmissible|inacceptable|"
    r"beschwerde|unversch[aä]mt|inakzeptabel|bekaar|bakwas)\b", re.IGNORECASE)
SOME_OF = re.compile(
    r"\b(\d{1,3}|one|two|three|uno|una|dos|tres|un|une|deux|trois|ein|eine|eins|zwei|drei|ek)"
    r"\s+(?:of|de|des|du|von|der)\b", re.IGNORECASE)
NUMBERS = {"one": 1, "two": 2, "three": 3, "uno": 1, "una": 1, "dos": 2, "tres": 3, "un": 1,
           "une": 1, "deux": 2, "trois": 3, "ein": 1, "eine": 1, "eins": 1, "zwei": 2, "drei": 3,
           "ek": 1}


def _order(turn: Turn, statuses: tuple[str, ...]) -> str | None:
    """The order named, else the one in focus, else the newest in one of `statuses`."""
    named = extract.order_id(turn.text)
    if named:
        return named
    focus = (getattr(turn, "memory", None) or {}).get("order") or {}
    if focus.get("order_id"):
        return str(focus["order_id"])
    return next((o["order_id"] for o in turn.brief.get("orders", []) if o["status"] in statuses),
                None)


def _some_of(text: str) -> int | None:
    """How many of an item: "1 of the 2", "one of the two cables"; None for all of them."""
    match = SOME_OF.search(text)
    if match is None:
        return None
    word = match.group(1).lower()
    return NUMBERS.get(word) or int(word)


def _picked(turn: Turn, sku: str | None, item: str | None) -> Call | None:
    """The customer's answer to "which one?": the same request, for the item they name."""
    asked = next((result for message in reversed(turn.history)
                  if isinstance(message, ToolMessage)
                  and (result := parse_result(message)).get("type") in ("return", "warranty")),
                 None)
    if not asked or asked.get("status") != "choose" or not (sku or item):
        return None
    if asked["type"] == "return":
        return ("initiate_return", {"order_id": asked["order_id"], "sku": sku, "item": item,
                                    "quantity": _some_of(turn.text), "reason": turn.text[:300]})
    return ("claim_warranty", {"order_id": asked["order_id"], "sku": sku,
                               "issue": turn.text[:500]})


def asks_about_rules(text: str) -> bool:
    """A question about how returns work, with no order of the customer's named."""
    return bool(ABOUT_RULES.search(text)) and not extract.order_id(text)


def _policy_follow_up(turn: Turn) -> list[Call]:
    """The policy searched again for a follow-up of its answer ("does that apply to laptops?")."""
    if not follows_policy(turn.text, turn.language, turn.memory):
        return []
    return [("search_policy", {"question": policy_question(turn.text, turn.memory),
                               "language": said_language(turn)})]


def _order_asked_about(turn: Turn) -> str | None:
    """The order the talk is about, when a warranty question points back at it ("on it").

    A general question ("what's your warranty policy?") names no "it" and gets the policy.
    """
    order = turn.memory.get("order") or {}
    if not order.get("order_id") or turn.memory.get("topic") not in ("fulfillment",
                                                                       "post_purchase"):
        return None
    text = turn.text
    if not WARRANTY_WORDS.search(text) or FAULT_WORDS.search(text) or RETURN_WORDS.search(text):
        return None
    return str(order["order_id"]) if said(text, "pronoun") else None


def plan(turn: Turn) -> list[Call]:
    """Answer a rules question, or check or claim a warranty, or prepare a return.

    A complaint also opens a ticket for a colleague, beside whatever else it asks for.
    """
    text = turn.text
    calls: list[Call] = []
    if COMPLAINT_WORDS.search(text):  # an apology and a person who will put it right
        calls.append(("open_handoff_ticket", {"reason": f"complaint: {text[:400]}"}))
    if (held := _order_asked_about(turn)) is not None:  # "how long is the warranty on it?"
        return [*calls, ("check_warranty", {"order_id": held, "sku": extract.sku(text),
                                             "item": text[:300] if names_an_item(text) else None})]
    if asks_about_rules(text) and not FAULT_WORDS.search(text):
        return [*calls, ("search_policy", {"question": text[:500],
                                           "language": said_language(turn)})]
    sku = extract.sku(text)
    item = text[:300] if not sku and names_an_item(text) else None
    if (picked := _picked(turn, sku, item)) is not None:
        return [*calls, picked]
    order_id = _order(turn, ("delivered",))
    if order_id is None:
        return [*calls, *_policy_follow_up(turn)]
    if RETURN_WORDS.search(text):
        calls.append(("initiate_return", {
            "order_id": order_id, "sku": sku, "item": item, "quantity": _some_of(text),
            "reason": text[:300], "store_credit": bool(re.search(
                r"store credit|cr[ée]dito|avoir|guthaben", text, re.IGNORECASE))}))
    elif FAULT_WORDS.search(text):
        calls.append(("claim_warranty", {"order_id": order_id, "sku": sku, "issue": text[:500]}))
    elif WARRANTY_WORDS.search(text):
        calls.append(("check_warranty", {"order_id": order_id, "sku": sku, "item": item}))
    elif (again := _warranty_asked_again(turn)) is not None:
        calls.append(again)
    else:
        calls.extend(_policy_follow_up(turn))
    return calls


def _warranty_asked_again(turn: Turn) -> Call | None:
    """A follow-up of a warranty answer that names nothing new ("until when exactly?").

    It asks about the same cover: the same order and, when one item was answered, that item.
    """
    if extract.order_id(turn.text) or _policy_follow_up(turn):
        return None
    last = next((result for message in reversed(turn.history)
                 if isinstance(message, ToolMessage)
                 and (result := parse_result(message)).get("type")), {})
    if last.get("type") != "warranty" or not last.get("items"):
        return None
    items = last["items"]
    return ("check_warranty", {"order_id": last["order_id"],
                               "sku": items[0]["sku"] if len(items) == 1 else None})

AGENT = Agent("post_purchase", POST_PURCHASE_PROMPT,
              (initiate_return, check_warranty, claim_warranty, search_policy,
               open_handoff_ticket), plan, render,
              brief=("customer", Offline("orders")))
