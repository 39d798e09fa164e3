"""The operators' dashboard in a real browser, beside a customer's widget, on a served API."""

from __future__ import annotations

import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect
from pymongo import MongoClient

from channels.whatsapp import format_reply
from checkpoints.embedded import EmbeddedServer
from tests.api_support import change, dumps, text_message, wa_signature, webhook
from tests.test_server_process import (
    API_KEY,
    APP_SECRET,
    BOB_WA,
    OMNISALES,
    PHONE_NUMBER_ID,
    ROOT,
    FakeGraph,
    environment,
    served,
)
from tests.test_widget_browser import IDENTITY, SIGNING, WAIT_MS, browser, chat, say

pytestmark = pytest.mark.slow
__all__ = ["browser"]  # the widget tests' Chromium (Debian's), shared as a fixture

ARTEFACTS = ROOT / ".artifacts" / "dashboard"
DOCS = ROOT / "docs"
EMAIL = "sam@shop.example"
PASSWORD = "a long operator password"


@dataclass
class Served:
    base: str
    db: Any
    graph: FakeGraph


@pytest.fixture(scope="module")
def omnisales(mongo: EmbeddedServer, tmp_path_factory: pytest.TempPathFactory
              ) -> Iterator[Served]:
    """`omnisales serve` on a fresh database, its WhatsApp sends going to a fake Graph API.

    The operator is added as a shop would add one: `omnisales operator add`, password on stdin.
    """
    graph = FakeGraph()
    name = f"d_{uuid.uuid4().hex[:12]}"
    workdir = tmp_path_factory.mktemp("dashboard")
    env = environment(mongo.uri, name, workdir, graph.url) | {
        "WIDGET_IDENTITY_SECRET": IDENTITY, "WIDGET_TOKEN_SECRET": SIGNING}
    client: MongoClient[dict[str, Any]] = MongoClient(mongo.uri, tz_aware=True)
    try:
        added = subprocess.run([str(OMNISALES), "operator", "add", EMAIL, "--role", "admin"],
                               input=PASSWORD + "\n", text=True, capture_output=True,
                               env=env, cwd=workdir, timeout=120)
        assert added.returncode == 0, added.stderr
        with served(env, workdir) as (base, log):
            # Development: `admin@localhost` made at start, its password kept and printed.
            password = (workdir / "admin_password").read_text().strip()
            assert f"/admin (sign in as admin@localhost, password {password})" in log.read_text()
            assert client[name]["operators"].find_one({"_id": "admin@localhost", "role": "admin"})
            yield Served(base, client[name], graph)
    finally:
        client.drop_database(name)
        client.close()
        graph.close()


def _page(browser: Browser, name: str) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1366, "height": 820}, locale="en-US")
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    opened.on("console", lambda m: errors.append(m.text) if m.type == "error"
              and "Failed to load resource" not in m.text else None)
    # Answers the page did not expect (the refusals the tests provoke are 401 and 403).
    opened.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 404
              and not r.url.endswith("/favicon.ico") else None)
    yield opened
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    opened.screenshot(path=str(ARTEFACTS / f"{name}.png"), full_page=True)
    context.close()
    assert errors == [], errors  # no script error, no refused script or style (the CSP)


@pytest.fixture
def operator(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    yield from _page(browser, f"{request.node.name}-operator")


@pytest.fixture
def customer(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    yield from _page(browser, f"{request.node.name}-customer")


def sign_in(page: Page, base: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/admin")
    expect(page).to_have_url(f"{base}/admin/login")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def shot(page: Page, path: Path) -> None:
    """The page down to its content (at least 560 px tall), as the README shows it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1366, "height": 560})
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 820})


def more_handoffs(served: Served) -> None:
    """Two more customers ask for a person: Alice through the shop's backend, Bob on WhatsApp."""
    asked = httpx.post(f"{served.base}/chat", timeout=30, headers={
        "Authorization": f"Bearer {API_KEY}"}, json={
        "user_id": "demo-alice", "session_id": "returns",
        "message": "My laptop arrived with a cracked screen, I want to speak to a human"})
    assert asked.json()["mode"] == "human"
    message = text_message("wamid.dash-1", BOB_WA, "I want to talk to a person about my order")
    payload = webhook(change([message], names={BOB_WA: "Bob"}))
    payload["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"] = PHONE_NUMBER_ID
    raw = dumps(payload)
    sent = httpx.post(f"{served.base}/webhook/whatsapp", content=raw, timeout=10, headers={
        "Content-Type": "application/json", "X-Hub-Signature-256": wa_signature(raw, APP_SECRET)})
    assert sent.status_code == 200
    deadline = time.monotonic() + WAIT_MS / 1000
    while not served.db["handoff_tickets"].count_documents({"channel": "whatsapp"}):
        assert time.monotonic() < deadline, "the WhatsApp handoff never opened a ticket"
        time.sleep(0.1)


def test_an_operator_takes_a_handoff_and_answers_in_the_customers_widget(
    omnisales: Served, operator: Page, customer: Page,
) -> None:
    sign_in(operator, omnisales.base)
    expect(operator.get_by_role("heading", name="Live conversations")).to_be_visible()

    customer.goto(f"{omnisales.base}/?as=demo-bob")
    bob = chat(customer)
    say(bob, "where is my order ORD-1003?")
    expect(bob.locator(".card", has_text="Order ORD-1003")).to_be_visible(timeout=WAIT_MS)
    customer.goto(f"{omnisales.base}/?as=guest")
    frame = chat(customer)
    say(frame, "I want to talk to a person about a refund")
    expect(frame.locator(".message.assistant").last).to_contain_text("TCK-", timeout=WAIT_MS)

    # The live table updates by itself: the guest's conversation appears, waiting for a person.
    row = operator.locator("tr.conversation", has_text="guest-")
    expect(row.get_by_text("Waiting for a person")).to_be_visible(timeout=WAIT_MS)
    expect(operator.locator("tr.conversation", has_text="demo-bob")).to_be_visible()
    shot(operator, ARTEFACTS / "live.png")

    more_handoffs(omnisales)
    operator.get_by_role("link", name="Handoff queue").click()
    expect(operator.locator("tr.ticket")).to_have_count(3)
    ticket = operator.locator("tr.ticket", has_text="guest-")
    expect(ticket).to_contain_text("refund")
    ticket_id = ticket.get_attribute("data-ticket")
    shot(operator, DOCS / "dashboard-queue.png")
    ticket.get_by_role("button", name="Take").click()
    expect(operator.get_by_role("heading", name="guest-")).to_be_visible()
    held = omnisales.db["handoff_tickets"].find_one({"ticket_id": ticket_id})
    assert held and held["taken_by"] == EMAIL

    reply = "Hello, this is Sam from the shop. I can help with your refund."
    operator.get_by_label("Reply to the customer").fill(reply)
    operator.get_by_role("button", name="Send").click()
    expect(frame.locator(".message.operator")).to_contain_text(reply, timeout=WAIT_MS)
    expect(operator.locator(".msg.operator")).to_contain_text(reply)
    say(frame, "Thank you, it was order ORD-1004")
    expect(operator.locator(".msg.customer").last).to_contain_text("ORD-1004", timeout=WAIT_MS)
    shot(operator, ARTEFACTS / "ticket.png")

    # The conversation as archived: per turn, the route and how it was decided, the agent.
    operator.get_by_role("link", name=held["session_id"]).click()
    turns = operator.locator("table.turns tbody tr")
    expect(turns.first).to_contain_text("handoff")
    expect(operator.locator("tr.op")).to_contain_text(reply)
    shot(operator, ARTEFACTS / "conversation.png")
    operator.go_back()

    operator.get_by_role("button", name="Close and hand back to the assistant").click()
    expect(operator.get_by_role("status")).to_contain_text(f"Ticket {ticket_id} closed")
    # The widget says the person left (a second line after "has joined").
    expect(frame.locator(".system")).to_have_count(2, timeout=WAIT_MS)
    closed = omnisales.db["handoff_tickets"].find_one({"ticket_id": ticket_id})
    assert closed and closed["status"] == "closed"


def test_a_failed_whatsapp_send_is_retried_from_the_page(
    omnisales: Served, operator: Page,
) -> None:
    text = "Your order ORD-1002 is on its way."
    omnisales.db["wa_outbox"].insert_one({
        "_id": "wamid.browser-failed", "to": "15550000001", "state": "failed", "attempts": 9,
        "error": "Graph API 503: service unavailable", "queued_at": datetime.now(UTC),
        "body": format_reply("15550000001", text, [], False)})
    sign_in(operator, omnisales.base)
    operator.get_by_role("link", name="Failed sends").click()
    row = operator.locator("tr.failed-send", has_text=text)
    expect(row).to_contain_text("service unavailable")
    shot(operator, ARTEFACTS / "failed.png")
    row.get_by_role("button", name="Retry").click()
    expect(operator.get_by_role("status")).to_contain_text("Sending again")
    deadline = time.monotonic() + 20
    while not omnisales.graph.sent_to("15550000001"):
        assert time.monotonic() < deadline, "the retried reply never reached the Graph API"
        time.sleep(0.1)
    assert omnisales.graph.sent_to("15550000001")[-1]["text"]["body"] == text
    operator.reload()
    expect(operator.locator("tr.failed-send", has_text=text)).to_have_count(0)


def test_a_wrong_password_and_a_missing_csrf_token_are_refused(
    omnisales: Served, operator: Page,
) -> None:
    sign_in(operator, omnisales.base, "not the password")
    expect(operator.get_by_role("alert")).to_have_text("Wrong email or password.")
    expect(operator).to_have_url(f"{omnisales.base}/admin/login")
    sign_in(operator, omnisales.base)
    expect(operator.get_by_role("heading", name="Live conversations")).to_be_visible()
    # A form whose token was taken out, as a forged cross-site form would be: refused.
    operator.goto(f"{omnisales.base}/admin/failed")
    answer = operator.evaluate("""async () => {
        const r = await fetch('/admin/failed/retry', {method: 'POST',
            headers: {'Content-Type': 'application/x-www-form-urlencoded'},
            body: 'id=wamid.any'});
        return [r.status, (await r.text()).includes('This page was out of date')];
    }""")
    assert answer == [403, True]  # a page of the dashboard's, saying the form was stale
    operator.locator(".who input[name=_csrf]").evaluate("input => input.remove()")
    operator.get_by_role("button", name="Sign out").click()
    expect(operator.get_by_role("alert")).to_contain_text("This page was out of date")
    operator.goto(f"{omnisales.base}/admin")
    expect(operator.get_by_role("heading", name="Live conversations")).to_be_visible()


def test_analytics_show_the_paid_order_of_a_checkout_and_replay_reports(
    omnisales: Served, operator: Page, customer: Page,
) -> None:
    customer.goto(f"{omnisales.base}/?as=demo-alice")
    frame = chat(customer)
    say(frame, "I need a laptop for coding under $1000")
    products = frame.locator(".product")
    expect(products.first).to_be_visible(timeout=WAIT_MS)
    products.first.locator(".add").click()
    frame.locator(".card", has_text="Your cart").last.get_by_role(
        "button", name="Check out").click()
    frame.locator(".confirm .pay").click(timeout=WAIT_MS)
    expect(frame.locator(".badge.paid")).to_have_text("Paid", timeout=WAIT_MS)
    (paid,) = omnisales.db["payments"].find({"customer_id": "demo-alice", "status": "paid"})

    sign_in(operator, omnisales.base)
    operator.get_by_role("link", name="Analytics").click()
    figure = operator.locator(".figure", has_text="Paid orders")
    deadline = time.monotonic() + 20  # the archive writes the paying turn within a moment
    while figure.locator(".value").inner_text() == "0":
        assert time.monotonic() < deadline, "the paid order never reached the analytics"
        operator.reload()
    expect(figure.locator(".value")).to_have_text("1")
    revenue = operator.locator(".figure", has_text="Revenue").locator(".value").inner_text()
    assert revenue == f"{paid['total_cents'] / 100:,.2f}"
    expect(operator.locator("svg.chart", has_text="paid")).to_be_visible()
    shot(operator, DOCS / "dashboard-analytics.png")

    operator.get_by_role("link", name="Replay").click()
    operator.get_by_label("Conversations").fill("3")
    operator.get_by_role("button", name="Replay").click()
    replayed = operator.locator(".figure", has_text="Conversations").locator(".value")
    expect(replayed).to_be_visible(timeout=60_000)
    assert 1 <= int(replayed.inner_text()) <= 3  # as many as the archive holds, up to 3
    expect(operator.locator("h2.section", has_text="demo-alice")).to_be_visible()
    shot(operator, ARTEFACTS / "replay.png")


def _handoff(served: Served, user: str, message: str) -> str:
    """`user` asks for a person through the shop's backend; their ticket's id."""
    asked = httpx.post(f"{served.base}/chat", timeout=30, headers={
        "Authorization": f"Bearer {API_KEY}"}, json={
        "user_id": user, "session_id": "long", "message": message})
    assert asked.json()["mode"] == "human"
    found = served.db["handoff_tickets"].find_one({"customer_id": user, "status": "open"})
    assert found
    return str(found["ticket_id"])


def test_a_very_long_word_wraps_and_a_ticket_closed_elsewhere_shows_closed(
    omnisales: Served, operator: Page,
) -> None:
    word = "refund" * 500  # 3,000 characters without a space
    ticket_id = _handoff(omnisales, "demo-long", f"I want to talk to a person about {word}")
    sign_in(operator, omnisales.base)
    expect(operator.get_by_role("heading", name="Live conversations")).to_be_visible()
    operator.goto(f"{omnisales.base}/admin/tickets/{ticket_id}")
    send = operator.get_by_role("button", name="Send")
    expect(send).to_be_visible()
    width = operator.evaluate("document.documentElement.scrollWidth")
    assert width <= operator.viewport_size["width"] if operator.viewport_size else False
    box = send.bounding_box()
    assert box and box["x"] + box["width"] <= 1366
    shot(operator, ARTEFACTS / "ticket-long-word.png")
    for path in ("/admin/queue", "/admin", "/admin/conversation?channel=web&user=demo-long"
                 "&session=long", "/admin/analytics"):
        operator.goto(f"{omnisales.base}{path}")
        assert operator.evaluate("document.documentElement.scrollWidth") <= 1366, path
        name = path.strip("/").split("?")[0].replace("/", "-")
        operator.screenshot(path=str(ARTEFACTS / f"long-word-{name}.png"), full_page=True)
    operator.goto(f"{omnisales.base}/admin/queue")
    # The queue cuts a long reason (its whole text on hover, and on the ticket's page).
    stored = omnisales.db["handoff_tickets"].find_one({"ticket_id": ticket_id})
    assert stored and len(stored["reason"]) > 120
    reason = operator.locator("tr.ticket", has_text="demo-long").locator(".reason")
    assert len(reason.inner_text()) <= 120 and reason.get_attribute("title") == stored["reason"]

    # Someone else closes the ticket (through the API): the open page shows it closed by itself.
    operator.goto(f"{omnisales.base}/admin/tickets/{ticket_id}")
    expect(operator.locator("#ticket-status")).to_contain_text("Open")
    closed = httpx.post(f"{omnisales.base}/admin/api/tickets/{ticket_id}/close", timeout=30,
                        headers={"Authorization": f"Bearer {API_KEY}"})
    assert closed.status_code == 200
    expect(operator.locator("#ticket-status")).to_have_text("Closed", timeout=WAIT_MS)
    expect(operator.get_by_role("button", name="Send")).to_have_count(0)
    expect(operator.get_by_role("button", name="Close and hand back to the assistant")
           ).to_have_count(0)
    shot(operator, ARTEFACTS / "ticket-closed-elsewhere.png")


def test_the_header_wraps_on_a_phone(omnisales: Served, operator: Page) -> None:
    sign_in(operator, omnisales.base)
    expect(operator.get_by_role("heading", name="Live conversations")).to_be_visible()
    operator.set_viewport_size({"width": 390, "height": 800})
    bar = operator.locator("header.top").bounding_box()
    assert bar
    for link in operator.locator("header.top nav a").all() + [
            operator.get_by_role("button", name="Sign out")]:
        box = link.bounding_box()
        assert box and box["y"] + box["height"] <= bar["y"] + bar["height"], link.inner_text()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390, link.inner_text()
    assert operator.evaluate("document.documentElement.scrollWidth") <= 390
    operator.screenshot(path=str(ARTEFACTS / "phone-header.png"))
