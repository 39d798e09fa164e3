"""Verify, parse and answer WhatsApp Cloud API webhooks, and send replies through the Graph API."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from typing import Any

import httpx

from channels.web import MESSAGE_MAX

CONFIRM_YES = "confirm_yes"
CONFIRM_NO = "confirm_no"
OUR_REPLY_IDS = frozenset({CONFIRM_YES, CONFIRM_NO})
"""Reply ids that we put on buttons: passed to the graph as they are, not as the title."""

SILENT_KINDS = frozenset({"reaction"})
"""Messages acknowledged without a reply: an emoji on one of our messages asks nothing."""
CAPTIONED = ("image", "video", "document")
TEXT_MAX = 4096
INTERACTIVE_BODY_MAX = 1024
BUTTON_TITLE_MAX = 20
LIST_BUTTON_TEXT = "View products"
LIST_ROWS_MAX = 10
ROW_TITLE_MAX = 24
ROW_DESCRIPTION_MAX = 72
ROW_ID_MAX = 200

# Graph error codes that mean "try again later" even when the HTTP status is a 4xx:
# 1/2 temporary, 4/17/341/80007 app throttling, 130429 throughput, 131056 pair rate,
# 131000/131016/133004 transient service errors.
_RETRYABLE_GRAPH_CODES = frozenset(
    {1, 2, 4, 17, 341, 80007, 130429, 131000, 131016, 131056, 133004})
_SIGNATURE = re.compile(r"sha256=([0-9a-fA-F]{64})")
_WA_ID = re.compile(r"\+?([1-9][0-9]{6,14})")
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_MESSAGE_ID = re.compile(r"[\x21-\x7e]{1,256}")  # wamids are printable ASCII
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
JSON_DEPTH_MAX = 32
"""A webhook nests 8 deep; anything much deeper is not one."""
NAME_MAX = 256
STATUS_FIELDS = ("id", "status", "timestamp", "recipient_id", "conversation_id")


@dataclass(frozen=True)
class InboundMessage:
    """One customer message from a webhook; `text` is "" for a kind we cannot read."""

    id: str
    sender: str
    text: str
    kind: str
    timestamp: int
    name: str | None


class SendError(Exception):
    """The Graph API did not take a message; `retryable` says whether to try again later."""

    def __init__(self, retryable: bool, status: int | None = None, detail: str = "",
                 retry_after: str | None = None) -> None:
        super().__init__(f"WhatsApp send failed (status={status}): {detail}".rstrip(": "))
        self.retryable = retryable
        self.status = status
        self.detail = detail
        self.retry_after = retry_after  # the `Retry-After` header, as received


def verify_handshake(mode: str | None, token: str | None, challenge: str | None,
                     expected: str | None) -> str | None:
    """Answer Meta's subscription check.

    Args:
        mode: The `hub.mode` query parameter.
        token: The `hub.verify_token` query parameter.
        challenge: The `hub.challenge` query parameter.
        expected: The configured verify token; unset refuses every request.

    Returns:
        The challenge to echo, or None when the request must be refused.
    """
    if not expected or mode != "subscribe" or token is None or challenge is None:
        return None
    if not hmac.compare_digest(token.encode(), expected.encode()):
        return None
    return challenge


def verify_signature(body: bytes, header: str | None, secret: str | None) -> bool:
    """Check `X-Hub-Signature-256` against the raw request bytes.

    Args:
        body: The request body exactly as received, before any JSON parsing.
        header: The `X-Hub-Signature-256` header value, `sha256=<hex>`.
        secret: The app secret; unset refuses every request.

    Returns:
        True only for a well-formed header whose HMAC-SHA256 matches.
    """
    if not secret or header is None:
        return False
    match = _SIGNATURE.fullmatch(header.strip())
    if match is None:
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), match.group(1).lower().encode())


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _reply_text(reply: Any, title_key: str = "title") -> str:
    """Our own ids travel as they are; a picked row or button as its label and its id.

    A list row's id is the product's SKU (`format_reply`): the graph gets "Razer K70 4 Plus
    (KEY-00001)", so the agent acts on that very product rather than on a search of its title,
    which the row may also show cut short.
    """
    if not isinstance(reply, dict):
        return ""
    reply_id, title = reply.get("id", reply.get("payload")), reply.get(title_key)
    if isinstance(reply_id, str) and reply_id.partition(":")[0] in OUR_REPLY_IDS:
        return reply_id
    label = title if isinstance(title, str) and title else ""
    if isinstance(reply_id, str) and reply_id and reply_id != label:
        return f"{label} ({reply_id})".strip() if label else reply_id
    return label


def _clean(text: str, limit: int) -> str:
    """A customer's string as stored: control characters (a NUL) dropped, cut to `limit`."""
    return _CONTROL.sub("", text[: limit * 2])[:limit]


def _text_of(message: dict[str, Any]) -> str:
    kind = message.get("type")
    if kind == "text":
        text = message.get("text")
        body = text.get("body") if isinstance(text, dict) else None
        return body if isinstance(body, str) else ""
    if kind == "interactive":
        interactive = message.get("interactive")
        if isinstance(interactive, dict):
            for key in ("button_reply", "list_reply"):
                if key in interactive:
                    return _reply_text(interactive[key])
        return ""
    if kind == "button":
        return _reply_text(message.get("button"), title_key="text")
    if kind in CAPTIONED:  # the caption is the customer's words; the media itself is not read
        media = message.get(kind)
        caption = media.get("caption") if isinstance(media, dict) else None
        return caption if isinstance(caption, str) else ""
    return ""


def _names(contacts: Any) -> dict[str, str]:
    """Profile names by WhatsApp id, from a change's `contacts`."""
    names = {}
    for contact in _dicts(contacts):
        wa_id, profile = contact.get("wa_id"), contact.get("profile")
        name = profile.get("name") if isinstance(profile, dict) else None
        if isinstance(wa_id, str) and isinstance(name, str) and name:
            names[wa_id.lstrip("+")] = _clean(name, NAME_MAX)
    return names


def _message(message: dict[str, Any], names: dict[str, str]) -> InboundMessage | None:
    message_id, sender = message.get("id"), message.get("from")
    if not isinstance(message_id, str) or not _MESSAGE_ID.fullmatch(message_id):
        return None
    if not isinstance(sender, str):
        return None
    number = _WA_ID.fullmatch(sender.strip()[:32])
    if number is None:
        return None
    raw_ts = message.get("timestamp")
    timestamp = int(raw_ts) if isinstance(raw_ts, str) and _TIMESTAMP.fullmatch(raw_ts) else 0
    kind = message.get("type")
    name = names.get(number.group(1)) or (next(iter(names.values())) if len(names) == 1 else None)
    # Cut like a `/chat` message, and kept: the customer gets an answer to what fits.
    text = _clean(_text_of(message), MESSAGE_MAX)
    return InboundMessage(id=message_id, sender=f"+{number.group(1)}", text=text,
                          kind=_clean(kind, 32) if isinstance(kind, str) else "unknown",
                          timestamp=timestamp, name=name)


def parse_webhook(payload: dict[str, Any]) -> tuple[list[InboundMessage], list[dict[str, Any]]]:
    """Collect every message and delivery status of a webhook POST.

    Args:
        payload: The decoded JSON body.

    Returns:
        The customer messages, and the raw status objects (sent, delivered, read, failed).

    Raises:
        ValueError: When the payload is not a JSON object. Anything malformed inside is skipped.
    """
    if not isinstance(payload, dict):
        raise ValueError("a WhatsApp webhook body must be a JSON object")
    messages: list[InboundMessage] = []
    statuses: list[dict[str, Any]] = []
    for entry in _dicts(payload.get("entry")):
        for change in _dicts(entry.get("changes")):
            value = change.get("value")
            if change.get("field", "messages") != "messages" or not isinstance(value, dict):
                continue
            names = _names(value.get("contacts"))
            for raw in _dicts(value.get("messages")):
                if (message := _message(raw, names)) is not None:
                    messages.append(message)
            statuses.extend(_status(raw) for raw in _dicts(value.get("statuses")))
    return messages, statuses


def _status(raw: dict[str, Any]) -> dict[str, Any]:
    """A delivery status as stored: its known fields, as clean strings, and its error codes."""
    status: dict[str, Any] = {key: _clean(raw[key], NAME_MAX) for key in STATUS_FIELDS
                              if isinstance(raw.get(key), str)}
    codes = [error.get("code") for error in _dicts(raw.get("errors"))]
    if errors := [c for c in codes if isinstance(c, int) and not isinstance(c, bool)][:10]:
        status["error_codes"] = errors
    return status


def load_webhook(raw: bytes) -> Any:
    """Decode a webhook body, refusing one nested deeper than `JSON_DEPTH_MAX`.

    Raises:
        ValueError: When the body is not JSON, or nests too deep (the C decoder stops at the
            interpreter's recursion limit; the walk below checks our far lower bound).
    """
    try:
        payload = json.loads(raw)
    except RecursionError:
        raise ValueError("the body nests too deep") from None
    stack: list[tuple[Any, int]] = [(payload, 1)]
    while stack:  # iterative: a deep body cannot exhaust the stack here either
        node, depth = stack.pop()
        children = node.values() if isinstance(node, dict) else node if isinstance(
            node, list) else ()
        for child in children:
            if isinstance(child, dict | list):
                if depth >= JSON_DEPTH_MAX:
                    raise ValueError("the body nests too deep")
                stack.append((child, depth + 1))
    return payload


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _rows(products: list[Any]) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    seen: set[str] = set()
    for product in _dicts(products):
        sku, name, price = product.get("sku"), product.get("name"), product.get("price")
        if not isinstance(sku, str) or not sku or sku in seen or not isinstance(name, str):
            continue
        seen.add(sku)
        row = {"id": sku[:ROW_ID_MAX], "title": _clip(name, ROW_TITLE_MAX)}
        if isinstance(price, int | float) and not isinstance(price, bool):
            currency = product.get("currency") or "USD"
            amount = f"${price:.2f}" if currency == "USD" else f"{price:.2f} {currency}"
            row["description"] = _clip(f"{amount} · {name}", ROW_DESCRIPTION_MAX)
        rows.append(row)
        if len(rows) == LIST_ROWS_MAX:
            break
    return rows


def format_reply(to: str, reply: str, actions: list[dict[str, Any]],
                 awaiting_confirmation: bool) -> dict[str, Any]:
    """Build the Graph API message body for one assistant turn.

    Args:
        to: The customer's number, E.164 with or without the leading +.
        reply: The assistant's reply text.
        actions: The typed tool results of the turn.
        awaiting_confirmation: Whether the turn asks the customer to confirm.

    Returns:
        Yes/No buttons when a confirmation is pending, a product list when the turn found
        products, plain text otherwise; every field within WhatsApp's limits.
    """
    envelope: dict[str, Any] = {"messaging_product": "whatsapp", "recipient_type": "individual",
                                "to": to.strip().lstrip("+")}
    text = reply.strip() or "…"
    if awaiting_confirmation:
        # Each button names its confirmation: a tap on an old message's button confirms nothing.
        terms = next((a["confirmation_id"] for a in actions if isinstance(a, dict)
                      and isinstance(a.get("confirmation_id"), str)), None)
        buttons = [{"type": "reply", "reply": {"id": f"{reply_id}:{terms}" if terms else reply_id,
                                               "title": title[:BUTTON_TITLE_MAX]}}
                   for reply_id, title in ((CONFIRM_YES, "Yes"), (CONFIRM_NO, "No"))]
        return envelope | {"type": "interactive", "interactive": {
            "type": "button", "body": {"text": _clip(text, INTERACTIVE_BODY_MAX)},
            "action": {"buttons": buttons}}}
    products = next((action.get("products") for action in actions
                     if isinstance(action, dict) and action.get("type") == "product_list"
                     and action.get("products")), None)
    rows = _rows(products) if isinstance(products, list) else []
    if rows:
        return envelope | {"type": "interactive", "interactive": {
            "type": "list", "body": {"text": _clip(text, INTERACTIVE_BODY_MAX)},
            "action": {"button": LIST_BUTTON_TEXT,
                       "sections": [{"title": "Products", "rows": rows}]}}}
    return envelope | {"type": "text", "text": {"preview_url": False,
                                                 "body": _clip(text, TEXT_MAX)}}


def _graph_error(response: httpx.Response) -> tuple[int | None, str]:
    try:
        error = response.json().get("error", {})
        code = error.get("code")
        return (code if isinstance(code, int) else None), str(error.get("message", ""))[:200]
    except (ValueError, AttributeError):
        return None, ""


async def send_message(http: httpx.AsyncClient, *, base_url: str, phone_number_id: str,
                       access_token: str, body: dict[str, Any],
                       timeout: float = 10.0) -> str:  # noqa: ASYNC109 - per-request httpx timeout
    """Send one message through the Graph API.

    Args:
        http: The shared HTTP client.
        base_url: The Graph API base, e.g. https://graph.facebook.com/v21.0.
        phone_number_id: The business phone number id that sends.
        access_token: The system-user access token.
        body: The message, as `format_reply` builds it.
        timeout: Seconds before the attempt is abandoned.

    Returns:
        The id (`wamid...`) WhatsApp gave the sent message.

    Raises:
        SendError: Retryable on timeouts, transport errors, 429, 5xx and Graph throttling
            codes; not retryable on other 4xx or an answer without a message id.
    """
    url = f"{base_url.rstrip('/')}/{phone_number_id}/messages"
    try:
        response = await http.post(url, json=body, timeout=timeout,
                                   headers={"Authorization": f"Bearer {access_token}"})
    except httpx.TimeoutException as exc:
        raise SendError(True, None, f"timed out: {type(exc).__name__}") from None
    except httpx.TransportError as exc:
        raise SendError(True, None, f"transport error: {type(exc).__name__}") from None
    status = response.status_code
    if status >= 400:
        code, message = _graph_error(response)
        retryable = status in (408, 429) or status >= 500 or code in _RETRYABLE_GRAPH_CODES
        raise SendError(retryable, status, f"graph error {code}: {message}",
                        response.headers.get("retry-after"))
    try:
        message_id = response.json()["messages"][0]["id"]
    except (ValueError, KeyError, IndexError, TypeError):
        message_id = None
    if not isinstance(message_id, str) or not message_id:
        raise SendError(False, status, "the answer carried no message id")
    return message_id
