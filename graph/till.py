"""Till work is for shop staff: recognise it on a customer channel and answer it there."""

from __future__ import annotations

import re

from graph.i18n import N_

STAFF_CHANNEL = "pos"
# A customer message longer than this is read on its first characters only: the markers are
# plain alternations, linear in the text, and this bounds the work on a pathological message.
SCAN_PREFIX = 2000

STAFF_ONLY_REPLY = N_(
    "That's for shop staff at the till; I can't ring up in-store sales, sync a store's stock or "
    "look up till transactions here. I can help you buy it online: ask me about a product, its "
    "stock in a store, or checking out your cart.")

# What only the shop's staff ask for, in the five languages the shop serves: ringing up a sale,
# the till and its transaction numbers, the point of sale. Words that a customer also uses for
# an online checkout ("Kasse", "caisse", "caja") are matched only in their till phrases.
_TILL = re.compile(
    r"\btx[-_#]?\d{2,}\b"                                      # a till transaction number
    r"|\bring(ing|s)?\s+((it|this|that|them|these|those)\s+)?up\b|\brung\s+up\b"
    r"|\bthe\s+till\b|\btill\s+(sale|transaction|receipt|system|number|id)s?\b"
    r"|\bpoint[-\s]of[-\s]sale\b|\bpos\s+(system|sale|transaction|terminal|sync)\b"
    r"|\b(from|on|in|at|to)\s+the\s+pos\b|\bregister\s+(sale|transaction)s?\b"
    r"|\bbilling\s+counter\b|\bpos\s+machine\b"                # Hinglish
    r"|\bcaja\s+registradora\b|\bpunto\s+de\s+venta\b|\btpv\b|\bregistr\w*\s+(la|una)\s+venta\b"
    r"|\bcaisse\s+enregistreuse\b|\bpoint\s+de\s+vente\b|\benregistr\w*\s+(la|une)\s+vente\b"
    r"|\bkassensystem\w*\b|\bregistrierkasse\b|\bkassenbon\w*\b|\bbonier\w*\b"
    r"|\bverkauf\s+(an\s+der\s+kasse\s+)?buchen\b"
    r"|बिलिंग\s+काउंटर|बिक्री\s+दर्ज",
    re.IGNORECASE)
_SYNC = re.compile(r"\b(re)?sync\w*|\bsynchroni\w*|\bsincroniz\w*|सिंक", re.IGNORECASE)
_STOCK = re.compile(r"\binventor\w*|\bstock\w*|\binventario\b|\binventaire\b|\binventar\b"
                    r"|\b(lager)?bestand\w*|इन्वेंटरी|स्टॉक", re.IGNORECASE)


def asks_for_till_work(text: str) -> bool:
    """Whether a message asks for what only staff at a till do (a sale, a stock sync, a TX id)."""
    head = text[:SCAN_PREFIX]
    return bool(_TILL.search(head) or (_SYNC.search(head) and _STOCK.search(head)))
