"""Generate the demo catalogue: a fixed, seeded set of realistic products."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

from tools.names import name_terms, words
from tools.store import terms

CURRENCY = "USD"
STORES = [
    {"_id": "store-downtown", "name": "Downtown", "city": "Springfield", "postcode": "10001"},
    {"_id": "store-mall", "name": "Riverside Mall", "city": "Springfield", "postcode": "10005"},
    {"_id": "store-airport", "name": "Airport", "city": "Shelbyville", "postcode": "20010"},
]

# category: (SKU prefix, brands, models, price range in dollars, use-case tags, warranty months)
CATEGORIES: dict[str, tuple[str, list[str], list[str], tuple[int, int], list[str], int]] = {
    "laptops": ("LAP", ["Acer", "Asus", "Dell", "HP", "Lenovo", "MSI", "Framework", "Apple"],
                ["Swift", "ZenBook", "Inspiron", "Pavilion", "ThinkPad", "Modern", "Book", "Air"],
                (399, 2499), ["coding", "gaming", "student", "business", "travel", "creative"], 24),
    "phones": ("PHN", ["Samsung", "Google", "Apple", "OnePlus", "Motorola", "Nokia"],
               ["Galaxy", "Pixel", "iPhone", "Nord", "Edge", "G"],
               (149, 1399), ["camera", "battery", "budget", "compact", "5g"], 12),
    "tablets": ("TAB", ["Apple", "Samsung", "Lenovo", "Amazon"], ["Pad", "Tab", "Fire", "Slate"],
                (99, 1299), ["drawing", "reading", "student", "travel"], 12),
    "headphones": ("HPH", ["Sony", "Bose", "Sennheiser", "JBL", "Apple", "Anker"],
                   ["Quiet", "Studio", "Sport", "Buds", "Over-Ear", "Pro"],
                   (29, 549), ["noise-cancelling", "wireless", "running", "studio", "travel"], 12),
    "monitors": ("MON", ["Dell", "LG", "Samsung", "BenQ", "Asus"],
                 ["UltraSharp", "UltraGear", "Odyssey", "Designer", "ProArt"],
                 (119, 1499), ["coding", "gaming", "design", "office", "4k"], 36),
    "keyboards": ("KEY", ["Logitech", "Keychron", "Razer", "Corsair"],
                  ["MX", "K", "BlackWidow", "K70"],
                  (29, 249), ["coding", "gaming", "mechanical", "wireless", "quiet"], 24),
    "cameras": ("CAM", ["Canon", "Nikon", "Sony", "Fujifilm", "GoPro"],
                ["EOS", "Z", "Alpha", "X", "Hero"],
                (199, 2999), ["travel", "vlogging", "sports", "portrait", "beginner"], 24),
    "smartwatches": ("WAT", ["Apple", "Garmin", "Samsung", "Fitbit"],
                     ["Watch", "Forerunner", "Galaxy Watch", "Sense"],
                     (79, 899), ["running", "fitness", "sleep", "gps", "swimming"], 12),
    "speakers": ("SPK", ["Sonos", "JBL", "Bose", "Marshall", "UE"],
                 ["One", "Flip", "SoundLink", "Emberton", "Boom"],
                 (39, 899), ["portable", "waterproof", "party", "home", "smart"], 12),
    "accessories": ("ACC", ["Anker", "Belkin", "Logitech", "Samsung", "Apple"],
                    ["Charger", "Hub", "Mouse", "Cable", "Stand"],
                    (9, 149), ["usb-c", "travel", "wireless", "fast-charging", "desk"], 6),
}


# Words customers use for a category, besides its own name.
CATEGORY_SYNONYMS = {
    "notebook": "laptops", "computer": "laptops", "smartphone": "phones", "earbud": "headphones",
    "headset": "headphones", "screen": "monitors", "display": "monitors", "watch": "smartwatches",
    "ipad": "tablets", "iphone": "phones", "charger": "accessories", "mouse": "accessories",
}
USE_TAGS = sorted({tag for spec in CATEGORIES.values() for tag in spec[4]})


def _specs(category: str, rng: random.Random) -> dict[str, Any]:
    if category == "laptops":
        return {"cpu": rng.choice(["Intel Core i5", "Intel Core i7", "AMD Ryzen 5", "AMD Ryzen 7",
                                   "Apple M3"]),
                "ram_gb": rng.choice([8, 16, 16, 32]), "storage_gb": rng.choice([256, 512, 1024]),
                "screen_in": rng.choice([13.3, 14.0, 15.6, 16.0]),
                "color": rng.choice(["silver", "black", "blue"])}
    if category in {"phones", "tablets"}:
        return {"storage_gb": rng.choice([64, 128, 256, 512]),
                "screen_in": rng.choice([6.1, 6.5, 6.7, 10.9, 11.0]),
                "color": rng.choice(["black", "white", "blue", "green", "red"])}
    if category == "monitors":
        return {"size_in": rng.choice([24, 27, 32, 34]),
                "resolution": rng.choice(["1920x1080", "2560x1440", "3840x2160"]),
                "refresh_hz": rng.choice([60, 75, 144, 165])}
    return {"color": rng.choice(["black", "white", "blue", "red", "grey"]),
            "wireless": rng.random() < 0.6}


# Fields products gained after the first catalogue was seeded (`tools.seed` adds them to it).
ADDED_FIELDS = ("specs", "colours", "name_key", "name_terms")
COLOURS = ["black", "white", "silver", "grey", "blue", "red", "green"]
# Hours of use on a charge, per category with a battery.
_BATTERY_H = {"laptops": (6, 20), "phones": (18, 40), "tablets": (8, 16), "headphones": (20, 60),
              "smartwatches": (24, 240), "speakers": (8, 24)}


def _more_specs(category: str, sku: str, specs: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Specs and colours added to a product after its first release, from its SKU alone.

    A generator of its own per SKU: the catalogue's main sequence, which fixes every product's
    name and price, is left exactly as it was.
    """
    rng = random.Random(f"specs:{sku}")
    more: dict[str, Any] = {}
    if category in {"phones", "tablets"}:
        more["ram_gb"] = rng.choice([4, 6, 8, 12] if category == "phones" else [4, 8, 16])
    if category == "monitors":
        more["screen_in"] = float(specs["size_in"])  # one spec to compare screens by
    if category in _BATTERY_H:
        low, high = _BATTERY_H[category]
        more["battery_h"] = rng.randint(low, high)
    first = specs.get("color") or rng.choice(["black", "silver"])
    others = [c for c in COLOURS if c != first]
    colours = [first, *sorted(rng.sample(others, k=rng.randint(0, 2)), key=COLOURS.index)]
    return more, colours


def _product(category: str, index: int, rng: random.Random) -> dict[str, Any]:
    prefix, brands, models, (low, high), uses, warranty = CATEGORIES[category]
    brand, model = rng.choice(brands), rng.choice(models)
    tags = sorted(set(rng.sample(uses, k=rng.randint(1, 3))))
    price = rng.randint(low, high) - 0.01
    if category == "laptops" and index < 8:
        # The demo promises several laptops under $1000 suited to coding.
        tags = sorted({"coding", *tags[:1]})
        price = float(rng.choice([649, 749, 799, 849, 899, 949, 999])) - 0.01
    name = f"{brand} {model} {rng.randint(1, 9)}{rng.choice(['', ' Pro', ' Plus', ' Lite'])}"
    specs = _specs(category, rng)
    description = (f"{name}: a {category[:-1]} for {', '.join(tags)}. "
                   + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in specs.items()) + ".")
    sku = f"{prefix}-{index + 1:05d}"
    more, colours = _more_specs(category, sku, specs)
    return {
        "sku": sku, "name": name, "brand": brand, "description": description,
        "category": category, "tags": tags, "price_cents": round(price * 100),
        "currency": CURRENCY, "warranty_months": warranty, "specs": specs | more,
        "colours": colours, "name_key": " ".join(words(name)), "name_terms": name_terms(name),
        "popularity": rng.randint(1, 1000),
        "terms": terms(name, category, " ".join(tags), brand, sku),
    }


def generate_products(count: int, seed: int = 42) -> Iterator[dict[str, Any]]:
    """Yield `count` products spread evenly over the categories, the same every time."""
    rng = random.Random(seed)
    names = list(CATEGORIES)
    for n in range(count):
        yield _product(names[n % len(names)], n // len(names), rng)


def stock_rows(product: dict[str, Any], seed: int = 7) -> list[dict[str, Any]]:
    """Stock of one product in each store, the same every time."""
    rng = random.Random(f"{seed}:{product['sku']}")
    return [{"sku": product["sku"], "store_id": store["_id"],
             "quantity": rng.choice([0, 2, 5, 8, 12, 20, 35])} for store in STORES]
