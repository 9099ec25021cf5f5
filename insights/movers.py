"""Movers: which themes rose, appeared or fell away in a week, tested against their own past.

For every theme and ISO week, the week's item count is compared with the theme's normal
level over the previous ``baseline_weeks`` weeks of data, in two passes:

- pass 1, which weeks rose: the baseline share is the median of the theme's weekly shares of
  all items in that window (weeks before the theme's first mention count as 0), and the
  tests and flags below mark the theme-weeks that rose (new or spiking) against it.
- pass 2, the result: the baseline share is the mean of the window's shares over the weeks
  that did not rise in pass 1, so a wave does not raise the bar for its own later weeks, and
  a small theme is not held to its median, which is biased low for counts of a few items
  (1, 0, 3, 1, 2, 5, 1, 1: median 1, mean 1.75). If fewer than half of the window's weeks
  of data are left, the rise is a level shift and the baseline is the median, as in pass 1.
- either way the baseline share is floored at ``floor_items_per_week`` items a week of data,
  so a theme never or rarely seen has a small expectation, not zero, and a sporadic theme
  needs more than a handful of items to stand out.
- volume: the week's items N times its volume index, the median over the week's
  established themes (expected at least ``min_count``) of count / (baseline share × N).
  This median-of-ratios normalisation (as DESeq sizes RNA-seq libraries) keeps one theme's
  wave, which inflates N, from making every other theme look as if it fell. expected count
  = baseline share × volume; rate ratio = count / expected; share change = this week's
  share of all items − baseline share.
- tests: the conditional test for two Poisson rates. With the baseline's
  b = round(baseline share × M) items of the window's M items, the week's count c of volume
  V given n = c + b has mean n·p, p = V / (V + M), when the share is unchanged, so the test
  also allows for the baseline's own noise. Binomial counts would have variance
  n·p·(1 − p); theme counts vary more (clusters wax and wane), so c | n is taken as
  beta-binomial with that mean and φ times that variance (ρ = (φ − 1) / (n − 1),
  α + β = (1 − ρ) / ρ); φ = 1 is the exact binomial test. Rise: P(X ≥ c); fall: P(X ≤ c).
  A theme that rose last week is tested against last week instead (c_prev of V_prev,
  n = c + c_prev, p = V / (V + V_prev)), lower tail: is the wave falling away, even if it is
  still above its normal level? Benjamini-Hochberg false-discovery-rate control runs across
  the themes tested in the same week, separately for rises and falls (q-values).
- dispersion φ (``MoverConfig.dispersion`` overrides it): estimated from the counts given,
  with pass 1's baseline, over the testable theme-weeks with ``min_baseline_weeks`` of
  history and n ≥ ``dispersion_min_items``: φ = max(1, median r² / the median r² that
  binomial counts with the same n and p would give), r the Pearson residual
  (c − n·p) / √(n·p·(1 − p)); see :func:`estimate_dispersion`. Medians, so the real movers
  do not inflate it; the binomial's own median r² (computed exactly, not simulated), so
  the lumpiness of small counts is not mistaken for overdispersion. The same φ serves both
  passes and is returned on every row.

Flags (at most one per theme and week; a week needs ``min_baseline_weeks`` weeks of data
before it, else nothing is flagged):

- is_new: first seen: no earlier week had ``min_count`` items of the theme (a few stray
  items that clustering put there do not count), and now it has, a significant rise.
- is_spiking: not new, at least ``min_count`` items, a rate ratio of at least
  ``min_rate_ratio`` and a significant rise.
- is_falling: a significant fall that is either a drop below the normal level (expected at
  least ``min_count``, ratio at most 1 / ``min_rate_ratio``) or a wave falling away (rose
  last week, now at most 1 / ``min_rate_ratio`` of last week's share). A wave falling away
  is falling, not spiking, even while still above its normal level: what changed since last
  week is that it fell.

Pure functions: frames in, frames out; no database, orchestrator or UI imports.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special, stats

COUNT_COLUMNS = ["theme_id", "week_start", "count_items", "count_all_items"]
FLAG_COLUMNS = [
    "theme_id",
    "week_start",
    "count_items",
    "count_all_items",
    "share_of_items",
    "volume_index",
    "count_prior_items",
    "max_prior_week_items",
    "baseline_weeks",
    "baseline_share",
    "expected_count",
    "rate_ratio",
    "share_change",
    "p_rise",
    "q_rise",
    "fall_reference",
    "p_fall",
    "q_fall",
    "is_new",
    "is_spiking",
    "is_falling",
    "dispersion",
]
WEEK = pd.Timedelta(weeks=1)


@dataclass(frozen=True)
class MoverConfig:
    baseline_weeks: int = 8  # trailing weeks the baseline is taken over
    min_baseline_weeks: int = 2  # weeks of data before a week can have movers
    min_count: int = 5  # items a week needs to be a mover (or to be expected, to fall)
    min_rate_ratio: float = 1.5  # rising: ratio ≥ this; falling: ratio ≤ 1 / this
    fdr_alpha: float = 0.05  # Benjamini-Hochberg level, per week and direction
    # The least a baseline expects: items per week of data in its window. A pseudo-count that
    # keeps sporadic themes (median week 0) from spiking on a handful of items.
    floor_items_per_week: float = 1.0
    # φ, how much more than binomial the weekly counts vary; None: estimated from the counts
    # given (estimate_dispersion over the theme-weeks with history and n ≥ dispersion_min_items).
    dispersion: float | None = None
    dispersion_min_items: int = 5

    def __post_init__(self) -> None:
        if self.baseline_weeks < 1 or self.min_baseline_weeks < 1:
            raise ValueError("baseline_weeks and min_baseline_weeks must be at least 1")
        if self.min_baseline_weeks > self.baseline_weeks:
            raise ValueError("min_baseline_weeks cannot exceed baseline_weeks")
        if self.min_count < 1:
            raise ValueError("min_count must be at least 1")
        if self.min_rate_ratio < 1:
            raise ValueError("min_rate_ratio must be at least 1")
        if not 0 < self.fdr_alpha < 1:
            raise ValueError("fdr_alpha must be between 0 and 1")
        if self.floor_items_per_week <= 0:
            raise ValueError("floor_items_per_week must be positive")
        if self.dispersion is not None and self.dispersion < 1:
            raise ValueError("dispersion must be at least 1 (1: binomial)")
        if self.dispersion_min_items < 2:
            raise ValueError("dispersion_min_items must be at least 2")


def benjamini_hochberg(p_values: Sequence[float] | np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (q-values); NaN entries stay NaN and do not count."""
    p = np.asarray(p_values, dtype=float)
    if np.any((p < 0) | (p > 1)):
        raise ValueError("p-values must lie in [0, 1]")
    q = np.full(p.shape, np.nan)
    tested = ~np.isnan(p)
    n = int(tested.sum())
    if n == 0:
        return q
    order = np.argsort(p[tested])
    ranked = p[tested][order] * n / np.arange(1, n + 1)
    # q_(i) = min over j ≥ i of p_(j)·n/j, capped at 1
    monotone = np.minimum.accumulate(ranked[::-1])[::-1]
    adjusted = np.empty(n)
    adjusted[order] = np.minimum(monotone, 1.0)
    q[tested] = adjusted
    return q


def conditional_poisson_test(
    count: np.ndarray,
    total: np.ndarray,
    reference_count: np.ndarray,
    reference_total: np.ndarray,
    dispersion: float = 1.0,
) -> tuple[np.ndarray, np.ndarray]:
    """One-sided p-values (rise, fall) that ``count`` of ``total`` is a higher / lower share
    than ``reference_count`` of ``reference_total``: given n = count + reference_count, count
    is Binomial(n, total / (total + reference_total)) when the shares are equal (the exact
    conditional test for two Poisson rates). With ``dispersion`` φ > 1 it is beta-binomial
    with the same mean and φ times the binomial variance (intra-class correlation
    ρ = (φ − 1) / (n − 1))."""
    if dispersion < 1:
        raise ValueError("dispersion must be at least 1")
    count, reference_count = np.asarray(count, dtype=float), np.asarray(reference_count, dtype=float)
    n = count + reference_count
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.asarray(total, dtype=float) / (np.asarray(total, dtype=float) + reference_total)
    rise, fall = stats.binom.sf(count - 1, n, p), stats.binom.cdf(count, n, p)
    # One trial, or a certain outcome, is the same under both distributions.
    inflated = (dispersion > 1) & np.isfinite(n) & (n > 1) & (p > 0) & (p < 1)
    if inflated.any():
        rise[inflated], fall[inflated] = _beta_binomial_tails(
            count[inflated].astype(int), n[inflated].astype(int), p[inflated], dispersion
        )
    return rise, fall


def _beta_binomial_tails(
    count: np.ndarray, n: np.ndarray, p: np.ndarray, dispersion: float
) -> tuple[np.ndarray, np.ndarray]:
    """P(X ≥ count) and P(X ≤ count) for X beta-binomial(n, mean p, variance φ·n·p·(1 − p)),
    summed from the pmf so that tiny tails keep their precision (scipy's sf is 1 − cdf)."""
    # n trials can be at most n times as variable as the binomial: cap ρ just below 1.
    rho = np.minimum((dispersion - 1) / (n - 1), 1 - 1e-9)
    alpha_plus_beta = (1 - rho) / rho
    alpha, beta = p * alpha_plus_beta, (1 - p) * alpha_plus_beta
    rise, fall = np.empty(len(n)), np.empty(len(n))
    for trials in np.unique(n):  # one matrix per number of trials: rows x outcomes 0..n
        rows = np.flatnonzero(n == trials)
        a, b = alpha[rows, None], beta[rows, None]
        # B(j + a, n − j + b) / B(a, b) as rising factorials, a(a+1)…(a+j−1)·b…(b+n−j−1) /
        # (a+b)…(a+b+n−1): exact in logs even where a + b is huge (φ near 1), unlike betaln.
        steps = np.arange(trials)
        start = np.zeros((len(rows), 1))
        log_rising_a = np.hstack([start, np.cumsum(np.log(a + steps), axis=1)])
        log_rising_b = np.hstack([start, np.cumsum(np.log(b + steps), axis=1)])
        j = np.arange(trials + 1)
        log_pmf = (
            special.gammaln(trials + 1) - special.gammaln(j + 1) - special.gammaln(trials - j + 1)
            + log_rising_a[:, j] + log_rising_b[:, trials - j] - np.log(a + b + steps).sum(axis=1, keepdims=True)
        )
        pmf = np.exp(log_pmf - log_pmf.max(axis=1, keepdims=True))
        total = pmf.sum(axis=1)  # 1 / the largest probability, up to rounding
        rise[rows] = np.minimum((pmf * (j >= count[rows, None])).sum(axis=1) / total, 1.0)
        fall[rows] = np.minimum((pmf * (j <= count[rows, None])).sum(axis=1) / total, 1.0)
    return rise, fall


def estimate_dispersion(
    count: np.ndarray,
    total: np.ndarray,
    reference_count: np.ndarray,
    reference_total: np.ndarray,
    min_items: int = 5,
) -> float:
    """How much more the counts vary than :func:`conditional_poisson_test`'s binomial allows:
    φ = max(1, median r² / median r² of binomial draws with the same n and p), where r is the
    Pearson residual (count − n·p) / √(n·p·(1 − p)) of each comparison with n ≥ ``min_items``.

    Medians, so the real movers among the comparisons do not count. The binomial's median r²
    is computed exactly (the median of the mixture of the comparisons' binomials, the limit of
    ever more draws), so small n, whose r² is lumpy, are compared like with like. Rounded to
    three decimals; 1 when nothing can be compared."""
    count, reference_count = np.asarray(count, dtype=float), np.asarray(reference_count, dtype=float)
    n = count + reference_count
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.asarray(total, dtype=float) / (np.asarray(total, dtype=float) + reference_total)
    usable = np.isfinite(n) & np.isfinite(p) & (n >= min_items) & (p > 0) & (p < 1)
    if not usable.any():
        return 1.0
    n, p, count = n[usable], p[usable], count[usable]
    mean, sd = n * p, np.sqrt(n * p * (1 - p))
    observed = float(np.median(((count - mean) / sd) ** 2))
    null = _binomial_median_abs_residual(n, p) ** 2
    # Three decimals: the estimate is good to a few percent, and binomial data give exactly 1.
    return max(1.0, round(observed / null, 3)) if null > 0 else 1.0


def _binomial_median_abs_residual(n: np.ndarray, p: np.ndarray) -> float:
    """The median of |r| over an equal mixture of Binomial(n_i, p_i), r = (X − μ_i) / σ_i:
    the least s with mean_i P(|X_i − μ_i| ≤ s·σ_i) ≥ 1/2, found by bisection."""
    mean, sd = n * p, np.sqrt(n * p * (1 - p))

    def share_within(s: float) -> float:
        upper = stats.binom.cdf(np.floor(mean + s * sd), n, p)
        below = stats.binom.cdf(np.ceil(mean - s * sd) - 1, n, p)
        return float(np.mean(upper - below))

    low, high = 0.0, float(np.max(np.maximum(mean, n - mean) / sd))
    for _ in range(60):  # far below one residual step
        middle = (low + high) / 2
        low, high = (low, middle) if share_within(middle) >= 0.5 else (middle, high)
    return high


def _validate(counts: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in COUNT_COLUMNS if c not in counts.columns]
    if missing:
        raise ValueError(f"theme counts lack columns {missing}")
    frame = counts[COUNT_COLUMNS].copy()
    if frame.isna().any().any():
        raise ValueError("theme counts contain nulls")
    frame["week_start"] = pd.to_datetime(frame["week_start"])
    if frame.duplicated(["theme_id", "week_start"]).any():
        raise ValueError("theme counts repeat a (theme_id, week_start)")
    if (frame["week_start"].dt.day_of_week != 0).any():
        raise ValueError("week_start must be a Monday (ISO week)")
    for column in ("count_items", "count_all_items"):
        if (frame[column] < 0).any():
            raise ValueError(f"{column} must not be negative")
    if (frame["count_items"] > frame["count_all_items"]).any():
        raise ValueError("a theme cannot have more items than its week")
    if (frame.groupby("week_start")["count_all_items"].nunique() > 1).any():
        raise ValueError("count_all_items differs between themes of the same week")
    frame = frame.sort_values(["theme_id", "week_start"], ignore_index=True)
    last_week = frame["week_start"].max()
    runs = frame.groupby("theme_id")["week_start"].agg(["min", "max", "count"])
    complete = (runs["max"] == last_week) & ((runs["max"] - runs["min"]) / WEEK + 1 == runs["count"])
    if not complete.all():
        raise ValueError("every week from a theme's first row to the last week must be present (zero weeks included)")
    return frame


def _weekly_grid(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """Theme x every week since the first (zeros before a theme's first row), and week totals."""
    # Every theme runs to the last week without gaps, so the earliest covers every week.
    counts = frame.pivot(index="week_start", columns="theme_id", values="count_items").fillna(0)
    totals = frame.drop_duplicates("week_start").set_index("week_start")["count_all_items"]
    return counts, totals.reindex(counts.index)


def theme_flags(counts: pd.DataFrame, config: MoverConfig = MoverConfig()) -> pd.DataFrame:
    """Test each theme x week against the theme's trailing baseline; one row per input row.

    ``counts``: one row per theme x ISO week (``week_start`` a Monday) from the theme's first
    mention to the last week, zero weeks included, with ``count_items`` (items mentioning the
    theme) and ``count_all_items`` (all items that week). Returns :data:`FLAG_COLUMNS`;
    ``fall_reference`` says what the fall test compared with ('baseline' or 'last_week');
    p- and q-values are NaN where no test is possible (no earlier data, or an empty week);
    ``dispersion`` is the same on every row (the φ the tests used).
    """
    frame = _validate(counts)
    if frame.empty:
        return pd.DataFrame(columns=FLAG_COLUMNS)
    window = config.baseline_weeks
    grid, totals = _weekly_grid(frame)
    # Shares of weeks with no items at all are unknown, not zero: they leave the window.
    shares = grid.div(totals.where(totals > 0), axis=0)
    data_weeks = (totals > 0).astype(int).shift(1).rolling(window, min_periods=1).sum().fillna(0)
    window_items = totals.shift(1).rolling(window, min_periods=1).sum().fillna(0)
    floor = (config.floor_items_per_week * data_weeks / window_items).where(window_items > 0)

    per_week = pd.DataFrame({"baseline_weeks": data_weeks, "window_items": window_items})
    frame = frame.join(_long(shares, "share_of_items"), on=["week_start", "theme_id"]).join(per_week, on="week_start")
    frame["baseline_weeks"] = frame["baseline_weeks"].astype(int)
    testable = (frame["window_items"] > 0) & (frame["count_all_items"] > 0)
    by_theme = frame.groupby("theme_id", sort=False)
    frame["count_prior_items"] = (by_theme["count_items"].cumsum() - frame["count_items"]).astype(int)
    frame["max_prior_week_items"] = by_theme["count_items"].transform(lambda c: c.cummax().shift(1, fill_value=0)).astype(int)

    # Pass 1: the median share of the window, to find the weeks that rose.
    median_share = shares.shift(1).rolling(window, min_periods=1).median()
    first = frame.join(_expectations(frame, median_share.fillna(0).clip(lower=floor, axis=0), testable, config))
    dispersion = config.dispersion
    if dispersion is None:
        informative = testable & (first["baseline_weeks"] >= config.min_baseline_weeks)
        dispersion = estimate_dispersion(
            first.loc[informative, "count_items"], first.loc[informative, "volume"],
            first.loc[informative, "baseline_items"], first.loc[informative, "window_items"],
            config.dispersion_min_items,
        )
    rose = _rises(first, testable, config, dispersion)["is_rising"]

    # Pass 2: the mean share of the window's weeks that did not rise, unless most of them
    # rose (a level shift, which the median absorbs).
    rose_wide = rose.set_axis(pd.MultiIndex.from_frame(frame[["week_start", "theme_id"]])).unstack()
    calm_shares = shares.mask(rose_wide.reindex_like(shares).fillna(False).astype(bool))
    calm_weeks = calm_shares.notna().astype(int).shift(1).rolling(window, min_periods=1).sum()
    calm_mean = calm_shares.shift(1).rolling(window, min_periods=1).mean()
    baseline_share = calm_mean.where(calm_weeks.ge(data_weeks / 2, axis=0), median_share)
    frame = frame.join(_expectations(frame, baseline_share.fillna(0).clip(lower=floor, axis=0), testable, config))
    frame["share_change"] = frame["share_of_items"] - frame["baseline_share"]
    frame = frame.join(_rises(frame, testable, config, dispersion))

    # A wave that rose last week is judged against last week (has it fallen away, even if it
    # is still above its normal level?); anything else against its baseline.
    count = frame["count_items"].to_numpy(dtype=float)
    volume = frame["volume"].to_numpy(dtype=float)
    by_theme = frame.groupby("theme_id", sort=False)
    away = by_theme["is_rising"].shift(1, fill_value=False).to_numpy(dtype=bool)
    last_count = by_theme["count_items"].shift(1).to_numpy(dtype=float)
    last_volume = by_theme["volume"].shift(1).to_numpy(dtype=float)
    p_away = np.full(len(frame), np.nan)
    _, p_away[away] = conditional_poisson_test(
        count[away], volume[away], last_count[away], last_volume[away], dispersion
    )
    frame["fall_reference"] = np.where(away, "last_week", "baseline")
    frame["p_fall"] = np.where(testable, np.where(away, p_away, frame["p_drop"]), np.nan)
    frame["q_fall"] = _q_per_week(frame, "p_fall")
    with np.errstate(divide="ignore", invalid="ignore"):
        fell_away = count / volume <= last_count / last_volume / config.min_rate_ratio
    dropped = (frame["expected_count"] >= config.min_count) & (frame["rate_ratio"] <= 1 / config.min_rate_ratio)
    has_history = frame["baseline_weeks"] >= config.min_baseline_weeks
    frame["is_falling"] = has_history & (frame["q_fall"] <= config.fdr_alpha) & np.where(away, fell_away, dropped)
    # A wave falling away is news for the week even while it is still above its normal level.
    frame["is_spiking"] &= ~frame["is_falling"]
    frame["dispersion"] = dispersion
    frame["week_start"] = frame["week_start"].dt.date
    return frame[FLAG_COLUMNS].sort_values(["week_start", "theme_id"], ignore_index=True)


def _long(wide: pd.DataFrame, name: str) -> pd.Series:
    return wide.stack(future_stack=True).rename(name)


def _expectations(
    frame: pd.DataFrame, baseline_share: pd.DataFrame, testable: pd.Series, config: MoverConfig
) -> pd.DataFrame:
    """Baseline share (NaN where untestable), its items in the window, the volume index, the
    week's volume, expected count and rate ratio of every row, for one baseline (week x theme)."""
    out = frame[["week_start", "theme_id"]].join(_long(baseline_share, "baseline_share"), on=["week_start", "theme_id"])
    out = out.drop(columns=["week_start", "theme_id"])
    out.loc[~testable, "baseline_share"] = np.nan
    out["baseline_items"] = np.rint(out["baseline_share"] * frame["window_items"])
    # Median-of-ratios volume index (as DESeq normalises library sizes): how this week's
    # established themes compare with their baselines, typically. A wave of one theme inflates
    # the week's total but not this median, so it does not make every other theme look low.
    plain_expected = out["baseline_share"] * frame["count_all_items"]
    typical = testable & (frame["baseline_weeks"] >= config.min_baseline_weeks) & (plain_expected >= config.min_count)
    ratios = (frame["count_items"] / plain_expected).where(typical)
    out["volume_index"] = ratios.groupby(frame["week_start"]).transform("median").fillna(1.0)
    out["volume"] = frame["count_all_items"] * out["volume_index"]
    out["expected_count"] = out["baseline_share"] * out["volume"]
    with np.errstate(divide="ignore", invalid="ignore"):
        out["rate_ratio"] = frame["count_items"] / out["expected_count"]
    return out


def _rises(frame: pd.DataFrame, testable: pd.Series, config: MoverConfig, dispersion: float) -> pd.DataFrame:
    """Rise/drop p-values against the baseline, rise q-values and the is_new / is_spiking
    flags of every row (``frame`` carries :func:`_expectations`)."""
    out = pd.DataFrame(index=frame.index)
    p_rise, p_drop = conditional_poisson_test(
        frame["count_items"].to_numpy(dtype=float), frame["volume"].to_numpy(dtype=float),
        frame["baseline_items"].to_numpy(dtype=float), frame["window_items"].to_numpy(dtype=float),
        dispersion,
    )
    out["p_rise"] = np.where(testable, p_rise, np.nan)
    out["p_drop"] = np.where(testable, p_drop, np.nan)
    out["q_rise"] = _q_per_week(out.assign(week_start=frame["week_start"]), "p_rise")
    rises = (
        (frame["baseline_weeks"] >= config.min_baseline_weeks)
        & (frame["count_items"] >= config.min_count)
        & (out["q_rise"] <= config.fdr_alpha)
    )
    out["is_new"] = rises & (frame["max_prior_week_items"] < config.min_count)
    out["is_spiking"] = rises & ~out["is_new"] & (frame["rate_ratio"] >= config.min_rate_ratio)
    out["is_rising"] = out["is_new"] | out["is_spiking"]
    return out


def _q_per_week(frame: pd.DataFrame, p_column: str) -> pd.Series:
    return frame.groupby("week_start")[p_column].transform(
        lambda p: pd.Series(benjamini_hochberg(p.to_numpy()), index=p.index)
    )
