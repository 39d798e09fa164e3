"""The confirmation step: money and points move only on the customer's yes, in the same session."""

from __future__ import annotations

import re
from typing import Any

from babel.numbers import format_number
from langchain_core.messages import AIMessage, HumanMessage
from langgraph.runtime import Runtime
from langgraph.types import Command, interrupt

from graph.answers import Answer, answer_of
from graph.context import Context, tool_context
from graph.i18n import N_, gettext_for
from graph.problems import problem
from graph.state import Pending, State
from graph.wording import locale_of, money
from tools import confirm as confirmations
from tools import pin as pins
from tools.context import Services, ToolContext

# A WhatsApp button carries the id of the confirmation it answers (channels.whatsapp).
BUTTON = re.compile(r"confirm_(yes|no)(?::(CNF-[0-9A-F]{1,24}))?")
BARE_ANSWER = re.compile(r"^\s*(yes|yeah|yep|sure|ok|okay|no|nope|confirm(ed)?)\W*$", re.IGNORECASE)
PIN_MARKER = "[PIN withheld]"
ASK_PIN = N_("To confirm by phone, please say your four-digit PIN.")
ASK_PIN_OR_NO = N_("To confirm by phone, please say your four-digit PIN, or say no to cancel.")
WRONG_PIN = N_("That PIN is not right. Please say your four-digit PIN again.")
NO_PIN = N_("Payments by phone need a PIN, and this number has none. You can finish this on "
            "WhatsApp or on our website instead; nothing has been charged.")
PAUSED = N_("For your security, payments by phone are paused for today. You can finish this on "
            "WhatsApp or on our website instead; nothing has been charged.")
NOW_PAUSED = N_("That PIN is not right, and payments by phone are now paused for today for your "
                "security. You can finish this on WhatsApp or on our website instead; nothing "
                "has been charged.")
EXPIRED_BUTTON = N_("That button belongs to a request that has expired or been replaced: nothing "
                    "was done.")


def is_bare_answer(text: str) -> bool:
    """A yes or no and nothing else, or one of our buttons: an answer, when nothing was asked."""
    return BARE_ANSWER.search(text) is not None or BUTTON.fullmatch(text.strip()) is not None


def outcome_text(result: dict[str, Any], language: str = "en") -> str:
    """What the customer is told after the move, or after it is called off, in their language."""
    _ = gettext_for(language)
    kind, status = result.get("type"), result.get("status")
    if kind == "error":
        return _("Nothing was done: {problem}.").format(problem=problem(result["message"], _))
    if kind == "in_progress":
        return _("That is still going through; I'll confirm it in a moment.")
    if kind == "payment_status":
        total = money(result.get("total", 0), language, result.get("currency", "USD"))
        if status == "pending":
            return _("Your payment of {total} is going through; I'll confirm it in a moment."
                     ).format(total=total)
        if status == "paid":
            return _("Payment received, thank you! Your order number is {order} ({total}). "
                     "Want me to tell you when it will arrive?").format(
                order=result.get("order_id"), total=total)
        if status == "cancelled":
            return _("Cancelled: nothing was charged. Anything else I can help with?")
        return _("Sorry, the payment was declined: nothing was charged. Would you like to try "
                 "another card?")
    if kind == "points":
        balance = format_number(result["balance"], locale=locale_of(language))
        if result.get("redeemed"):
            return _("Redeemed! Your voucher code is {code}: enter it at checkout. You have "
                     "{points} points left.").format(code=result["redeemed"].get("code", ""),
                                                     points=balance)
        return _("Cancelled. You still have {points} points.").format(points=balance)
    if kind == "return":
        if status == "cancelled":
            return _("Cancelled: the return was not started. Anything else I can help with?")
        refund = money(result["refund"], language, result.get("currency", "USD"))
        if result.get("refund_method") == "card":
            how = _("Your refund of {refund} goes back to the card you paid with once we "
                    "receive them.")
        else:
            how = _("Your refund of {refund} is paid as store credit once we receive them.")
        return (_("Your return is open. Send the items back with the prepaid label at {url}.")
                .format(url=result.get("label_url")) + " " + how.format(refund=refund))
    return _("Done.")


def _stay(human: HumanMessage, reply: str, pending: Pending) -> Command[str]:
    """Answer and keep waiting on `pending`, with nothing done."""
    return Command(goto="confirm", update={"messages": [human, AIMessage(reply)],
                                           "actions": [], "pending": pending,
                                           "answered_by": "offline"})


async def _carry_out(ctx: ToolContext, human: HumanMessage, pending: Pending,
                     yes: bool, language: str) -> Command[str]:
    action = confirmations.confirm if yes else confirmations.decline
    result = await action(ctx, pending["confirmation_id"])
    return Command(goto="__end__", update={
        "messages": [human, AIMessage(outcome_text(result, language))],
        "actions": [result] if result.get("type") != "error" else [],
        "pending": None, "answered_by": "offline"})


async def _drop(ctx: ToolContext, human: HumanMessage, pending: Pending,
                reply: str) -> Command[str]:
    """Drop terms that cannot be carried out on this channel, and say why."""
    result = await confirmations.decline(ctx, pending["confirmation_id"])
    return Command(goto="__end__", update={
        "messages": [human, AIMessage(reply)],
        "actions": [result] if result.get("type") != "error" else [],
        "pending": None, "answered_by": "offline"})


async def _voice_yes(ctx: ToolContext, human: HumanMessage, pending: Pending,
                     language: str) -> Command[str]:
    """On voice a yes is not enough: the caller's PIN is asked for, unless it cannot be."""
    _ = gettext_for(language)
    if not await pins.has_pin(ctx):
        return await _drop(ctx, human, pending, _(NO_PIN))
    if await pins.voice_locked(ctx):
        return await _drop(ctx, human, pending, _(PAUSED))
    return _stay(human, _(ASK_PIN), {**pending, "pin_asked": True})


async def _voice_pin(ctx: ToolContext, human: HumanMessage, pending: Pending, pin: str | None,
                     decision: Answer, language: str) -> Command[str]:
    """The caller's answer to "say your PIN": the right PIN carries the move out."""
    _ = gettext_for(language)
    if pin is None:
        if decision == "cancel":
            return await _carry_out(ctx, human, pending, False, language)
        return _stay(human, _(ASK_PIN_OR_NO), pending)
    checked = await pins.check_pin(ctx, pin)
    if checked == "right":
        return await _carry_out(ctx, human, pending, True, language)
    if checked == "wrong":
        return _stay(human, _(WRONG_PIN), pending)
    if checked == "no_pin":
        return await _drop(ctx, human, pending, _(NO_PIN))
    return await _drop(ctx, human, pending, _(NOW_PAUSED))


def make_confirm_node(services: Services) -> Any:
    """The node that pauses the run until the customer answers the pending terms.

    Only a clear yes (or the Yes button of these very terms) carries them out, and on voice
    only with the caller's PIN; a cancel drops them; anything else goes back to the agent that
    prepared them, which answers, or changes the terms, with them in view.
    """

    async def confirm(state: State, runtime: Runtime[Context]) -> Command[str]:
        pending = state.get("pending")
        if not pending:
            return Command(goto="__end__")
        answer = interrupt({"confirmation_id": pending["confirmation_id"],
                            "question": pending["summary"], "expires_at": pending["expires_at"]})
        text = str(answer.get("message", "") if isinstance(answer, dict) else answer)
        human = HumanMessage(text)
        ctx = tool_context(services, runtime.context)
        language = (state.get("memory") or {}).get("language", "en")
        decision: Answer = answer_of(text)
        if button := BUTTON.fullmatch(text.strip()):
            if button.group(2) != pending["confirmation_id"]:
                expired = gettext_for(language)(EXPIRED_BUTTON)
                return _stay(human, f"{expired} {pending['summary']}", pending)
            decision = "yes" if button.group(1) == "yes" else "cancel"
        if ctx.channel == "voice" and pending.get("pin_asked"):
            return await _voice_pin(ctx, human, pending, runtime.context.pin, decision, language)
        if decision == "yes":
            if ctx.channel == "voice":
                return await _voice_yes(ctx, human, pending, language)
            return await _carry_out(ctx, human, pending, True, language)
        if decision == "cancel":
            return await _carry_out(ctx, human, pending, False, language)
        # A question, a change, a condition: the agent that prepared the terms reads it.
        return Command(goto=pending["agent"], update={"messages": [human],
                                                      "route": pending["agent"]})

    return confirm
