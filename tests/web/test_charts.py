"""Chart specs carry the numbers they draw."""

from __future__ import annotations

from cxhub.web.charts import bars_with_ci, trend


def test_trend_draws_the_estimate_inside_its_interval_band() -> None:
    rows = [
        {"period": "2026-W01", "value": 10.0, "ci_low": 2.0, "ci_high": 18.0, "n": 40},
        {"period": "2026-W02", "value": None, "ci_low": None, "ci_high": None, "n": 0},
        {"period": "2026-W03", "value": 20.0, "ci_low": 15.0, "ci_high": 25.0, "n": 90},
    ]
    spec = trend(rows, label="NPS", y_title="NPS")
    high, low, line = spec["data"]
    assert line["x"] == ["2026-W01", "2026-W03"] and line["y"] == [10.0, 20.0] and line["customdata"] == [40, 90]
    assert high["y"] == [18.0, 25.0] and low["y"] == [2.0, 15.0] and low["fill"] == "tonexty"


def test_bars_are_sorted_and_carry_asymmetric_error_bars() -> None:
    rows = [
        {"touchpoint": "a", "value": 30.0, "ci_low": 20.0, "ci_high": 35.0},
        {"touchpoint": "b", "value": -5.0, "ci_low": -15.0, "ci_high": 10.0},
        {"touchpoint": "c", "value": None, "ci_low": None, "ci_high": None},
    ]
    (bar,) = bars_with_ci(rows, names={"a": "Sito"}, key="touchpoint", y_title="NPS")["data"]
    assert bar["y"] == ["b", "Sito"] and bar["x"] == [-5.0, 30.0]
    assert bar["error_x"]["array"] == [15.0, 5.0] and bar["error_x"]["arrayminus"] == [10.0, 10.0]
