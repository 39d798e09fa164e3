"""A realistic conversation archive in bulk: sessions over 30 days, tickets and paid payments."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from pymongo.errors import AutoReconnect

from tools.context import session_key
from tools.store import Doc, Store
from tools.transcripts import COLLECTION, entry

SPREAD = timedelta(days=30)
BATCH = 20_000  # entries an insert_many carries
GAP = timedelta(seconds=40)  # between a session's turns
CHANNELS = (("web", 6), ("whatsapp", 3), ("voice", 1))
LANGUAGES = (("en", 14), ("es", 2), ("fr", 2), ("de", 1), ("hi", 1))
MODELS = (("openrouter", 11), ("offline", 8), ("ollama", 1))
ROUTES = (("recommendation", 8), ("payment", 4), ("fulfillment", 4), ("inventory", 2),
          ("loyalty", 1), ("post_purchase", 1), ("general", 3), ("handoff", 1))
OPEN_FOR = timedelta(hours=6)  # tickets opened this recently are still open
WORDS = ("do you have a cheap laptop", "add it to my cart", "pay for my cart", "yes",
         "where is my order", "how many points do I have", "I want to return my headphones",
         "is the camera in stock in Berlin", "talk to a person", "hola, busco un portátil")


def _pick(rng: random.Random, weighted: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([k for k, _ in weighted], [w for _, w in weighted])[0]


def _actions(rng: random.Random, route: str, payment_id: str, step: int) -> list[Doc]:
    if route == "recommendation":
        return [{"type": "product_list", "products": [
            {"sku": f"LAP-{rng.randrange(1, 240):05d}", "name": "Laptop", "price": 899.0}
            for _ in range(3)]}]
    if route == "payment":
        return [[{"type": "cart", "items": [], "added": "LAP-00001", "total": 899.0}],
                [{"type": "payment_confirmation", "payment_id": payment_id, "total": 899.0}],
                [{"type": "payment_status", "payment_id": payment_id, "status": "paid",
                  "total": 899.0}]][min(step, 2)]
    others: dict[str, list[Doc]] = {
        "fulfillment": [{"type": "order_status", "order_id": "ORD-1002", "status": "shipped"}],
        "inventory": [{"type": "stock", "sku": "CAM-00003", "quantity": 4}],
        "loyalty": [{"type": "points", "balance": 1200}],
        "post_purchase": [{"type": "return", "return_id": "RET-1", "status": "opened"}]}
    return others.get(route, [])


def _session(rng: random.Random, n: int, at: datetime, out: list[Doc], tickets: list[Doc],
             payments: list[Doc], now: datetime) -> None:
    """One session's entries (appended to `out`), with its ticket and payment if it had one."""
    channel, user, sid = _pick(rng, CHANNELS), f"c{n}", f"s{n}"
    key = session_key(channel, user, sid)
    language, model = _pick(rng, LANGUAGES), _pick(rng, MODELS)
    payment_id, paid_step = f"PAY-{n:012d}", 0
    for k in range(rng.randint(1, 16)):
        route = _pick(rng, ROUTES)
        when = at + GAP * k
        actions = _actions(rng, route, payment_id, paid_step)
        if route == "payment":
            paid_step += 1
        doc = entry("turn", key, channel, user, sid, at=when, text=rng.choice(WORDS),
                    reply="Here is what I found.", replied_at=when + timedelta(seconds=1),
                    route=route, routed_by="classifier", agent=route, answered_by=model,
                    actions=actions, language=language, tokens=0 if model == "offline" else 900,
                    latency_ms=round(rng.lognormvariate(5.5, 0.8), 1), mode="assistant")
        if rng.random() < 0.8:  # the rest were follow-ups, decided without a classifier score
            doc["confidence"] = round(rng.uniform(0.25, 1.0), 4)
        out.append(doc)
        if route == "handoff" and not any(t["session_key"] == key for t in tickets[-1:]):
            tickets.append({"ticket_id": f"T-{n}", "customer_id": user, "channel": channel,
                            "session_id": sid, "session_key": key, "reason": rng.choice(
                                ("damaged item", "wants a person", "refund question")),
                            "status": "open" if now - when < OPEN_FOR else "closed",
                            "created_at": when})
            out.append(entry("mode", key, channel, user, sid, at=when, mode="human",
                             ticket_id=f"T-{n}"))
    if paid_step >= 3:
        paid = at + GAP * 16
        payments.append({"payment_id": payment_id, "idempotency_key": f"pay:{payment_id}",
                         "customer_id": user, "session_key": key, "channel": channel,
                         "source": "cart", "status": "paid", "total_cents": 89_900,
                         "currency": "USD", "created_at": paid, "settled_at": paid})


async def _insert(store: Store, name: str, docs: list[Doc]) -> None:
    for attempt in range(3):  # a loaded machine's missed heartbeat resets the connection
        try:  # a retry skips the entries the last attempt inserted (their `_id` is set)
            await store.insert_new(name, docs)
            return
        except AutoReconnect:
            if attempt == 2:
                raise


async def fill(store: Store, start: int, stop: int, seed: int = 7, *,
               ago: timedelta = timedelta(0), spread: timedelta = SPREAD) -> str:
    """Archive entries `start` to `stop` (about), their sessions spread over `spread`.

    The sessions start within [now - ago - spread, now - ago): by default the last 30 days.
    Returns the key of the longest session of this part, for the one-conversation view.
    """
    rng = random.Random(seed + start)
    now = datetime.now(UTC)
    origin = now - ago - spread
    written, n, longest = start, start, ("", 0)
    while written < stop:
        docs: list[Doc] = []
        tickets: list[Doc] = []
        payments: list[Doc] = []
        while len(docs) < min(BATCH, stop - written):
            begun = len(docs)
            at = origin + (spread - GAP * 20) * rng.random()
            _session(rng, n, at, docs, tickets, payments, now)
            if len(docs) - begun > longest[1]:
                longest = (docs[-1]["session_key"], len(docs) - begun)
            n += 1
        for name, more in ((COLLECTION, docs), ("handoff_tickets", tickets),
                           ("payments", payments)):
            await _insert(store, name, more)
        written += len(docs)
    return longest[0]

