"""The confirmation step: money and points move only on the customer's yes, in the same session."""

from __future__ import annotations

import re
from typing import Any, Literal

from langchain_core.messages import AIMessage, HumanMessage
from langgraph.runtime import Runtime
from langgraph.types import Command, interrupt

from graph.agents.base import usd
from graph.context import Context, tool_context
from graph.state import State
from tools import confirm as confirmations
from tools.context import Services

YES = re.compile(r"^\s*(yes|y|yeah|yep|yup|sure|ok|okay|confirm(ed)?|go ahead|do it|please do|"
                 r"si|sí|oui|ja|confirm_yes)\b", re.IGNORECASE)
NO = re.compile(r"^\s*(no|n|nope|nah|cancel|stop|don'?t|do not|never ?mind|confirm_no)\b",
                re.IGNORECASE)


BARE_ANSWER = re.compile(r"^\s*(yes|yeah|yep|sure|ok|okay|no|nope|confirm(ed)?)\W*$", re.IGNORECASE)


def is_bare_answer(text: str) -> bool:
    """A yes or no and nothing else: an answer, when nothing was asked, to nothing."""
    return BARE_ANSWER.search(text) is not None


def answer_of(text: str) -> bool | None:
    """Yes, no, or neither: decided by the server, never by the model."""
    if NO.search(text):
        return False
    if YES.search(text):
        return True
    return None


def outcome_text(result: dict[str, Any]) -> str:
    """What the customer is told after the move, or after it is called off."""
    kind, status = result.get("type"), result.get("status")
    if kind == "error":
        return f"Nothing was done: {result['message']}."
    if kind == "payment_status":
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


def make_confirm_node(services: Services) -> Any:
    """The node that pauses the run until the customer answers the pending request."""

    async def confirm(state: State, runtime: Runtime[Context]
                      ) -> Command[Literal["confirm", "__end__"]]:
        pending = state.get("pending")
        if not pending:
            return Command(goto="__end__")
        answer = interrupt({"confirmation_id": pending["confirmation_id"],
                            "question": pending["summary"], "expires_at": pending["expires_at"]})
        text = str(answer.get("message", "") if isinstance(answer, dict) else answer)
        decision = answer_of(text)
        human = HumanMessage(text)
        if decision is None:
            ask = AIMessage(f"Please answer yes or no. {pending['summary']}")
            return Command(goto="confirm", update={"messages": [human, ask], "actions": [],
                                                   "answered_by": "offline"})  # ask again
        ctx = tool_context(services, runtime.context)
        action = confirmations.confirm if decision else confirmations.decline
        result = await action(ctx, pending["confirmation_id"])
        return Command(goto="__end__", update={
            "messages": [human, AIMessage(outcome_text(result))],
            "actions": [result] if result.get("type") != "error" else [],
            "pending": None, "answered_by": "offline"})

    return confirm
