"""A realistic demo catalog, generated deterministically and loaded through the API itself.

Going through POST /products (with a dev admin token) means seeded products are exactly what the
API would create, validated by the same rules.
"""

import random
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import requests
from tqdm import tqdm

CATALOG: dict[str, dict[str, list[str]]] = {
    "audio": {
        "brands": ["Sonara", "Wavelength", "Northbeat", "Acoustix"],
        "nouns": [
            "Wireless Headphones",
            "Earbuds",
            "Bluetooth Speaker",
            "Soundbar",
            "Turntable",
            "Studio Monitor",
        ],
        "tags": ["wireless", "noise-cancelling", "bluetooth", "hi-fi", "portable"],
    },
    "kitchen": {
        "brands": ["Copperleaf", "Hearth & Co", "Mizuya", "Forgewell"],
        "nouns": [
            "Chef's Knife",
            "Cast Iron Skillet",
            "Espresso Maker",
            "Dutch Oven",
            "Kettle",
            "Cutting Board",
        ],
        "tags": ["stainless", "dishwasher-safe", "induction", "gift", "professional"],
    },
    "outdoor": {
        "brands": ["Ridgeline", "Trailcraft", "Summit Supply", "Pinecrest"],
        "nouns": [
            "Hiking Backpack",
            "Tent",
            "Sleeping Bag",
            "Trekking Poles",
            "Headlamp",
            "Water Filter",
        ],
        "tags": ["waterproof", "lightweight", "camping", "hiking", "ultralight"],
    },
    "books": {
        "brands": ["Lantern Press", "Oakmoor Books", "Bluequill"],
        "nouns": [
            "Cookbook",
            "Field Guide",
            "Novel",
            "Atlas",
            "Poetry Collection",
            "Travel Journal",
        ],
        "tags": ["hardcover", "paperback", "bestseller", "illustrated", "signed"],
    },
    "home": {
        "brands": ["Linden Home", "Nordvik", "Casa Alba", "Fernwood"],
        "nouns": [
            "Table Lamp",
            "Throw Blanket",
            "Ceramic Vase",
            "Wall Clock",
            "Linen Duvet",
            "Area Rug",
        ],
        "tags": ["handmade", "organic", "minimalist", "cotton", "gift"],
    },
    "fitness": {
        "brands": ["Ironpeak", "Flowfit", "Kinetic Labs"],
        "nouns": [
            "Yoga Mat",
            "Kettlebell",
            "Resistance Bands",
            "Foam Roller",
            "Jump Rope",
            "Adjustable Dumbbells",
        ],
        "tags": ["home-gym", "non-slip", "eco", "strength", "mobility"],
    },
    "toys": {
        "brands": ["Brightblock", "Tinker Town", "Owlet & Fox"],
        "nouns": [
            "Building Set",
            "Wooden Train",
            "Puzzle",
            "Plush Bear",
            "Kite",
            "Board Game",
        ],
        "tags": ["ages-3+", "ages-8+", "educational", "wooden", "family"],
    },
    "electronics": {
        "brands": ["Voltic", "Lumina", "Corestack", "Pixelhaus"],
        "nouns": [
            "USB-C Charger",
            "Mechanical Keyboard",
            "4K Webcam",
            "Smart Plug",
            "Power Bank",
            "E-Reader",
        ],
        "tags": ["usb-c", "fast-charge", "smart-home", "ergonomic", "travel"],
    },
}
ADJECTIVES = [
    "Classic",
    "Pro",
    "Compact",
    "Deluxe",
    "Everyday",
    "Premium",
    "Essential",
    "Signature",
    "Eco",
    "Max",
]
PRICE_RANGES_CENTS = {
    "books": (899, 4999),
    "toys": (999, 8999),
    "kitchen": (1499, 29999),
}
DEFAULT_PRICE_RANGE_CENTS = (1999, 49999)


def demo_products(count: int, seed: int = 2026) -> Iterator[dict[str, Any]]:
    """`count` product bodies for POST /products; the same list for the same arguments."""
    rng = random.Random(seed)  # noqa: S311 - demo data, reproducible on purpose
    categories = sorted(CATALOG)
    for number in range(1, count + 1):
        category = categories[rng.randrange(len(categories))]
        spec = CATALOG[category]
        brand = rng.choice(spec["brands"])
        noun = rng.choice(spec["nouns"])
        name = f"{brand} {rng.choice(ADJECTIVES)} {noun} {chr(ord('A') + number % 26)}{number:03d}"
        low, high = PRICE_RANGES_CENTS.get(category, DEFAULT_PRICE_RANGE_CENTS)
        price = rng.randrange(low, high) // 100 * 100 + 99
        yield {
            "name": name,
            "description": f"The {noun.lower()} from {brand}: {', '.join(rng.sample(spec['tags'], 2))}. "
            f"Part of our {category} range.",
            "category": category,
            "brand": brand,
            "price_cents": price,
            "currency": "USD",
            "stock": 0 if rng.random() < 0.08 else rng.randrange(1, 250),
            "tags": rng.sample(spec["tags"], rng.randrange(1, 4)),
        }


def seed_catalog(api_url: str, admin_token: str, count: int, workers: int = 8) -> int:
    """Create `count` demo products through the API; returns how many were created."""
    sessions = threading.local()  # requests.Session is not safe to share between threads
    headers = {"Authorization": f"Bearer {admin_token}"}

    def create(body: dict[str, Any]) -> None:
        if not hasattr(sessions, "session"):
            sessions.session = requests.Session()
        response = sessions.session.post(f"{api_url}/products", json=body, headers=headers, timeout=30)
        if response.status_code != 201:
            raise RuntimeError(f"seeding failed: POST /products answered {response.status_code}: {response.text}")

    created = 0
    with (
        ThreadPoolExecutor(max_workers=workers) as pool,
        tqdm(total=count, desc="seeding catalog", unit="product") as bar,
    ):
        for _ in pool.map(create, demo_products(count)):
            created += 1
            bar.update()
    return created
