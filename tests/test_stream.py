"""A turn as events (`graph.session.stream_turn`): the reply's tokens as a model writes them.

OpenRouter is faked on the wire (respx): asked to stream, it answers in server-sent events,
`chat.completion.chunk` by chunk (`tests.fakes.completion_chunks`), as the real API does.
"""

from __future__ import annotations

import dataclasses
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from checkpoints.saver import SessionSaver
from graph.budget import USAGE, usage_key
from graph.builder import build_graph
from graph.llm import build_models, model_http
from graph.session import stream_turn
from settings import Settings
from tests import test_graph_llm as llm
from tests.api_support import API_KEY, api_settings, running_api
from tests.fakes import (
    Body,
    completion,
    completion_chunks,
    ok,
    ollama_chat,
    openai_tool_call,
)
from tests.test_graph_llm import LAPTOP, Fakes, Graph, calls, error_in_choice, router_says, says
from tools.context import Services
from tools.store import Store

# The model-backed graph's fixtures, shared with the LLM tests.
fakes, llm_settings, llm_graph = llm.fakes, llm.llm_settings, llm.llm_graph

Event = tuple[str, dict[str, Any]]


async def events_of(graph: Graph, message: str, session: str = "s1") -> list[Event]:
    return [event async for event in stream_turn(graph, customer_id="demo-alice",
                                                 session_id=session, message=message)]


def shown(events: list[Event]) -> str:
    """What a client shows before the response: the tokens since the last reset."""
    text = ""
    for kind, data in events:
        if kind == "reset":
            text = ""
        elif kind == "token":
            text += data["text"]
    return text


def tokens(events: list[Event]) -> list[str]:
    return [data["text"] for kind, data in events if kind == "token"]


def final(events: list[Event]) -> dict[str, Any]:
    kind, data = events[-1]
    assert kind == "response" and all(k != "response" for k, _ in events[:-1])
    return data


async def test_a_model_reply_streams_token_by_token_before_the_response(
        llm_graph: Graph, fakes: Fakes, services: Services, seeded: Store) -> None:
    reply = "My top pick for coding under $1000 is the first laptop below."
    fakes.openrouter.script = [
        calls(("recommend_products", {"query": "laptop for coding", "budget": 1000})),
        says(reply)]
    events = await events_of(llm_graph, LAPTOP)

    response = final(events)
    assert response["reply"] == reply and response["answered_by"] == "openrouter"
    assert response["actions"][0]["type"] == "product_list"
    # One event per token the provider sent, in order, and nothing else: no tool-call chunk.
    assert tokens(events) == reply.replace(" ", " \n").split("\n")
    assert shown(events) == reply and ("reset", {}) not in events
    assert all(body["stream"] is True for body in fakes.openrouter.bodies)
    # A streamed answer still reports its tokens: the daily budget counts both calls.
    assert all(body["stream_options"] == {"include_usage": True}
               for body in fakes.openrouter.bodies)
    usage = await seeded.db[USAGE].find_one({"_id": usage_key("demo-alice", services.clock())})
    assert usage is not None and usage["tokens"] == 2 * 140


async def test_the_routers_structured_output_is_not_streamed(llm_graph: Graph,
                                                             fakes: Fakes) -> None:
    fakes.openrouter.default = router_says("loyalty")
    events = await events_of(llm_graph, "hmm")
    response = final(events)
    assert response["agent_used"] == "loyalty"
    assert any(body.get("response_format") for body in fakes.openrouter.bodies)
    assert not any("route" in text for text in tokens(events))
    assert shown(events) == response["reply"]


async def test_a_models_words_the_server_rewrites_never_reach_the_client(
        llm_graph: Graph, fakes: Fakes, seeded: Store) -> None:
    fakes.openrouter.script = [calls(("process_payment", {"amount": 1})),
                               says("Payment done! You were charged $1.00."),
                               says("Payment complete! It was only $1.")]
    asked = await events_of(llm_graph, "pay for my cart")
    # A question while the terms wait goes back to the agent's model, whose words are replaced.
    answered = await events_of(llm_graph, "which card will you use?")
    for events in (asked, answered):
        response = final(events)
        assert response["awaiting_confirmation"] and "yes or no" in response["reply"]
        streamed = " ".join(tokens(events))
        assert "Payment" not in streamed and "$1." not in streamed
        assert tokens(events) == [response["reply"]]  # the server's terms, in one piece
    assert len(fakes.openrouter.agent_bodies) == 3
    assert await seeded.db["gateway_charges"].count_documents({}) == 0


async def test_words_before_tool_calls_are_reset(llm_graph: Graph, fakes: Fakes) -> None:
    preamble = ok(completion("Let me look that up.", tool_calls=[openai_tool_call(
        "recommend_products", {"query": "laptop for coding", "budget": 1000})]))
    fakes.openrouter.script = [preamble, says("Here are three laptops for coding.")]
    events = await events_of(llm_graph, LAPTOP)
    response = final(events)
    kinds = [kind for kind, _ in events]
    assert "Let me look that up." in "".join(tokens(events))
    assert kinds.index("reset") > kinds.index("token")
    assert shown(events) == response["reply"] == "Here are three laptops for coding."


async def test_a_model_failing_mid_stream_is_reset_and_the_next_one_streams(
        llm_graph: Graph, fakes: Fakes) -> None:
    fakes.openrouter.script = [error_in_choice()]  # "Here are some lap", then an error

    def local(body: Body) -> httpx.Response:
        if body["messages"][-1]["role"] == "user":
            return llm.ollama_model(body)
        return ollama_chat("Ollama found these laptops for you.")

    fakes.ollama.default = local
    events = await events_of(llm_graph, LAPTOP)
    response = final(events)
    assert response["answered_by"] == "ollama"
    streamed = tokens(events)
    assert streamed[0].startswith("Here")
    assert ("reset", {}) in events
    assert shown(events) == response["reply"] == "Ollama found these laptops for you."


async def test_the_offline_reply_comes_in_one_piece(graph: Graph) -> None:
    events = await events_of(graph, LAPTOP)
    response = final(events)
    assert response["answered_by"] == "offline" and response["reply"]
    assert tokens(events) == [response["reply"]]
    kinds = [kind for kind, _ in events]
    assert kinds.index("token") < len(kinds) - 1 and "reset" not in kinds
    yes = await events_of(graph, "pay for my cart", session="pay")
    assert tokens(yes) == [final(yes)["reply"]]
    paid = await events_of(graph, "yes", session="pay")  # the confirmation step's own words
    assert tokens(paid) == [final(paid)["reply"]] and "Payment received" in final(paid)["reply"]


# --- over a real socket: the product's HTTP client, and the API's server-sent events ----------

WORDS = ["Hello ", "Alice, ", "what ", "can ", "I ", "find ", "for ", "you?"]


@dataclass
class SlowStream:
    """OpenRouter on loopback, streaming `WORDS`: half of them, then the rest once `go` is set.

    `held` says whether the client had shown a token while the rest was still held back.
    """

    base: str = ""
    go: threading.Event = field(default_factory=threading.Event)
    held: bool = False
    bodies: list[Body] = field(default_factory=list)


@pytest.fixture
def slow_stream() -> Iterator[SlowStream]:
    fake = SlowStream()
    body = completion("".join(WORDS))
    chunks = completion_chunks(body)
    first, rest = chunks[:1 + len(WORDS) // 2], chunks[1 + len(WORDS) // 2:]

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server API
            fake.bodies.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()  # HTTP/1.0: the body ends when the connection closes
            for chunk in first:
                self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            self.wfile.flush()
            fake.held = fake.go.wait(timeout=5)  # until the client has shown a token
            for chunk in rest:
                self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            self.wfile.write(b"data: [DONE]\n\n")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    fake.base = f"http://127.0.0.1:{server.server_address[1]}/api/v1"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        fake.go.set()
        server.shutdown()
        server.server_close()


def wire_settings(base: Settings, fake: SlowStream) -> dict[str, Any]:
    return {"mongo_uri": base.mongo_uri, "db_name": base.db_name, "data_dir": base.data_dir,
            "openrouter_api_key": SecretStr("sk-or-wire"), "openrouter_base_url": fake.base,
            "openrouter_model": "openai/gpt-4o-mini", "llm_timeout_s": 10}


async def test_tokens_reach_the_client_while_the_model_is_still_writing(
        services: Services, settings: Settings, checkpointer: SessionSaver,
        slow_stream: SlowStream) -> None:
    """The first tokens are shown before the provider has sent the rest of its answer."""
    wire = Settings(_env_file=None, **wire_settings(settings, slow_stream))  # type: ignore[call-arg]
    async with model_http() as http:
        graph = build_graph(dataclasses.replace(services, settings=wire),
                            build_models(wire, http)).compile(checkpointer=checkpointer)
        events: list[Event] = []
        async for event in stream_turn(graph, customer_id="demo-alice", session_id="w",
                                       message="hello there"):
            events.append(event)
            if event[0] == "token":
                slow_stream.go.set()
    assert slow_stream.held  # the client saw a token while the provider held the rest back
    assert tokens(events) == WORDS
    assert final(events)["reply"] == "".join(WORDS)
    assert final(events)["answered_by"] == "openrouter"


async def test_chat_stream_sends_each_token_as_an_event_before_the_response(
        settings: Settings, seeded: Store, monkeypatch: pytest.MonkeyPatch,
        slow_stream: SlowStream) -> None:
    slow_stream.go.set()  # the API's test client reads the whole body: nothing to hold back
    async with running_api(api_settings(settings, **wire_settings(settings, slow_stream)),
                           seeded, monkeypatch) as api:
        response = await api.client.post(
            "/chat/stream", json={"user_id": "demo-alice", "session_id": "s",
                                  "message": "hello there"},
            headers={"Authorization": f"Bearer {API_KEY}"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events = [(block.split("\n")[0].removeprefix("event: "),
               json.loads(next(line.removeprefix("data: ") for line in block.split("\n")
                               if line.startswith("data: "))))
              for block in response.text.replace("\r\n", "\n").split("\n\n") if block.strip()]
    assert tokens(events) == WORDS  # one server-sent event per token
    assert final(events)["reply"] == "".join(WORDS)
    assert final(events)["answered_by"] == "openrouter"
    assert [body["stream"] for body in slow_stream.bodies] == [True]
