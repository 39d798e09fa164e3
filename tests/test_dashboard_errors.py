"""The dashboard's rough edges over HTTP: error pages, one-time notices, the take race, sends."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from channels.admin_reports import view
from channels.whatsapp import format_reply
from tests.api_support import Api, assert_error, assert_no_leak
from tests.test_dashboard import PASSWORD, _ticket, _token, dashboard_csrf, sign_in
from tools import operators


@pytest.fixture(autouse=True)
def no_redirects(api: Api) -> None:
    """The test reads each redirect itself."""
    api.client.follow_redirects = False


async def _signed_in(api: Api, email: str = "sam@shop.test") -> None:
    await operators.add(api.store, email, PASSWORD)
    assert (await sign_in(api.client, email)).status_code == 303


def _is_page(response: Any, status: int) -> str:
    assert response.status_code == status, response.text[:300]
    assert response.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert '"error"' not in response.text and "Traceback" not in response.text
    assert_no_leak(response)
    return str(response.text)


async def test_unknown_tickets_and_addresses_are_pages_and_the_api_stays_json(api: Api) -> None:
    await _signed_in(api)
    page = _is_page(await api.client.get("/admin/tickets/NOPE"), 404)
    assert "No such ticket." in page and 'href="/admin/queue"' in page
    assert "Sign out" in page or "OmniSales" in page
    page = _is_page(await api.client.get("/admin/conversation?channel=web&user=x"), 404)
    assert "No such conversation." in page
    page = _is_page(await api.client.get("/admin/nowhere/at/all"), 404)
    assert "nothing at this address" in page and 'href="/admin"' in page
    assert_error(await api.client.get("/admin/api/nowhere"), 404)
    assert_error(await api.client.get("/admin/api/tickets/NOPE/x"), 404)
    # htmx swapping a part gets a line, not a whole page.
    part = await api.client.get("/admin/tickets/NOPE/messages", headers={"HX-Request": "true"})
    assert part.status_code == 404 and "<html" not in part.text
    assert part.text.startswith('<p class="error"') and len(part.text) < 300


async def test_a_stale_form_gets_a_page_saying_so(api: Api) -> None:
    ticket = await _ticket(api)
    await _signed_in(api)
    page = _is_page(await api.client.post(f"/admin/tickets/{ticket}/take",
                                          data={"_csrf": "from-an-old-tab"}), 403)
    assert "out of date" in page and 'href="/admin/queue"' in page
    part = await api.client.post(f"/admin/tickets/{ticket}/close", headers={
        "HX-Request": "true", "X-CSRF-Token": "old"})
    assert part.status_code == 403 and part.headers["hx-refresh"] == "true"
    still = await api.store.handoff_tickets.find_one({"ticket_id": ticket})
    assert still and still["status"] == "open" and still.get("taken_by") is None


async def test_a_stale_reply_form_keeps_what_was_typed(api: Api) -> None:
    ticket = await _ticket(api)
    await _signed_in(api)
    typed = "Hello <b>there</b>, your refund is on its way"
    page = _is_page(await api.client.post(f"/admin/tickets/{ticket}/reply",
                                          data={"_csrf": "stale", "text": typed}), 403)
    assert "out of date" in page and "was not sent" in page
    assert "Hello &lt;b&gt;there&lt;/b&gt;, your refund is on its way</textarea>" in page
    assert await api.store.db["transcripts"].count_documents({"kind": "operator"}) == 0
    # The page carries the session's token: Send again goes through.
    sent = await api.client.post(f"/admin/tickets/{ticket}/reply",
                                 data={"_csrf": _token(page), "text": typed})
    assert sent.status_code == 303
    assert await api.store.db["transcripts"].count_documents({"kind": "operator"}) == 1


async def test_a_notice_in_the_address_shows_nothing(api: Api) -> None:
    ticket = await _ticket(api)
    await _signed_in(api)
    bait = "Your session expired, sign in at https://evil.example"
    for path in ("/admin/queue", f"/admin/tickets/{ticket}", "/admin/failed"):
        page = await api.client.get(path, params={"notice": bait})
        assert page.status_code == 200 and "evil.example" not in page.text
    closed = await api.client.post(f"/admin/tickets/{ticket}/close",
                                   data={"_csrf": await dashboard_csrf(api.client)})
    assert closed.status_code == 303 and closed.headers["location"] == "/admin/queue"
    shown = (await api.client.get("/admin/queue")).text
    assert f'role="status">Ticket {ticket} closed.</p>' in shown
    assert "closed." not in (await api.client.get("/admin/queue")).text  # once only


async def test_the_operator_losing_the_take_race_is_sent_to_the_queue(api: Api) -> None:
    ticket = await _ticket(api)
    await _signed_in(api, "ann@shop.test")
    won = await api.client.post(f"/admin/tickets/{ticket}/take",
                                data={"_csrf": await dashboard_csrf(api.client)})
    assert won.headers["location"] == f"/admin/tickets/{ticket}"
    api.client.cookies.clear()
    await _signed_in(api, "bo@shop.test")
    lost = await api.client.post(f"/admin/tickets/{ticket}/take",
                                 data={"_csrf": await dashboard_csrf(api.client)})
    assert lost.status_code == 303 and lost.headers["location"] == "/admin/queue"
    assert "ann@shop.test already has this ticket." in (await api.client.get("/admin/queue")).text


async def test_failed_sends_show_one_plus_and_the_whole_cause(api: Api) -> None:
    message = "(#131030) Recipient phone number not in allowed list"
    await api.store.wa_outbox.insert_one({
        "_id": "wamid.plus", "to": "+15550000002", "state": "failed", "attempts": 1,
        "error": f"WhatsApp send failed (status=400): graph error 131030: {message}",
        "queued_at": datetime(2026, 1, 1, tzinfo=UTC),
        "body": format_reply("15550000002", "Your parcel left today.", [], False)})
    await _signed_in(api)
    page = (await api.client.get("/admin/failed")).text
    assert "++" not in page
    assert ">+15550000002</td>" in page and 'aria-label="Retry the reply to +15550000002"' in page
    assert f"graph error 131030: {message}</span>" in page


def test_the_latency_chart_rounds_as_the_table_does() -> None:
    figures: dict[str, Any] = {
        "funnel": [], "revenue": {"currency": "USD", "orders": 0, "total_cents": 0},
        "handoffs": {"rate": 0, "reasons": []}, "turns": 0, "by_channel": [], "by_agent": [],
        "answered_by": [], "languages": [], "least_confident": [],
        "latency_by_route": [{"route": "sales", "turns": 3, "p50_ms": 20.2, "p95_ms": 37.4}]}
    chart = view(figures)["charts"]["p95 turn latency by route (ms)"]
    assert chart == {"sales": 37}  # the table's "37 ms", not "37.40"
