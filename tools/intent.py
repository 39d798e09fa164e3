"""What a customer's words say about price and specs, as `recommend_products` arguments.

Pure functions the offline planners call (a model fills the same arguments itself). Every
pattern runs in linear time: no quantifier that a following token could make backtrack.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from tools.glossary import with_english

Sort = Literal["relevance", "price_asc", "price_desc"]
Spec = Literal["price", "ram_gb", "storage_gb", "screen_in", "battery_h", "warranty_months"]
_AMOUNT = r"\$?\s*+(\d[\d,]*+(?:\.\d+)?)\s*+(k\b)?"
_UNDER = re.compile(r"\b(?:under|below|less than|at most|max(?:imum)?|up to|no more than|"
                    r"cheaper than|within|budget(?: of| is)?)\s*+" + _AMOUNT, re.IGNORECASE)
_OVER = re.compile(r"\b(?:over|above|more than|at least|min(?:imum)?|from)\s*+" + _AMOUNT,
                   re.IGNORECASE)
_BETWEEN = re.compile(r"\bbetween\s*+" + _AMOUNT + r"\s*+(?:and|-|to)\s*+" + _AMOUNT,
                      re.IGNORECASE)
_LOW = re.compile(
    r"\b(?:cheapest|cheap|cheaper|lowest price|least expensive|inexpensive|affordable|"
    # "a budget laptop", but not "my budget is $800" (a limit, not a wish for the cheapest)
    r"(?<!my )(?<!our )(?<!the )budget(?!\s*+(?:is|of|was|would|around|about|=|:|\$|\d))|"
    r"low[- ]cost|(?:nothing|not|isn't|isnt) (?:too |that |crazy |super |very |overly )?"
    r"(?:expensive|pricey|costly)|less expensive|don'?t want to spend much|on a budget)\b",
    re.IGNORECASE)
_HIGH = re.compile(
    r"\b(?:premium|most expensive|high[- ]end|top of the line|top[- ]end|flagship|luxury|"
    r"money can buy|money is no object|(?:the )?very best|priciest)\b", re.IGNORECASE)
_RELATIVE = re.compile(r"\b(?:cheaper|less expensive|lower price|more affordable)\b"
                       r"(?!\s*than\s*\$?\d)", re.IGNORECASE)
_PRICIER = re.compile(r"\b(?:pricier|more expensive|better one|higher end|upgrade)\b"
                      r"(?!\s*than\s*\$?\d)", re.IGNORECASE)


def _money(number: str, thousands: str | None) -> float:
    value = float(number.replace(",", ""))
    return value * 1000 if thousands else value


def price_intent(text: str) -> dict[str, Any]:
    """Price filters and order a message asks for; only the keys it says something about.

    Keys: `max_price` and `min_price` in dollars; `sort` ("price_asc" for cheap or cheapest,
    "price_desc" for premium); `relative` ("cheaper" or "pricier") when the customer compares
    with something already shown, which the caller turns into `cheaper_than` or `min_price`
    from that product's price.

    Args:
        text: The customer's words.
    """
    found: dict[str, Any] = {}
    text = with_english(text)  # "pas cher", "günstig", "sasta": cheapest; "menos de 300"
    if match := _BETWEEN.search(text):
        low, high = _money(match[1], match[2]), _money(match[3], match[4])
        found["min_price"], found["max_price"] = min(low, high), max(low, high)
    else:
        if match := _UNDER.search(text):
            found["max_price"] = _money(match[1], match[2])
        if match := _OVER.search(text):
            found["min_price"] = _money(match[1], match[2])
    if _RELATIVE.search(text):
        found["relative"] = "cheaper"
    elif _PRICIER.search(text):
        found["relative"] = "pricier"
    if _HIGH.search(text):
        found["sort"] = "price_desc"
    elif _LOW.search(text):
        found["sort"] = "price_asc"
    return found


# Spec keys of the catalogue and the words customers use for them.
SPEC_WORDS: dict[Spec, tuple[str, ...]] = {
    "ram_gb": ("ram", "memory"),
    "storage_gb": ("storage", "ssd", "space", "disk", "capacity"),
    "screen_in": ("screen", "display", "inch", "inches", "size", "biggest", "largest",
                  "smallest"),
    "battery_h": ("battery", "charge", "lasts"),
    "price": ("price", "cheapest", "cheaper", "priciest", "expensive"),
    "warranty_months": ("warranty", "guarantee"),
}
COLOURS = ("black", "white", "silver", "grey", "gray", "blue", "red", "green")
_GB = re.compile(r"\b(\d{1,4})\s*+(gb|gigs?|tb)\b\s*+(?:of\s+)?(ram|memory|storage|ssd)?",
                 re.IGNORECASE)
_INCH = re.compile(r"\b(\d{1,2}(?:\.\d)?)\s*+(?:\"|-?inch(?:es)?\b|in\b)", re.IGNORECASE)
_HOURS = re.compile(r"\b(\d{1,3})\s*+\+?\s*+(?:-\s*+)?h(?:ou)?rs?\b(?=[^.?!]{0,30}batter)|"
                    r"\bbatter[^.?!\d]{0,30}(\d{1,3})\s*+\+?\s*+h(?:ou)?rs?\b", re.IGNORECASE)
_FEWEST = re.compile(r"\b(?:least|smallest|lowest|shortest|less|fewest|cheapest|lightest)\b",
                     re.IGNORECASE)


def spec_intent(text: str) -> dict[str, Any]:
    """Spec filters a message asks for: "16GB RAM", "1TB storage", "15 inch", "in black".

    Keys (only those said): `min_ram_gb`, `min_storage_gb`, `min_screen_in`, `min_battery_h`,
    `colour`.

    Args:
        text: The customer's words.
    """
    found: dict[str, Any] = {}
    for match in _GB.finditer(text):
        size = int(match[1]) * (1024 if match[2].lower() == "tb" else 1)
        what = (match[3] or "").lower()
        # A bare "16GB" is memory, a bare "512GB" or "1TB" is storage, as shops write them.
        if what in {"ram", "memory"} or (not what and size <= 64):
            found["min_ram_gb"] = size
        else:
            found["min_storage_gb"] = size
    if inches := _INCH.search(text):
        found["min_screen_in"] = float(inches[1])
    if hours := _HOURS.search(text):
        found["min_battery_h"] = float(hours[1] or hours[2])
    lowered = re.findall(r"[a-z]+", text.lower())
    colour = next((w for w in lowered if w in COLOURS), None)
    if colour:
        found["colour"] = "grey" if colour == "gray" else colour
    return found


def compared_spec(text: str) -> tuple[Spec, bool] | None:
    """Which spec a comparison asks about and whether the most of it wins: "most RAM".

    Args:
        text: The customer's words, e.g. "which of those has the most RAM?".
    """
    lowered = set(re.findall(r"[a-z]+", text.lower()))
    spec = next((key for key, said in SPEC_WORDS.items() if lowered & set(said)), None)
    if spec is None:
        return None
    most = not _FEWEST.search(text)
    if spec == "price":
        most = bool(lowered & {"priciest", "expensive"}) and "least" not in lowered
    return spec, most
