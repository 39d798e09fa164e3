"""The dashboard's analytics and replay pages: figures for a period and channel, drawn as SVG bars.

The figures come from `tools.analytics` and the replay report from `tools.replay` when those
modules are present; until then the analytics page shows the archive's own counts
(`overview`), and the replay page says how to run a replay.
"""

from __future__ import annotations

import importlib
from datetime import datetime, timedelta
from typing import Any

from litestar import Request, get
from litestar.response import Template

from channels.admin_base import page, signed_in
from channels.operator_auth import store_of
from tools import dashboard
from tools.store import Store, now
from tools.transcripts import COLLECTION as ARCHIVE

Req = Request[Any, Any, Any]
PERIODS = {"1d": 1, "7d": 7, "30d": 30, "90d": 90}


def _optional(name: str) -> Any:
    """A module of another part of the product, if this build has it."""
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def bars(counts: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows of a bar chart: label, value, and its width in percent of the largest."""
    numbers = {str(k): float(v) for k, v in counts.items() if isinstance(v, int | float)}
    top = max(numbers.values(), default=0) or 1
    return [{"label": k, "value": v, "width": round(100 * v / top, 1)}
            for k, v in sorted(numbers.items(), key=lambda kv: -kv[1])]


async def _counts(store: Store, match: dict[str, Any], field: str) -> dict[str, int]:
    rows = await (await store.db[ARCHIVE].aggregate([
        {"$match": match}, {"$group": {"_id": f"${field}", "n": {"$sum": 1}}}])).to_list()
    return {str(r["_id"] or "—"): int(r["n"]) for r in rows}


async def overview(store: Store, since: datetime, until: datetime, channel: str | None
                   ) -> dict[str, Any]:
    """The archive's own counts for the period: turns, sessions, by channel, route, model."""
    match: dict[str, Any] = {"kind": "turn", "at": {"$gte": since, "$lt": until}}
    if channel:
        match["channel"] = channel
    sessions = await (await store.db[ARCHIVE].aggregate([
        {"$match": match}, {"$group": {"_id": "$session_key"}}, {"$count": "n"}])).to_list()
    by_channel = await _counts(store, match, "channel")
    tickets: dict[str, Any] = {"created_at": {"$gte": since, "$lt": until}}
    if channel:
        tickets["channel"] = channel
    return {"figures": {"sessions": sessions[0]["n"] if sessions else 0,
                        "turns": sum(by_channel.values()),
                        "handoffs": await store.handoff_tickets.count_documents(tickets)},
            "charts": {"Turns by channel": by_channel,
                       "Turns by route": await _counts(store, match, "route"),
                       "Answered by": await _counts(store, match, "answered_by"),
                       "Languages": await _counts(store, match, "language")}}


def _period(request: Req) -> tuple[str, datetime, datetime, str | None]:
    period = request.query_params.get("period", "7d")
    period = period if period in PERIODS else "7d"
    channel = request.query_params.get("channel") or None
    until = now()
    return (period, until - timedelta(days=PERIODS[period]), until,
            channel if channel in dashboard.CHANNELS else None)


@get("/admin/analytics", include_in_schema=False)
async def analytics(request: Req) -> Template:
    """What the assistant sells and where customers give up, for a period and a channel."""
    operator = await signed_in(request)
    period, since, until, channel = _period(request)
    module = _optional("tools.analytics")
    figures = await overview(store_of(request), since, until, channel)
    extra = None
    if module is not None and hasattr(module, "figures"):
        extra = await module.figures(store_of(request), since, until, channel)
    return page("analytics.html", operator, tab="analytics", period=period, periods=PERIODS,
                channel=channel or "", channels=dashboard.CHANNELS, overview=figures,
                extra=extra, bars=bars, built=module is not None)


@get("/admin/replay", include_in_schema=False)
async def replay(request: Req) -> Template:
    """The replay of archived conversations against a change (`omnisales replay`)."""
    operator = await signed_in(request)
    module = _optional("tools.replay")
    return page("replay.html", operator, tab="replay", built=module is not None)


ROUTES = [analytics, replay]
