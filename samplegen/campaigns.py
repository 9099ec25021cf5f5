"""Larkspur's promotion calendar: recurring retail campaigns plus the one with confusing terms.

Recurring campaigns sit on their calendar dates (Back to School in August, Black Friday after
Thanksgiving, ...) and are kept when they overlap the period. The confusing campaign is the
planted story and sits mid-period, named after the season it launches in.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from .calendar import Period, thanksgiving

CAMPAIGNS_HEADER = ("name", "promo_code", "start_date", "end_date", "terms")
CONFUSING_CAMPAIGN_WEEKS = 3
CONFUSING_CAMPAIGN_POSITION = 0.55  # fraction of the period at which it launches


@dataclass(frozen=True)
class Campaign:
    name: str
    promo_code: str
    start: date
    end: date  # inclusive
    terms: str
    threshold: str = ""  # minimum order value, as customers quote it
    discount: str = ""
    is_confusing: bool = False

    def is_active(self, day: date) -> bool:
        return self.start <= day <= self.end


def _first_weekday_on_or_after(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def _recurring_campaigns(year: int) -> Iterator[Campaign]:
    labor_day = _first_weekday_on_or_after(date(year, 9, 1), 0)
    black_friday = thanksgiving(year) + timedelta(days=1)
    plus_days = _first_weekday_on_or_after(date(year, 10, 1), 1)
    yield Campaign(
        "New Year Clearance", "NEWYEAR40", date(year, 1, 2), date(year, 1, 15),
        "Up to 40% off clearance items; all clearance sales are final; no returns or exchanges",
        discount="40%",
    )
    yield Campaign(
        "Spring Styles", "SPRING15", date(year, 4, 1), date(year, 4, 14),
        "15% off new-season apparel on orders over $50; website and app; excludes sale items",
        threshold="$50", discount="15%",
    )
    yield Campaign(
        "Summer Sale", "SUMMER20", date(year, 7, 1), date(year, 7, 14),
        "20% off selected summer styles marked in the Summer Sale collection; while stocks last; "
        "cannot be combined with other codes",
        discount="20%",
    )
    back_to_school = _first_weekday_on_or_after(date(year, 8, 1), 0)
    yield Campaign(
        "Back to School", "BTS15", back_to_school, back_to_school + timedelta(days=13),
        "15% off backpacks, kids' apparel and electronics accessories; website and app; "
        "excludes clearance and gift cards",
        discount="15%",
    )
    yield Campaign(
        "Free Shipping Weekend", "FREESHIP", labor_day - timedelta(days=3), labor_day,
        "Free standard shipping on all orders, no minimum; contiguous US only; "
        "Friday 00:00 to Monday 23:59 PT",
    )
    yield Campaign(
        "Plus Member Days", "PLUSDAYS", plus_days, plus_days + timedelta(days=1),
        "Extra 10% off for Larkspur Plus members, applied automatically at checkout; "
        "excludes gift cards",
        discount="10%",
    )
    yield Campaign(
        "Black Friday", "BLACKFRIDAY30", black_friday, black_friday + timedelta(days=3),
        "30% off sitewide; excludes gift cards and Larkspur Plus membership; one code per order",
        discount="30%",
    )
    yield Campaign(
        "Holiday Gift Card Bonus", "GIFTBONUS", date(year, 12, 1), date(year, 12, 24),
        "Get a $20 bonus card with every $100 in gift cards purchased; bonus cards valid "
        f"Jan 1 - Jan 31 {year + 1}; not valid on Larkspur Plus",
        threshold="$100",
    )


def season_name(day: date) -> str:
    return {12: "Winter", 1: "Winter", 2: "Winter", 3: "Spring", 4: "Spring", 5: "Spring",
            6: "Summer", 7: "Summer", 8: "Summer"}.get(day.month, "Fall")


def confusing_campaign(period: Period) -> Campaign:
    """The planted promotion: attractive headline, terms that trip customers up."""
    start = period.week_at(CONFUSING_CAMPAIGN_POSITION)
    end = start + timedelta(days=7 * CONFUSING_CAMPAIGN_WEEKS - 1)
    season = season_name(start)
    return Campaign(
        f"{season} Refresh", f"{season.upper()}25", start, end,
        "25% off full-price apparel on orders over $75; excludes sale items and gift cards; "
        f"app only; one use per customer; ends {end.isoformat()} 23:59 PT",
        threshold="$75", discount="25%", is_confusing=True,
    )


def build_campaigns(period: Period) -> list[Campaign]:
    """Campaigns overlapping the period, in start order; exactly one is the confusing one."""
    story = confusing_campaign(period)
    recurring = [
        campaign
        for year in range(period.start.year - 1, period.end.year + 1)
        for campaign in _recurring_campaigns(year)
        if campaign.end >= period.start and campaign.start <= period.end
        and campaign.promo_code != story.promo_code
    ]
    return sorted([*recurring, story], key=lambda c: (c.start, c.promo_code))


def write_campaigns_csv(campaigns: list[Campaign], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(CAMPAIGNS_HEADER)
        for c in campaigns:
            writer.writerow((c.name, c.promo_code, c.start.isoformat(), c.end.isoformat(), c.terms))
