"""The sample period and the contact-volume curve as a function of the date.

Volume has a weekday/weekend rhythm everywhere and a holiday peak (2-3x from Black Friday
to Christmas, then a returns tail into January) wherever the period covers it, so a longer
horizon gets its seasonality without extra configuration.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from .kinds import CHANNELS, Channel

# Monday..Sunday: people write most at the start of the week.
WEEKDAY_VOLUME: tuple[float, ...] = (1.18, 1.12, 1.05, 1.0, 0.95, 0.78, 0.72)

# Per-channel tilt on top: the call centre is quiet at weekends, social is busier.
CHANNEL_WEEKDAY: dict[Channel, tuple[float, ...]] = {
    "ticket": (1.05, 1.03, 1.0, 1.0, 0.98, 0.9, 0.88),
    "survey": (1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0),
    "call": (1.22, 1.15, 1.1, 1.05, 1.0, 0.5, 0.3),
    "social": (0.92, 0.94, 0.96, 1.0, 1.05, 1.2, 1.22),
}

assert set(CHANNEL_WEEKDAY) == set(CHANNELS)


@dataclass(frozen=True)
class Period:
    """An inclusive range of days, reported in ISO weeks (Monday starts)."""

    start: date
    end: date

    @property
    def n_days(self) -> int:
        return (self.end - self.start).days + 1

    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range(self.n_days)]

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    def week_starts(self) -> list[date]:
        first = week_start(self.start)
        return [first + timedelta(weeks=i) for i in range((week_start(self.end) - first).days // 7 + 1)]

    def week_at(self, fraction: float) -> date:
        """The Monday of the week at a fraction of the period (0 = first week)."""
        weeks = self.week_starts()
        return weeks[min(len(weeks) - 1, round(fraction * len(weeks)))]


def build_period(end_date: date, weeks: int) -> Period:
    if weeks < 8:
        raise ValueError("weeks must be at least 8 so the planted stories do not overlap")
    return Period(end_date - timedelta(days=7 * weeks - 1), end_date)


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def thanksgiving(year: int) -> date:
    """US Thanksgiving: the fourth Thursday of November."""
    first = date(year, 11, 1)
    first_thursday = first + timedelta(days=(3 - first.weekday()) % 7)
    return first_thursday + timedelta(weeks=3)


def _holiday_factor_for_year(day: date, year: int) -> float:
    black_friday = thanksgiving(year) + timedelta(days=1)
    ramp_start = black_friday - timedelta(days=7)
    christmas = date(year, 12, 25)
    peak_end = date(year, 12, 20)
    tail_end = date(year + 1, 1, 12)
    if ramp_start <= day < black_friday:
        return 1.0 + 1.0 * (day - ramp_start).days / 7  # up to 2x on Black Friday
    if black_friday <= day <= peak_end:
        return 2.0 + 0.8 * (day - black_friday).days / max(1, (peak_end - black_friday).days)
    if peak_end < day < christmas:
        return 2.4
    if day == christmas:
        return 1.1
    if christmas < day <= tail_end:  # returns, gift-card redemptions
        return 1.8 - 0.8 * (day - christmas).days / (tail_end - christmas).days
    return 1.0


def holiday_factor(day: date) -> float:
    """1.0 outside the holiday season; 2-2.8x between Black Friday and Christmas."""
    return max(_holiday_factor_for_year(day, day.year), _holiday_factor_for_year(day, day.year - 1))


def overall_volume(day: date) -> float:
    """Relative contact volume of a day, all channels together."""
    return WEEKDAY_VOLUME[day.weekday()] * holiday_factor(day)


def channel_weekday_factor(channel: Channel, day: date) -> float:
    return CHANNEL_WEEKDAY[channel][day.weekday()]
