"""The dashboard's analytics and replay pages: figures for a period and channel, drawn as SVG bars.

The figures are `tools.analytics.figures`; the replay is `replay.run.replay` (as `omnisales
replay` runs it) on a sample of the period's conversations, against the running settings.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from litestar import Request, get, post
from litestar.response import Template

from channels.admin_base import page, signed_in
from channels.operator_auth import store_of
from replay.run import replay
from tools import analytics, dashboard
from tools.store import now

Req = Request[Any, Any, Any]
PERIODS = {"1d": 1, "7d": 7, "30d": 30, "90d": 90}


def bars(counts: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows of a bar chart: label, value, and its width in percent of the largest."""
    numbers = {str(k): float(v) for k, v in counts.items() if isinstance(v, int | float)}
    top = max(numbers.values(), default=0) or 1
    return [{"label": k, "value": v, "width": round(100 * v / top, 1)}
            for k, v in sorted(numbers.items(), key=lambda kv: -kv[1])]


def view(figures: dict[str, Any]) -> dict[str, Any]:
    """`tools.analytics.figures` as the page draws them: headline figures, charts, tables."""
    funnel = figures["funnel"]
    sessions = funnel[0]["sessions"] if funnel else 0
    paid = funnel[-1]["sessions"] if funnel else 0
    revenue = figures["revenue"]
    currency = revenue["currency"]
    handoffs = figures["handoffs"]
    return {
        "figures": [("Sessions", f"{sessions:,}"), ("Turns", f"{figures['turns']:,}"),
                    ("Paid orders", f"{revenue['orders']:,}"),
                    (f"Revenue ({currency})", f"{revenue['total_cents'] / 100:,.2f}"),
                    ("Conversion", f"{(paid / sessions if sessions else 0):.1%}"),
                    ("Handoff rate", f"{handoffs['rate']:.1%}")],
        "charts": {
            "Funnel (sessions)": {s["step"].replace("_", " "): s["sessions"] for s in funnel},
            f"Revenue by channel ({currency})": {
                c["channel"]: c["revenue_cents"] / 100 for c in figures["by_channel"]},
            f"Revenue by agent ({currency})": {
                a["agent"]: a["revenue_cents"] / 100 for a in figures["by_agent"]
                if a["revenue_cents"]},
            "Handoff reasons": {r["reason"][:40]: r["count"] for r in handoffs["reasons"]},
            "Turns answered by": {m["answered_by"]: m["turns"] for m in figures["answered_by"]},
            "Languages (turns)": {m["language"]: m["turns"] for m in figures["languages"]},
            # Whole milliseconds, as the latency table shows them.
            "p95 turn latency by route (ms)": {
                r["route"]: round(r["p95_ms"]) for r in figures["latency_by_route"]}},
        "by_channel": figures["by_channel"], "by_agent": figures["by_agent"],
        "latency": figures["latency_by_route"], "least": figures["least_confident"],
        "currency": currency,
    }


def _period(request: Req) -> tuple[str, datetime, datetime, str | None]:
    period = request.query_params.get("period", "7d")
    period = period if period in PERIODS else "7d"
    channel = request.query_params.get("channel") or None
    until = now()
    return (period, until - timedelta(days=PERIODS[period]), until,
            channel if channel in dashboard.CHANNELS else None)


@get("/admin/analytics", include_in_schema=False)
async def analytics_page(request: Req) -> Template:
    """What the assistant sells and where customers give up, for a period and a channel."""
    operator = await signed_in(request)
    period, since, until, channel = _period(request)
    shown = view(await analytics.figures(store_of(request), since, until, channel))
    return page("analytics.html", operator, tab="analytics", period=period, periods=PERIODS,
                channel=channel or "", channels=dashboard.CHANNELS, bars=bars, **shown)


REPLAY_MOST = 20  # conversations one replay from the page may take (it runs in the request)


@get("/admin/replay", include_in_schema=False)
async def replay_page(request: Req) -> Template:
    """The replay's form: which period, channel and how many conversations."""
    operator = await signed_in(request)
    return page("replay.html", operator, tab="replay", periods=PERIODS, period="7d", channel="",
                channels=dashboard.CHANNELS, sample=5, report=None, most=REPLAY_MOST)


@post("/admin/replay", include_in_schema=False, status_code=200)
async def replay_run(request: Req) -> Template:
    """Replay a sample of the period's conversations on a throwaway copy of the shop.

    Against the running settings and models: turn by turn where the route, the actions and the
    money differ from what happened, and the funnel each version reached.
    """
    operator = await signed_in(request)
    form = await request.form()
    period = str(form.get("period") or "7d")
    period = period if period in PERIODS else "7d"
    channel = str(form.get("channel") or "") or None
    channel = channel if channel in dashboard.CHANNELS else None
    try:
        sample = min(max(int(str(form.get("sample") or 5)), 1), REPLAY_MOST)
    except ValueError:
        sample = 5
    app = request.app.state.omnisales
    end = now()
    report = await replay(app.store, app.settings, start=end - timedelta(days=PERIODS[period]),
                          end=end, channel=channel, sample=sample, models=app.models,
                          version="current settings")
    return page("replay.html", operator, tab="replay", periods=PERIODS, period=period,
                channel=channel or "", channels=dashboard.CHANNELS, sample=sample,
                report=report, most=REPLAY_MOST)


ROUTES = [analytics_page, replay_page, replay_run]
