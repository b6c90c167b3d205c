"""Key-driver analysis: which touchpoints, question items or topics explain an outcome (NPS) most.

Plain regression coefficients mislead when drivers are correlated, as survey items always are (a
customer happy with the staff is usually happy with the wait). Relative weights (Johnson 2000) and the
Shapley decomposition of R² (Lipovetsky & Conklin 2001; Grömping 2006 "lmg") split the explained
variance R² among correlated drivers instead; both work on the correlation matrix, so drivers on
different scales (1–5 items, 0/1 topic flags) compare directly. Their uncertainty comes from a
bootstrap over respondents. :func:`correlation` links two metrics across units (eNPS vs NPS per store).

No I/O: the service hands in arrays, one row per respondent.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from itertools import combinations
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]
DriverMethod = Literal["relative_weights", "shapley"]
MAX_SHAPLEY_PREDICTORS = 12  # 2**12 subset regressions per fit; beyond that use relative weights
# A resampled column whose variance falls below this share of its full-sample variance is constant.
_CONSTANT_VARIANCE = 1e-12
# Eigenvalues below this share of the largest are treated as exact collinearity (pseudo-inverse).
_EIGEN_TOLERANCE = 1e-10

QUADRANTS = {
    "fix": "high importance, low performance: improving it moves the outcome most",
    "keep": "high importance, high performance: a strength to protect",
    "maintain": "low importance, high performance: good already and matters less; do not over-invest",
    "monitor": "low importance, low performance: watch it, it matters less for now",
}


@dataclass(frozen=True, slots=True)
class Driver:
    """One driver of the outcome.

    ``importance`` is the driver's part of R² (all drivers' importances sum to R²); ``share`` is the same
    as a fraction of R² (shares sum to 1), with ``ci_low``/``ci_high`` its bootstrap percentile interval.
    ``performance`` is how well the driver does (its mean score unless the caller passes its own), and
    ``quadrant`` places it against the other drivers (see ``QUADRANTS``). ``n`` counts the respondents
    who actually answered this driver, before missing answers were imputed.
    """

    name: str
    importance: float
    share: float
    ci_low: float
    ci_high: float
    performance: float
    quadrant: str
    n: int

    def to_dict(self) -> dict[str, Any]:
        return {field.name: getattr(self, field.name) for field in fields(self)}


def relative_weights(X: ArrayLike, y: ArrayLike) -> tuple[FloatArray, float]:
    """Johnson's (2000) relative weights of the columns of ``X`` (n × k) for ``y`` (n,).

    The predictors are replaced by their closest orthogonal counterparts; each predictor's weight is
    its share, through them, of the explained variance. Returns ``(weights, r2)`` with the k weights
    summing to R². Constant columns get weight 0; no missing values allowed here.
    """
    weights, r2 = _relative_weights(_correlation_of(X, y)[None])
    return weights[0], float(r2[0])


def shapley_r2(X: ArrayLike, y: ArrayLike) -> tuple[FloatArray, float]:
    """Shapley values of R² for the columns of ``X`` (n × k) and ``y`` (n,): exact, k ≤ 12.

    Each predictor's value is its average gain in R² over all orders of entering the regression, so
    the k values sum to R² of the full model. Raises ``ValueError`` above ``MAX_SHAPLEY_PREDICTORS``,
    since the exact computation fits 2**k regressions.
    """
    weights, r2 = _shapley(_correlation_of(X, y)[None])
    return weights[0], float(r2[0])


def key_drivers(
    X: ArrayLike,
    y: ArrayLike,
    names: Sequence[str],
    *,
    method: DriverMethod = "relative_weights",
    n_boot: int = 200,
    seed: int = 0,
    confidence: float = 0.95,
    performance: Sequence[float] | None = None,
) -> list[Driver]:
    """Key drivers of ``y`` (n,) among the columns of ``X`` (n × k), most important first.

    Rows whose outcome is missing (NaN) are dropped. A missing driver answer (NaN, e.g. a question the
    respondent skipped) is replaced by the column mean of the answered rows: it keeps every respondent,
    at the cost of pulling a rarely answered driver's importance towards zero (``Driver.n`` shows how
    many answered). Constant columns get importance 0. The interval of each share is a percentile
    bootstrap over respondents (``n_boot`` resamples, numpy ``Generator`` seeded with ``seed``, so the
    result is reproducible), widened if needed so that it never excludes the point estimate.

    Quadrants split importance at the average share (1/k) and performance at the average performance
    of the drivers, so ``performance`` values must share one scale (pass them when the drivers' own
    means do not, e.g. % positive per topic).
    """
    estimator = _estimator(method)
    _check_confidence(confidence)
    if n_boot < 1:
        raise ValueError(f"n_boot must be at least 1, got {n_boot}")
    matrix, outcome = _as_arrays(X, y)
    k = matrix.shape[1]
    if len(names) != k:
        raise ValueError(f"got {len(names)} names for {k} driver columns")
    if method == "shapley" and k > MAX_SHAPLEY_PREDICTORS:
        raise ValueError(f"exact Shapley values need at most {MAX_SHAPLEY_PREDICTORS} drivers, got {k}")
    keep = ~np.isnan(outcome)
    matrix, outcome = matrix[keep], outcome[keep]
    if len(outcome) < 3:
        raise ValueError("key-driver analysis needs at least 3 respondents with an outcome")
    answered = (~np.isnan(matrix)).sum(axis=0)
    column_means = np.divide(np.nansum(matrix, axis=0), answered, out=np.zeros(k), where=answered > 0)
    matrix = np.where(np.isnan(matrix), column_means, matrix)
    if performance is None:
        scores = column_means
    else:
        scores = np.asarray(performance, dtype=np.float64)
        if scores.shape != (k,) or not np.all(np.isfinite(scores)):
            raise ValueError(f"performance must be {k} finite numbers, one per driver")

    centred = np.column_stack([matrix, outcome])
    centred = centred - centred.mean(axis=0)
    reference = (centred * centred).mean(axis=0)
    moments = (centred.T @ centred / len(centred))[None]
    weights, r2 = estimator(_correlation_from_covariance(moments, reference))
    importance, total = weights[0], float(r2[0])
    share = _shares(weights, r2)[0]
    boot = _shares(*estimator(_bootstrap_correlations(centred, reference, n_boot, np.random.default_rng(seed))))
    alpha = 1.0 - confidence
    low, high = np.quantile(boot, [alpha / 2.0, 1.0 - alpha / 2.0], axis=0)
    low, high = np.minimum(low, share), np.maximum(high, share)

    important = (share > 0.0) & (share >= 1.0 / k) if total > 0.0 else np.zeros(k, dtype=bool)
    performing = scores >= scores.mean()
    drivers = [
        Driver(
            name=names[j],
            importance=float(importance[j]),
            share=float(share[j]),
            ci_low=float(low[j]),
            ci_high=float(high[j]),
            performance=float(scores[j]),
            quadrant=_quadrant(bool(important[j]), bool(performing[j])),
            n=int(answered[j]),
        )
        for j in range(k)
    ]
    return sorted(drivers, key=lambda driver: -driver.importance)


def correlation(
    x: Sequence[float],
    y: Sequence[float],
    *,
    method: Literal["pearson", "spearman"] = "pearson",
    confidence: float = 0.95,
) -> dict[str, Any]:
    """Correlation of two paired series (e.g. eNPS and NPS of each unit) with a Fisher-z interval.

    Pairs with a missing value (NaN) are dropped. Returns ``r``, ``ci_low``, ``ci_high``, ``p_value``
    (two-sided t test, as ``scipy.stats.pearsonr``/``spearmanr``), ``n`` and ``method``. Spearman's
    interval uses the Fisher z standard error ``√(1.06 / (n − 3))`` (Fieller, Hartley & Pearson 1957).
    ``r`` and ``p_value`` are ``None`` below 3 pairs or for a constant series; the interval needs 4 pairs.
    """
    from scipy import stats as _distributions  # on first use: ~100 MB that no other caller needs

    if method not in ("pearson", "spearman"):
        raise ValueError(f"method must be 'pearson' or 'spearman', got {method!r}")
    _check_confidence(confidence)
    xs, ys = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if xs.ndim != 1 or xs.shape != ys.shape:
        raise ValueError("x and y must be two series of the same length")
    paired = ~(np.isnan(xs) | np.isnan(ys))
    xs, ys = xs[paired], ys[paired]
    n = len(xs)
    result: dict[str, Any] = {"r": None, "ci_low": None, "ci_high": None, "p_value": None, "n": n, "method": method}
    if n < 3 or np.ptp(xs) == 0 or np.ptp(ys) == 0:
        return result
    if method == "spearman":
        xs, ys = _distributions.rankdata(xs), _distributions.rankdata(ys)
    r = float(np.clip(np.corrcoef(xs, ys)[0, 1], -1.0, 1.0))
    result["r"] = r
    if abs(r) == 1.0:
        result["p_value"] = 0.0
    else:
        t = r * math.sqrt((n - 2) / (1.0 - r * r))
        result["p_value"] = float(2.0 * _distributions.t.sf(abs(t), n - 2))
    if n > 3:
        if abs(r) == 1.0:
            result["ci_low"] = result["ci_high"] = r
        else:
            se = math.sqrt((1.06 if method == "spearman" else 1.0) / (n - 3))
            z = float(_distributions.norm.ppf(0.5 + confidence / 2.0))
            result["ci_low"] = math.tanh(math.atanh(r) - z * se)
            result["ci_high"] = math.tanh(math.atanh(r) + z * se)
    return result


def _relative_weights(corr: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Relative weights for a stack of (k+1) × (k+1) correlation matrices, the outcome last."""
    k = corr.shape[-1] - 1
    rxx, rxy = corr[:, :k, :k], corr[:, :k, k]
    eigenvalues, vectors = np.linalg.eigh(rxx)
    eigenvalues = np.clip(eigenvalues, 0.0, None)
    root = np.sqrt(eigenvalues)
    usable = eigenvalues > _EIGEN_TOLERANCE * eigenvalues.max(axis=-1, keepdims=True)
    inverse_root = np.divide(1.0, root, out=np.zeros_like(root), where=usable)
    transposed = vectors.transpose(0, 2, 1)
    # Lambda: correlations between the predictors and their orthogonal counterparts Z (Rxx = Lambda²).
    loadings = (vectors * root[:, None, :]) @ transposed
    beta = ((vectors * inverse_root[:, None, :]) @ transposed @ rxy[:, :, None])[:, :, 0]
    weights = (loadings**2) @ (beta**2)[:, :, None]
    return _without_isolated(corr, weights[:, :, 0]), (beta**2).sum(axis=-1)


def _shapley(corr: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Exact Shapley values of R² for a stack of correlation matrices, the outcome last."""
    k = corr.shape[-1] - 1
    if k > MAX_SHAPLEY_PREDICTORS:
        raise ValueError(f"exact Shapley values need at most {MAX_SHAPLEY_PREDICTORS} predictors, got {k}")
    r2 = np.zeros((corr.shape[0], 1 << k))
    for size in range(1, k + 1):
        subsets = np.array(list(combinations(range(k), size)))
        masks = (1 << subsets).sum(axis=1)
        rss = corr[:, subsets[:, :, None], subsets[:, None, :]]
        rsy = corr[:, subsets, k]
        solved = (np.linalg.pinv(rss, hermitian=True) @ rsy[..., None])[..., 0]
        r2[:, masks] = (solved * rsy).sum(axis=-1)
    values = np.zeros((corr.shape[0], k))
    all_masks = np.arange(1 << k)
    sizes = np.array([bin(mask).count("1") for mask in all_masks])
    factorial = [math.factorial(i) for i in range(k + 1)]
    for j in range(k):
        without = all_masks[(all_masks >> j) & 1 == 0]
        weight = np.array([factorial[s] * factorial[k - s - 1] for s in sizes[without]]) / factorial[k]
        values[:, j] = (r2[:, without | (1 << j)] - r2[:, without]) @ weight
    return _without_isolated(corr, values), r2[:, -1]


def _without_isolated(corr: FloatArray, weights: FloatArray) -> FloatArray:
    """Exact zeros for predictors correlated with nothing (constant ones), instead of rounding noise."""
    off_diagonal = corr - np.eye(corr.shape[-1])
    isolated = np.all(off_diagonal[:, :-1, :] == 0.0, axis=-1)
    return np.where(isolated, 0.0, weights)


def _estimator(method: str) -> Callable[[FloatArray], tuple[FloatArray, FloatArray]]:
    if method == "relative_weights":
        return _relative_weights
    if method == "shapley":
        return _shapley
    raise ValueError(f"method must be 'relative_weights' or 'shapley', got {method!r}")


def _correlation_of(X: ArrayLike, y: ArrayLike) -> FloatArray:
    matrix, outcome = _as_arrays(X, y)
    if np.isnan(matrix).any() or np.isnan(outcome).any():
        raise ValueError("X and y must not contain NaN; key_drivers imputes missing answers")
    if len(outcome) < 3:
        raise ValueError("at least 3 rows are needed")
    centred = np.column_stack([matrix, outcome])
    centred = centred - centred.mean(axis=0)
    reference = (centred * centred).mean(axis=0)
    p = centred.shape[1]
    return _correlation_from_covariance((centred.T @ centred / len(centred))[None], reference).reshape(p, p)


def _as_arrays(X: ArrayLike, y: ArrayLike) -> tuple[FloatArray, FloatArray]:
    matrix = np.asarray(X, dtype=np.float64)
    outcome = np.asarray(y, dtype=np.float64)
    if matrix.ndim != 2 or matrix.shape[1] == 0:
        raise ValueError("X must be a 2-D array with one column per driver")
    if outcome.shape != (matrix.shape[0],):
        raise ValueError(f"y must have one value per row of X ({matrix.shape[0]}), got shape {outcome.shape}")
    if np.isinf(matrix).any() or np.isinf(outcome).any():
        raise ValueError("X and y must be finite (NaN marks a missing answer)")
    return matrix, outcome


def _correlation_from_covariance(cov: FloatArray, reference: FloatArray) -> FloatArray:
    """Correlations from a stack of covariances; a constant column correlates with nothing.

    Giving a constant column zero correlations and a unit variance keeps the matrix invertible and
    gives that driver exactly zero weight, instead of a division by zero.
    """
    variances = np.diagonal(cov, axis1=1, axis2=2)
    constant = variances <= _CONSTANT_VARIANCE * reference
    sd = np.where(constant, 1.0, np.sqrt(np.where(constant, 1.0, variances)))
    corr = cov / (sd[:, :, None] * sd[:, None, :])
    corr = np.where(constant[:, :, None] | constant[:, None, :], 0.0, corr)
    index = np.arange(cov.shape[-1])
    corr[:, index, index] = 1.0
    return np.clip(corr, -1.0, 1.0)


def _bootstrap_correlations(
    centred: FloatArray, reference: FloatArray, n_boot: int, rng: np.random.Generator
) -> FloatArray:
    """Correlation matrices of ``n_boot`` resamples of the rows, drawn with replacement."""
    n, p = centred.shape
    cov = np.empty((n_boot, p, p))
    for b in range(n_boot):
        sample = centred[rng.integers(0, n, size=n)]
        first = sample.mean(axis=0)
        cov[b] = sample.T @ sample / n - np.outer(first, first)
    return _correlation_from_covariance(cov, reference)


def _shares(weights: FloatArray, r2: FloatArray) -> FloatArray:
    """Weights as fractions of R²; all zero where nothing is explained."""
    positive = (r2 > 0.0)[:, None]
    return np.divide(weights, r2[:, None], out=np.zeros_like(weights), where=positive)


def _quadrant(important: bool, performing: bool) -> str:
    if important:
        return "keep" if performing else "fix"
    return "maintain" if performing else "monitor"


def _check_confidence(confidence: float) -> None:
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must lie strictly between 0 and 1, got {confidence}")
