"""schemathesis hooks (`SCHEMATHESIS_HOOKS`): sign webhook bodies as Meta and the voice provider do.

Without them every generated webhook is refused for its signature and the handlers behind it are
never fuzzed. A header the case leaves out stays out (the missing-header check wants that 4xx).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import time
from typing import Any

import schemathesis


def _raw(body: Any) -> bytes:
    """The bytes the requests transport will send for this body (`json=` serialisation)."""
    if body is None or type(body).__name__ == "NotSet":
        return b""
    if isinstance(body, bytes):
        return body
    return json.dumps(body, allow_nan=False).encode()


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    """Replace the generated signature headers with valid ones over the body to be sent."""
    headers = case.headers or {}
    try:
        raw = _raw(case.body)
    except (TypeError, ValueError):
        return
    if "X-Hub-Signature-256" in headers:
        secret = os.environ["WHATSAPP_APP_SECRET"].encode()
        headers["X-Hub-Signature-256"] = "sha256=" + hmac.new(secret, raw,
                                                              hashlib.sha256).hexdigest()
    if "X-SuperU-Signature" in headers and "X-SuperU-Timestamp" in headers:
        stamp = str(int(time.time()))
        secret = os.environ["SUPERU_WEBHOOK_SECRET"].encode()
        headers["X-SuperU-Timestamp"] = stamp
        headers["X-SuperU-Signature"] = hmac.new(secret, stamp.encode() + b"." + raw,
                                                 hashlib.sha256).hexdigest()
