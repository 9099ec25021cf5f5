"""The volume plan: how many records each (day, channel) gets, and what each is about.

Every source of feedback is a *component* with an expected daily rate: one per steady theme
(rate follows the volume curve, so weekly counts differ only by sampling noise), one per
planted story (its own intensity curve), and one per ordinary campaign (a trickle of promo
questions while it runs). Cell counts are an exact multinomial draw of ``n_items``; within a
cell each record's component is drawn in proportion to the components' rates there.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from .calendar import Period, channel_weekday_factor, holiday_factor, overall_volume
from .campaigns import Campaign
from .kinds import CHANNELS, MALFORMED_CHANNELS, Channel
from .rng import cumulative, multinomial_counts
from .stories import Story
from .themes import THEMES, Theme

# While an ordinary campaign runs, this share of the background asks about its code.
CAMPAIGN_QUESTION_SHARE = 0.02
# Share of items deliberately damaged (spread evenly over the kinds, at least 2 of each).
MALFORMED_SHARE = 0.01
MIN_PER_MALFORMED_KIND = 2
# Calibrates the themes' channel affinities to the overall mix (about 35/30/9/26 %).
CHANNEL_SCALE: dict[Channel, float] = {"ticket": 1.0, "survey": 1.08, "call": 0.84, "social": 0.93}


@dataclass(frozen=True)
class Component:
    key: str
    theme: Theme
    story: Story | None
    campaign: Campaign | None
    daily_rates: tuple[float, ...]  # expected relative volume per day of the period


@dataclass(frozen=True)
class CellPlan:
    day: date
    channel: Channel
    count: int
    component_cum_weights: tuple[float, ...]  # over Plan.components


@dataclass(frozen=True)
class Plan:
    period: Period
    components: tuple[Component, ...]
    cells: tuple[CellPlan, ...]  # day-major, channel order as CHANNELS
    malformed: dict[Channel, dict[int, str]]  # channel -> record ordinal -> reason

    def channel_totals(self) -> dict[Channel, int]:
        totals: dict[Channel, int] = {channel: 0 for channel in CHANNELS}
        for cell in self.cells:
            totals[cell.channel] += cell.count
        return totals


def _holiday_tilt(theme: Theme, day: date) -> float:
    return 1.0 + theme.holiday_boost * (holiday_factor(day) - 1.0)


def _background_rates(day: date) -> dict[str, float]:
    """Each steady theme's rate on a day. The holiday season raises total volume by the
    holiday factor and, within that total, tilts the mix towards delivery and gift cards."""
    steady = [theme for theme in THEMES.values() if theme.share > 0]
    total_share = sum(theme.share for theme in steady)
    tilted = {theme.key: theme.share * _holiday_tilt(theme, day) for theme in steady}
    scale = overall_volume(day) * total_share / sum(tilted.values())
    return {key: value * scale for key, value in tilted.items()}


STORY_WINDOW_DAYS = 20 * 7


def build_components(period: Period, stories: list[Story], campaigns: list[Campaign]) -> list[Component]:
    days = period.days()
    daily = [_background_rates(d) for d in days]
    components = [
        Component(theme.key, theme, None, None, tuple(rates[theme.key] for rates in daily))
        for theme in THEMES.values()
        if theme.share > 0
    ]
    promo = THEMES["promo_code_issue"]
    for campaign in campaigns:
        if campaign.is_confusing:
            continue  # its complaints are the planted story
        rates = tuple(overall_volume(d) * CAMPAIGN_QUESTION_SHARE if campaign.is_active(d) else 0.0 for d in days)
        if any(rates):
            components.append(Component(f"campaign:{campaign.promo_code}", promo, None, campaign, rates))
    background_total = sum(sum(c.daily_rates) for c in components)
    story_share = sum(s.share for s in stories)
    for story in stories:
        if story.share <= 0:
            continue
        in_period = [story.weight(d) for d in days]
        weight_total = sum(in_period) or 1.0
        # A story's share is of a 20-week window: a longer horizon keeps the same daily
        # intensity instead of piling a year's share into the story's few weeks.
        window = min(1.0, STORY_WINDOW_DAYS / len(days))
        planted_total = story.share / (1.0 - story_share) * background_total * window
        rates = tuple(planted_total * w / weight_total for w in in_period)
        components.append(Component(f"story:{story.key}", THEMES[story.theme], story, story.campaign, rates))
    return components


def _malformed_assignment(
    rng: random.Random, totals: dict[Channel, int], n_items: int
) -> dict[Channel, dict[int, str]]:
    """Pick which record ordinals of each channel get damaged, and how."""
    per_kind = max(MIN_PER_MALFORMED_KIND, round(n_items * MALFORMED_SHARE / len(MALFORMED_CHANNELS)))
    wanted: dict[Channel, list[str]] = {channel: [] for channel in CHANNELS}
    for reason, channels in MALFORMED_CHANNELS.items():
        for i in range(per_kind):
            wanted[channels[i % len(channels)]].append(reason)
    assignment: dict[Channel, dict[int, str]] = {}
    for channel, reasons in wanted.items():
        reasons = reasons[: totals[channel]]
        ordinals = sorted(rng.sample(range(totals[channel]), len(reasons)))
        rng.shuffle(reasons)
        assignment[channel] = dict(zip(ordinals, reasons))
    return assignment


def build_plan(rng: random.Random, period: Period, components: list[Component], n_items: int) -> Plan:
    days = period.days()
    cell_keys: list[tuple[int, Channel]] = []
    cell_weights: list[float] = []
    component_weights: list[tuple[float, ...]] = []
    for day_index, day in enumerate(days):
        for channel in CHANNELS:
            weights = tuple(c.daily_rates[day_index] * c.theme.channel_mix[channel] for c in components)
            cell_keys.append((day_index, channel))
            cell_weights.append(sum(weights) * channel_weekday_factor(channel, day) * CHANNEL_SCALE[channel])
            component_weights.append(weights)
    counts = multinomial_counts(rng, n_items, cell_weights)
    cells = tuple(
        CellPlan(days[day_index], channel, count, tuple(cumulative(weights)))
        for (day_index, channel), count, weights in zip(cell_keys, counts, component_weights)
    )
    totals: dict[Channel, int] = {channel: 0 for channel in CHANNELS}
    for cell in cells:
        totals[cell.channel] += cell.count
    return Plan(period, tuple(components), cells, _malformed_assignment(rng, totals, n_items))
