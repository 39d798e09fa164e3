"""Customer tokens: `POST /widget/session`, and who a token may act as on `/chat`."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import warnings
from collections.abc import AsyncIterator
from typing import Any

import httpx
import jwt
import pytest

from channels.tokens import AUDIENCE
from settings import Settings
from tests.api_support import (
    API_KEY,
    Api,
    api_settings,
    assert_error,
    frozen_rate_window,
    running_api,
    until,
)
from tools.store import Store

IDENTITY = "widget-identity-secret-0123456789-abcdef"
SIGNING = "widget-token-secret-0123456789-abcdefghij"
SHOP = "https://shop.example"


@pytest.fixture
async def api(settings: Settings, seeded: Store,
              monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Api]:
    configured = api_settings(settings, widget_identity_secret=IDENTITY,
                              widget_token_secret=SIGNING, widget_origins=SHOP)
    async with running_api(configured, seeded, monkeypatch) as running:
        yield running


def user_hash(user_id: str, secret: str = IDENTITY) -> str:
    """What a shop's backend computes (README, Embedding the widget)."""
    return hmac.new(secret.encode(), user_id.encode(), hashlib.sha256).hexdigest()


async def session(api: Api, body: dict[str, Any] | None = None,
                  **headers: str) -> httpx.Response:
    return await api.client.post("/widget/session", json=body or {}, headers=headers)


async def token_for(api: Api, user: str = "demo-alice") -> str:
    response = await session(api, {"user_id": user, "user_hash": user_hash(user)})
    assert response.status_code == 200, response.text
    return str(response.json()["token"])


async def chat_as(api: Api, token: str, message: str, user: str = "demo-alice",
                  path: str = "/chat") -> httpx.Response:
    return await api.client.post(path, json={"user_id": user, "session_id": "w1",
                                             "message": message},
                                 headers={"Authorization": f"Bearer {token}"})


def forged(claims: dict[str, Any], key: str | None = SIGNING, algorithm: str = "HS256") -> str:
    now = int(time.time())
    payload = {"sub": "demo-alice", "iat": now, "exp": now + 600, "aud": AUDIENCE} | claims
    with warnings.catch_warnings():  # PyJWT finds our key short for HS512: a forgery anyway
        warnings.simplefilter("ignore")
        return jwt.encode(payload, key, algorithm=algorithm)


async def test_a_signed_in_customer_gets_a_short_token_bound_to_them(api: Api) -> None:
    started = time.time()
    response = await session(api, {"user_id": "demo-alice", "user_hash": user_hash("demo-alice")})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"token", "user_id", "expires_in"}
    assert body["user_id"] == "demo-alice" and body["expires_in"] == 900
    claims = jwt.decode(body["token"], SIGNING, algorithms=["HS256"], audience=AUDIENCE)
    assert jwt.get_unverified_header(body["token"])["alg"] == "HS256"
    assert claims["sub"] == "demo-alice"
    assert started + 890 <= claims["exp"] <= time.time() + 900


async def test_a_wrong_hash_is_refused(api: Api) -> None:
    for body in ({"user_id": "demo-alice", "user_hash": user_hash("demo-bob")},
                 {"user_id": "demo-alice", "user_hash": user_hash("demo-alice", "guessed")},
                 {"user_id": "demo-alice", "user_hash": "00" * 32}):
        assert_error(await session(api, body), 401, "unauthorized")
    assert_error(await session(api, {"user_id": "demo-alice"}), 422)
    assert_error(await session(api, {"user_id": "demo alice!", "user_hash": "ab"}), 422)


async def test_a_guest_gets_a_new_id_and_renews_it_with_its_own_token(api: Api) -> None:
    first, second = (await session(api)).json(), (await session(api)).json()
    assert first["user_id"].startswith("guest-") and second["user_id"].startswith("guest-")
    assert first["user_id"] != second["user_id"] and first["expires_in"] == 900
    renewed = await session(api, Authorization=f"Bearer {first['token']}")
    assert renewed.status_code == 200 and renewed.json()["user_id"] == first["user_id"]
    # A signed-in customer goes back to the shop's backend: the token alone renews nothing.
    alice = await token_for(api)
    assert_error(await session(api, Authorization=f"Bearer {alice}"), 403, "forbidden")
    assert_error(await session(api, Authorization="Bearer not-a-token"), 401)

    reply = await chat_as(api, first["token"], "hello", user=first["user_id"])
    assert reply.status_code == 200, reply.text
    assert [(t.customer_id, t.source) for t in api.turns] == [(first["user_id"],
                                                              "channel/widget")]


async def test_a_token_acts_only_for_its_customer(api: Api) -> None:
    token = await token_for(api)
    own = await chat_as(api, token, "where is my order ORD-1002?")
    assert own.status_code == 200 and "ORD-1002" in own.text
    assert_error(await chat_as(api, token, "where is my order ORD-1003?", user="demo-bob"),
                 403, "forbidden")
    stream = await chat_as(api, token, "how many points do I have?", user="demo-bob",
                           path="/chat/stream")
    assert_error(stream, 403, "forbidden")
    assert [(t.customer_id, t.message) for t in api.turns] == [
        ("demo-alice", "where is my order ORD-1002?")]
    # The shop's backend, with the API key, still names any customer.
    assert (await api.chat("where is my order ORD-1003?", user="demo-bob")).status_code == 200


async def test_a_token_streams_a_turn(api: Api) -> None:
    response = await chat_as(api, await token_for(api), "how many points do I have?",
                             path="/chat/stream")
    assert response.status_code == 200
    events = [line.removeprefix("event: ") for line in response.text.splitlines()
              if line.startswith("event: ")]
    assert events[-1] == "response"
    last = response.text.rstrip().splitlines()[-1].removeprefix("data: ")
    assert json.loads(last)["actions"][0]["type"] == "points"


@pytest.mark.parametrize("token", [
    pytest.param(forged({}, key=None, algorithm="none"), id="alg-none"),
    pytest.param(forged({}, algorithm="HS512"), id="another-algorithm"),
    pytest.param(forged({}, key="another-secret-0123456789-abcdefghijklm"), id="bad-signature"),
    pytest.param(forged({"iat": int(time.time()) - 2000, "exp": int(time.time()) - 60}),
                 id="expired"),
    pytest.param(forged({"exp": int(time.time()) + 86400}), id="longer-than-15-minutes"),
    pytest.param(forged({"aud": "someone-else"}), id="another-audience"),
    pytest.param(forged({"sub": ""}), id="no-customer"),
    pytest.param("eyJhbGciOiJIUzI1NiJ9.e30.", id="garbage"),
])
async def test_a_bad_token_is_refused(api: Api, token: str) -> None:
    for path in ("/chat", "/chat/stream"):
        assert_error(await chat_as(api, token, "hello", path=path), 401, "unauthorized")
    assert api.turns == []


async def test_a_token_would_pass_with_the_right_claims(api: Api) -> None:
    """The forged tokens above fail for their one flaw: the same forgery done right works."""
    assert (await chat_as(api, forged({}), "hello")).status_code == 200


async def test_turns_are_limited_per_token_customer(api: Api) -> None:
    token = await token_for(api)
    with frozen_rate_window():
        answers = [(await chat_as(api, token, "hi")).status_code for _ in range(21)]
    assert answers[:20] == [200] * 20 and answers[20] == 429


async def test_widget_requests_count_against_the_address(
    settings: Settings, seeded: Store, monkeypatch: pytest.MonkeyPatch,
) -> None:
    configured = api_settings(settings, widget_token_secret=SIGNING, rate_limit_per_address=4)
    async with running_api(configured, seeded, monkeypatch) as api:
        with frozen_rate_window():
            for _ in range(3):  # the API key is not counted per address
                assert (await api.chat("hi")).status_code == 200
            guests = [(await session(api)).json() for _ in range(2)]
            answers = [(await chat_as(api, g["token"], "hi", user=g["user_id"])).status_code
                       for g in guests]
            limited = await chat_as(api, guests[0]["token"], "hi", user=guests[0]["user_id"])
    assert answers == [200, 200]
    assert_error(limited, 429, "rate_limited")
    assert int(limited.headers["retry-after"]) >= 1


async def test_a_shop_backend_with_the_api_key_is_not_limited_as_one_address(
    settings: Settings, seeded: Store, monkeypatch: pytest.MonkeyPatch,
) -> None:
    configured = api_settings(settings, widget_identity_secret=IDENTITY, rate_limit_per_address=2)
    signed = {"user_id": "demo-bob", "user_hash": user_hash("demo-bob")}
    async with running_api(configured, seeded, monkeypatch) as api:
        with frozen_rate_window():
            backend = [(await session(api, signed, Authorization=f"Bearer {API_KEY}")).status_code
                       for _ in range(4)]
            browser = [(await session(api, signed)).status_code for _ in range(3)]
    assert backend == [200] * 4
    assert browser == [200, 200, 429]


async def test_the_frame_may_be_framed_by_the_shop_and_nothing_else_may(api: Api) -> None:
    frame = await api.client.get("/widget/frame")
    assert frame.status_code == 200 and "text/html" in frame.headers["content-type"]
    policy = frame.headers["content-security-policy"]
    assert f"frame-ancestors 'self' {SHOP}" in policy and "default-src 'none'" in policy
    assert "x-frame-options" not in frame.headers
    for path in ("/health", "/widget.js", "/widget/assets/widget.css"):
        response = await api.client.get(path)
        assert response.status_code == 200, path
        assert response.headers["content-security-policy"] == (
            "default-src 'none'; frame-ancestors 'none'"), path
        assert response.headers["x-frame-options"] == "DENY", path
    assert "javascript" in (await api.client.get("/widget.js")).headers["content-type"]


async def test_the_demo_shop_signs_its_customers_in_on_the_server(api: Api) -> None:
    page = await api.client.get("/")
    assert page.status_code == 200 and "/widget.js" in page.text
    assert 'data-token-url="/demo/token?as=demo-alice"' in page.text
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert IDENTITY not in page.text
    guest = await api.client.get("/", params={"as": "guest"})
    assert "data-token-url" not in guest.text.split("/widget.js")[1].split(">")[0]
    bob = (await api.client.get("/demo/token", params={"as": "demo-bob"})).json()
    assert bob["user_id"] == "demo-bob"
    assert jwt.decode(bob["token"], SIGNING, algorithms=["HS256"],
                      audience=AUDIENCE)["sub"] == "demo-bob"
    assert_error(await api.client.get("/demo/token", params={"as": "someone"}), 404)


async def test_production_has_no_demo_shop(settings: Settings, seeded: Store,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    production = api_settings(settings, environment="production", widget_identity_secret=IDENTITY,
                              widget_token_secret=SIGNING)
    async with running_api(production, seeded, monkeypatch) as api:
        assert (await api.client.get("/")).status_code == 404
        assert (await api.client.get("/demo/token", params={"as": "demo-alice"})
                ).status_code == 404
        assert (await api.client.get("/widget.js")).status_code == 200
        assert (await token_for(api)).count(".") == 2


def test_production_requires_both_widget_secrets() -> None:
    base: dict[str, Any] = {"environment": "production", "api_secret_key": API_KEY,
                            "mongo_uri": "mongodb://db.internal/"}
    with pytest.raises(ValueError, match="WIDGET_IDENTITY_SECRET"):
        Settings(_env_file=None, **base)  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="WIDGET_TOKEN_SECRET"):
        Settings(_env_file=None, **base | {"widget_identity_secret": IDENTITY})  # type: ignore[call-arg]
    both = Settings(_env_file=None, **base | {  # type: ignore[call-arg]
        "widget_identity_secret": IDENTITY, "widget_token_secret": SIGNING})
    assert both.token_secret == SIGNING and both.identity_secret == IDENTITY


def test_development_generates_the_widget_secrets_once(tmp_path: Any) -> None:
    first = Settings(_env_file=None, data_dir=tmp_path)  # type: ignore[call-arg]
    again = Settings(_env_file=None, data_dir=tmp_path)  # type: ignore[call-arg]
    assert len(first.token_secret) >= 32 and first.token_secret == again.token_secret
    assert first.identity_secret == again.identity_secret != first.token_secret
    assert (tmp_path / "widget_token_secret").stat().st_mode & 0o077 == 0
    origins: dict[str, Any] = {"widget_origins": "https://a.example, http://127.0.0.1:8080/"}
    assert Settings(_env_file=None, **origins  # type: ignore[call-arg]
                    ).widget_origins == ["https://a.example", "http://127.0.0.1:8080"]
    for bad in ("https://a.example; script-src *", "*", "https://a.example/shop", "a.example"):
        with pytest.raises(ValueError, match="WIDGET_ORIGINS"):
            values: dict[str, Any] = {"widget_origins": bad}
            Settings(_env_file=None, **values)  # type: ignore[call-arg]


async def test_a_token_reads_only_its_own_history(api: Api) -> None:
    alice = await token_for(api)
    assert (await chat_as(api, alice, "where is my order ORD-1002?")).status_code == 200
    auth = {"Authorization": f"Bearer {alice}"}

    async def archived() -> bool:  # the archive gathers its writes for a moment
        return await api.store.db["transcripts"].count_documents({"user_id": "demo-alice"}) > 0

    await until(archived, 10, "the turn archived")
    own = await api.client.get("/chat/history", params={"session_id": "w1"}, headers=auth)
    assert own.status_code == 200, own.text
    assert [m["role"] for m in own.json()["messages"]] == ["customer", "assistant"]
    assert "ORD-1002" in own.json()["messages"][1]["text"]
    named = await api.client.get("/chat/history", headers=auth,
                                 params={"session_id": "w1", "user_id": "demo-alice"})
    assert named.json() == own.json()
    for path in ("/chat/history", "/chat/events"):
        assert_error(await api.client.get(path, headers=auth, params={
            "session_id": "w1", "user_id": "demo-bob"}), 403, "forbidden")
        assert_error(await api.client.get(path, params={"session_id": "w1"}, headers={
            "Authorization": f"Bearer {forged({}, key=None, algorithm='none')}"}), 401)
    bob = await token_for(api, "demo-bob")  # Bob's token sees Bob's session of that name
    other = await api.client.get("/chat/history", params={"session_id": "w1"},
                                 headers={"Authorization": f"Bearer {bob}"})
    assert other.status_code == 200 and other.json()["messages"] == []
