"""Larkspur's catalogue: what customers bought, by category, with the slug tickets carry."""

from __future__ import annotations

import random
from dataclasses import dataclass

from .themes import ProductScope


@dataclass(frozen=True)
class Product:
    slug: str
    name: str
    category: str  # apparel, footwear, home, beauty, gadget, service


def _catalogue(category: str, *names: str) -> tuple[Product, ...]:
    def slug(name: str) -> str:
        kept = "".join(ch if ch.isalnum() else " " for ch in name.lower().replace("'", ""))
        return "-".join(kept.split())

    return tuple(Product(slug(name), name, category) for name in names)


APPAREL = _catalogue(
    "apparel",
    "Merino Crew Sweater", "Linen Relaxed Shirt", "High-Rise Straight Jeans", "Quilted Puffer Jacket",
    "Everyday Tee 3-Pack", "Ribbed Midi Dress", "Wide-Leg Trousers", "Cotton Poplin Shirt Dress",
    "Chunky Knit Cardigan", "Stretch Chino Shorts", "Fleece Zip Hoodie", "Wool-Blend Overcoat",
    "Seamless Sports Bra", "Slim Fit Oxford Shirt", "Pleated Satin Skirt", "Kids' Rain Jacket",
)
FOOTWEAR = _catalogue("footwear", "Suede Chelsea Boots", "Leather Court Sneakers", "Knit Running Shoes")
HOME = _catalogue(
    "home",
    "Linen Duvet Cover", "Waffle Bath Towel Set", "Stoneware Dinner Set", "Soy Candle Trio",
    "Ceramic Table Lamp", "Wool Throw Blanket", "Glass Candle Holder", "Bamboo Bath Mat",
    "Cast Iron Casserole", "Pour-Over Coffee Set",
)
BEAUTY = _catalogue(
    "beauty",
    "Vitamin C Serum", "Hydrating Face Cream", "Kaolin Clay Mask", "Argan Hair Repair Oil",
    "Rose Body Wash", "Mineral SPF 50 Lotion",
)
GADGETS = _catalogue(
    "gadget",
    "15W Wireless Charger", "MagSafe Phone Case", "Braided USB-C Cable", "Earbuds Charging Case",
    'Laptop Sleeve 14"', "Power Bank 10,000mAh", "Bluetooth Travel Speaker",
)
SERVICES: dict[str, Product] = {
    "gift-card": Product("gift-card", "Larkspur Gift Card", "service"),
    "mobile-app": Product("mobile-app", "Larkspur app", "service"),
    "larkspur-plus": Product("larkspur-plus", "Larkspur Plus", "service"),
    "account": Product("account", "Larkspur account", "service"),
}

_ANY = APPAREL + FOOTWEAR + HOME + BEAUTY + GADGETS
_HOME_OR_GADGET = HOME + BEAUTY + GADGETS + FOOTWEAR


def product_for(rng: random.Random, scope: ProductScope) -> Product:
    if scope in SERVICES:
        return SERVICES[scope]
    if scope == "apparel":
        return rng.choice(APPAREL + FOOTWEAR[:1])
    if scope == "home_or_gadget":
        return rng.choice(_HOME_OR_GADGET)
    return rng.choice(_ANY)


def physical_product(rng: random.Random) -> Product:
    return rng.choice(_ANY)
