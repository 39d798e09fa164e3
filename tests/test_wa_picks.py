"""WhatsApp list and button picks, reactions and captions, at the faked Graph API."""

import time
from typing import Any

from tests.api_support import ALICE_WA, Api, change, text_message, until, webhook


def list_pick(wamid: str, row_id: str, title: str) -> dict[str, Any]:
    """A customer's tap on a row of a list message, as the Cloud API posts it."""
    return {"from": ALICE_WA, "id": wamid, "timestamp": str(int(time.time())),
            "type": "interactive", "context": {"from": "15550009999", "id": "wamid.list"},
            "interactive": {"type": "list_reply", "list_reply": {
                "id": row_id, "title": title, "description": "$118.99 · Razer K70 4 Plus"}}}


def reaction(wamid: str, emoji: str = "👍") -> dict[str, Any]:
    return {"from": ALICE_WA, "id": wamid, "timestamp": str(int(time.time())),
            "type": "reaction", "reaction": {"message_id": "wamid.out1", "emoji": emoji}}


def image(wamid: str, caption: str | None) -> dict[str, Any]:
    media: dict[str, Any] = {"id": "media-7", "mime_type": "image/jpeg", "sha256": "x"}
    if caption is not None:
        media["caption"] = caption
    return {"from": ALICE_WA, "id": wamid, "timestamp": str(int(time.time())),
            "type": "image", "image": media}


async def done(api: Api, *wamids: str) -> None:
    async def finished() -> bool:
        states = {d["_id"]: d["state"] async for d in api.store.wa_inbound.find({})}
        return all(states.get(w) == "done" for w in wamids)

    await until(finished, 30.0, f"{wamids} processed")
    await api.settled()


async def test_a_list_pick_acts_on_the_picked_rows_product(api: Api) -> None:
    # The row's title is another product's name cut short: the row id decides.
    post = webhook(change([list_pick("wamid.L1", "KEY-00001", "Razer K70 4 Plus")]))
    assert (await api.whatsapp(post)).status_code == 200
    await done(api, "wamid.L1")
    (turn,) = api.turns
    assert "KEY-00001" in turn.message
    (body,) = api.sent()
    assert body["type"] == "text" and "Razer K70 4 Plus" in body["text"]["body"]
    assert api.graph_api.call_count == 1


async def test_a_pick_whose_title_is_cut_short_still_finds_its_product(api: Api) -> None:
    pick = webhook(change([list_pick("wamid.L2", "LAP-00003", "MSI ZenBo…")]))
    assert (await api.whatsapp(pick)).status_code == 200
    await done(api, "wamid.L2")
    assert "LAP-00003" in api.turns[0].message
    (body,) = api.sent()
    assert "MSI ZenBook 8 Pro" in body["text"]["body"]  # the row's product, not a search


async def test_a_reaction_is_acknowledged_and_gets_no_reply(api: Api) -> None:
    assert (await api.whatsapp(webhook(change([reaction("wamid.R1")])))).status_code == 200
    await done(api, "wamid.R1")
    assert api.turns == [] and api.graph_api.call_count == 0
    assert await api.store.db["wa_outbox"].count_documents({}) == 0
    # a text after it is answered as usual
    text = webhook(change([text_message("wamid.R2", ALICE_WA, "hello")]))
    assert (await api.whatsapp(text)).status_code == 200
    await done(api, "wamid.R2")
    assert api.graph_api.call_count == 1


async def test_an_images_caption_is_read_as_the_customers_words(api: Api) -> None:
    post = webhook(change([image("wamid.P1", "where is my order ORD-1002?")]))
    assert (await api.whatsapp(post)).status_code == 200
    await done(api, "wamid.P1")
    assert [t.message for t in api.turns] == ["where is my order ORD-1002?"]
    (body,) = api.sent()
    assert "ORD-1002" in body["text"]["body"]


async def test_an_image_without_a_caption_gets_a_polite_text_only_reply(api: Api) -> None:
    assert (await api.whatsapp(webhook(change([image("wamid.P2", None)])))).status_code == 200
    await done(api, "wamid.P2")
    assert api.turns == []
    (body,) = api.sent()
    assert "only read text" in body["text"]["body"]
    assert api.graph_api.call_count == 1
