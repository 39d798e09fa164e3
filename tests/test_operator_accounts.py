"""Operators' rights on tickets through the JSON API, and accounts changed or removed."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

import cli
from channels.operator_auth import COOKIE
from settings import Settings
from tests.api_support import Api, assert_error
from tests.test_dashboard import AUTH, PASSWORD, _ticket, dashboard_csrf, sign_in
from tools import operators


async def _as(api: Api, email: str, role: str = "agent") -> dict[str, str]:
    """Sign `email` in (a fresh browser); the headers its page scripts send to the API."""
    await operators.add(api.store, email, PASSWORD, role)  # type: ignore[arg-type]
    api.client.cookies.clear()
    await sign_in(api.client, email)
    token = await dashboard_csrf(api.client)
    return {"Cookie": f"{COOKIE}={api.client.cookies.get(COOKIE)}", "X-CSRF-Token": token}


async def _post(api: Api, path: str, headers: dict[str, str], **body: str) -> httpx.Response:
    api.client.cookies.clear()  # the request's own Cookie header says who it is
    return await api.client.post(path, headers=headers, json=body or None)


async def test_another_operators_ticket_is_theirs_through_the_api_too(api: Api) -> None:
    api.client.follow_redirects = False
    ticket = await _ticket(api)
    lead = await _as(api, "lead@shop.test", "admin")
    sam = await _as(api, "sam@shop.test")
    mine = await _post(api, f"/admin/api/tickets/{ticket}/reply", lead, text="Lead here.")
    assert mine.status_code == 200
    held = await api.store.handoff_tickets.find_one({"ticket_id": ticket})
    assert held and held["taken_by"] == "lead@shop.test"  # who replies holds it

    for action, body in (("reply", {"text": "Sam here, I will take over."}), ("close", {})):
        refused = await _post(api, f"/admin/api/tickets/{ticket}/{action}", sam, **body)
        assert_error(refused, 409, "ticket_held")
        assert "lead@shop.test has this ticket" in refused.text
    said = await api.store.db["transcripts"].distinct("text", {"kind": "operator"})
    assert said == ["Lead here."]  # Sam's words reached nobody
    still = await api.store.handoff_tickets.find_one({"ticket_id": ticket})
    assert still and still["status"] == "open" and still["taken_by"] == "lead@shop.test"

    other = await _ticket(api, session="s2")
    await _post(api, f"/admin/api/tickets/{other}/reply", sam, text="Sam here.")
    closed = await _post(api, f"/admin/api/tickets/{other}/close", lead)
    assert closed.status_code == 200  # an admin may close it
    backend = await api.client.post(f"/admin/api/tickets/{ticket}/close", headers=AUTH)
    assert backend.status_code == 200  # the shop's backend acts for the shop


async def test_a_new_password_or_role_signs_the_operator_out_everywhere(api: Api) -> None:
    api.client.follow_redirects = False
    await operators.add(api.store, "sam@shop.test", PASSWORD, "admin")
    await sign_in(api.client, "sam@shop.test")
    assert (await api.client.get("/admin/queue")).status_code == 200
    await operators.add(api.store, "sam@shop.test", "another long passphrase", "agent")
    assert (await api.client.get("/admin/queue")).headers["location"] == "/admin/login"
    api.client.cookies.clear()
    assert (await sign_in(api.client, "sam@shop.test", "another long passphrase")
            ).status_code == 303
    page = await api.client.get("/admin/queue")
    assert "sam@shop.test · agent" in page.text


async def test_a_removed_operator_is_signed_out_and_their_tickets_go_back(api: Api) -> None:
    api.client.follow_redirects = False
    ticket = await _ticket(api)
    sam = await _as(api, "sam@shop.test")
    await _post(api, f"/admin/api/tickets/{ticket}/reply", sam, text="Sam here.")
    assert await operators.remove(api.store, "Sam@Shop.test")
    assert not await operators.remove(api.store, "sam@shop.test")
    api.client.cookies.set(COOKIE, sam["Cookie"].split("=", 1)[1], path="/admin")
    assert (await api.client.get("/admin/queue")).headers["location"] == "/admin/login"
    freed = await api.store.handoff_tickets.find_one({"ticket_id": ticket})
    assert freed and freed["status"] == "open" and freed["taken_by"] is None
    api.client.cookies.clear()
    assert (await sign_in(api.client, "sam@shop.test")).status_code == 401


def test_operator_remove_on_the_command_line(
        settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    for name, value in {"MONGO_URI": settings.mongo_uri or "", "DB_NAME": settings.db_name,
                        "DATA_DIR": str(tmp_path)}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr("sys.stdin", io.StringIO("a long secret phrase\n"))
    assert cli.main(["operator", "add", "gone@shop.test"]) == 0
    capsys.readouterr()
    assert cli.main(["operator", "remove", "gone@shop.test"]) == 0
    assert capsys.readouterr().out.strip() == '{"operator": "gone@shop.test", "removed": true}'
    assert cli.main(["operator", "remove", "gone@shop.test"]) == 1  # nobody to remove
    assert cli.main(["operator", "remove", "not an email"]) != 0
    assert "Traceback" not in capsys.readouterr().err


async def test_a_reply_nobody_can_receive_is_refused_and_not_kept(api: Api) -> None:
    # A WhatsApp customer whose number is gone (erased on request, say): nothing can reach them.
    await api.store.customers.insert_one({"_id": "wa-erased", "name": "Erased", "tier": "bronze"})
    await api.store.handoff_tickets.insert_one({
        "ticket_id": "TCK-NOPHONE", "customer_id": "wa-erased", "channel": "whatsapp",
        "session_id": "wa-1", "session_key": "whatsapp:wa-erased:wa-1", "status": "open",
        "reason": "a person please", "created_at": datetime.now(UTC)})
    refused = await api.client.post("/admin/api/tickets/TCK-NOPHONE/reply", headers=AUTH,
                                    json={"text": "Hello from the shop."})
    assert_error(refused, 409, "no_phone")
    assert await api.store.db["transcripts"].count_documents({"kind": "operator"}) == 0
    assert await api.store.wa_outbox.count_documents({}) == 0


async def test_the_pages_forms_keep_to_the_same_rule(api: Api) -> None:
    ticket = await _ticket(api)
    lead = await _as(api, "lead@shop.test", "admin")
    await _post(api, f"/admin/api/tickets/{ticket}/reply", lead, text="Lead here.")
    await _as(api, "sam@shop.test")
    token = await dashboard_csrf(api.client)
    api.client.follow_redirects = True
    for action, told in (("reply", "only they can reply"),
                         ("close", "only they or an admin can close it")):
        page = await api.client.post(f"/admin/tickets/{ticket}/{action}",
                                     data={"_csrf": token, "text": "Sam here."})
        assert f"lead@shop.test has this ticket: {told}." in page.text
    still = await api.store.handoff_tickets.find_one({"ticket_id": ticket})
    assert still and still["status"] == "open" and still["taken_by"] == "lead@shop.test"
    assert await api.store.db["transcripts"].distinct("text", {"kind": "operator"}) == [
        "Lead here."]
