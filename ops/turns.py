"""What a turn reports to operations: its log fields, its latency and the routing decision."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ops import metrics
from ops.logs import note_turn, turn_fields

log = logging.getLogger("omnisales.turn")


@contextmanager
def observed_turn(thread: str, channel: str) -> Iterator[dict[str, Any]]:
    """Log fields for the turn's lines; on leaving, its closing line and latency.

    The caller puts the run's final values in the yielded dict under `values`; a turn that
    raised is logged as failed and not timed (its latency would mix with answered turns').
    """
    started = time.perf_counter()
    outcome: dict[str, Any] = {}
    with turn_fields(thread):
        try:
            yield outcome
        except BaseException as exc:
            log.info("turn failed", extra={"error": type(exc).__name__, "channel": channel})
            raise
        values = outcome.get("values") or {}
        route = str(values.get("route", "general"))
        note_turn(route=route, agent=route, answered_by=str(values.get("answered_by", "")))
        elapsed = time.perf_counter() - started
        metrics.TURN_SECONDS.labels(route, channel).observe(elapsed)
        log.info("turn", extra={"channel": channel, "duration_ms": round(elapsed * 1000, 1),
                                "awaiting_confirmation": bool(values.get("pending"))})


def routed(stage: str, route: str) -> None:
    """The supervisor's decision: counted by stage, and `route` on the turn's later lines."""
    metrics.ROUTING.labels(stage, route).inc()
    note_turn(route=route)
