"""The web widget in a real browser (Debian's chromium, driven by Playwright) on a served API."""

from __future__ import annotations

import hashlib
import hmac
import shutil
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, FrameLocator, Page, expect, sync_playwright
from pymongo import MongoClient

from checkpoints.embedded import EmbeddedServer
from tests.test_server_process import API_KEY, ROOT, environment, served

pytestmark = pytest.mark.slow

IDENTITY = "browser-identity-secret-0123456789-abcdef"
SIGNING = "browser-token-secret-0123456789-abcdefghij"
ARTEFACTS = ROOT / ".artifacts" / "widget"
WAIT_MS = 30_000


def user_hash(user_id: str) -> str:
    """The shop backend's identity hash, as the README shows it (Python)."""
    return hmac.new(IDENTITY.encode(), user_id.encode(), hashlib.sha256).hexdigest()


class ShopSite:
    """A shop's own site on another origin: a page with the widget, and the shop's backend.

    `GET /` is the page (its customer, signed in by the shop, is `demo-bob`); `GET /token` is
    the shop's backend endpoint: it signs the customer's id and exchanges it for a token.
    """

    def __init__(self) -> None:
        self.api = ""
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the http.server API
                if self.path == "/token":
                    exchanged = httpx.post(f"{site.api}/widget/session", timeout=10, json={
                        "user_id": "demo-bob", "user_hash": user_hash("demo-bob")})
                    self._send(exchanged.status_code, exchanged.content, "application/json")
                    return
                page = (f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
                        f'<title>Another shop</title></head><body><h1>Another shop</h1>'
                        f'<script src="{site.api}/widget.js" data-token-url="/token" '
                        f'data-open="true"></script></body></html>')
                self._send(200, page.encode(), "text/html; charset=utf-8")

            def _send(self, status: int, body: bytes, kind: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class Served:
    base: str
    db: Any
    listed: ShopSite
    unlisted: ShopSite


@pytest.fixture(scope="module")
def omnisales(mongo: EmbeddedServer, tmp_path_factory: pytest.TempPathFactory
              ) -> Iterator[Served]:
    """`omnisales serve` on a fresh database; one shop origin is in WIDGET_ORIGINS, one not."""
    listed, unlisted = ShopSite(), ShopSite()
    name = f"w_{uuid.uuid4().hex[:12]}"
    workdir = tmp_path_factory.mktemp("widget")
    env = environment(mongo.uri, name, workdir, "http://127.0.0.1:9/v21.0") | {
        "WIDGET_IDENTITY_SECRET": IDENTITY, "WIDGET_TOKEN_SECRET": SIGNING,
        "WIDGET_ORIGINS": listed.origin}
    client: MongoClient[dict[str, Any]] = MongoClient(mongo.uri, tz_aware=True)
    try:
        with served(env, workdir) as (base, _):
            listed.api = unlisted.api = base
            yield Served(base, client[name], listed, unlisted)
    finally:
        client.drop_database(name)
        client.close()
        listed.close()
        unlisted.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    chromium = shutil.which("chromium")
    assert chromium, "Debian's chromium is missing: `make chromium` installs it"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh browser profile; its last screen is kept under `.artifacts/widget/`."""
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="en-US")
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    opened.screenshot(path=str(ARTEFACTS / f"{request.node.name}.png"))
    context.close()
    assert errors == [], errors  # no script error on the page or in the frame


def chat(page: Page) -> FrameLocator:
    frame = page.frame_locator("iframe")
    expect(frame.locator("#input")).to_be_enabled(timeout=WAIT_MS)
    return frame


def say(frame: FrameLocator, text: str) -> None:
    frame.locator("#input").fill(text)
    frame.locator("#input").press("Enter")


def shot(page: Page, name: str) -> None:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / f"{name}.png"))


def tall_shot(page: Page, path: Path) -> None:
    """The open chat drawn taller, so that one picture shows the cards and the Pay button."""
    page.set_viewport_size({"width": 1280, "height": 1400})
    page.locator("iframe").evaluate("frame => { frame.style.height = '1320px'; }")
    page.locator("iframe").screenshot(path=str(path))
    page.locator("iframe").evaluate("frame => { frame.style.height = ''; }")
    page.set_viewport_size({"width": 1280, "height": 860})


def served_route(base: str, path: str) -> bool:
    """Whether the API serves `path` yet (history and takeover arrive with the archive)."""
    return httpx.get(f"{base}{path}", timeout=5).status_code != 404


def test_a_customer_finds_a_laptop_adds_it_and_pays_with_the_button(
    omnisales: Served, page: Page,
) -> None:
    page.goto(f"{omnisales.base}/?as=demo-alice")
    frame = chat(page)
    say(frame, "I need a laptop for coding under $1000")
    products = frame.locator(".product")
    expect(products.first).to_be_visible(timeout=WAIT_MS)
    first = products.first.locator(".name").inner_text()
    price = products.first.locator(".price").inner_text()
    assert price.startswith("$") and float(price[1:].replace(",", "")) <= 1000
    shot(page, "1-products")

    products.first.get_by_role("button", name=f"Add to cart: {first}").click()
    cart = frame.locator(".card", has_text="Your cart").last
    expect(cart).to_contain_text(first, timeout=WAIT_MS)
    expect(products.first.locator(".add")).to_have_text("✓ Added")
    cart.get_by_role("button", name="Check out").click()

    pay = frame.locator(".confirm .pay")
    expect(pay).to_be_visible(timeout=WAIT_MS)
    expect(frame.locator(".card", has=pay)).to_contain_text(first)
    shot(page, "2-pay")
    tall_shot(page, ARTEFACTS / "widget.png")
    pay.dblclick()  # a double click pays once: the buttons go with the first
    expect(frame.locator(".badge.paid")).to_have_text("Paid", timeout=WAIT_MS)
    expect(frame.locator(".message.assistant").last).to_contain_text("Payment received")
    assert frame.locator(".confirm").count() == 0

    charges = list(omnisales.db["gateway_charges"].find({}))
    payments = list(omnisales.db["payments"].find({"customer_id": "demo-alice"}))
    assert [p["status"] for p in payments] == ["paid"]
    assert len(charges) == 1 and charges[0]["status"] == "paid"
    (paid,) = payments
    assert charges[0]["amount_cents"] == paid["total_cents"] - paid["store_credit_cents"]
    assert first in [line["name"] for line in paid["items"]]


def test_a_reload_keeps_the_conversation(omnisales: Served, page: Page) -> None:
    if not served_route(omnisales.base, "/chat/history?session_id=x"):
        pytest.skip("GET /chat/history is not served yet (the conversation archive)")
    page.goto(f"{omnisales.base}/?as=demo-bob")
    frame = chat(page)
    say(frame, "where is my order ORD-1003?")
    order = frame.locator(".card", has_text="Order ORD-1003")
    expect(order).to_be_visible(timeout=WAIT_MS)
    # The archive writes a turn within a moment of the reply (it gathers writes for 0.1 s).
    archived = {"kind": "turn", "user_id": "demo-bob", "session_id": {"$regex": "^web-"}}
    deadline = time.monotonic() + 10
    while not omnisales.db["transcripts"].count_documents(archived):
        assert time.monotonic() < deadline, "the turn was never archived"
        time.sleep(0.05)
    page.reload()
    frame = chat(page)
    expect(frame.locator(".message.customer")).to_contain_text(["where is my order ORD-1003?"])
    expect(frame.locator(".card", has_text="Order ORD-1003")).to_be_visible()
    expect(frame.locator(".message.local")).to_have_count(0)  # no welcome over a conversation
    say(frame, "and how many points do I have?")
    expect(frame.locator(".card.points")).to_be_visible(timeout=WAIT_MS)
    expect(frame.locator(".message.customer")).to_have_count(2)


def test_a_guest_asks_for_a_person_and_the_operator_reply_appears(
    omnisales: Served, page: Page,
) -> None:
    if not served_route(omnisales.base, "/admin/api/tickets?status=open"):
        pytest.skip("the operator API is not served yet (people in the loop)")
    page.goto(f"{omnisales.base}/?as=guest")
    frame = chat(page)
    say(frame, "I want to talk to a person")
    expect(frame.locator(".message.assistant").last).to_contain_text("TCK-", timeout=WAIT_MS)
    auth = {"Authorization": f"Bearer {API_KEY}"}
    tickets = httpx.get(f"{omnisales.base}/admin/api/tickets", params={"status": "open"},
                        headers=auth, timeout=10).json()
    listed = tickets["tickets"] if isinstance(tickets, dict) else tickets
    (ticket,) = [t for t in listed if t["user_id"].startswith("guest-")]
    reply = "Hi, this is Sam from the shop. How can I help?"
    answered = httpx.post(f"{omnisales.base}/admin/api/tickets/{ticket['ticket_id']}/reply",
                          json={"text": reply}, headers=auth, timeout=10)
    assert answered.status_code in (200, 201), answered.text
    expect(frame.locator(".message.operator")).to_contain_text(reply, timeout=WAIT_MS)
    expect(frame.locator(".system")).to_contain_text("has joined")
    expect(frame.locator("#status")).to_have_text("You're chatting with our team")
    shot(page, "operator")
    closed = httpx.post(f"{omnisales.base}/admin/api/tickets/{ticket['ticket_id']}/close",
                        headers=auth, timeout=10)
    assert closed.status_code in (200, 201), closed.text
    expect(frame.locator(".system").last).to_contain_text("back to the assistant",
                                                          timeout=WAIT_MS)
    expect(frame.locator("#status")).to_have_text("Online · replies in seconds")
    back = omnisales.db["transcripts"].find_one({"kind": "mode", "mode": "assistant",
                                                "ticket_id": ticket["ticket_id"]})
    assert back is not None and back.get("text")
    expect(frame.locator(".message.assistant").last).to_contain_text(back["text"])


def test_a_listed_shop_origin_frames_the_widget_with_its_own_sign_in(
    omnisales: Served, page: Page,
) -> None:
    page.goto(omnisales.listed.origin)
    frame = chat(page)
    say(frame, "how many points do I have?")
    points = frame.locator(".card.points")
    expect(points).to_be_visible(timeout=WAIT_MS)
    # The shop's backend signed Bob in: the widget shows Bob's balance, as the API tells it.
    told = httpx.post(f"{omnisales.base}/chat", timeout=30, headers={
        "Authorization": f"Bearer {API_KEY}"}, json={
        "user_id": "demo-bob", "session_id": "check", "message": "how many points do I have?"})
    (balance,) = [a["balance"] for a in told.json()["actions"] if a["type"] == "points"]
    expect(points).to_contain_text(f"{balance:,} points")


def test_an_unlisted_origin_cannot_frame_the_widget(omnisales: Served, page: Page) -> None:
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text)
            if "frame-ancestors" in message.text else None)
    page.goto(omnisales.unlisted.origin)
    page.wait_for_load_state("load")
    page.locator("button[aria-label='Chat with us']").wait_for(state="attached")
    time.sleep(1.0)  # the frame's navigation has been refused by now
    assert page.frame_locator("iframe").locator("#input").count() == 0
    assert any("violates" in text and "blocked" in text for text in refused), refused
    assert not any(f.url.endswith("/widget/frame") and f.query_selector("#input")
                   for f in page.frames)


def test_the_widget_is_usable_by_keyboard(omnisales: Served, page: Page) -> None:
    page.goto(f"{omnisales.base}/?as=demo-bob")
    frame = chat(page)
    log = frame.locator("#messages")
    assert log.get_attribute("role") == "log" and log.get_attribute("aria-live") == "polite"
    assert frame.get_by_label("Message").count() == 1
    frame.locator("#input").focus()
    page.keyboard.type("is the MSI ZenBook 8 Pro in stock?")
    page.keyboard.press("Enter")
    expect(frame.locator(".card", has_text="In stock")).to_be_visible(timeout=WAIT_MS)
    page.keyboard.type("I want to check out")
    page.keyboard.press("Enter")
    expect(frame.locator(".confirm .pay")).to_be_visible(timeout=WAIT_MS)
    buttons = frame.locator("button")
    for i in range(buttons.count()):  # every control says what it does to a screen reader
        button = buttons.nth(i)
        assert (button.get_attribute("aria-label") or button.inner_text()).strip(), i
    page.keyboard.press("Shift+Tab")  # back from the message box: the newest buttons first
    assert frame.locator(":focus").inner_text() == "Cancel"
    page.keyboard.press("Enter")
    expect(frame.locator(".message.assistant").last).to_contain_text("nothing was charged",
                                                                     timeout=WAIT_MS)
    assert [p["status"] for p in omnisales.db["payments"].find({"customer_id": "demo-bob"})
            ] == ["cancelled"]
    assert frame.locator(":focus").get_attribute("id") == "input"
    expect(frame.locator("#send")).to_be_enabled()  # with the answer shown, Send works again
    page.keyboard.press("Tab")  # from the message box to Send
    assert frame.locator(":focus").get_attribute("id") == "send"


def test_the_widget_renews_its_token_before_it_expires(omnisales: Served, page: Page) -> None:
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "/demo/token" in r.url else None)
    page.clock.install()
    page.goto(f"{omnisales.base}/?as=demo-bob")
    frame = chat(page)
    assert len(asked) == 1
    page.clock.run_for("14:05")  # the token lasts 15 minutes; it is renewed a minute before
    page.wait_for_timeout(500)
    assert len(asked) == 2
    page.clock.run_for("14:05")
    page.wait_for_timeout(500)
    assert len(asked) == 3
    say(frame, "how many points do I have?")
    expect(frame.locator(".card.points")).to_be_visible(timeout=WAIT_MS)


def test_the_widget_speaks_the_customers_language(omnisales: Served, page: Page) -> None:
    page.goto(f"{omnisales.base}/?as=demo-bob")
    frame = chat(page)
    say(frame, "¿Cuántos puntos tengo?")
    expect(frame.locator(".card.points")).to_contain_text("puntos", timeout=WAIT_MS)
    expect(frame.locator("#input")).to_have_attribute("placeholder", "Escribe tu mensaje…")
    expect(frame.locator("#title")).to_have_text("Asistente de la tienda")
    assert frame.locator("html").get_attribute("lang") == "es"
    expect(frame.get_by_role("button", name="Enviar")).to_be_visible()
