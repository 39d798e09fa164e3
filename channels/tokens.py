"""Customer tokens for the web widget: short-lived HS256 JWTs bound to one customer."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta

from litestar.exceptions import NotAuthorizedException
from litestar.security.jwt import Token

ALGORITHM = "HS256"  # the only one accepted: `alg: none` and every other algorithm are refused
AUDIENCE = "omnisales-widget"  # a JWT signed with the same key for another purpose is no token
TOKEN_TTL_S = 900
CLOCK_SKEW_S = 5
GUEST_PREFIX = "guest-"


def identity_hash(user_id: str, secret: str) -> str:
    """The shop backend's proof that it signed the customer in: hex HMAC-SHA256 of the id."""
    return hmac.new(secret.encode(), user_id.encode(), hashlib.sha256).hexdigest()


def identity_ok(user_id: str, user_hash: str, secret: str) -> bool:
    """Whether `user_hash` is the identity hash of `user_id`, compared in constant time."""
    return hmac.compare_digest(identity_hash(user_id, secret).encode(),
                               user_hash.strip().lower().encode())


def new_guest() -> str:
    """A new guest's customer id: random, so that no guest can name another's conversation."""
    return GUEST_PREFIX + secrets.token_hex(8)


def issue(customer: str, secret: str, ttl_s: int = TOKEN_TTL_S) -> str:
    """A token for `customer` that expires `ttl_s` seconds from now (at most 15 minutes)."""
    now = datetime.now(UTC)
    token = Token(sub=customer, exp=now + timedelta(seconds=min(ttl_s, TOKEN_TTL_S)),
                  aud=AUDIENCE, jti=secrets.token_hex(8))
    return token.encode(secret, ALGORITHM)


def customer_of(encoded: str, secret: str) -> str | None:
    """The customer a valid token is bound to; None for anything else.

    Litestar's `Token.decode` checks the signature with PyJWT under HS256 alone, the audience
    and the expiry; a token whose expiry lies further ahead than we ever issue is refused too
    (it was not made by `issue`, whoever holds the key).
    """
    try:
        token = Token.decode(encoded, secret, ALGORITHM, audience=AUDIENCE,
                             require_claims=["exp", "sub", "aud"])
    except NotAuthorizedException:
        return None
    ahead = (token.exp - datetime.now(UTC)).total_seconds()
    if ahead > TOKEN_TTL_S + CLOCK_SKEW_S:
        return None
    return token.sub
