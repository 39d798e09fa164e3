"""The HTTP API: `create_app()`, its lifespan, and thin handlers (parse, run the graph, format)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import sys
import time
from collections.abc import AsyncIterator
from typing import Any

import uvicorn
from litestar import Litestar, Request, Response, get, post
from litestar.config.cors import CORSConfig
from litestar.response import ServerSentEvent
from litestar.response.sse import ServerSentEventMessage
from pydantic import ValidationError
from pymongo.errors import PyMongoError

from app import App, open_app
from channels import (
    admin,
    admin_base,
    conversations,
    docs,
    operators,
    pos_returns,
    voice,
    voice_events,
    whatsapp,
    widget,
)
from channels.auth import authenticate, limit_address
from channels.auth import limit as _limit
from channels.errors import RETRY_AFTER_S, ApiError, error_response, security_headers
from channels.inbox import WhatsAppInbox
from channels.limits import rate_limits
from channels.serving import uvicorn_options
from channels.web import ChatRequest
from checkpoints.embedded import forget
from checkpoints.turns import Busy
from graph.session import TurnResult, run_turn, stream_turn
from launcher import (
    StartError,
    check_database,
    check_port,
    quiet_startup_errors,
    run_workers,
)
from ops import tracing
from ops.console import where
from ops.logs import configure_for
from ops.metrics import prepare_multiprocess
from ops.openapi import describe
from ops.web import count_unrouted, metrics_endpoint, request_context
from pos_api import ROUTES as POS_ROUTES
from settings import Settings
from tools.analytics import keep_up_forever
from tools.customers import customer_for_phone
from tools.operators import DEV_EMAIL, ensure_dev_operator
from tools.settle import settle_forever

log = logging.getLogger("omnisales.api")

CHAT_BODY_LIMIT = 64 * 1024
WEBHOOK_BODY_LIMIT = 3_500_000
CHAT_LIMIT_PER_MIN = 20
CALLER_LIMIT_PER_MIN = 100
HEALTH_TIMEOUT_S = 1.5
SHUTDOWN_WAIT_S = 10.0


def _app(request: Request[Any, Any, Any]) -> App:
    return request.app.state.omnisales  # type: ignore[no-any-return]


def _parse_chat(raw: bytes) -> ChatRequest:
    try:
        return ChatRequest.model_validate_json(raw)
    except ValidationError as exc:
        fields = ", ".join(str(e["loc"][0]) for e in exc.errors() if e["loc"]) or "body"
        raise ApiError(422, "invalid_request", f"invalid fields: {fields}") from None


async def _chat_request(request: Request[Any, Any, Any]) -> tuple[App, ChatRequest, str]:
    """The app, the request (its `user_id` the customer it acts for) and its source.

    The source is the API key's digest, or the widget for a customer token, whose customer the
    turn is for (`channels.auth`); turns are limited per customer, and per API key.
    """
    who = await authenticate(request)
    chat = _parse_chat(await request.body())
    chat.user_id = who.acting_as(chat.user_id)
    app = _app(request)
    await _limit(request, f"chat:{who.source}:{chat.user_id}", CHAT_LIMIT_PER_MIN)
    if who.customer is None:
        await _limit(request, who.source, app.settings.rate_limit_per_key)
    return app, chat, who.source


@post("/chat", status_code=200, request_max_body_size=CHAT_BODY_LIMIT)
async def chat(request: Request[Any, Any, Any]) -> TurnResult:
    """One chat turn for the user the API caller names."""
    app, body, source = await _chat_request(request)
    try:
        result = await run_turn(app.graph, customer_id=body.user_id, session_id=body.session_id,
                                message=body.message, source=source)
    except Busy:
        raise ApiError(409, "session_busy", "this session is still answering; retry") from None
    return result


@post("/chat/stream", status_code=200, request_max_body_size=CHAT_BODY_LIMIT)
async def chat_stream(request: Request[Any, Any, Any]) -> ServerSentEvent:
    """The same turn as server-sent events: steps, the reply's tokens, then the full response.

    `token` events carry the reply as the model writes it (the server's own replies in one
    piece), `reset` drops the tokens shown since the last one, and the last event, `response`,
    carries the full response, whose `reply` is the one to keep (`graph.session.stream_turn`).
    """
    app, body, source = await _chat_request(request)
    turn = stream_turn(app.graph, customer_id=body.user_id, session_id=body.session_id,
                       message=body.message, source=source)
    try:  # the first event comes once the session is held: a busy one is still a 409
        first = await anext(turn)
    except Busy:
        raise ApiError(409, "session_busy", "this session is still answering; retry") from None

    async def events() -> AsyncIterator[ServerSentEventMessage]:
        try:
            yield _event(first)
            async for event in turn:
                yield _event(event)
        except Exception:
            log.exception("stream failed")
            yield ServerSentEventMessage(event="error", data=json.dumps(
                {"error": "internal_error", "detail": "the turn failed; retry"}))
        finally:
            await turn.aclose()

    return ServerSentEvent(events())


def _event(event: tuple[str, dict[str, Any]]) -> ServerSentEventMessage:
    kind, data = event
    return ServerSentEventMessage(event=kind, data=json.dumps(data, default=str))


@get("/health")
async def health(request: Request[Any, Any, Any]) -> Response[dict[str, str]]:
    """Whether the API and its database answer, and which model answers first."""
    app = _app(request)
    try:
        await asyncio.wait_for(app.store.ping(), HEALTH_TIMEOUT_S)
    except (TimeoutError, PyMongoError):
        return Response({"status": "unavailable", "database": "unreachable",
                         "llm": app.settings.llm_mode}, status_code=503,
                        headers={"Retry-After": RETRY_AFTER_S})
    return Response({"status": "ok", "database": "ok", "llm": app.settings.llm_mode})


@get("/webhook/whatsapp", media_type="text/plain")
async def whatsapp_verify(request: Request[Any, Any, Any]) -> Response[str]:
    """Meta's verification handshake: echo `hub.challenge` when the token matches."""
    settings = _app(request).settings
    token = settings.whatsapp_verify_token
    challenge = whatsapp.verify_handshake(
        request.query_params.get("hub.mode"), request.query_params.get("hub.verify_token"),
        request.query_params.get("hub.challenge"),
        token.get_secret_value() if token else None)
    if challenge is None:
        await limit_address(request)
        return Response("forbidden", status_code=403, media_type="text/plain")
    return Response(challenge, media_type="text/plain")


@post("/webhook/whatsapp", status_code=200, request_max_body_size=WEBHOOK_BODY_LIMIT)
async def whatsapp_inbound(request: Request[Any, Any, Any]) -> dict[str, str]:
    """Store inbound messages, acknowledge at once; the inbox's workers process them.

    A signed body that is not a readable webhook (not JSON, nested too deep, not an object) is
    logged and acknowledged: Meta would redeliver an error answer for ever.
    """
    app = _app(request)
    raw = await request.body()
    secret = app.settings.whatsapp_app_secret
    if not whatsapp.verify_signature(raw, request.headers.get("x-hub-signature-256"),
                                     secret.get_secret_value() if secret else None):
        await limit_address(request)
        raise ApiError(401, "bad_signature", "the signature does not match")
    try:
        messages, statuses = whatsapp.parse_webhook(whatsapp.load_webhook(raw))
    except ValueError as exc:
        log.warning("signed WhatsApp webhook ignored (%s bytes): %s", len(raw), exc)
        return {"status": "received"}
    inbox: WhatsAppInbox = request.app.state.inbox
    inbox.workers.submit(await inbox.accept(messages, statuses))
    return {"status": "received"}


@post("/webhook/superu", status_code=200, request_max_body_size=WEBHOOK_BODY_LIMIT)
async def superu_turn(request: Request[Any, Any, Any]) -> dict[str, Any]:
    """A voice turn: the caller's words in, the text to speak out; a repeated event is a no-op."""
    app = _app(request)
    raw = await request.body()
    secret = app.settings.superu_webhook_secret
    verdict = voice.verify_voice_signature(
        raw, request.headers.get("x-superu-timestamp"), request.headers.get("x-superu-signature"),
        secret.get_secret_value() if secret else None, time.time())
    if verdict != "ok":
        await limit_address(request)
        raise ApiError(401, verdict, "the signature is not valid or the request is too old")
    try:
        turn = voice.VoiceTurn.model_validate_json(raw)
    except ValidationError:
        raise ApiError(422, "invalid_request", "the body is not a valid voice turn") from None
    await _limit(request, f"voice:{turn.from_}", CALLER_LIMIT_PER_MIN)
    try:
        return await voice_events.answer_once(app.store.voice_events, turn.event_id,
                                              lambda: _speak(app, turn))
    except Busy:  # the event was released: the provider's retry runs it
        raise ApiError(409, "session_busy", "this call is still answering; retry") from None


async def _speak(app: App, turn: voice.VoiceTurn) -> dict[str, Any]:
    customer = await customer_for_phone(app.store, turn.from_)
    result = await run_turn(app.graph, customer_id=customer, session_id=turn.call_id,
                            message=turn.transcript, channel="voice",
                            source="channel/voice")
    return voice.speak(result, turn.transcript)


async def _stop(tasks: list[asyncio.Task[None]]) -> None:
    """Cancel the background tasks and wait for them, a bounded time: shutdown never hangs.

    What they were doing is stored and taken up again at the next start (the inbox and the
    settler both work from the database).
    """
    for task in tasks:
        task.cancel()
    _, stuck = await asyncio.wait(tasks, timeout=SHUTDOWN_WAIT_S)
    for task in stuck:
        log.error("%s did not stop within %s s at shutdown", task.get_name(), SHUTDOWN_WAIT_S)


def create_app(settings: Settings | None = None, *, mongo_uri: str | None = None) -> Litestar:
    """The API; its lifespan opens the database, the checkpointer and the graph."""
    settings = settings or Settings()
    configure_for(settings)  # structured logs, in each worker too
    quiet_startup_errors()  # in each worker too: a failed start logs one line, not a traceback

    @contextlib.asynccontextmanager
    async def lifespan(api: Litestar) -> AsyncIterator[None]:
        async with open_app(settings, seed_if_empty=True, uri=mongo_uri) as app:

            async def whatsapp_turn(phone: str, name: str, text: str) -> dict[str, Any]:
                customer = await customer_for_phone(app.store, phone, name or None)
                return dict(await run_turn(app.graph, customer_id=customer, session_id="wa",
                                           message=text, channel="whatsapp",
                                           source="channel/whatsapp"))

            api.state.omnisales = app
            api.state.limits = rate_limits(settings, app.store)
            api.state.inbox = WhatsAppInbox(app.store, settings, app.services.http,
                                            whatsapp_turn, api.state.limits)
            background = [
                asyncio.create_task(api.state.inbox.workers.run(), name="inbox workers"),
                asyncio.create_task(settle_forever(app.services), name="settler"),
                # The analytics page then reads hours already kept (tools/analytics.py).
                asyncio.create_task(keep_up_forever(app.store), name="analytics")]
            try:
                yield
            finally:
                await _stop(background)

    api = Litestar(
        route_handlers=[chat, chat_stream, health, whatsapp_verify, whatsapp_inbound,
                        superu_turn, *POS_ROUTES, pos_returns.receive, docs.assets_router(),
                        conversations.chat_history, conversations.chat_events,
                        *operators.ROUTES, *widget.routes(settings.environment == "development"),
                        metrics_endpoint, *admin.routes()],
        template_config=admin_base.template_config(),
        lifespan=[lifespan],
        middleware=[request_context],
        plugins=tracing.plugins(),  # OpenTelemetry when OTEL_EXPORTER_OTLP_ENDPOINT is set
        logging_config=None,  # ops.logs configured the logging
        before_send=[security_headers(settings.environment == "production"), count_unrouted],
        exception_handlers={Exception: error_response},
        cors_config=CORSConfig(allow_origins=settings.cors_origins,
                               allow_methods=["GET", "POST"],
                               allow_headers=["Authorization", "Content-Type"])
        if settings.cors_origins else None,
        openapi_config=docs.openapi_config("OmniSales", "0.1.0"),
        request_max_body_size=CHAT_BODY_LIMIT,
        debug=False,
    )
    describe(api)  # the bodies, auth schemes and errors the handlers' signatures do not show
    return api


class Stopped(Exception):
    """SIGTERM reached the server after uvicorn had shut it down."""


def _stopped(signum: int, frame: object) -> None:
    raise Stopped


def serve(settings: Settings, *, host: str = "127.0.0.1", port: int = 8000,
          workers: int = 1) -> None:
    """Serve the API under uvicorn; several workers share state through MongoDB.

    The address and the database are checked before anything starts, so that a failing start
    is one line and a non-zero exit (`launcher.StartError`), with one worker or several.
    """
    from app import database_uri

    check_port(host, port)
    said = where(settings)  # before the embedded server's address replaces MONGO_URI
    embedded = None
    if settings.mongo_uri is None:  # development: start the embedded server once; all join it
        uri, embedded = database_uri(settings)
        settings = settings.model_copy(update={"mongo_uri": uri})
    assert settings.mongo_uri is not None
    try:
        check_database(settings.mongo_uri)
        print(said, file=sys.stderr, flush=True)
        key = settings.api_key  # generated and stored now, so that every worker shares it
        _ = settings.identity_secret, settings.token_secret  # the widget's, likewise
        print(f"OmniSales API on http://{host}:{port} (LLM: {settings.llm_mode})")
        print(f"Docs:    http://{host}:{port}/docs")
        if settings.environment == "development":
            print(f"Widget:  http://{host}:{port}/ (a demo shop page)")
            password = ensure_dev_operator(settings.mongo_uri, settings.db_name,
                                           settings.data_dir)
            print(f"Admin:   http://{host}:{port}/admin (sign in as {DEV_EMAIL}, password "
                  f"{password})")
        # A production key is the operator's own: never printed (README, Configuration).
        print("API key: as set in API_SECRET_KEY" if settings.environment == "production"
              else f"API key: {key}", flush=True)
        quiet_startup_errors()
        if workers > 1:
            os.environ["MONGO_URI"] = settings.mongo_uri
            os.environ["COORDINATION"] = "database"  # rate limits and turns across workers
            prepare_multiprocess(settings.data_dir)  # metrics: each worker's in one directory
            run_workers(uvicorn.Config("server:create_app", factory=True, host=host, port=port,
                                       workers=workers, **uvicorn_options(settings)))
            return
        # Uvicorn shuts down on SIGTERM, then raises the signal again for the handler it found:
        # Python's default would end the process here, before the embedded server is stopped.
        signal.signal(signal.SIGTERM, _stopped)
        try:
            uvicorn.run(create_app(settings), host=host, port=port, **uvicorn_options(settings))
        except SystemExit as exc:  # uvicorn's exit when the application did not start
            if exc.code:
                raise StartError("the API did not start (its log line is above)") from None
        except Stopped:
            pass  # shut down as asked: the embedded server stops below
    finally:
        if embedded is not None:
            forget(settings.data_dir, embedded)
