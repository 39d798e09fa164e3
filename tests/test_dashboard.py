"""The operators' dashboard over HTTP: sign-in, CSRF, limits, the take race, logout, the CLI."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

import cli
from channels.operator_auth import COOKIE, FAILS_PER_EMAIL
from channels.whatsapp import format_reply
from settings import Settings
from tests.api_support import (
    API_KEY,
    Api,
    api_settings,
    assert_error,
    concurrently,
    running_api,
    until,
)
from tools import operators
from tools.store import Store

PASSWORD = "correct horse battery"
AUTH = {"Authorization": f"Bearer {API_KEY}"}
CSRF = re.compile(r'name="_csrf" value="([^"]+)"')


@pytest.fixture(autouse=True)
def no_redirects(request: pytest.FixtureRequest) -> None:
    """The test reads each redirect itself."""
    if "api" in request.fixturenames:
        request.getfixturevalue("api").client.follow_redirects = False


def _token(html: str) -> str:
    found = CSRF.search(html)
    assert found, html[:500]
    return found.group(1)


async def sign_in(client: AsyncTestClient[Litestar], email: str, password: str = PASSWORD
                  ) -> httpx.Response:
    form = await client.get("/admin/login")
    return await client.post("/admin/login", data={
        "email": email, "password": password, "_csrf": _token(form.text)})


def assert_stale(response: httpx.Response) -> None:
    """A form refused for its CSRF token: 403, as a page of the dashboard saying it was stale."""
    assert response.status_code == 403, response.text[:300]
    assert response.headers["content-type"].startswith("text/html")
    assert "This page was out of date" in response.text


async def dashboard_csrf(client: AsyncTestClient[Litestar]) -> str:
    page = await client.get("/admin/queue")
    assert page.status_code == 200
    return _token(page.text)


async def _ticket(api: Api, session: str = "s1") -> str:
    asked = (await api.chat("I want to talk to a person", session=session)).json()
    assert asked["mode"] == "human"
    (ticket,) = [t for t in (await api.client.get("/admin/api/tickets", headers=AUTH)).json()[
        "tickets"] if t["session_id"] == session]
    return str(ticket["ticket_id"])


async def test_an_operator_signs_in_and_sees_the_dashboard(api: Api) -> None:
    assert (await api.client.get("/admin")).headers["location"] == "/admin/login"
    await operators.add(api.store, "Sam@Shop.test", PASSWORD, "agent")
    signed = await sign_in(api.client, "sam@shop.test")
    assert signed.status_code == 303 and signed.headers["location"] == "/admin"
    cookie = next(c for c in signed.headers.get_list("set-cookie") if c.startswith(COOKIE))
    assert "HttpOnly" in cookie and "samesite=strict" in cookie.lower() and "Path=/admin" in cookie
    assert "Secure" not in cookie  # development is plain HTTP; production sets Secure
    page = await api.client.get("/admin")
    assert page.status_code == 200 and "Live conversations" in page.text
    assert "sam@shop.test" in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    stored = await api.store.db["operators"].find_one({"_id": "sam@shop.test"})
    assert stored and stored["password"].startswith("$argon2id$") and PASSWORD not in str(stored)


async def test_a_wrong_password_is_refused_and_attempts_are_limited(api: Api) -> None:
    await operators.add(api.store, "sam@shop.test", PASSWORD)
    refused = await sign_in(api.client, "sam@shop.test", "wrong password")
    assert refused.status_code == 401 and "Wrong email or password" in refused.text
    assert COOKIE not in "".join(refused.headers.get_list("set-cookie"))
    assert (await api.client.get("/admin")).status_code == 303
    for _ in range(FAILS_PER_EMAIL - 1):
        assert (await sign_in(api.client, "sam@shop.test", "guess")).status_code == 401
    limited = await sign_in(api.client, "sam@shop.test")  # even the right password, now
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 0
    assert (await api.client.get("/admin")).status_code == 303


async def test_guesses_sent_all_at_once_meet_the_limit_too(api: Api) -> None:
    await operators.add(api.store, "sam@shop.test", PASSWORD)
    form = await api.client.get("/admin/login")
    guess = ("POST", "/admin/login", {"data": {
        "email": "sam@shop.test", "password": "guess", "_csrf": _token(form.text)}})
    answers = await concurrently(api.client, [guess] * 16)
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [401] * FAILS_PER_EMAIL + [429] * (16 - FAILS_PER_EMAIL), statuses


async def test_signing_in_rightly_does_not_count_against_the_limit(api: Api) -> None:
    await operators.add(api.store, "sam@shop.test", PASSWORD)
    for _ in range(FAILS_PER_EMAIL + 2):  # another browser each time, say
        api.client.cookies.clear()
        assert (await sign_in(api.client, "sam@shop.test")).status_code == 303


async def test_forms_without_the_csrf_token_are_refused(api: Api) -> None:
    await operators.add(api.store, "sam@shop.test", PASSWORD)
    await api.client.get("/admin/login")
    no_token = await api.client.post("/admin/login", data={"email": "sam@shop.test",
                                                           "password": PASSWORD})
    assert_stale(no_token)
    assert (await sign_in(api.client, "sam@shop.test")).status_code == 303
    ticket = await _ticket(api)
    for sent in ({}, {"_csrf": "forged"}):
        refused = await api.client.post(f"/admin/tickets/{ticket}/take", data=sent)
        assert_stale(refused)
    refused = await api.client.post(f"/admin/api/tickets/{ticket}/close")  # the session's API
    assert_error(refused, 403, "csrf")
    still = await api.store.handoff_tickets.find_one({"ticket_id": ticket})
    assert still and still["status"] == "open"
    token = await dashboard_csrf(api.client)
    listed = await api.client.get("/admin/api/tickets")
    assert [t["ticket_id"] for t in listed.json()["tickets"]] == [ticket]
    closed = await api.client.post(f"/admin/api/tickets/{ticket}/close",
                                   headers={"X-CSRF-Token": token})
    assert closed.status_code == 200 and closed.json()["mode"] == "assistant"


async def test_two_operators_take_one_ticket_at_once_and_one_wins(api: Api) -> None:
    ticket = await _ticket(api)
    tokens = []
    cookies = []
    for email in ("ann@shop.test", "bo@shop.test"):
        await operators.add(api.store, email, PASSWORD)
        api.client.cookies.clear()
        await sign_in(api.client, email)
        tokens.append(await dashboard_csrf(api.client))
        cookies.append(api.client.cookies.get(COOKIE))
    api.client.cookies.clear()
    answers = await concurrently(api.client, [
        ("POST", f"/admin/tickets/{ticket}/take", {
            "data": {"_csrf": token}, "headers": {"Cookie": f"{COOKIE}={cookie}"}})
        for token, cookie in zip(tokens, cookies, strict=True)])
    # Both are sent on (303): the winner to the ticket, the loser back to the queue, told why.
    assert [a.status_code for a in answers] == [303, 303]
    places = [a.headers["location"] for a in answers]
    assert sorted(places) == ["/admin/queue", f"/admin/tickets/{ticket}"]
    winner = ["ann@shop.test", "bo@shop.test"][places.index(f"/admin/tickets/{ticket}")]
    held = await api.store.handoff_tickets.find_one({"ticket_id": ticket})
    assert held and held["taken_by"] == winner
    loser = cookies[places.index("/admin/queue")]
    told = await api.client.get("/admin/queue", headers={"Cookie": f"{COOKIE}={loser}"})
    assert f"{winner} already has this ticket" in told.text


async def test_the_holder_replies_from_the_page_and_the_customer_reads_it(api: Api) -> None:
    ticket = await _ticket(api)
    await operators.add(api.store, "sam@shop.test", PASSWORD)
    await sign_in(api.client, "sam@shop.test")
    token = await dashboard_csrf(api.client)
    sent = await api.client.post(f"/admin/tickets/{ticket}/reply",
                                 data={"_csrf": token, "text": "Hello, Sam here."})
    assert sent.status_code == 303
    history = await api.client.get("/chat/history", headers=AUTH,
                                   params={"session_id": "s1", "user_id": "demo-alice"})
    assert history.json()["messages"][-1] == {**history.json()["messages"][-1],
                                              "role": "operator", "text": "Hello, Sam here."}
    page = await api.client.get(f"/admin/tickets/{ticket}")
    assert "Hello, Sam here." in page.text and "You" in page.text
    archived = await api.store.db["transcripts"].find_one({"kind": "operator"})
    assert archived and archived["by"] == "sam@shop.test"  # who wrote it, for the shop
    assert "sam@shop.test" not in history.text  # never for the customer


async def test_sign_out_ends_the_session(api: Api) -> None:
    await operators.add(api.store, "sam@shop.test", PASSWORD)
    await sign_in(api.client, "sam@shop.test")
    cookie = api.client.cookies.get(COOKIE)
    token = await dashboard_csrf(api.client)
    assert (await api.client.post("/admin/logout", data={"_csrf": token})).status_code == 303
    assert await api.store.db["operator_sessions"].count_documents({}) == 0
    api.client.cookies.set(COOKIE, cookie or "", path="/admin")
    assert (await api.client.get("/admin/queue")).headers["location"] == "/admin/login"
    polled = await api.client.get("/admin/queue/rows", headers={"HX-Request": "true"})
    assert polled.headers["hx-redirect"] == "/admin/login" and polled.text == ""
    assert_error(await api.client.get("/admin/api/tickets"), 401)


async def test_a_failed_whatsapp_send_is_retried_from_the_page(api: Api) -> None:
    await api.store.wa_outbox.insert_one({
        "_id": "wamid.failed-1", "to": "15550000001", "state": "failed", "attempts": 7,
        "error": "Graph API 500: gave up", "queued_at": datetime(2026, 1, 1, tzinfo=UTC),
        "body": format_reply("15550000001", "Your parcel left today.", [], False)})
    await operators.add(api.store, "sam@shop.test", PASSWORD)
    await sign_in(api.client, "sam@shop.test")
    page = await api.client.get("/admin/failed")
    assert "Your parcel left today." in page.text and "gave up" in page.text
    retried = await api.client.post("/admin/failed/retry", data={
        "_csrf": _token(page.text), "id": "wamid.failed-1"})
    assert retried.status_code == 303
    await api.settled()
    doc = await api.store.wa_outbox.find_one({"_id": "wamid.failed-1"})
    assert doc and doc["state"] == "sent" and doc["retried_by"] == "sam@shop.test"
    assert [c.request.url.path for c in api.graph_api.calls][-1].endswith("/messages")


async def test_a_conversation_shows_live_with_its_turns(api: Api) -> None:
    await api.chat("how many points do I have?", session="live-1")

    async def archived() -> bool:  # the archive writes a turn within 0.1 s of its reply
        return bool(await api.store.db["transcripts"].count_documents(
            {"kind": "turn", "session_id": "live-1"}))

    await until(archived, 10, "the turn was never archived")
    await operators.add(api.store, "sam@shop.test", PASSWORD)
    await sign_in(api.client, "sam@shop.test")
    rows = await api.client.get("/admin/conversations/rows")
    assert "demo-alice" in rows.text and "live-1" in rows.text
    one = await api.client.get("/admin/conversation", params={
        "channel": "web", "user": "demo-alice", "session": "live-1"})
    assert "how many points do I have?" in one.text and "loyalty" in one.text
    await api.chat("<script>alert(1)</script> hello", user="demo-bob", session="live-2")

    async def written() -> bool:
        return bool(await api.store.db["transcripts"].count_documents({"session_id": "live-2"}))

    await until(written, 10, "the turn was never archived")
    rows = await api.client.get("/admin/conversations/rows")
    assert "&lt;script&gt;alert(1)&lt;/script&gt; hello" in rows.text  # a customer's words
    assert "<script>alert" not in rows.text  # never run on the operator's page


def test_operator_add_reads_the_password_from_stdin(
        settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    env = {"MONGO_URI": settings.mongo_uri or "", "DB_NAME": settings.db_name,
           "DATA_DIR": str(tmp_path)}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr("sys.stdin", io.StringIO("a long secret phrase\n"))
    assert cli.main(["operator", "add", "Lead@Shop.test", "--role", "admin"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert cli.main(["operator", "add", "x@shop.test"]) == 1

    async def stored() -> Any:
        store = Store.connect(env["MONGO_URI"], env["DB_NAME"])
        try:
            return (await store.db["operators"].find_one({"_id": "lead@shop.test"}),
                    await operators.check_password(store, "lead@shop.test",
                                                   "a long secret phrase"),
                    await store.db["operators"].count_documents({}))
        finally:
            await store.close()

    import asyncio

    doc, checked, count = asyncio.run(stored())
    assert doc["role"] == "admin" and doc["password"].startswith("$argon2")
    assert checked is not None and count == 1


async def test_the_development_login_printed_at_start_signs_in(api: Api) -> None:
    password = operators.dev_password(api.app.state.omnisales.settings.data_dir)
    assert (await sign_in(api.client, "admin@localhost", "not it")).status_code == 401
    signed = await sign_in(api.client, "admin@localhost", password)
    assert signed.status_code == 303
    page = await api.client.get("/admin/queue")
    assert "admin@localhost · admin" in page.text


async def test_analytics_and_replay_pages(api: Api) -> None:
    await api.chat("I need a laptop for coding under $1000", session="shop-1")
    await operators.add(api.store, "sam@shop.test", PASSWORD)
    await sign_in(api.client, "sam@shop.test")
    page = await api.client.get("/admin/analytics", params={"period": "1d", "channel": "web"})
    assert page.status_code == 200 and "Funnel (sessions)" in page.text
    assert "I need a laptop for coding under $1000" in page.text  # among the least confident
    assert_stale(await api.client.post("/admin/replay", data={"sample": "1"}))

    async def archived() -> bool:
        return bool(await api.store.db["transcripts"].count_documents({"session_id": "shop-1"}))

    await until(archived, 10, "the turn was never archived")
    ran = await api.client.post("/admin/replay", data={
        "_csrf": _token(page.text), "period": "1d", "sample": "1"})
    assert ran.status_code == 200 and "Funnel of each version" in ran.text
    assert "recommendation → recommendation" in ran.text
    assert await api.store.db["payments"].count_documents({"customer_id": "demo-alice"}) == 0


async def test_production_cookies_are_secure_and_there_is_no_development_login(
        settings: Settings, seeded: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    production = api_settings(settings, environment="production",
                              widget_identity_secret="i" * 40, widget_token_secret="t" * 40)
    async with running_api(production, seeded, monkeypatch) as api:
        api.client.follow_redirects = False
        api.client.base_url = "https://testserver.local"  # a Secure cookie goes over HTTPS only
        password = operators.dev_password(production.data_dir)
        assert (await sign_in(api.client, "admin@localhost", password)).status_code == 401
        assert await api.store.db["operators"].count_documents({}) == 0
        await operators.add(api.store, "sam@shop.test", PASSWORD)
        signed = await sign_in(api.client, "sam@shop.test")
        cookie = next(c for c in signed.headers.get_list("set-cookie") if c.startswith(COOKIE))
        assert "Secure" in cookie and "HttpOnly" in cookie
