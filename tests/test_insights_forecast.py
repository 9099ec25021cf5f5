"""The forecast functions on synthetic weekly series: model choice, intervals, errors, refusals."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from insights.forecast import (
    LEVEL_METHOD,
    SEASONAL_METHOD,
    TREND_METHOD,
    ForecastConfig,
    agent_hours_needed,
    backtest,
    check_weekly,
    forecast_many,
    forecast_series,
    mape,
    mase,
    naive,
    seasonal_naive,
)

FIRST_WEEK = pd.Timestamp("2025-01-06")  # a Monday


def weekly(values) -> pd.Series:
    return pd.Series(np.asarray(values, float), index=pd.date_range(FIRST_WEEK, periods=len(values), freq="7D"))


def seasonal_rates(n_weeks: int, base: float = 100.0) -> np.ndarray:
    """A flat year with a five-week peak at 2.5x in weeks 46-50 of each 52."""
    position = np.arange(n_weeks) % 52
    return base * np.where((position >= 46) & (position <= 50), 2.5, 1.0)


def poisson_series(rates: np.ndarray, seed: int) -> pd.Series:
    return weekly(np.random.default_rng(seed).poisson(rates))


def test_a_year_of_history_gets_the_seasonal_model_and_forecasts_the_peak() -> None:
    # 96 weeks: history holds one peak (weeks 46-50); the forecast runs into the next.
    history = poisson_series(seasonal_rates(100), seed=1).iloc[:96]
    result = forecast_series(history, 8)
    assert set(result["method"]) == {SEASONAL_METHOD}
    assert list(result["horizon"]) == list(range(1, 9))
    assert result["week_start"].iloc[0] == history.index[-1] + pd.Timedelta(weeks=1)
    in_peak = result.iloc[[2, 3]]  # weeks 98-99: positions 46-47, inside the peak
    before = result.iloc[0]  # week 96: position 44
    assert (in_peak["forecast"] > 1.8 * before["forecast"]).all()
    assert (result["lower"] <= result["forecast"]).all() and (result["forecast"] <= result["upper"]).all()
    assert (result["lower"] >= 0).all()


def test_short_history_is_non_seasonal_and_says_so() -> None:
    assert set(forecast_series(poisson_series(np.full(30, 50.0), 2), 4)["method"]) == {TREND_METHOD}
    assert set(forecast_series(poisson_series(np.full(10, 50.0), 3), 4)["method"]) == {LEVEL_METHOD}
    flat = forecast_series(poisson_series(np.full(40, 50.0), 4), 6)
    assert flat["forecast"].between(35, 65).all()


def test_a_series_falling_to_zero_is_never_forecast_negative() -> None:
    falling = weekly(np.r_[np.linspace(40, 0, 20), np.zeros(6)])
    result = forecast_series(falling, 12)
    assert (result[["forecast", "lower", "upper"]] >= 0).all().all()


def test_80_percent_intervals_cover_about_80_percent_of_new_weeks() -> None:
    covered = total = 0
    for seed in range(30):
        series = poisson_series(np.full(44, 60.0), seed)
        history, future = series.iloc[:40], series.iloc[40:]
        result = forecast_series(history, 4, ForecastConfig(seed=seed))
        covered += int(((future.to_numpy() >= result["lower"]) & (future.to_numpy() <= result["upper"])).sum())
        total += len(future)
    assert 0.6 <= covered / total <= 0.97, covered / total


def test_across_a_peak_the_seasonal_forecast_beats_last_weeks_count() -> None:
    # Whether it also beats seasonal naive is the benchmark's question (forecast_backtest.py).
    ours, last_week = [], []
    for seed in range(4):
        history = poisson_series(seasonal_rates(104, base=40.0), seed).iloc[:100]
        result = backtest(history, 8)
        assert result["method"] == SEASONAL_METHOD and result["history_weeks"] == 92
        ours.append(result["errors"]["ours"]["mase"])
        last_week.append(result["errors"]["naive"]["mase"])
    assert np.mean(ours) < 0.6 * np.mean(last_week)


def test_baselines_and_errors_compute_known_values() -> None:
    values = np.arange(1.0, 61.0)
    assert list(seasonal_naive(values, 3, season_length=52)) == [9.0, 10.0, 11.0]
    assert list(seasonal_naive(values, 54, season_length=52)[-2:]) == [9.0, 10.0]
    assert list(naive(values, 2)) == [60.0, 60.0]
    assert mape(np.array([100.0, 0.0, 50.0]), np.array([90.0, 5.0, 60.0])) == pytest.approx(15.0)
    assert mase(np.array([10.0, 12.0]), np.array([11.0, 11.0]), np.array([1.0, 3.0, 5.0])) == pytest.approx(0.5)


@pytest.mark.parametrize(
    ("history", "message"),
    [
        (weekly([1, 2, np.nan, 4, 5, 6, 7, 8, 9]), "missing"),
        (weekly([1, 2, -3, 4, 5, 6, 7, 8, 9]), "negative"),
        (weekly([1, 2, 3]), "at least 8 weeks"),
        (pd.Series([1.0] * 9, index=pd.date_range(FIRST_WEEK, periods=9, freq="14D")), "consecutive"),
    ],
)
def test_bad_histories_are_refused(history: pd.Series, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        forecast_series(history, 4)


def test_bad_arguments_are_refused() -> None:
    history = weekly(np.full(20, 5.0))
    for horizon in (0, 53, 2.5, True):
        with pytest.raises(ValueError, match="horizon"):
            forecast_series(history, horizon)
    with pytest.raises(ValueError):
        ForecastConfig(interval_level=1.2)
    with pytest.raises(ValueError):
        seasonal_naive(np.ones(10), 4)
    with pytest.raises(ValueError, match="constant"):
        mase(np.ones(2), np.ones(2), np.ones(5))
    with pytest.raises(ValueError, match="zero"):
        mape(np.zeros(3), np.ones(3))
    with pytest.raises(ValueError, match="hold out"):
        backtest(weekly(np.ones(12)), 8)
    assert list(check_weekly(history)) == [5.0] * 20


def test_forecast_many_zero_fills_quiet_weeks_and_skips_short_series() -> None:
    weeks = pd.date_range(FIRST_WEEK, periods=20, freq="7D")
    rows = [("busy", week, 30) for week in weeks]
    rows += [("quiet", week, 5) for week in weeks[:10:2]]  # every other week, then silence
    rows += [("new", week, 9) for week in weeks[-3:]]
    frame = pd.DataFrame(rows, columns=["series", "week_start", "count_items"])
    result = forecast_many(frame, 4)
    assert set(result["series"]) == {"busy", "quiet"}
    assert result.groupby("series").size().to_dict() == {"busy": 4, "quiet": 4}
    quiet = result[result["series"] == "quiet"]
    assert (quiet["forecast"] < 2).all()  # ten silent weeks pull it towards zero
    assert (result["week_start"].min() == weeks[-1] + pd.Timedelta(weeks=1))
    with pytest.raises(ValueError, match="lacks columns"):
        forecast_many(frame.drop(columns="count_items"), 4)


def test_agent_hours_are_contacts_times_hours_per_contact() -> None:
    forecast = pd.DataFrame({"series": ["call", "ticket"], "forecast": [100.0, 50.0], "lower": [80.0, 40.0],
                             "upper": [120.0, 60.0]})
    hours = agent_hours_needed(forecast, {"call": 0.1, "ticket": 0.2})
    assert list(hours["agent_hours"]) == pytest.approx([10.0, 10.0])
    assert list(hours["agent_hours_upper"]) == pytest.approx([12.0, 12.0])
    with pytest.raises(ValueError, match="no hours per contact"):
        agent_hours_needed(forecast, {"call": 0.1})
    with pytest.raises(ValueError, match=">= 0"):
        agent_hours_needed(forecast, {"call": -1.0, "ticket": 0.2})
