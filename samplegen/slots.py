"""Concrete details that make a text specific: order numbers, amounts, dates, carriers, codes.

A ``SlotFiller`` is the mapping a record's templates are formatted with. Values are made on
first use and then reused, so one message quotes one order number throughout. Amounts,
dates and day counts are written the way the customer's language and country write them.
Order numbers, amounts, dates, promo and gift-card codes and tracking numbers are not
personal data; the ``email``/``phone``/``card``/``iban`` slots are.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from . import pii
from .campaigns import Campaign
from .lexicon import lexicon_for
from .people import AGENTS, Person
from .products import Product, physical_product
from .stories import Story

_CARRIERS: dict[str, tuple[str, ...]] = {
    "US": ("UPS", "FedEx", "USPS"), "GB": ("Royal Mail", "DPD", "Evri"), "ES": ("SEUR", "Correos", "DHL"),
    "MX": ("DHL", "Estafeta", "FedEx"), "RU": ("СДЭК", "Почта России", "DHL"),
    "RO": ("Fan Courier", "Sameday", "Cargus"), "CN": ("顺丰", "EMS", "DHL"),
}
_HUBS = ("Memphis, TN", "Louisville, KY", "Reno, NV", "Chicago, IL", "Indianapolis, IN", "Ontario, CA")
_DEVICES = (
    ("iPhone 13", "iOS 18.1"), ("iPhone 15 Pro", "iOS 18.1"), ("iPhone 12", "iOS 17.6"), ("iPhone SE", "iOS 18.0"),
    ("iPhone 14", "iOS 18.1"), ("Pixel 7", "Android 14"), ("Pixel 8", "Android 15"), ("Galaxy S22", "Android 14"),
    ("Galaxy A54", "Android 14"), ("OnePlus 11", "Android 14"), ("Redmi Note 12", "Android 13"),
)
_LETTER_SIZES = ("XS", "S", "M", "L", "XL", "XXL")
_NUMBER_SIZES = ("4", "6", "8", "10", "12", "14", "16")
_RU_DAY_FORMS = ("день", "дня", "дней")
# Larkspur Plus list prices (monthly, annual) as each market sees them.
_PLAN_PRICES: dict[str, tuple[str, str]] = {
    "US": ("$9.99", "$79"), "GB": ("£7.99", "£69"), "ES": ("8,99 €", "69 €"), "MX": ("$9.99", "$79"),
    "RO": ("39 lei", "349 lei"), "RU": ("$9.99", "$79"), "CN": ("$9.99", "$79"),
}


@dataclass(frozen=True)
class SlotContext:
    person: Person
    when: datetime
    product: Product
    story: Story | None = None
    campaign: Campaign | None = None


def money(usd: float, country: str, rng: random.Random) -> str:
    """An amount as a customer in this country would quote it."""
    if country == "GB":
        return f"£{usd * 0.79:.2f}"
    if country == "ES":
        return f"{usd * 0.92:.2f}".replace(".", ",") + rng.choice((" €", "€", " euros"))
    if country == "RO":
        return f"{usd * 4.6:.0f} lei" if rng.random() < 0.6 else f"{usd * 0.92:.2f}".replace(".", ",") + " €"
    if country == "CN":
        return f"{usd * 7.2:.0f}元" if rng.random() < 0.5 else f"${usd:.2f}"
    if country == "RU":
        return f"${usd:.2f}" if rng.random() < 0.5 else f"{usd:.2f}".replace(".", ",") + " $"
    if usd >= 1000:
        return f"${usd:,.2f}"
    return f"${usd:.0f}" if usd == int(usd) and rng.random() < 0.7 else f"${usd:.2f}"


def _price(rng: random.Random, low: float, high: float) -> float:
    whole = rng.randint(int(low), int(high))
    return whole + rng.choice((0.0, 0.99, 0.5, 0.95, 0.0, 0.49))


def _ordinal_suffix(day: int) -> str:
    return "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")


def format_day(day: date, language: str, country: str, rng: random.Random, today: date) -> str:
    lex = lexicon_for(language)  # type: ignore[arg-type]
    month = lex.months[day.month - 1]
    if language == "en":
        short = "Sept" if day.month == 9 else month[:3]
        if 0 < (today - day).days < 6 and rng.random() < 0.3:
            return lex.weekdays[day.weekday()]
        if country == "GB":
            return rng.choice((f"{day.day} {short}", f"{day.day:02d}/{day.month:02d}",
                               f"{day.day}{_ordinal_suffix(day.day)} {month}"))
        return rng.choice((f"{short} {day.day}", f"{day.month}/{day.day}",
                           f"{month} {day.day}{_ordinal_suffix(day.day)}", f"{month} {day.day}"))
    if language == "es":
        return rng.choice((f"{day.day} de {month}", f"{day.day}/{day.month}"))
    if language in ("ru", "ro"):
        return rng.choice((f"{day.day} {month}", f"{day.day:02d}.{day.month:02d}"))
    return rng.choice((f"{day.month}月{day.day}日", f"{day.month}月{day.day}号"))


def format_day_count(n: int, language: str, rng: random.Random) -> str:
    if language == "en":
        if n == 7 and rng.random() < 0.5:
            return "a week"
        if n == 14 and rng.random() < 0.5:
            return "two weeks"
        return f"{n} days"
    if language == "es":
        return f"{n} días"
    if language == "ru":
        form = 2 if 11 <= n % 100 <= 14 else 0 if n % 10 == 1 else 1 if 2 <= n % 10 <= 4 else 2
        return f"{n} {_RU_DAY_FORMS[form]}"
    if language == "ro":
        return f"{n} zile" if n < 20 else f"{n} de zile"
    return f"{n}天"


def _chars(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def _tracking_number(rng: random.Random, carrier: str) -> str:
    digits = string.digits
    if carrier == "UPS":
        return "1Z" + _chars(rng, string.ascii_uppercase + digits, 6) + _chars(rng, digits, 10)
    if carrier == "USPS":
        raw = "9400" + "".join(rng.choice(digits) for _ in range(18))
        return " ".join(raw[i:i + 4] for i in range(0, len(raw), 4))
    if carrier == "Royal Mail":
        return _chars(rng, string.ascii_uppercase, 2) + _chars(rng, digits, 9) + "GB"
    if carrier == "ParcelPoint":
        return "PP" + "".join(rng.choice(digits) for _ in range(10)) + "US"
    return "".join(rng.choice(digits) for _ in range(12 if carrier == "FedEx" else 10))


class SlotFiller(dict):
    """Lazily made, then stable, values for every ``{slot}`` a record's templates use."""

    def __init__(self, rng: random.Random, context: SlotContext) -> None:
        super().__init__()
        self.rng = rng
        self.context = context
        self.language = context.person.language
        self.country = context.person.country

    def __missing__(self, key: str) -> str:
        maker = getattr(self, f"_make_{key}", None)
        if maker is None:
            raise KeyError(f"unknown template slot {{{key}}}")
        value = maker()
        self[key] = value
        return value

    # --- orders and money -------------------------------------------------------------------
    def _make_order(self) -> str:
        number = self.rng.randint(1_000_000, 9_999_999)
        shape = self.rng.random()
        if shape < 0.9:
            return f"LK-{number}"
        return self.rng.choice((f"LK{number}", f"#LK-{number}", f"lk-{number}"))

    def _make_order2(self) -> str:
        return f"LK-{self.rng.randint(1_000_000, 9_999_999)}"

    def _usd_amount(self) -> float:
        if "_usd" not in self:
            self["_usd"] = _price(self.rng, 18, 260)
        return self["_usd"]

    def _make_amount(self) -> str:
        return money(self._usd_amount(), self.country, self.rng)

    def _make_amount2(self) -> str:
        return money(_price(self.rng, 6, 19), self.country, self.rng)

    def _make_refund_amount(self) -> str:
        return money(round(self._usd_amount() * self.rng.uniform(0.55, 0.9), 2), self.country, self.rng)

    def _make_gc_amount(self) -> str:
        return money(float(self.rng.choice((25, 50, 50, 75, 100, 100, 150, 200))), self.country, self.rng)

    def _make_gc_balance(self) -> str:
        return money(float(self.rng.choice((12.5, 25, 37.4, 50, 64.2, 100))), self.country, self.rng)

    def _make_gc_code(self) -> str:
        alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
        groups = ("".join(self.rng.choice(alphabet) for _ in range(4)) for _ in range(3))
        return "LKGC-" + "-".join(groups)

    def _make_plan_price(self) -> str:
        monthly, annual = _PLAN_PRICES.get(self.country, _PLAN_PRICES["US"])
        return monthly if self.rng.random() < 0.65 else annual

    # --- products ---------------------------------------------------------------------------
    def _make_product(self) -> str:
        product = self.context.product
        return product.name if product.category != "service" else physical_product(self.rng).name

    def _make_product2(self) -> str:
        return physical_product(self.rng).name

    def _make_size(self) -> str:
        return self.rng.choice(_LETTER_SIZES[1:5] + _NUMBER_SIZES[1:6])

    def _make_size_alt(self) -> str:
        size = self["size"]
        for sizes in (_LETTER_SIZES, _NUMBER_SIZES):
            if size in sizes:
                return sizes[min(sizes.index(size) + 1, len(sizes) - 1)]
        return "L"

    # --- dates and counts -------------------------------------------------------------------
    def _format(self, day: date) -> str:
        return format_day(day, self.language, self.country, self.rng, self.context.when.date())

    def _make_date(self) -> str:
        today = self.context.when.date()
        day = today - timedelta(days=self.rng.randint(2, 12))
        story = self.context.story
        if story is not None and story.start <= today:
            day = max(day, story.start)  # nobody dates a crash before the release that caused it
        return self._format(day)

    def _make_date_future(self) -> str:
        return self._format(self.context.when.date() + timedelta(days=self.rng.randint(2, 10)))

    def _make_ndays(self) -> str:
        is_wave = self.context.story is not None and self.context.story.key == "shipping_disruption"
        n = self.rng.randint(6, 16) if is_wave else self.rng.randint(3, 12)
        return format_day_count(n, self.language, self.rng)

    def _make_hours(self) -> str:
        return str(self.rng.randint(2, 6))

    # --- shipping ---------------------------------------------------------------------------
    def _make_carrier(self) -> str:
        story = self.context.story
        if story is not None and "carrier" in story.facts and self.rng.random() < 0.75:
            return story.facts["carrier"]
        return self.rng.choice(_CARRIERS[self.country])

    def _make_hub(self) -> str:
        story = self.context.story
        if story is not None and "hub" in story.facts:
            return story.facts["hub"]
        return self.rng.choice(_HUBS)

    def _make_tracking(self) -> str:
        return _tracking_number(self.rng, self["carrier"])

    # --- promotions -------------------------------------------------------------------------
    def _make_code(self) -> str:
        code = self.context.campaign.promo_code if self.context.campaign else "WELCOME10"
        return code.lower() if self.rng.random() < 0.08 else code

    def _make_campaign(self) -> str:
        return self.context.campaign.name if self.context.campaign else "welcome"

    def _make_threshold(self) -> str:
        threshold = self.context.campaign.threshold if self.context.campaign else ""
        return threshold or "$75"

    def _make_discount(self) -> str:
        discount = self.context.campaign.discount if self.context.campaign else ""
        return discount or "25%"

    # --- the app ----------------------------------------------------------------------------
    def _story_fact(self, key: str, default: str) -> str:
        story = self.context.story
        return story.facts.get(key, default) if story is not None else default

    def _make_app_version(self) -> str:
        return self._story_fact("app_version", "5.1.4")

    def _make_hotfix_version(self) -> str:
        return self._story_fact("hotfix_version", "5.1.5")

    def _make_device(self) -> str:
        device, os_name = self.rng.choice(_DEVICES)
        self["os"] = os_name
        return device

    def _make_os(self) -> str:
        self["device"]  # picks the pair
        return self["os"]

    # --- people -----------------------------------------------------------------------------
    def _make_agent(self) -> str:
        return self.rng.choice(AGENTS[self.language])[1]

    def _make_first_name(self) -> str:
        return self.context.person.first_name

    # --- personal data ----------------------------------------------------------------------
    def _make_email(self) -> str:
        return pii.email_address(self.rng, self.context.person)

    def _make_phone(self) -> str:
        return pii.phone_number(self.rng, self.country)

    def _make_card(self) -> str:
        return pii.card_number(self.rng)

    def _make_iban(self) -> str:
        return pii.iban(self.rng, self.country)

    def _make_exp_month(self) -> str:
        return str(self.rng.randint(1, 9))

    def _make_exp_year(self) -> str:
        return str(self.rng.randint(27, 31))
