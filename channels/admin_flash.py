"""One-time messages for the dashboard (flash): set on a redirect, shown once on the next page.

Kept in the operator's server-side session, never in the URL, so a crafted link cannot put its
own words in the dashboard's status box.
"""

from __future__ import annotations

from pymongo import ReturnDocument

from tools.operators import SESSIONS, Operator
from tools.store import Store

FLASH_MAX = 300


async def flash(store: Store, operator: Operator, text: str) -> None:
    """Keep `text` for the operator's next page."""
    await store.db[SESSIONS].update_one({"_id": operator.session},
                                        {"$set": {"flash": text[:FLASH_MAX]}})


async def pop(store: Store, operator: Operator) -> str:
    """The message kept for this page, if any; cleared so that it shows once."""
    before = await store.db[SESSIONS].find_one_and_update(
        {"_id": operator.session, "flash": {"$exists": True}}, {"$unset": {"flash": ""}},
        projection={"flash": True}, return_document=ReturnDocument.BEFORE)
    return str(before.get("flash") or "") if before else ""
