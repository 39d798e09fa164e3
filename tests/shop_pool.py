"""One demo-shop database per test worker, put back as seeded between tests instead of copied.

Copying the demo shop into a fresh database cost ~0.2 s per test on the embedded server: its
`$out` drops the target's indexes, and rebuilding the products' (multikey) and the stock's
indexes was most of it. Most tests write a handful of small collections and only read the
catalogue, so a worker keeps one database holding the shop, watches every command its process
sends (a global pymongo listener), and before the next test puts back only what was written:
a collection of the shop is copied again from the template, any other collection is dropped
and its indexes made again. A command it cannot place, or a database that does not look as
expected afterwards, resets the whole database as a fresh copy would.
"""

from __future__ import annotations

import threading
from typing import Any

from pymongo import monitoring
from pymongo.asynchronous.database import AsyncDatabase

from tools import notices
from tools.store import INDEXES

# Commands that change nothing; anything not listed here and not a known write resets it all.
_READS = frozenset({
    "find", "getMore", "count", "distinct", "listCollections", "listIndexes", "listDatabases",
    "ping", "hello", "isMaster", "ismaster", "buildInfo", "serverStatus", "killCursors",
    "endSessions", "dbStats", "collStats", "explain", "connectionStatus", "getParameter",
    "hostInfo", "saslStart", "saslContinue", "getLog", "whatsmyuri", "getCmdLineOpts"})
# Writes to the collection named by the command's first field.
_WRITES = frozenset({
    "insert", "update", "delete", "findAndModify", "create", "drop", "createIndexes",
    "dropIndexes", "collMod"})
ALL = "*"
# Creating an index the registry names on its collection changes nothing here: every copy
# already has it (a start-up's `ensure_indexes`).
_REGISTERED = {name: {str(model.document["name"]) for model in models}
               for name, models in INDEXES.items()}


class Writes(monitoring.CommandListener):
    """The collections each database was written to, as the commands sent name them."""

    def __init__(self) -> None:
        self.lock = threading.Lock()  # the API under test runs in a thread of its own
        self.dirty: dict[str, set[str]] = {}

    def mark(self, db: str, collection: str) -> None:
        with self.lock:
            self.dirty.setdefault(db, set()).add(collection)

    def take(self, db: str) -> set[str]:
        """What was written to `db` since the last call."""
        with self.lock:
            return self.dirty.pop(db, set())

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        name, command, db = event.command_name, event.command, event.database_name
        if name in _READS:
            return
        if name in _WRITES and isinstance(command.get(name), str):
            if name == "createIndexes" and {
                    index.get("name") for index in command.get("indexes", [])
            } <= _REGISTERED.get(command[name], set()):
                return
            self.mark(db, command[name])
        elif name == "aggregate":
            last = (command.get("pipeline") or [{}])[-1]
            target = last.get("$out", last.get("$merge"))
            if target is None:
                return
            if isinstance(target, str):
                self.mark(db, target)
            else:
                into = target.get("into", target)
                if isinstance(into, str):
                    self.mark(db, into)
                else:
                    self.mark(into.get("db", db), into.get("coll", ALL))
        elif name == "renameCollection":
            for namespace in (command[name], command.get("to", "")):
                target_db, _, collection = str(namespace).partition(".")
                self.mark(target_db, collection or ALL)
        else:  # dropDatabase, bulkWrite and whatever else: the whole database is suspect
            self.mark(db, ALL)

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


WRITES = Writes()


def watch() -> None:
    """Watch the commands of every client this process creates from now on."""
    monitoring.register(WRITES)


async def fill(db: AsyncDatabase[dict[str, Any]], template: AsyncDatabase[dict[str, Any]],
               collections: list[str]) -> None:
    """Make `db` a fresh copy of the template: the shop's collections, every index."""
    await db.client.drop_database(db.name)
    for name, models in INDEXES.items():
        await db[name].create_indexes(models)
    for name in collections:
        await _copy(db, template, name)


async def _copy(db: AsyncDatabase[dict[str, Any]], template: AsyncDatabase[dict[str, Any]],
                name: str) -> None:
    cursor = await template[name].aggregate([{"$out": {"db": db.name, "coll": name}}])
    await cursor.to_list()
    if name in INDEXES:  # the embedded server's `$out` drops the target's indexes
        await db[name].create_indexes(INDEXES[name])


async def restore(db: AsyncDatabase[dict[str, Any]], template: AsyncDatabase[dict[str, Any]],
                  collections: list[str], expected: tuple[list[str], list[int]]) -> None:
    """Put back as the template has it whatever was written to `db` since it was last filled.

    Args:
        db: The worker's shop database.
        template: The seeded demo shop.
        collections: The template's collections that hold documents.
        expected: The names of the collections a fresh copy has, and how many documents each
            of `collections` holds.
    """
    notices.forget(db.name)
    written = WRITES.take(db.name)
    if ALL in written:
        await fill(db, template, collections)
        WRITES.take(db.name)
        return
    for name in sorted(written):
        if name in collections:
            await _copy(db, template, name)
        else:
            await db[name].drop()
            if name in INDEXES:
                await db[name].create_indexes(INDEXES[name])
    WRITES.take(db.name)  # the restore's own writes
    # An insert or a delete this process did not send (another process's) shows as a stray
    # collection or count; a fresh copy then, rather than a test on someone else's leftovers.
    # (`dbStats` would count in one command, but reads every collection: 40x the time.)
    if sorted(await db.list_collection_names()) != expected[0] or [
            await db[name].estimated_document_count() for name in collections] != expected[1]:
        await fill(db, template, collections)
        WRITES.take(db.name)


async def snapshot(db: AsyncDatabase[dict[str, Any]]) -> dict[str, Any]:
    """Every collection's documents and indexes: how `SHOP_POOL_CHECK=1` compares two copies."""
    out: dict[str, Any] = {}
    for name in sorted(await db.list_collection_names()):
        docs = sorted(repr(sorted(doc.items())) for doc in await db[name].find().to_list())
        indexes = await db[name].index_information()
        out[name] = (docs, sorted((k, sorted((f, repr(v)) for f, v in info.items() if f != "ns"))
                                  for k, info in indexes.items()))
    return out
