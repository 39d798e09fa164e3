"""Unit tests of the channel adapters: WhatsApp, voice and web bodies."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import httpx
import pytest
import respx
from pydantic import ValidationError

from channels.voice import VoiceTurn, format_speech, verify_voice_signature
from channels.web import ChatRequest
from channels.whatsapp import (
    SendError,
    format_reply,
    parse_webhook,
    send_message,
    verify_handshake,
    verify_signature,
)

SECRET = "app-secret"
BASE = "https://graph.test/v21.0"
SEND_URL = f"{BASE}/1234567890/messages"


def sign(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def voice_sign(body: bytes, ts: str, secret: str = SECRET) -> str:
    return hmac.new(secret.encode(), ts.encode() + b"." + body, hashlib.sha256).hexdigest()


def text_message(wamid: str, sender: str, body: str) -> dict[str, Any]:
    return {"from": sender, "id": wamid, "timestamp": "1717000000", "type": "text",
            "text": {"body": body}}


def webhook(*changes: dict[str, Any]) -> dict[str, Any]:
    return {"object": "whatsapp_business_account",
            "entry": [{"id": "WABA", "changes": [{"field": "messages", "value": value}]}
                      for value in changes]}


def value(messages: list[dict[str, Any]], statuses: list[dict[str, Any]] | None = None,
          contacts: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550009999", "phone_number_id": "1234567890"},
            "contacts": contacts or [], "messages": messages, "statuses": statuses or []}


# W1: the verification handshake.

def test_handshake_with_right_token_echoes_challenge() -> None:
    assert verify_handshake("subscribe", "tok", "1158201444", "tok") == "1158201444"


def test_handshake_with_wrong_token_is_refused() -> None:
    assert verify_handshake("subscribe", "nope", "1158201444", "tok") is None


def test_handshake_with_wrong_mode_is_refused() -> None:
    assert verify_handshake("unsubscribe", "tok", "1158201444", "tok") is None


@pytest.mark.parametrize("token", [None, "", "tok"])
def test_handshake_fails_closed_without_configured_token(token: str | None) -> None:
    assert verify_handshake("subscribe", token, "c", None) is None
    assert verify_handshake("subscribe", token, "c", "") is None


def test_handshake_with_non_ascii_token_is_refused_not_raised() -> None:
    assert verify_handshake("subscribe", "tök", "c", "tok") is None


# W2: forged signatures.

BODY = json.dumps(webhook(value([text_message("wamid.1", "15550000001", "hi")]))).encode()


def test_signature_over_raw_body_verifies() -> None:
    assert verify_signature(BODY, sign(BODY), SECRET)


def test_missing_signature_header_is_refused() -> None:
    assert not verify_signature(BODY, None, SECRET)


def test_signature_with_wrong_secret_is_refused() -> None:
    assert not verify_signature(BODY, sign(BODY, "other-secret"), SECRET)


def test_sha1_only_signature_is_refused() -> None:
    sha1 = "sha1=" + hmac.new(SECRET.encode(), BODY, hashlib.sha1).hexdigest()
    assert not verify_signature(BODY, sha1, SECRET)


def test_signature_over_original_bytes_does_not_verify_reserialised_json() -> None:
    original = b'{"object": "whatsapp_business_account",  "entry": []}'
    reserialised = json.dumps(json.loads(original), separators=(",", ":")).encode()
    assert reserialised != original
    assert not verify_signature(reserialised, sign(original), SECRET)


@pytest.mark.parametrize("header", ["", "sha256=", "sha256=zz", "SHA256=" + "0" * 64,
                                    "sha256=" + "0" * 63, "sha256=" + "é" * 64])
def test_malformed_signature_header_is_refused(header: str) -> None:
    assert not verify_signature(BODY, header, SECRET)


def test_signature_fails_closed_without_secret() -> None:
    assert not verify_signature(BODY, sign(BODY, ""), None)
    assert not verify_signature(BODY, sign(BODY, ""), "")


# W3: the HMAC is over the raw bytes, whatever the script.

@pytest.mark.parametrize("text", ["Café crème, s'il vous plaît", "مرحبا، أريد حاسوبا",
                                  "Need a laptop 💻🔥 👍🏽"])
def test_signature_over_raw_utf8_bytes_verifies(text: str) -> None:
    payload = webhook(value([text_message("wamid.u", "15550000001", text)]))
    raw = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    assert verify_signature(raw, sign(raw), SECRET)
    escaped = json.dumps(payload, ensure_ascii=True).encode()
    assert escaped != raw
    assert not verify_signature(raw, sign(escaped), SECRET)
    messages, _ = parse_webhook(json.loads(raw))
    assert messages[0].text == text


# Parsing.

def test_parse_webhook_collects_every_entry_message_and_status() -> None:
    status = {"id": "wamid.out", "status": "delivered", "timestamp": "1717000005",
              "recipient_id": "15550000002"}
    button = {"from": "15550000002", "id": "wamid.b", "timestamp": "1717000002",
              "type": "interactive", "interactive": {
                  "type": "button_reply", "button_reply": {"id": "confirm_yes", "title": "Yes"}}}
    listed = {"from": "15550000002", "id": "wamid.l", "timestamp": "1717000003",
              "type": "interactive", "interactive": {"type": "list_reply", "list_reply": {
                  "id": "LAP-00001", "title": "Acme Book 14",
                  "description": "$899.00"}}}
    image = {"from": "15550000001", "id": "wamid.i", "timestamp": "1717000004",
             "type": "image", "image": {"id": "media-1", "mime_type": "image/jpeg"}}
    legacy = {"from": "15550000001", "id": "wamid.k", "timestamp": "1717000006",
              "type": "button", "button": {"payload": "confirm_no", "text": "No thanks"}}
    payload = webhook(
        value([text_message("wamid.a", "15550000001", "hello"), image, legacy],
              contacts=[{"wa_id": "15550000001", "profile": {"name": "Alice"}}]),
        value([button, listed], [status],
              contacts=[{"wa_id": "15550000002", "profile": {"name": "Bob"}}]),
        value([], [{"id": "wamid.out2", "status": "read"}]),
    )
    messages, statuses = parse_webhook(payload)
    assert [(m.id, m.sender, m.kind, m.text, m.name) for m in messages] == [
        ("wamid.a", "+15550000001", "text", "hello", "Alice"),
        ("wamid.i", "+15550000001", "image", "", "Alice"),
        ("wamid.k", "+15550000001", "button", "confirm_no", "Alice"),
        ("wamid.b", "+15550000002", "interactive", "confirm_yes", "Bob"),
        ("wamid.l", "+15550000002", "interactive", "Acme Book 14 (LAP-00001)", "Bob"),
    ]
    assert messages[0].timestamp == 1717000000
    assert statuses == [status, {"id": "wamid.out2", "status": "read"}]


def test_parse_webhook_skips_malformed_parts_without_raising() -> None:
    payload: dict[str, Any] = {"object": "whatsapp_business_account", "entry": [
        "junk", {"changes": None}, {"changes": ["x", {"field": "messages", "value": []}]},
        {"changes": [{"field": "account_update", "value": {"messages": [
            text_message("wamid.x", "15550000001", "not a message change")]}}]},
        {"changes": [{"field": "messages", "value": {"messages": [
            {"id": "wamid.nofrom", "type": "text", "text": {"body": "x"}},
            {"from": "not-a-number", "id": "wamid.bad", "type": "text"},
            {"from": "15550000001", "type": "text", "text": {"body": "no id"}},
            {"from": "15550000001", "id": "wamid.ok", "type": "text", "text": "flat",
             "timestamp": "soon"},
            42,
        ], "statuses": ["junk", {"id": "s"}]}}]},
    ]}
    messages, statuses = parse_webhook(payload)
    assert [(m.id, m.text, m.timestamp, m.name) for m in messages] == [("wamid.ok", "", 0, None)]
    assert statuses == [{"id": "s"}]
    assert parse_webhook({}) == ([], [])


def test_parse_webhook_rejects_a_non_object() -> None:
    with pytest.raises(ValueError):
        parse_webhook([])  # type: ignore[arg-type]


# Formatting.

def products(n: int) -> list[dict[str, Any]]:
    return [{"sku": f"LAP-{i:05d}", "name": f"Ultralight Developer Laptop Pro Max {i}",
             "price": 899.5 + i, "currency": "USD"} for i in range(n)]


def test_confirmation_is_two_reply_buttons_within_limits() -> None:
    body = format_reply("+15550000001", "x" * 3000, [], True)
    assert body["messaging_product"] == "whatsapp" and body["to"] == "15550000001"
    interactive = body["interactive"]
    assert body["type"] == "interactive" and interactive["type"] == "button"
    buttons = interactive["action"]["buttons"]
    assert [(b["type"], b["reply"]["id"], b["reply"]["title"]) for b in buttons] == [
        ("reply", "confirm_yes", "Yes"), ("reply", "confirm_no", "No")]
    assert all(len(b["reply"]["title"]) <= 20 for b in buttons)
    assert len(interactive["body"]["text"]) <= 1024


def test_confirmation_wins_over_a_product_list() -> None:
    actions = [{"type": "product_list", "products": products(3)}]
    assert format_reply("15550000001", "Pay?", actions, True)["interactive"]["type"] == "button"


def test_product_list_is_an_interactive_list_within_limits() -> None:
    actions: list[dict[str, Any]] = [{"type": "points", "balance": 10},
                                     {"type": "product_list",
                                      "products": products(14) + products(2)}]
    body = format_reply("+15550000001", "Here are some laptops.", actions, False)
    interactive = body["interactive"]
    assert interactive["type"] == "list"
    assert interactive["body"]["text"] == "Here are some laptops."
    assert interactive["action"]["button"] == "View products"
    assert len(interactive["action"]["button"]) <= 20
    [section] = interactive["action"]["sections"]
    rows = section["rows"]
    assert len(rows) == 10 and len({row["id"] for row in rows}) == 10
    assert rows[0]["id"] == "LAP-00000" and rows[0]["description"].startswith("$899.50")
    assert all(len(row["title"]) <= 24 and len(row["description"]) <= 72 for row in rows)


def test_plain_reply_is_text_capped_at_4096() -> None:
    body = format_reply("+15550000001", "é" * 5000, [{"type": "product_list", "products": []}],
                        False)
    assert body["type"] == "text" and len(body["text"]["body"]) == 4096


# Sending.

@respx.mock
async def test_send_message_posts_to_graph_api() -> None:
    route = respx.post(SEND_URL).mock(return_value=httpx.Response(200, json={
        "messaging_product": "whatsapp", "contacts": [{"input": "15550000001",
                                                        "wa_id": "15550000001"}],
        "messages": [{"id": "wamid.sent"}]}))
    body = format_reply("+15550000001", "Hi", [], False)
    async with httpx.AsyncClient() as http:
        sent = await send_message(http, base_url=BASE + "/", phone_number_id="1234567890",
                                  access_token="EAAG-token", body=body)
    assert sent == "wamid.sent"
    request = route.calls.last.request
    assert str(request.url) == SEND_URL
    assert request.headers["authorization"] == "Bearer EAAG-token"
    assert json.loads(request.content) == {
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": "15550000001",
        "type": "text", "text": {"preview_url": False, "body": "Hi"}}


@pytest.mark.parametrize(("response", "retryable"), [
    (httpx.Response(500, json={"error": {"message": "oops", "code": 1}}), True),
    (httpx.Response(503, text="unavailable"), True),
    (httpx.Response(429, json={"error": {"message": "slow down", "code": 130429}}), True),
    (httpx.Response(400, json={"error": {"message": "pair rate", "code": 131056}}), True),
    (httpx.Response(400, json={"error": {"message": "bad param", "code": 100}}), False),
    (httpx.Response(401, json={"error": {"message": "expired", "code": 190}}), False),
    (httpx.Response(200, json={"messages": []}), False),
])
@respx.mock
async def test_send_errors_say_whether_to_retry(response: httpx.Response,
                                                retryable: bool) -> None:
    respx.post(SEND_URL).mock(return_value=response)
    async with httpx.AsyncClient() as http:
        with pytest.raises(SendError) as info:
            await send_message(http, base_url=BASE, phone_number_id="1234567890",
                               access_token="EAAG-token", body={})
    assert info.value.retryable is retryable
    assert info.value.status == response.status_code
    assert "EAAG-token" not in str(info.value)


@pytest.mark.parametrize("error", [httpx.ReadTimeout("slow"), httpx.ConnectError("refused")])
@respx.mock
async def test_send_timeout_or_transport_error_is_retryable(error: Exception) -> None:
    respx.post(SEND_URL).mock(side_effect=error)
    async with httpx.AsyncClient() as http:
        with pytest.raises(SendError) as info:
            await send_message(http, base_url=BASE, phone_number_id="1234567890",
                               access_token="EAAG-token", body={}, timeout=0.1)
    assert info.value.retryable and info.value.status is None


# Voice.

VOICE_BODY = json.dumps({"call_id": "call-1", "event_id": "ev-1", "from": "+15550000001",
                         "transcript": "Où est ma commande ? 📦"}, ensure_ascii=False).encode()
NOW = 1_750_000_000.0


def test_voice_signature_ok() -> None:
    ts = str(int(NOW))
    assert verify_voice_signature(VOICE_BODY, ts, voice_sign(VOICE_BODY, ts), SECRET, NOW) == "ok"


def test_voice_signature_forged_is_bad() -> None:
    ts = str(int(NOW))
    assert verify_voice_signature(VOICE_BODY, ts, voice_sign(VOICE_BODY, ts, "x"), SECRET,
                                  NOW) == "bad_signature"
    assert verify_voice_signature(VOICE_BODY + b" ", ts, voice_sign(VOICE_BODY, ts), SECRET,
                                  NOW) == "bad_signature"
    assert verify_voice_signature(VOICE_BODY, ts, None, SECRET, NOW) == "bad_signature"
    assert verify_voice_signature(VOICE_BODY, None, voice_sign(VOICE_BODY, ts), SECRET,
                                  NOW) == "bad_signature"
    assert verify_voice_signature(VOICE_BODY, "1e9", "0" * 64, SECRET, NOW) == "bad_signature"


@pytest.mark.parametrize("skew", [301, -301, 86_400])
def test_voice_signature_stale_timestamp(skew: int) -> None:
    ts = str(int(NOW) - skew)
    assert verify_voice_signature(VOICE_BODY, ts, voice_sign(VOICE_BODY, ts), SECRET,
                                  NOW) == "stale"


def test_voice_signature_within_tolerance_is_ok() -> None:
    ts = str(int(NOW) - 300)
    assert verify_voice_signature(VOICE_BODY, ts, voice_sign(VOICE_BODY, ts), SECRET,
                                  NOW) == "ok"


@pytest.mark.parametrize("secret", [None, ""])
def test_voice_signature_fails_closed_without_secret(secret: str | None) -> None:
    ts = str(int(NOW))
    assert verify_voice_signature(VOICE_BODY, ts, voice_sign(VOICE_BODY, ts, ""), secret,
                                  NOW) == "bad_signature"


def test_voice_turn_reads_from_alias() -> None:
    turn = VoiceTurn.model_validate_json(VOICE_BODY)
    assert turn.from_ == "+15550000001" and turn.call_id == "call-1"


@pytest.mark.parametrize("field", [
    {"from": "15550000001"}, {"from": "+0155500"}, {"from": "+1555"}, {"from": "+1555000000123456"},
    {"call_id": ""}, {"event_id": "ev 1"}, {"event_id": "e" * 129}, {"transcript": "x" * 4001},
])
def test_voice_turn_rejects_invalid_fields(field: dict[str, str]) -> None:
    raw = {"call_id": "c", "event_id": "e", "from": "+15550000001", "transcript": "hi"} | field
    with pytest.raises(ValidationError):
        VoiceTurn.model_validate(raw)


def test_speech_drops_markdown_urls_and_lists() -> None:
    reply = ("**Here are 2 laptops:**\n- [Acme Book 14](https://shop.test/p/1) — $899.00\n"
             "2. Zen 13 — $949.00\nSee https://shop.test/laptops for more.")
    speech = format_speech(reply, [], False)
    assert speech == {"text": "Here are 2 laptops. Acme Book 14 — $899.00. Zen 13 — $949.00. "
                              "See for more.", "end_call": False}


def test_speech_is_capped_at_a_sentence() -> None:
    text = format_speech("This is a sentence. " * 60, [], False)["text"]
    assert len(text) <= 600 and text.endswith(".")


def test_speech_asks_for_yes_or_no_and_never_ends_while_confirming() -> None:
    speech = format_speech("Pay $899.00 with your saved card? Goodbye", [], True)
    assert speech["text"].endswith("Please say yes or no.") and speech["end_call"] is False


def test_speech_ends_call_on_goodbye_or_handoff() -> None:
    assert format_speech("Thanks for calling, goodbye!", [], False)["end_call"] is True
    handoff = [{"type": "handoff_ticket", "ticket_id": "T-1", "status": "open", "contact": "x"}]
    assert format_speech("A colleague will call you back.", handoff, False)["end_call"] is True


# Web.

def test_chat_request_strips_message_and_defaults_channel() -> None:
    request = ChatRequest.model_validate({"user_id": "demo-alice", "session_id": "s1",
                                          "message": "  hi  "})
    assert request.message == "hi" and request.channel == "web"


@pytest.mark.parametrize("field", [
    {"message": "   "}, {"message": "x" * 4001}, {"user_id": ""}, {"user_id": "a b"},
    {"session_id": "s" * 65}, {"channel": "whatsapp"},
])
def test_chat_request_rejects_invalid_fields(field: dict[str, str]) -> None:
    raw = {"user_id": "demo-alice", "session_id": "s1", "message": "hi"} | field
    with pytest.raises(ValidationError):
        ChatRequest.model_validate(raw)


def test_parse_webhook_refuses_non_ascii_digits() -> None:
    odd = {"from": "١٥٥٥٠٠٠٠٠٠١", "id": "wamid.d", "type": "text", "text": {"body": "x"}}
    ok = text_message("wamid.t", "15550000001", "x") | {"timestamp": "²"}
    messages, _ = parse_webhook(webhook(value([odd, ok])))
    assert [(m.id, m.timestamp) for m in messages] == [("wamid.t", 0)]
