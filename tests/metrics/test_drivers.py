"""Key-driver analysis on synthetic data with planted effects, checked against independent computations."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
from scipy import stats as scipy_stats
from sklearn.linear_model import LinearRegression

from cxhub.metrics.drivers import (
    MAX_SHAPLEY_PREDICTORS,
    QUADRANTS,
    Driver,
    correlation,
    key_drivers,
    relative_weights,
    shapley_r2,
)

METHODS = ["relative_weights", "shapley"]


def planted(n: int = 600, seed: int = 7, correlated: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Four drivers with effects 3 > 2 > 1 > 0, pairwise correlated .4 like survey items."""
    rng = np.random.default_rng(seed)
    cov = np.full((4, 4), 0.4 if correlated else 0.0) + np.eye(4) * (0.6 if correlated else 1.0)
    X = rng.multivariate_normal(np.zeros(4), cov, size=n)
    y = X @ np.array([3.0, 2.0, 1.0, 0.0]) + rng.normal(scale=3.0, size=n)
    return X, y


def r_squared(X: np.ndarray, y: np.ndarray) -> float:
    return float(LinearRegression().fit(X, y).score(X, y))


@pytest.mark.parametrize("method", METHODS)
def test_key_drivers_recover_the_planted_order(method: str) -> None:
    X, y = planted()
    drivers = key_drivers(X, y, ["staff", "wait", "price", "parking"], method=method, n_boot=100)  # type: ignore[arg-type]
    assert [driver.name for driver in drivers] == ["staff", "wait", "price", "parking"]
    assert sum(driver.share for driver in drivers) == pytest.approx(1.0)
    assert sum(driver.importance for driver in drivers) == pytest.approx(r_squared(X, y))
    # The strongest driver is clearly apart from the one without effect.
    assert drivers[0].ci_low > drivers[-1].ci_high


@pytest.mark.parametrize("estimator", [relative_weights, shapley_r2])
def test_weights_sum_to_the_r2_of_ordinary_least_squares(estimator) -> None:  # type: ignore[no-untyped-def]
    X, y = planted(seed=3)
    weights, r2 = estimator(X, y)
    assert r2 == pytest.approx(r_squared(X, y))
    assert weights.sum() == pytest.approx(r2)
    assert np.all(weights > 0)


def test_shapley_value_of_two_predictors_by_definition() -> None:
    # Shapley (1953) for two players: φ₁ = ½[R²(x₁) + (R²(x₁, x₂) − R²(x₂))], single R² = r² (sklearn fits).
    X, y = planted(seed=11)
    X = X[:, :2]
    r2_1, r2_2, r2_12 = r_squared(X[:, :1], y), r_squared(X[:, 1:], y), r_squared(X, y)
    values, total = shapley_r2(X, y)
    assert values[0] == pytest.approx(0.5 * (r2_1 + r2_12 - r2_2))
    assert values[1] == pytest.approx(0.5 * (r2_2 + r2_12 - r2_1))
    assert total == pytest.approx(r2_12)


def test_uncorrelated_predictors_get_their_squared_correlation_from_both_methods() -> None:
    # With exactly orthogonal predictors R² = Σ r_j² and both decompositions must give r_j² to each.
    rng = np.random.default_rng(5)
    raw = rng.normal(size=(300, 5))
    X, _ = np.linalg.qr(raw - raw.mean(axis=0))
    y = X @ np.array([5.0, 3.0, 2.0, 1.0, 0.0]) + rng.normal(scale=0.1, size=300)
    squared = np.array([np.corrcoef(X[:, j], y)[0, 1] ** 2 for j in range(5)])
    rw, _ = relative_weights(X, y)
    sv, _ = shapley_r2(X, y)
    np.testing.assert_allclose(rw, squared, atol=1e-10)
    np.testing.assert_allclose(sv, squared, atol=1e-10)


def test_relative_weights_and_shapley_agree_closely_on_independent_predictors() -> None:
    X, y = planted(n=2000, seed=2, correlated=False)
    rw, _ = relative_weights(X, y)
    sv, _ = shapley_r2(X, y)
    np.testing.assert_allclose(rw, sv, atol=0.005)


def test_constant_and_duplicated_columns_do_not_crash() -> None:
    X, y = planted(seed=4)
    constant = np.column_stack([X, np.full(len(y), 3.0)])
    for estimator in (relative_weights, shapley_r2):
        weights, r2 = estimator(constant, y)
        assert weights[-1] == 0.0
        assert weights.sum() == pytest.approx(r2)
    duplicated = np.column_stack([X, X[:, 0]])
    weights, r2 = relative_weights(duplicated, y)
    assert weights[0] == pytest.approx(weights[-1]) and weights.sum() == pytest.approx(r_squared(X, y))
    drivers = key_drivers(constant, y, ["a", "b", "c", "d", "constant"], n_boot=20)
    assert drivers[-1].name == "constant" and drivers[-1].importance == 0.0 and drivers[-1].ci_high == 0.0


def test_shapley_refuses_too_many_predictors() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, MAX_SHAPLEY_PREDICTORS + 1))
    with pytest.raises(ValueError, match="at most 12"):
        shapley_r2(X, X.sum(axis=1))
    with pytest.raises(ValueError, match="at most 12"):
        key_drivers(X, X.sum(axis=1), [str(j) for j in range(13)], method="shapley")


def test_rows_without_outcome_are_dropped_and_missing_answers_imputed() -> None:
    X, y = planted(seed=8)
    with_gaps_y = np.append(y, [np.nan, np.nan])
    with_gaps_X = np.vstack([X, np.ones((2, 4))])
    names = ["a", "b", "c", "d"]
    assert key_drivers(with_gaps_X, with_gaps_y, names, n_boot=30) == key_drivers(X, y, names, n_boot=30)

    skipped = X.copy()
    skipped[:100, 2] = np.nan
    by_name = {driver.name: driver for driver in key_drivers(skipped, y, names, n_boot=30)}
    assert by_name["c"].n == len(y) - 100 and by_name["a"].n == len(y)
    assert by_name["c"].performance == pytest.approx(np.mean(X[100:, 2]))
    with pytest.raises(ValueError, match="NaN"):
        relative_weights(skipped, y)


def test_bootstrap_interval_contains_the_estimate_and_is_reproducible() -> None:
    X, y = planted(n=300, seed=9)
    names = ["a", "b", "c", "d"]
    first = key_drivers(X, y, names, seed=1, n_boot=100)
    assert first == key_drivers(X, y, names, seed=1, n_boot=100)
    assert first != key_drivers(X, y, names, seed=2, n_boot=100)
    for driver in first:
        assert 0.0 <= driver.ci_low <= driver.share <= driver.ci_high <= 1.0
    # A larger sample gives narrower intervals.
    big = {d.name: d for d in key_drivers(*planted(n=3000, seed=9), names, seed=1, n_boot=100)}
    for driver in first:
        assert big[driver.name].ci_high - big[driver.name].ci_low < driver.ci_high - driver.ci_low


def test_quadrants_cross_importance_with_performance() -> None:
    X, y = planted(seed=12)
    drivers = key_drivers(X, y, ["staff", "wait", "price", "parking"], performance=[2.0, 4.5, 4.0, 3.5], n_boot=20)
    quadrant = {driver.name: driver.quadrant for driver in drivers}
    # Average share is 1/4: staff and wait above it; average performance 3.5.
    assert quadrant == {"staff": "fix", "wait": "keep", "price": "maintain", "parking": "maintain"}
    assert set(quadrant.values()) <= set(QUADRANTS)
    drivers = key_drivers(X, y, ["staff", "wait", "price", "parking"], performance=[2.0, 4.5, 4.0, 1.0], n_boot=20)
    assert {driver.name: driver.quadrant for driver in drivers}["parking"] == "monitor"


def test_driver_serialises_to_plain_numbers() -> None:
    X, y = planted(seed=1)
    driver = key_drivers(X, y, ["a", "b", "c", "d"], n_boot=10)[0]
    assert isinstance(driver, Driver)
    assert set(driver.to_dict()) == {"name", "importance", "share", "ci_low", "ci_high", "performance", "quadrant", "n"}
    assert all(isinstance(value, (str, int, float)) for value in driver.to_dict().values())


def test_bad_shapes_and_options_are_refused() -> None:
    X, y = planted(seed=1)
    with pytest.raises(ValueError, match="names"):
        key_drivers(X, y, ["a"])
    with pytest.raises(ValueError, match="one value per row"):
        key_drivers(X, y[:-1], ["a", "b", "c", "d"])
    with pytest.raises(ValueError, match="method"):
        key_drivers(X, y, ["a", "b", "c", "d"], method="lasso")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="n_boot"):
        key_drivers(X, y, ["a", "b", "c", "d"], n_boot=0)
    with pytest.raises(ValueError, match="performance"):
        key_drivers(X, y, ["a", "b", "c", "d"], performance=[1.0])


@pytest.mark.parametrize("method", METHODS)
def test_5000_respondents_8_drivers_200_resamples_take_under_2_seconds(method: str) -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(5000, 8))
    y = X @ np.arange(8.0) + rng.normal(size=5000)
    started = time.perf_counter()
    key_drivers(X, y, [f"item{j}" for j in range(8)], method=method, n_boot=200)  # type: ignore[arg-type]
    assert time.perf_counter() - started < 2.0


# --- employee ↔ customer link ----------------------------------------------------------------------

ENPS = [12.0, -5.0, 30.0, 8.0, 22.0, 15.0, -10.0, 40.0, 5.0, 18.0]
NPS = [35.0, 10.0, 48.0, 30.0, 41.0, 28.0, 12.0, 50.0, 33.0, 25.0]


def test_pearson_matches_scipy_including_the_fisher_interval() -> None:
    result = correlation(ENPS, NPS)
    expected = scipy_stats.pearsonr(ENPS, NPS)
    interval = expected.confidence_interval(0.95)  # scipy's is the Fisher z interval too
    assert result["r"] == pytest.approx(expected.statistic)
    assert result["p_value"] == pytest.approx(expected.pvalue)
    assert (result["ci_low"], result["ci_high"]) == pytest.approx((interval.low, interval.high))
    assert result["n"] == 10 and result["method"] == "pearson"


def test_fisher_interval_by_hand() -> None:
    # r = .5 with n = 28: z = atanh(.5) = .549306, se = 1/√25 = .2, z ± 1.959964 × .2 = [.157313, .941299],
    # back-transformed: tanh(.157313) = .156028, tanh(.941299) = (e^1.882598 − 1)/(e^1.882598 + 1) = .735818.
    x = np.arange(28.0)
    noise = np.random.default_rng(0).normal(size=28)
    noise = noise - noise.mean() - (np.dot(noise, x - x.mean()) / np.dot(x - x.mean(), x - x.mean())) * (x - x.mean())
    y = (x - x.mean()) / np.std(x) * 0.5 + noise / np.std(noise) * math.sqrt(0.75)
    result = correlation(x, y)
    assert result["r"] == pytest.approx(0.5)
    assert result["ci_low"] == pytest.approx(0.156028, abs=1e-6)
    assert result["ci_high"] == pytest.approx(0.735818, abs=1e-6)


def test_spearman_matches_scipy_and_widens_the_interval() -> None:
    result = correlation(ENPS, NPS, method="spearman")
    expected = scipy_stats.spearmanr(ENPS, NPS)
    assert result["r"] == pytest.approx(expected.statistic)
    assert result["p_value"] == pytest.approx(expected.pvalue)
    # Fieller, Hartley & Pearson (1957): var(z) = 1.06 / (n − 3).
    z = math.atanh(result["r"])
    assert result["ci_high"] == pytest.approx(math.tanh(z + 1.959964 * math.sqrt(1.06 / 7)), abs=1e-6)


def test_correlation_drops_missing_pairs_and_says_nothing_without_spread() -> None:
    assert correlation([1.0, 2.0, np.nan, 4.0, 5.0], [2.0, 1.0, 3.0, np.nan, 5.0])["n"] == 3
    flat = correlation([1.0, 1.0, 1.0, 1.0], [1.0, 2.0, 3.0, 4.0])
    assert flat["r"] is None and flat["n"] == 4
    assert correlation([1.0, 2.0], [2.0, 1.0])["r"] is None
    perfect = correlation([1.0, 2.0, 3.0, 4.0, 5.0], [2.0, 4.0, 6.0, 8.0, 10.0])
    assert perfect["r"] == pytest.approx(1.0) and perfect["p_value"] == pytest.approx(0.0, abs=1e-6)
