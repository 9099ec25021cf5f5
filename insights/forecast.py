"""Weekly contact forecasts with prediction intervals, their baselines, and their errors.

A series is a run of weekly counts (consecutive ISO weeks, zero-filled). Models work on
``log(1 + count)``, so a peak that doubles volume is a shift, not a change of variance, and a
back-transformed forecast is never negative.

* With at least ``min_seasonal_weeks`` (a year plus a few weeks) of history the forecast is
  the mean of two forecasts: Holt-Winters (statsmodels ``ExponentialSmoothing``, additive
  52-week season, its seasonal states started from last year's weekly shape smoothed over
  three weeks, smoothing parameters fitted) and the seasonal naive forecast (the same week
  last year). With one year of history each alone is about as good as the other; their
  errors differ, and the mean beat both in the backtest on four generated samples
  (``benchmarks/forecast_backtest.py``).
* With less history: Holt's damped-trend exponential smoothing (no season).

Intervals come from 1,000 paths simulated from the fitted Holt-Winters / Holt model with
resampled residuals, centred on the point forecast, at ``interval_level``.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from statsmodels.tsa.holtwinters import ExponentialSmoothing

SEASONAL_METHOD = "seasonal: mean of Holt-Winters (52-week season, log scale) and same week last year"
TREND_METHOD = "non-seasonal: damped-trend exponential smoothing (log scale)"
LEVEL_METHOD = "non-seasonal: simple exponential smoothing (log scale)"


@dataclass(frozen=True)
class ForecastConfig:
    season_length: int = 52
    # A full season plus a few weeks, so the level can be fitted after the seasonal start.
    min_seasonal_weeks: int = 56
    # Fewer weeks than this cannot separate a trend from noise: level only.
    min_trend_weeks: int = 16
    min_weeks: int = 8
    interval_level: float = 0.8
    n_paths: int = 1000
    seed: int = 0

    def __post_init__(self) -> None:
        if not 0 < self.interval_level < 1:
            raise ValueError(f"interval_level must be between 0 and 1, got {self.interval_level}")
        if self.min_seasonal_weeks <= self.season_length:
            raise ValueError("min_seasonal_weeks must exceed season_length")


def check_weekly(history: pd.Series) -> np.ndarray:
    """The counts of a weekly series as floats; refuses gaps, negatives and missing values.

    The index must be consecutive week starts (7 days apart), as the marts zero-fill them.
    """
    if history.isna().any():
        raise ValueError("history has missing values; zero-fill weeks without contacts")
    values = history.to_numpy(dtype=float)
    if (values < 0).any():
        raise ValueError("history has negative counts")
    index = pd.DatetimeIndex(history.index)
    if len(index) > 1 and not ((index[1:] - index[:-1]) == pd.Timedelta(days=7)).all():
        raise ValueError("history must be consecutive weeks (7 days apart, no gaps, ascending)")
    return values


def seasonal_naive(values: np.ndarray, horizon: int, season_length: int = 52) -> np.ndarray:
    """The same week one season earlier, repeated for horizons beyond a season."""
    if len(values) < season_length:
        raise ValueError(f"seasonal naive needs {season_length} weeks of history, got {len(values)}")
    last_season = values[-season_length:]
    return np.array([last_season[h % season_length] for h in range(horizon)], dtype=float)


def naive(values: np.ndarray, horizon: int) -> np.ndarray:
    """The last week, repeated."""
    if len(values) == 0:
        raise ValueError("naive needs at least one week of history")
    return np.repeat(float(values[-1]), horizon)


def _last_year_shape(log_values: np.ndarray, season_length: int) -> tuple[float, np.ndarray]:
    """Level and seasonal deviations of the first season, each week averaged with its neighbours."""
    first_season = log_values[:season_length]
    level = float(np.median(first_season))
    deviations = first_season - level
    smoothed = (np.roll(deviations, 1) + deviations + np.roll(deviations, -1)) / 3
    return level, smoothed


def _fit(log_values: np.ndarray, config: ForecastConfig):
    """The fitted statsmodels model for this much history, and the method's name."""
    n = len(log_values)
    if n >= config.min_seasonal_weeks:
        level, season = _last_year_shape(log_values, config.season_length)
        model = ExponentialSmoothing(
            log_values, seasonal="add", seasonal_periods=config.season_length,
            initialization_method="known", initial_level=level, initial_seasonal=season,
        )
        method = SEASONAL_METHOD
    elif n >= config.min_trend_weeks:
        model = ExponentialSmoothing(log_values, trend="add", damped_trend=True, initialization_method="estimated")
        method = TREND_METHOD
    else:
        model = ExponentialSmoothing(log_values, initialization_method="estimated")
        method = LEVEL_METHOD
    with warnings.catch_warnings():
        # Short, flat series make the optimiser warn about convergence; the fit is still usable.
        warnings.simplefilter("ignore")
        return model.fit(), method


def forecast_series(history: pd.Series, horizon: int, config: ForecastConfig = ForecastConfig()) -> pd.DataFrame:
    """Forecast the next ``horizon`` weeks of a weekly count series.

    Returns one row per future week: week_start, horizon (1 = next week), forecast, lower,
    upper (the ``interval_level`` prediction interval), method and history_weeks. Counts
    are never negative.
    """
    if not isinstance(horizon, int) or isinstance(horizon, bool) or not 1 <= horizon <= config.season_length:
        raise ValueError(f"horizon must be 1..{config.season_length} weeks, got {horizon!r}")
    values = check_weekly(history)
    if len(values) < config.min_weeks:
        raise ValueError(f"need at least {config.min_weeks} weeks of history, got {len(values)}")
    log_values = np.log1p(values)
    fitted, method = _fit(log_values, config)
    log_point = np.asarray(fitted.forecast(horizon), dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        paths = np.asarray(fitted.simulate(
            horizon, repetitions=config.n_paths, error="add", anchor="end", random_errors="bootstrap",
            random_state=np.random.default_rng(config.seed),
        ), dtype=float).reshape(horizon, config.n_paths)
    if method == SEASONAL_METHOD:
        # Average on the count scale, then centre the model's simulated spread on the average.
        point = (np.expm1(log_point) + seasonal_naive(values, horizon, config.season_length)) / 2
        paths = paths - log_point[:, None] + np.log1p(point)[:, None]
    else:
        point = np.expm1(log_point)
    tail = (1 - config.interval_level) / 2
    lower, upper = np.expm1(np.quantile(paths, [tail, 1 - tail], axis=1))
    last_week = pd.Timestamp(history.index[-1])
    return pd.DataFrame({
        "week_start": [last_week + pd.Timedelta(weeks=h) for h in range(1, horizon + 1)],
        "horizon": np.arange(1, horizon + 1),
        "forecast": np.clip(point, 0, None),
        "lower": np.clip(np.minimum(lower, point), 0, None),
        "upper": np.clip(np.maximum(upper, point), 0, None),
        "method": method,
        "history_weeks": len(values),
    })


def forecast_many(weekly: pd.DataFrame, horizon: int, config: ForecastConfig = ForecastConfig()) -> pd.DataFrame:
    """Forecast every series of a long frame (series, week_start, count_items).

    Each series is zero-filled over the weeks from its first week to the frame's last week,
    so a series that went quiet still forecasts from its recent zeros. Returns the rows of
    :func:`forecast_series` with a leading ``series`` column; series with too little history
    are left out.
    """
    missing = {"series", "week_start", "count_items"} - set(weekly.columns)
    if missing:
        raise ValueError(f"weekly frame lacks columns {sorted(missing)}")
    if weekly.empty:
        return pd.DataFrame(columns=["series", "week_start", "horizon", "forecast", "lower", "upper", "method",
                                     "history_weeks"])
    last_week = pd.Timestamp(weekly["week_start"].max())
    forecasts = []
    for series, rows in weekly.groupby("series", sort=True):
        counts = rows.set_index(pd.DatetimeIndex(rows["week_start"]))["count_items"].astype(float)
        weeks = pd.date_range(counts.index.min(), last_week, freq="7D")
        history = counts.groupby(level=0).sum().reindex(weeks, fill_value=0.0)
        if len(history) < config.min_weeks:
            continue
        forecasts.append(forecast_series(history, horizon, config).assign(series=series))
    frame = pd.concat(forecasts, ignore_index=True) if forecasts else forecast_many(weekly.iloc[:0], horizon, config)
    return frame[["series", *[c for c in frame.columns if c != "series"]]]


def agent_hours_needed(forecast: pd.DataFrame, hours_per_contact: Mapping[str, float]) -> pd.DataFrame:
    """Add agent_hours, agent_hours_lower, agent_hours_upper: forecast contacts x hours per contact.

    ``hours_per_contact`` maps each series to the agent-hours one contact takes (from the
    handle times in history); a series without an entry is refused rather than guessed.
    """
    unknown = sorted(set(forecast["series"]) - set(hours_per_contact))
    if unknown:
        raise ValueError(f"no hours per contact for series {unknown}")
    rate = forecast["series"].map(hours_per_contact).astype(float)
    if (rate < 0).any():
        raise ValueError("hours per contact must be >= 0")
    return forecast.assign(
        hours_per_contact=rate,
        agent_hours=forecast["forecast"] * rate,
        agent_hours_lower=forecast["lower"] * rate,
        agent_hours_upper=forecast["upper"] * rate,
    )


# --- errors ----------------------------------------------------------------------------------


def mape(actual: np.ndarray, predicted: np.ndarray) -> float:
    """Mean absolute percentage error, in percent; weeks with no contacts are left out."""
    actual, predicted = np.asarray(actual, float), np.asarray(predicted, float)
    if actual.shape != predicted.shape or actual.size == 0:
        raise ValueError("actual and predicted must be equally long and not empty")
    observed = actual > 0
    if not observed.any():
        raise ValueError("MAPE is undefined when every actual week is zero")
    return float(np.mean(np.abs(actual[observed] - predicted[observed]) / actual[observed]) * 100)


def mase(actual: np.ndarray, predicted: np.ndarray, training: np.ndarray) -> float:
    """Mean absolute scaled error: the forecast's MAE over the naive one-week-ahead MAE in training.

    The scale is the in-sample naive error (not the seasonal one): with about a year of
    history there are too few same-week-last-year pairs for a stable seasonal scale.
    Below 1, the forecast beats what last week's count would have done in training.
    """
    actual, predicted, training = (np.asarray(a, float) for a in (actual, predicted, training))
    if actual.shape != predicted.shape or actual.size == 0:
        raise ValueError("actual and predicted must be equally long and not empty")
    scale = np.mean(np.abs(np.diff(training))) if len(training) > 1 else 0.0
    if scale == 0:
        raise ValueError("MASE is undefined for a constant training series")
    return float(np.mean(np.abs(actual - predicted)) / scale)


def backtest(history: pd.Series, holdout_weeks: int = 8, config: ForecastConfig = ForecastConfig()) -> dict:
    """Hold out the last weeks, forecast them from the rest, and score ours and the baselines.

    Returns ``{"method": ..., "history_weeks": ..., "errors": {name: {"mape", "mase"}}}`` for
    ours, Holt-Winters alone (seasonal history only), seasonal naive (when a season of
    training history exists) and naive.
    """
    values = check_weekly(history)
    if len(values) <= holdout_weeks + config.min_weeks:
        raise ValueError(f"need more than {holdout_weeks + config.min_weeks} weeks to hold out {holdout_weeks}")
    training, actual = history.iloc[:-holdout_weeks], values[-holdout_weeks:]
    ours = forecast_series(training, holdout_weeks, config)
    train_values = training.to_numpy(dtype=float)
    predictions = {"ours": ours["forecast"].to_numpy(), "naive": naive(train_values, holdout_weeks)}
    if len(train_values) >= config.season_length:
        predictions["seasonal_naive"] = seasonal_naive(train_values, holdout_weeks, config.season_length)
    if ours["method"].iloc[0] == SEASONAL_METHOD:
        fitted, _ = _fit(np.log1p(train_values), config)
        predictions["holt_winters_alone"] = np.clip(np.expm1(fitted.forecast(holdout_weeks)), 0, None)
    return {
        "method": ours["method"].iloc[0],
        "history_weeks": len(train_values),
        "errors": {name: {"mape": round(mape(actual, p), 2), "mase": round(mase(actual, p, train_values), 3)}
                   for name, p in predictions.items()},
    }
