"""Complete the generated OpenAPI: request bodies, auth schemes, every error, the event stream.

The handlers read their bodies themselves (the key is checked before the body is parsed, so an
unauthenticated request is a 401 whatever it sends), so Litestar cannot infer the bodies; and
errors are raised as `ApiError`, which it cannot see. `describe` adds both to the schema Litestar
built, from the table below, once, after the routes are registered. An operation missing from
the table still gets the error responses every route can give.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from litestar import Litestar
from litestar._openapi.plugin import OpenAPIPlugin  # the served document is its cached dict
from pydantic import BaseModel, Field

from channels.operators import OperatorReply
from channels.pos import PosChatRequest, PosSyncRequest, PosTransactionRequest
from channels.voice import VoiceTurn
from channels.web import ChatRequest
from channels.widget import SessionRequest


class ErrorBody(BaseModel):
    """Every error the API answers: a code, a sentence, and the request's id."""

    error: str = Field(examples=["invalid_request"])
    detail: str = Field(examples=["invalid fields: message"])
    request_id: str = Field(description="Also in the X-Request-ID header")


class Health(BaseModel):
    """`GET /health`: whether the API and its database answer, and which model answers first."""

    status: Literal["ok", "unavailable"]
    database: Literal["ok", "unreachable"]
    llm: Literal["openrouter", "ollama", "offline"]


class VoiceReply(BaseModel):
    """What the voice agent says next."""

    text: str
    end_call: bool


class Received(BaseModel):
    """A webhook delivery acknowledged (its messages are answered in the background)."""

    status: Literal["received"]


class WhatsAppWebhook(BaseModel, extra="allow"):
    """Meta's WhatsApp Cloud API webhook (`object`, `entry[].changes[]`), signed by Meta."""

    object: str | None = None
    entry: list[dict[str, Any]] | None = None


class WidgetToken(BaseModel):
    """`POST /widget/session`: a customer token (JWT, HS256) and whom it acts for."""

    token: str
    user_id: str
    expires_in: int = Field(examples=[900], description="Seconds the token is valid")


class ArchivedMessage(BaseModel):
    """One message of a conversation as archived."""

    role: Literal["customer", "assistant", "operator"]
    text: str
    at: str = Field(description="ISO-8601")
    actions: list[dict[str, Any]] = []


class History(BaseModel):
    """`GET /chat/history`: the newest 100 messages of the session, oldest first."""

    messages: list[ArchivedMessage]
    mode: Literal["assistant", "human"] = Field(
        description="who has the conversation now: the assistant, or a person")


class Ticket(BaseModel):
    """A handoff ticket as operators see it."""

    ticket_id: str
    channel: str
    user_id: str
    session_id: str
    reason: str
    opened_at: str
    status: str


class Tickets(BaseModel):
    """`GET /admin/api/tickets`."""

    tickets: list[Ticket]


_MESSAGES = {400: "Bad request", 401: "Missing or wrong credentials or signature",
             403: "Not allowed", 404: "Not found", 409: "The session is still answering; retry",
             413: "The request body is too large", 422: "Invalid request body",
             429: "Too many requests (see Retry-After)",
             503: "The database (or the till) is unreachable; retry after Retry-After"}
_COMMON = (400, 413, 422, 429, 503)
_SIGNATURE = {
    "X-Hub-Signature-256": "sha256=<hex HMAC-SHA256 of the raw body, WHATSAPP_APP_SECRET>",
    "X-SuperU-Timestamp": "Unix seconds when the provider signed the request",
    "X-SuperU-Signature": "hex HMAC-SHA256 of `timestamp.raw body`, SUPERU_WEBHOOK_SECRET"}
_LENIENT = ("Meta's webhook (WhatsAppWebhook). Any correctly signed body is acknowledged with "
            "200, since Meta would redeliver an error answer for ever; one that is not a "
            "webhook is logged and dropped.")
_TEXT = {"text/plain": {"schema": {"type": "string"}}}
_EVENTS = ("Server-sent events of the session: `operator` {text, at} when a person writes, "
           "`mode` {mode} when a person joins or leaves; each with the `id` to resume from "
           "(Last-Event-ID).")
# An id in a query string, checked as /chat checks its ids (channels.guards.identifier).
_ID = {"type": "string", "minLength": 1, "maxLength": 64, "pattern": "^[A-Za-z0-9_.:@+-]+$"}
# `user_id` is required with the API key; a customer token may name its own customer or none.
_SESSION_QUERY = (("session_id", _ID, True), ("user_id", _ID, True))
_SSE = ("Server-sent events: `step` {node}, `token` {text}, `reset` {}, then `response` "
        "(the full TurnResult, as POST /chat answers); `error` if the turn failed.")


@dataclass(frozen=True)
class Doc:
    """What the generated schema lacks for one operation."""

    body: type[BaseModel] | None = None
    auth: str | None = None  # a security scheme's name
    errors: tuple[int, ...] = _COMMON
    headers: tuple[str, ...] = ()  # required request headers (webhook signatures)
    # Query parameters read by hand: a name (an optional string), or (name, schema, required).
    query: tuple[str | tuple[str, dict[str, Any], bool], ...] = ()
    ok: type[BaseModel] | None = None  # the 200 body, when the handler's type does not say
    # Any signed body is acknowledged (the body's model is then what is expected, not required).
    lenient: bool = False
    extra: dict[str, Any] = field(default_factory=dict)  # raw operation fields to merge


def _event_schema(*events: str) -> dict[str, Any]:
    """A server-sent event: its name among `events`, its data a JSON text."""
    return {"type": "object", "required": ["event", "data"], "properties": {
        "event": {"enum": list(events)},
        "data": {"type": "string", "contentMediaType": "application/json"}}}


TURN_ERRORS = (*_COMMON, 401, 409)
POS_ERRORS = (*_COMMON, 401, 403, 404, 409)
OPERATIONS: dict[tuple[str, str], Doc] = {
    ("post", "/chat"): Doc(ChatRequest, "ApiKey", TURN_ERRORS),
    ("post", "/chat/stream"): Doc(ChatRequest, "ApiKey", TURN_ERRORS, extra={"responses": {
        "200": {"description": _SSE, "content": {"text/event-stream": {"schema": _event_schema(
            "step", "token", "reset", "response", "error")}}}}}),
    ("get", "/health"): Doc(errors=(), ok=Health),
    ("get", "/webhook/whatsapp"): Doc(errors=(429,), query=(
        "hub.mode", "hub.verify_token", "hub.challenge"), extra={"responses": {
            "200": {"description": "`hub.challenge`, echoed", "content": _TEXT},
            "403": {"description": "The verify token does not match", "content": _TEXT}}}),
    ("post", "/webhook/whatsapp"): Doc(WhatsAppWebhook, errors=(*_COMMON, 401),
                                       headers=("X-Hub-Signature-256",), ok=Received,
                                       lenient=True),
    ("post", "/webhook/superu"): Doc(VoiceTurn, errors=TURN_ERRORS, ok=VoiceReply,
                                     headers=("X-SuperU-Timestamp", "X-SuperU-Signature")),
    ("post", "/pos/chat"): Doc(PosChatRequest, "PosKey", POS_ERRORS),
    ("post", "/pos/transactions"): Doc(PosTransactionRequest, "PosKey", POS_ERRORS),
    ("post", "/pos/inventory/sync"): Doc(PosSyncRequest, "PosKey", POS_ERRORS),
    ("post", "/pos/returns/{return_id}/receive"): Doc(auth="PosKey", errors=(401, 404, 503)),
    # No body, or {}, is a guest's token.
    ("post", "/widget/session"): Doc(SessionRequest, errors=(*_COMMON, 401, 403),
                                     ok=WidgetToken, extra={"requestBody": {"required": False}}),
    ("get", "/chat/history"): Doc(auth="ApiKey", errors=(401, 403, 422, 429, 503),
                                  query=_SESSION_QUERY, ok=History),
    ("get", "/chat/events"): Doc(auth="ApiKey", errors=(401, 403, 422, 429, 503),
                                 query=_SESSION_QUERY, extra={"responses": {
                                     "200": {"description": _EVENTS, "content": {
                                         "text/event-stream": {"schema": _event_schema(
                                             "operator", "mode")}}}}}),
    ("get", "/admin/api/tickets"): Doc(auth="ApiKey", errors=(401, 422, 429, 503), query=(
        ("status", {"enum": ["open", "closed"]}, False),), ok=Tickets),
    ("post", "/admin/api/tickets/{ticket_id}/reply"): Doc(
        OperatorReply, "ApiKey", (*_COMMON, 401, 404, 409)),
    ("post", "/admin/api/tickets/{ticket_id}/close"): Doc(
        auth="ApiKey", errors=(401, 404, 409, 429, 503)),
}
SCHEMES = {
    "ApiKey": {"type": "http", "scheme": "bearer",
               "description": "API_SECRET_KEY (server to server), or a customer token"},
    "PosKey": {"type": "http", "scheme": "bearer", "description": "POS_API_KEY (the till)"},
}
_RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before trying again",
                                "required": True, "schema": {"type": "string"}}}


def _ref(model: type[BaseModel], schemas: dict[str, Any]) -> dict[str, str]:
    """Put the model's JSON schema (and its nested ones) in components; a reference to it."""
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(schema.pop("$defs", {}))
    schemas[model.__name__] = schema
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _error(status: int, schemas: dict[str, Any]) -> dict[str, Any]:
    response: dict[str, Any] = {"description": _MESSAGES.get(status, "Error"), "content": {
        "application/json": {"schema": _ref(ErrorBody, schemas)}}}
    if status in (429, 503):
        response["headers"] = _RETRY_AFTER
    return response


def _complete(operation: dict[str, Any], doc: Doc, schemas: dict[str, Any]) -> None:
    responses = operation.setdefault("responses", {})
    if doc.body is not None:
        body = _ref(doc.body, schemas)
        operation["requestBody"] = {"required": not doc.lenient, "content": {
            "application/json": {"schema": {"anyOf": [body, {}]} if doc.lenient else body}}}
        if doc.lenient:
            operation["requestBody"]["description"] = _LENIENT
    if doc.ok is not None:
        responses["200"] = {"description": "OK", "content": {
            "application/json": {"schema": _ref(doc.ok, schemas)}}}
    if doc.auth:
        operation["security"] = [{doc.auth: []}]
    parameters = operation.setdefault("parameters", [])
    parameters += [{"name": name, "in": "header", "required": True,
                    "description": _SIGNATURE.get(name, ""), "schema": {"type": "string"}}
                   for name in doc.headers]
    for param in doc.query:
        name, schema, required = (param, {"type": "string"}, False) if isinstance(
            param, str) else param
        parameters.append({"name": name, "in": "query", "required": required, "schema": schema})
    if not parameters:
        operation.pop("parameters")
    for status in doc.errors:
        responses.setdefault(str(status), _error(status, schemas))
    for key, value in doc.extra.items():
        operation[key] = {**operation.get(key, {}), **value}


def describe(app: Litestar) -> None:
    """Complete the app's OpenAPI document (the one `/docs/openapi.json` serves) in place."""
    schema = app.plugins.get(OpenAPIPlugin).provide_openapi_schema()
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    components.setdefault("securitySchemes", {}).update(SCHEMES)
    for path, item in schema.get("paths", {}).items():
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            _complete(operation, OPERATIONS.get((method, path), Doc(errors=(*_COMMON, 401))),
                      schemas)
    health = OPERATIONS[("get", "/health")]
    if (operation := schema.get("paths", {}).get("/health", {}).get("get")) and health.ok:
        operation["responses"]["503"] = {
            "description": "The database is unreachable", "headers": _RETRY_AFTER,
            "content": {"application/json": {"schema": _ref(health.ok, schemas)}}}
