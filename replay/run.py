"""Replay the customers' words of archived conversations, turn by turn, and compare the outcomes.

Each conversation is said again, in the order they happened, by the same customer on the same
channel, to a graph built on a throwaway copy of the shop (`replay.sandbox`) put back as it was
at the period's start where it can be (`replay.rewind`): the same graph and settings as now, or
with other models, prompts or another router. Nothing reaches the live shop or anyone outside:
the copy's own sandbox gateway charges, and the tools' HTTP goes nowhere.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING

from graph.builder import build_graph
from graph.llm import NamedModel
from graph.prompts import PromptSet
from graph.session import make_saver, run_turn
from graph.supervisor import Router
from replay.buttons import said_again
from replay.compare import FUNNEL, differences, funnel_of, turn_of
from replay.rewind import rewind
from replay.sandbox import offline_http, replay_services, shop_copy
from settings import Settings
from tools.store import Store
from tools.transcripts import COLLECTION

HELD = "human"  # `routed_by` of a turn a person had: the graph never ran it, nor does a replay


def _iso(at: datetime) -> str:
    at = at if at.tzinfo else at.replace(tzinfo=UTC)
    return at.isoformat().replace("+00:00", "Z")


async def chosen(store: Store, start: datetime, end: datetime, channel: str | None,
                 sample: int | None, seed: int = 0) -> list[str]:
    """The sessions with a turn in [start, end) (of one channel), `sample` of them at random.

    Oldest first, so that a customer's later conversation meets what the earlier one left.
    """
    match: dict[str, Any] = {"kind": "turn", "at": {"$gte": start, "$lt": end}}
    if channel:
        match["channel"] = channel
    cursor = await store.db[COLLECTION].aggregate([
        {"$match": match}, {"$group": {"_id": "$session_key", "first": {"$min": "$at"}}}])
    sessions = sorted(await cursor.to_list(), key=lambda row: (row["first"], row["_id"]))
    if sample is not None and sample < len(sessions):
        picked = set(random.Random(seed).sample(range(len(sessions)), sample))
        sessions = [s for i, s in enumerate(sessions) if i in picked]
    return [row["_id"] for row in sessions]


async def _conversation(original: Store, copy: Store, graph: Any, key: str, start: datetime,
                        end: datetime) -> dict[str, Any]:
    """One conversation said again; its turns and the funnel of each version."""
    archived = await original.db[COLLECTION].find(
        {"session_key": key, "kind": "turn", "at": {"$gte": start, "$lt": end}},
    ).sort("at", ASCENDING).to_list()
    first = archived[0]
    turns, originals, replays = [], [], []
    for index, doc in enumerate(archived, start=1):
        before = turn_of(doc)
        if doc.get("routed_by") == HELD:  # a person had the conversation: nothing to compare
            turns.append({"index": index, "text": doc.get("text", ""), "held": True,
                          "original": before, "replay": None, "differs": []})
            continue
        said = await said_again(graph, key, doc.get("text", ""))
        await run_turn(graph, customer_id=doc["user_id"], session_id=doc["session_id"],
                       message=said, channel=doc["channel"])
        await graph.checkpointer.archive.flush()
        newest = await copy.db[COLLECTION].find_one({"session_key": key, "kind": "turn"},
                                                    sort=[("at", DESCENDING)])
        after = turn_of(newest)
        originals.append(before)
        replays.append(after)
        turns.append({"index": index, "text": doc.get("text", ""), "said": said, "held": False,
                      "original": before, "replay": after,
                      "differs": differences(before, after)})
    return {"session_key": key, "channel": first["channel"], "user_id": first["user_id"],
            "started_at": _iso(first["at"]), "turns": turns,
            "funnel": {"original": funnel_of(originals), "replay": funnel_of(replays)}}


def _summary(conversations: list[dict[str, Any]]) -> dict[str, Any]:
    compared = [t for c in conversations for t in c["turns"] if not t["held"]]
    count = {what: sum(what in t["differs"] for t in compared)
             for what in ("route", "actions", "money")}
    return {
        "conversations": len(conversations), "turns": len(compared),
        "held_turns": sum(t["held"] for c in conversations for t in c["turns"]),
        "differ": count, "turns_differing": sum(bool(t["differs"]) for t in compared),
        "money_cents": {side: sum(t[side]["money_cents"] for t in compared)
                        for side in ("original", "replay")},
        "funnel": {side: {step: sum(c["funnel"][side][step] for c in conversations)
                          for step in FUNNEL} for side in ("original", "replay")},
    }


async def replay(store: Store, settings: Settings, *, start: datetime, end: datetime,
                 channel: str | None = None, sample: int | None = None, seed: int = 0,
                 models: Sequence[NamedModel] = (), router: Router | None = None,
                 prompts: PromptSet | None = None, version: str = "current") -> dict[str, Any]:
    """Replay the period's conversations on a copy of the shop; the report as plain data.

    Args:
        store: The live shop: read (its archive and collections), never written.
        settings: The settings the replayed graph runs with.
        start: The period's first instant.
        end: The instant after the period.
        channel: Only this channel's conversations; None for all.
        sample: How many conversations, picked at random (`seed`); None for all.
        seed: The random pick's seed, so that a second run replays the same ones.
        models: The models the replayed graph asks (none: offline).
        router: Another router to replay with (a changed routing); None for the product's.
        prompts: Other prompts for the models (`replay.prompts`); None for the product's.
        version: A name for what was replayed, shown in the report.

    Returns:
        `{"period", "version", "conversations": [...turn by turn...], "summary"}`.
    """
    keys = await chosen(store, start, end, channel, sample, seed)
    conversations = []
    async with shop_copy(store) as copy, offline_http() as http:
        customers = {doc["user_id"] async for doc in store.db[COLLECTION].find(
            {"session_key": {"$in": keys}, "kind": "turn"}, {"user_id": 1})}
        undone = await rewind(store, copy, customers, start)
        saver = make_saver(copy.db)
        await saver.setup()
        services = replay_services(copy, settings, http)
        graph = build_graph(services, list(models), router=router,
                            prompts=prompts).compile(checkpointer=saver)
        try:
            for key in keys:
                conversations.append(await _conversation(store, copy, graph, key, start, end))
        finally:
            await saver.archive.flush()
    return {"period": {"start": _iso(start), "end": _iso(end), "channel": channel,
                       "sample": sample, "seed": seed},
            "version": version, "rewound": undone, "conversations": conversations,
            "summary": _summary(conversations)}

