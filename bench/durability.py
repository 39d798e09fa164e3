"""What acknowledged writes cost and whether they survive SIGKILL, per durability setting.

Each setting starts its own embedded server on a fresh directory, times N single-document
inserts (as the product writes a payment or an inbox message: one at a time) and ten
collections made and dropped (as each test's database is), then writes a burst of 1,000 from 20
clients at once, kills the server with SIGKILL right after the last acknowledgement, restarts
it on the same storage and counts what is there. The settings run side by side in one
process, so the figures to read are the ratios to the default, not the absolute times.

    python -m bench.durability [--inserts 300]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from pymongo import MongoClient, WriteConcern

from bench.common import Measure
from checkpoints.embedded import start_embedded

# A journaled insert fsyncs; what it may cost against one that does not, on this server.
JOURNAL_COST_TARGET = 10.0
BURST, BURST_CLIENTS = 1000, 20
# (name, --sync-on-commit, the write concern of the inserts)
SETTINGS: list[tuple[str, bool, dict[str, Any]]] = [
    ("default (w:1, no fsync)", False, {}),
    ("j:true per write", False, {"j": True}),
    ("--sync-on-commit", True, {}),
    ("--sync-on-commit + j:true", True, {"j": True}),
]


def run_one(sync_on_commit: bool, concern: dict[str, Any], inserts: int) -> dict[str, Any]:
    """Time `inserts` acknowledged inserts, kill the server, restart, count the survivors."""
    with tempfile.TemporaryDirectory(prefix="omnisales-dur-") as tmp:
        data_dir = Path(tmp)
        server = start_embedded(data_dir, sync_on_commit=sync_on_commit)
        client: MongoClient[dict[str, Any]] = MongoClient(server.uri)
        coll = client["bench"].get_collection("payments", write_concern=WriteConcern(**concern))
        coll.insert_one({"_id": "warm"})
        started = time.perf_counter()
        for i in range(inserts):
            coll.insert_one({"_id": f"PAY-{i}", "total_cents": 100 + i, "status": "paid"})
        elapsed = time.perf_counter() - started
        # Collections and indexes made and dropped, as each test's database is.
        ddl_started = time.perf_counter()
        scratch = client.get_database("scratch", write_concern=WriteConcern(**concern))
        for n in range(10):
            scratch[f"c{n}"].create_index("k")
            scratch[f"c{n}"].insert_one({"k": n})
        client.drop_database("scratch")
        ddl = time.perf_counter() - ddl_started
        # Then a burst from many clients at once, as under load: the last acknowledgements
        # are the ones a SIGKILL can take without the journal.
        with ThreadPoolExecutor(BURST_CLIENTS) as pool:
            list(pool.map(lambda i: coll.insert_one({"_id": f"BURST-{i}", "n": i}),
                          range(BURST)))
        assert server.process is not None
        os.kill(server.process.pid, signal.SIGKILL)  # right after the last acknowledgement
        server.process.wait()
        client.close()
        (data_dir / "mongo.json").unlink(missing_ok=True)
        again = start_embedded(data_dir, sync_on_commit=sync_on_commit)
        after: MongoClient[dict[str, Any]] = MongoClient(again.uri)
        kept = after["bench"]["payments"].count_documents({"_id": {"$ne": "warm"}})
        acknowledged = inserts + BURST
        after.close()
        again.stop()
        return {"ms_per_insert": round(elapsed * 1000 / inserts, 3),
                "s_ten_collections_made_and_dropped": round(ddl, 2), "acknowledged": acknowledged,
                "kept_after_sigkill": kept}


async def measure(inserts: int = 200) -> list[Measure]:
    """durable_insert: journaled inserts (as the product writes money) against the default."""
    default = await asyncio.to_thread(run_one, False, {}, inserts)
    journaled = await asyncio.to_thread(run_one, False, {"j": True}, inserts)
    return [Measure(
        "durable_insert", journaled["ms_per_insert"], default["ms_per_insert"],
        journaled["ms_per_insert"] / default["ms_per_insert"], JOURNAL_COST_TARGET, "ms",
        f"one insert with j:true (the product's money and inbox collections) against w:1, on "
        f"the embedded server; after SIGKILL right after the last acknowledgement "
        f"{journaled['kept_after_sigkill']}/{journaled['acknowledged']} journaled and "
        f"{default['kept_after_sigkill']}/{default['acknowledged']} default inserts were there")]


def main() -> None:
    """Run every setting and print a JSON table with each one's cost relative to the default."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--inserts", type=int, default=300)
    args = parser.parse_args()
    rows = {name: run_one(sync, concern, args.inserts) for name, sync, concern in SETTINGS}
    base = rows[SETTINGS[0][0]]["ms_per_insert"]
    ddl_base = rows[SETTINGS[0][0]]["s_ten_collections_made_and_dropped"]
    for row in rows.values():
        row["cost_vs_default"] = round(row["ms_per_insert"] / base, 2)
        row["ddl_cost_vs_default"] = round(row["s_ten_collections_made_and_dropped"] / ddl_base, 2)
    print(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
