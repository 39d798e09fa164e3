"""The confirmation step: money and points move only on the customer's yes, in the same session."""

from __future__ import annotations

import re
from typing import Any

from langchain_core.messages import AIMessage, HumanMessage
from langgraph.runtime import Runtime
from langgraph.types import Command, interrupt

from graph.agents.base import usd
from graph.answers import Answer, answer_of
from graph.context import Context, tool_context
from graph.state import Pending, State
from tools import confirm as confirmations
from tools import pin as pins
from tools.context import Services, ToolContext

# A WhatsApp button carries the id of the confirmation it answers (channels.whatsapp).
BUTTON = re.compile(r"confirm_(yes|no)(?::(CNF-[0-9A-F]{1,24}))?")
BARE_ANSWER = re.compile(r"^\s*(yes|yeah|yep|sure|ok|okay|no|nope|confirm(ed)?)\W*$", re.IGNORECASE)
PIN_MARKER = "[PIN withheld]"
ASK_PIN = "To confirm by phone, please say your four-digit PIN."
OTHER_CHANNEL = ("You can finish this on WhatsApp or on our website instead; nothing has been "
                 "charged.")


def is_bare_answer(text: str) -> bool:
    """A yes or no and nothing else, or one of our buttons: an answer, when nothing was asked."""
    return BARE_ANSWER.search(text) is not None or BUTTON.fullmatch(text.strip()) is not None


def outcome_text(result: dict[str, Any]) -> str:
    """What the customer is told after the move, or after it is called off."""
    kind, status = result.get("type"), result.get("status")
    if kind == "error":
        return f"Nothing was done: {result['message']}."
    if kind == "in_progress":
        return "That is still going through; I'll confirm it in a moment."
    if kind == "payment_status":
        if status == "pending":
            return (f"Your payment {result['payment_id']} is going through; "
                    "I'll confirm it in a moment.")
        if status == "paid":
            return (f"Payment received, thank you! Your order is {result.get('order_id')} "
                    f"({usd(result['total'])} {result['currency']}).")
        if status == "cancelled":
            return "Cancelled: nothing was charged."
        return f"The payment was {status}: nothing was charged. You can try another card."
    if kind == "points":
        if result.get("redeemed"):
            code = result["redeemed"].get("code", "")
            return f"Redeemed! Your voucher code is {code}. You have {result['balance']} points."
        return f"Cancelled. You still have {result['balance']} points."
    if kind == "return":
        if status == "cancelled":
            return "Cancelled: the return was not started."
        to = "your card" if result.get("refund_method") == "card" else "store credit"
        return (f"Return {result.get('return_id')} is open. Send the items back with the label "
                f"at {result.get('label_url')}; your refund of {usd(result['refund'])} to {to} "
                "is made when we receive them.")
    return "Done."


def _stay(human: HumanMessage, reply: str, pending: Pending) -> Command[str]:
    """Answer and keep waiting on `pending`, with nothing done."""
    return Command(goto="confirm", update={"messages": [human, AIMessage(reply)],
                                           "actions": [], "pending": pending,
                                           "answered_by": "offline"})


async def _carry_out(ctx: ToolContext, human: HumanMessage, pending: Pending,
                     yes: bool) -> Command[str]:
    action = confirmations.confirm if yes else confirmations.decline
    result = await action(ctx, pending["confirmation_id"])
    return Command(goto="__end__", update={
        "messages": [human, AIMessage(outcome_text(result))],
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


async def _voice_yes(ctx: ToolContext, human: HumanMessage, pending: Pending) -> Command[str]:
    """On voice a yes is not enough: the caller's PIN is asked for, unless it cannot be."""
    if not await pins.has_pin(ctx):
        return await _drop(ctx, human, pending, "Payments by phone need a PIN, and this number "
                                                f"has none. {OTHER_CHANNEL}")
    if await pins.voice_locked(ctx):
        return await _drop(ctx, human, pending, "For your security, payments by phone are "
                                                f"paused for today. {OTHER_CHANNEL}")
    return _stay(human, ASK_PIN, {**pending, "pin_asked": True})


async def _voice_pin(ctx: ToolContext, human: HumanMessage, pending: Pending, pin: str | None,
                     decision: Answer) -> Command[str]:
    """The caller's answer to "say your PIN": the right PIN carries the move out."""
    if pin is None:
        if decision == "cancel":
            return await _carry_out(ctx, human, pending, yes=False)
        return _stay(human, f"{ASK_PIN} Or say no to cancel.", pending)
    checked = await pins.check_pin(ctx, pin)
    if checked == "right":
        return await _carry_out(ctx, human, pending, yes=True)
    if checked == "wrong":
        return _stay(human, "That PIN is not right. Please say your four-digit PIN again.",
                     pending)
    if checked == "no_pin":
        return await _drop(ctx, human, pending, f"This number has no PIN. {OTHER_CHANNEL}")
    return await _drop(ctx, human, pending, "That PIN is not right, and payments by phone are "
                                            f"now paused for today for your security. "
                                            f"{OTHER_CHANNEL}")


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
        decision: Answer = answer_of(text)
        if button := BUTTON.fullmatch(text.strip()):
            if button.group(2) != pending["confirmation_id"]:
                return _stay(human, "That button belongs to a request that has expired or been "
                                    f"replaced: nothing was done. {pending['summary']}", pending)
            decision = "yes" if button.group(1) == "yes" else "cancel"
        if ctx.channel == "voice" and pending.get("pin_asked"):
            return await _voice_pin(ctx, human, pending, runtime.context.pin, decision)
        if decision == "yes":
            if ctx.channel == "voice":
                return await _voice_yes(ctx, human, pending)
            return await _carry_out(ctx, human, pending, yes=True)
        if decision == "cancel":
            return await _carry_out(ctx, human, pending, yes=False)
        # A question, a change, a condition: the agent that prepared the terms reads it.
        return Command(goto=pending["agent"], update={"messages": [human],
                                                      "route": pending["agent"]})

    return confirm
