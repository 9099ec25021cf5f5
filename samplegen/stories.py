"""The planted stories: when they happen, how intense each day is, and what they should reveal.

Windows are placed at fractions of the period, so any ``--weeks``/``--end`` keeps them apart.
A story's daily weight already includes the weekday rhythm; its total volume is a share of all
items. The gift-card story is steady (no window of its own): it stands out by handling cost.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta

from .calendar import WEEKDAY_VOLUME, Period
from .campaigns import Campaign

SHIPPING_POSITION = 0.30
APP_RELEASE_POSITION = 0.75
HOTFIX_AFTER_DAYS = 10


@dataclass(frozen=True)
class Story:
    key: str
    theme: str
    title: str
    start: date
    end: date  # inclusive
    share: float  # of all items, planted on top of the theme's background (0 = steady story)
    daily_weights: dict[date, float]
    facts: dict[str, str]
    expected_findings: tuple[str, ...]
    campaign: Campaign | None = None
    key_dates: dict[str, str] = field(default_factory=dict)

    def weight(self, day: date) -> float:
        return self.daily_weights.get(day, 0.0)


def _weights(start: date, n_days: int, shape: list[float]) -> dict[date, float]:
    days = [start + timedelta(days=i) for i in range(n_days)]
    return {day: shape[i] * WEEKDAY_VOLUME[day.weekday()] for i, day in enumerate(days)}


def promo_confusion_story(campaign: Campaign) -> Story:
    """Complaints start on launch day and fade as people learn the terms."""
    n_days = (campaign.end - campaign.start).days + 1
    shape = [math.exp(-i / 4.0) for i in range(n_days)]
    code = campaign.promo_code
    return Story(
        key="promo_confusion",
        theme="promo_code_issue",
        title=f"{campaign.name} ({code}) terms confuse customers",
        start=campaign.start,
        end=campaign.end,
        share=0.05,
        daily_weights=_weights(campaign.start, n_days, shape),
        facts={"promo_code": code, "campaign": campaign.name, "threshold": campaign.threshold,
               "discount": campaign.discount, "terms": campaign.terms},
        expected_findings=(
            f"promo_code_issue is the top rising theme in the week of {campaign.start.isoformat()} "
            f"(launch of {campaign.name}, code {code}); it is near zero in the weeks before",
            "most complaints fall in the launch week and decay through the campaign's three weeks",
            "the texts name the terms that trip people up: app only, full-price apparel only, "
            f"orders over {campaign.threshold}, excludes sale items and gift cards, one use per customer",
            "detractor NPS (0-6) dominates survey responses on this theme",
        ),
        campaign=campaign,
        key_dates={"launch": campaign.start.isoformat(), "campaign_end": campaign.end.isoformat()},
    )


def shipping_disruption_story(period: Period) -> Story:
    """A carrier/warehouse failure: ramps up in three days, plateaus, eases in the third week."""
    start = period.week_at(SHIPPING_POSITION)
    n_days = 21
    shape = [min(1.0, 0.35 + 0.25 * i) if i < 15 else 1.0 - 0.12 * (i - 14) for i in range(n_days)]
    end = start + timedelta(days=n_days - 1)
    return Story(
        key="shipping_disruption",
        theme="delivery_delay",
        title="Carrier backlog at the Columbus, OH fulfillment center delays deliveries",
        start=start,
        end=end,
        share=0.06,
        daily_weights=_weights(start, n_days, shape),
        facts={"carrier": "ParcelPoint", "hub": "Columbus, OH",
               "cause": "a sorting-system outage at the Columbus, OH fulfillment center left the "
                        "ParcelPoint carrier backlog growing for three weeks"},
        expected_findings=(
            f"delivery_delay rises to several times its baseline for three weeks, "
            f"{start.isoformat()} to {end.isoformat()}, then returns to baseline",
            "the wave is carried by tickets and social posts; texts mention ParcelPoint and Columbus",
            "order_status (where-is-my-order) stays steady: the spike is specific to delays",
        ),
        key_dates={"disruption_start": start.isoformat(), "disruption_end": end.isoformat()},
    )


def app_crash_story(period: Period) -> Story:
    """App v5.2.0 crashes on launch from release day; the 5.2.1 hotfix ten days later ends it."""
    release = period.week_at(APP_RELEASE_POSITION) + timedelta(days=1)  # a Tuesday
    hotfix = release + timedelta(days=HOTFIX_AFTER_DAYS)
    n_days = HOTFIX_AFTER_DAYS + 10
    shape = [0.7 if i == 0 else 1.0 if i <= HOTFIX_AFTER_DAYS else math.exp(-(i - HOTFIX_AFTER_DAYS) / 1.8)
             for i in range(n_days)]
    return Story(
        key="app_crash",
        theme="app_crash",
        title="Larkspur app 5.2.0 crashes on launch until the 5.2.1 hotfix",
        start=release,
        end=release + timedelta(days=n_days - 1),
        share=0.04,
        daily_weights=_weights(release, n_days, shape),
        facts={"app_version": "5.2.0", "hotfix_version": "5.2.1", "previous_version": "5.1.4"},
        expected_findings=(
            f"app_crash is a brand-new theme in the week of {release.isoformat()} (release of 5.2.0): "
            "no items before the release",
            f"it stays high until the 5.2.1 hotfix on {hotfix.isoformat()} and fades within a week after",
            "it is carried by social posts and mobile tickets; texts name 5.2.0, devices and OS versions",
        ),
        key_dates={"release": release.isoformat(), "hotfix": hotfix.isoformat()},
    )


def gift_card_story(period: Period) -> Story:
    """Steady volume all period; what stands out is how long each contact takes to resolve."""
    return Story(
        key="gift_card_handling",
        theme="gift_card_redemption",
        title="Gift-card redemption problems take ~10x longer to handle",
        start=period.start,
        end=period.end,
        share=0.0,
        daily_weights={},
        facts={"handle_time_factor": "10"},
        expected_findings=(
            "gift_card_redemption volume is steady week to week (not a spike)",
            "its median call handle time is about 10x the other themes' (~2,400 s vs ~240 s)",
            "its median ticket resolution time is about 10x the other themes' as well",
            "it has the highest cost (volume x handle time) among problem themes despite a modest count",
        ),
    )


def build_stories(period: Period, campaigns: list[Campaign]) -> list[Story]:
    confusing = next(c for c in campaigns if c.is_confusing)
    return [
        promo_confusion_story(confusing),
        shipping_disruption_story(period),
        gift_card_story(period),
        app_crash_story(period),
    ]
