"""The statistics of cxhub's CX metrics: pure functions over sufficient statistics, no I/O.

The SQL side reduces responses to counts (NPS categories, top-box successes) or to ``n``, sum and sum
of squares (means); these functions turn them into an :class:`Estimate` with a confidence interval,
compare two groups (:class:`Comparison`) and correct many comparisons at once (:func:`holm`). Every
input is a sum, so merging groups is adding their counts. Small samples are flagged, never hidden.

Scales: NPS and eNPS are reported on −100…100, proportions (CSAT top-2-box, response rate, CES "easy"
share) in percent 0…100, means on the answer scale. Differences use the same units (NPS points,
percentage points, scale points).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from statistics import NormalDist
from typing import Any, Literal

CONFIDENCE = 0.95
MIN_SAMPLE = 30  # below this an estimate is flagged small_sample (shown, not hidden)

# NPS and eNPS, 0–10 "how likely are you to recommend": 9–10 promoters, 7–8 passives, 0–6 detractors.
NPS_SCALE = (0, 10)
NPS_PROMOTER_MIN = 9
NPS_DETRACTOR_MAX = 6
# CSAT, 1–5 "how satisfied": the headline is the top-2-box share, answers 4 ("satisfied") and 5.
CSAT_SCALE = (1, 5)
CSAT_TOP2_MIN = 4
# CES 2.0, 1–7 agreement with "the company made it easy for me": 7 is the least effort, so higher is
# better. cxhub reports the mean and, as a share, the "easy" answers 5–7 (somewhat agree or more).
CES_SCALE = (1, 7)
CES_EASY_MIN = 5
# Adjusted-Wald pseudo-observations for NPS (Rocks 2016): promoters, passives, detractors (n grows by 3).
NPS_PSEUDO_COUNTS = (0.75, 1.5, 0.75)

MetricKind = Literal["nps", "top2box", "mean"]
NpsMethod = Literal["wald", "adjusted_wald"]


@dataclass(frozen=True, slots=True)
class MetricSpec:
    """One metric's definition, the single truth for the SQL side, the API and the UI.

    ``kind`` decides the headline value: ``nps`` is % answers ≥ ``positive_min`` minus % answers
    ≤ ``detractor_max`` (−100…100); ``top2box`` is % answers ≥ ``positive_min`` (0…100); ``mean`` is
    the mean answer, with ``positive_min`` the threshold of its secondary share (CES: "easy" answers).
    """

    name: str
    kind: MetricKind
    scale_min: int
    scale_max: int
    positive_min: int
    detractor_max: int | None
    higher_is_better: bool
    labels: Mapping[str, str]

    def contains(self, score: float) -> bool:
        """Whether ``score`` is a valid answer (out-of-range scores are refused, not clipped)."""
        return math.isfinite(score) and self.scale_min <= score <= self.scale_max

    def label(self, language: str) -> str:
        return self.labels.get(language, self.labels["en"])


METRICS: dict[str, MetricSpec] = {
    spec.name: spec
    for spec in (
        MetricSpec(
            "nps", "nps", *NPS_SCALE, NPS_PROMOTER_MIN, NPS_DETRACTOR_MAX, True,
            {"en": "Net Promoter Score (NPS)", "it": "Net Promoter Score (NPS)"},
        ),
        MetricSpec(
            "enps", "nps", *NPS_SCALE, NPS_PROMOTER_MIN, NPS_DETRACTOR_MAX, True,
            {"en": "Employee Net Promoter Score (eNPS)", "it": "Employee Net Promoter Score (eNPS)"},
        ),
        MetricSpec(
            "csat", "top2box", *CSAT_SCALE, CSAT_TOP2_MIN, None, True,
            {"en": "Customer satisfaction (CSAT, top-2-box)", "it": "Soddisfazione del cliente (CSAT, top-2-box)"},
        ),
        MetricSpec(
            "ces", "mean", *CES_SCALE, CES_EASY_MIN, None, True,
            {"en": "Customer Effort Score (CES)", "it": "Facilità per il cliente (CES)"},
        ),
    )
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Estimate:
    """A metric with its confidence interval.

    ``value``, the bounds and ``margin`` are ``None`` only when ``n == 0`` (and the bounds and margin
    also for a mean of one answer). ``margin`` is the half-width of the reported interval, which for
    Wilson and adjusted-Wald intervals is not centred on ``value``.
    """

    value: float | None
    ci_low: float | None
    ci_high: float | None
    n: int
    margin: float | None
    small_sample: bool

    def to_dict(self) -> dict[str, Any]:
        return {field.name: getattr(self, field.name) for field in fields(self)}


@dataclass(frozen=True, slots=True)
class Comparison:
    """Group b against group a: ``difference`` is b − a on the metric's scale.

    ``statistic`` is infinite only when both groups have no spread and differ; ``to_dict`` writes
    non-finite numbers as ``None`` so that the result is valid JSON.
    """

    difference: float
    ci_low: float
    ci_high: float
    statistic: float
    p_value: float
    significant: bool

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for field in fields(self):
            value = getattr(self, field.name)
            out[field.name] = None if isinstance(value, float) and not math.isfinite(value) else value
        return out


def nps(
    promoters: int,
    passives: int,
    detractors: int,
    *,
    confidence: float = CONFIDENCE,
    min_sample: int = MIN_SAMPLE,
    method: NpsMethod = "adjusted_wald",
) -> Estimate:
    """Net Promoter Score on −100…100 with a confidence interval.

    The interval is a Wald interval on the difference of two proportions of one multinomial sample,
    ``var = (p_P + p_D − (p_P − p_D)²) / n`` (Rocks 2016, "Interval estimation for the Net Promoter
    Score", The American Statistician 70(4)). The default ``adjusted_wald`` first adds the pseudo-counts
    ``NPS_PSEUDO_COUNTS`` (¾ promoter, 1½ passive, ¾ detractor): Rocks found it the method with the
    best coverage, and, unlike plain ``wald``, it does not collapse to a zero-width interval when a small
    group is all promoters, which CX groups often are. ``value`` is always the observed score; the
    interval is clipped to −100…100 and never excludes the observed score (which the pseudo-counts
    could otherwise do for n = 1).
    """
    promoters, passives, detractors = _nps_group((promoters, passives, detractors), "counts")
    n = promoters + passives + detractors
    if n == 0:
        return _empty_estimate()
    z = _z_critical(confidence)
    centre, se = _nps_centre_se(promoters, passives, detractors, method)
    value = 100.0 * (promoters - detractors) / n
    return _estimate(value, centre - z * se, centre + z * se, n=n, min_sample=min_sample, bounds=(-100.0, 100.0))


def proportion(successes: int, n: int, *, confidence: float = CONFIDENCE, min_sample: int = MIN_SAMPLE) -> Estimate:
    """A share in percent (0…100) with the Wilson score interval (Wilson 1927).

    Wilson rather than Wald because CX groups are often small and near 0 % or 100 % (CSAT top-2-box),
    where the Wald interval has poor coverage and degenerates to zero width (Newcombe 1998).
    """
    successes, n = _count(successes, "successes"), _count(n, "n")
    if successes > n:
        raise ValueError(f"successes ({successes}) cannot exceed n ({n})")
    if n == 0:
        return _empty_estimate()
    low, high = _wilson(successes, n, _z_critical(confidence))
    return _estimate(100.0 * successes / n, 100.0 * low, 100.0 * high, n=n, min_sample=min_sample, bounds=(0.0, 100.0))


def mean(
    n: int,
    total: float,
    total_sq: float,
    *,
    confidence: float = CONFIDENCE,
    min_sample: int = MIN_SAMPLE,
    scale: tuple[float, float] | None = None,
) -> Estimate:
    """Mean answer with a Student-t interval, from ``n``, the sum and the sum of squares.

    The variance ``(Σx² − (Σx)²/n) / (n − 1)`` can come out slightly negative from rounding when all
    answers are equal; it is clamped at 0. One answer has no spread, so its bounds are ``None``.
    ``scale`` (the answer scale, e.g. ``(1, 7)``) clips the interval to values an answer can take.
    """
    n, total, total_sq = _mean_group((n, total, total_sq), "stats")
    if n == 0:
        return _empty_estimate()
    value = total / n
    if n == 1:
        return Estimate(value=value, ci_low=None, ci_high=None, n=1, margin=None, small_sample=True)
    se = math.sqrt(_variance(n, total, total_sq) / n)
    t = _t_critical(confidence, n - 1)
    return _estimate(value, value - t * se, value + t * se, n=n, min_sample=min_sample, bounds=scale)


def compare_nps(
    a: tuple[int, int, int],
    b: tuple[int, int, int],
    *,
    confidence: float = CONFIDENCE,
    method: NpsMethod = "adjusted_wald",
) -> Comparison:
    """NPS of b minus NPS of a (independent groups, each ``(promoters, passives, detractors)``), z test.

    The standard error of the difference is ``√(se_a² + se_b²)`` with each group's NPS variance as in
    :func:`nps`; with ``adjusted_wald`` the pseudo-counts only stabilise the standard errors, so the
    difference stays the difference of the two reported scores.
    """
    a, b = _nps_group(a, "a"), _nps_group(b, "b")
    for name, group in (("a", a), ("b", b)):
        if sum(group) == 0:
            raise ValueError(f"group {name} has no responses")
    difference = 100.0 * ((b[0] - b[2]) / sum(b) - (a[0] - a[2]) / sum(a))
    se = math.hypot(_nps_centre_se(*a, method)[1], _nps_centre_se(*b, method)[1])
    return _z_comparison(difference, se, confidence, bounds=(-200.0, 200.0))


def compare_proportions(a: tuple[int, int], b: tuple[int, int], *, confidence: float = CONFIDENCE) -> Comparison:
    """Share of b minus share of a, in percentage points; each group is ``(successes, n)``.

    The test is the two-proportion z test with the pooled proportion under the null hypothesis. The
    interval is Newcombe's hybrid score interval (Newcombe 1998, "Interval estimation for the difference
    between independent proportions", method 10), built from the two Wilson intervals: it stays inside
    −100…100 and behaves at 0 % and 100 %, where the Wald interval for a difference does not.
    """
    a = (_count(a[0], "a successes"), _count(a[1], "a n"))
    b = (_count(b[0], "b successes"), _count(b[1], "b n"))
    for name, (successes, n) in (("a", a), ("b", b)):
        if n == 0 or successes > n:
            raise ValueError(f"group {name} needs 0 <= successes <= n and n > 0, got {successes}/{n}")
    z = _z_critical(confidence)
    pa, pb = a[0] / a[1], b[0] / b[1]
    pooled = (a[0] + b[0]) / (a[1] + b[1])
    se0 = math.sqrt(pooled * (1.0 - pooled) * (1.0 / a[1] + 1.0 / b[1]))
    statistic, p_value = _z_test(pb - pa, se0)
    la, ua = _wilson(a[0], a[1], z)
    lb, ub = _wilson(b[0], b[1], z)
    low = (pb - pa) - math.hypot(pb - lb, ua - pa)
    high = (pb - pa) + math.hypot(ub - pb, pa - la)
    return Comparison(
        difference=100.0 * (pb - pa),
        ci_low=max(-100.0, 100.0 * low),
        ci_high=min(100.0, 100.0 * high),
        statistic=statistic,
        p_value=p_value,
        significant=p_value < 1.0 - confidence,
    )


def compare_means(
    a: tuple[int, float, float], b: tuple[int, float, float], *, confidence: float = CONFIDENCE
) -> Comparison:
    """Mean of b minus mean of a, Welch's t test; each group is ``(n, total, total_sq)`` with n ≥ 2.

    Welch rather than Student because groups (touchpoints, units) differ in size and spread.
    """
    a, b = _mean_group(a, "a"), _mean_group(b, "b")
    for name, (n, _, _) in (("a", a), ("b", b)):
        if n < 2:
            raise ValueError(f"group {name} needs at least 2 responses to compare means, got {n}")
    va, vb = _variance(*a) / a[0], _variance(*b) / b[0]
    difference = b[1] / b[0] - a[1] / a[0]
    se = math.sqrt(va + vb)
    if se == 0.0:
        statistic, p_value = _z_test(difference, se)
        return Comparison(difference, difference, difference, statistic, p_value, p_value < 1.0 - confidence)
    df = (va + vb) ** 2 / (va**2 / (a[0] - 1) + vb**2 / (b[0] - 1))
    statistic = difference / se
    p_value = _t_two_sided_p(statistic, df)
    margin = _t_critical(confidence, df) * se
    return Comparison(
        difference=difference,
        ci_low=difference - margin,
        ci_high=difference + margin,
        statistic=statistic,
        p_value=p_value,
        significant=p_value < 1.0 - confidence,
    )


def holm(p_values: Sequence[float], *, alpha: float = 1.0 - CONFIDENCE) -> list[bool]:
    """Which of many tests stay significant under Holm's step-down correction (Holm 1979).

    "What changed this week" tests every group at once; at 5 % each, one group in twenty would
    "change" by chance. Holm keeps the family-wise error at ``alpha`` and is uniformly more powerful
    than Bonferroni. Returns one flag per p-value, in the input order.
    """
    for p in p_values:
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"p-values must lie in [0, 1], got {p}")
    order = sorted(range(len(p_values)), key=lambda i: p_values[i])
    rejected = [False] * len(p_values)
    for rank, index in enumerate(order):
        if p_values[index] >= alpha / (len(p_values) - rank):
            break
        rejected[index] = True
    return rejected


def nps_counts(scores: Iterable[float]) -> tuple[int, int, int]:
    """``(promoters, passives, detractors)`` of 0–10 answers: 9–10, 7–8 and 0–6 (between 6 and 9 passive)."""
    promoters = passives = detractors = 0
    for score in scores:
        if not (math.isfinite(score) and NPS_SCALE[0] <= score <= NPS_SCALE[1]):
            raise ValueError(f"an NPS answer must lie in 0..10, got {score}")
        if score >= NPS_PROMOTER_MIN:
            promoters += 1
        elif score <= NPS_DETRACTOR_MAX:
            detractors += 1
        else:
            passives += 1
    return promoters, passives, detractors


def top_box_counts(scores: Iterable[float], *, minimum: float) -> tuple[int, int]:
    """``(successes, n)``: how many answers are at least ``minimum`` (CSAT top-2-box, CES "easy")."""
    successes = n = 0
    for score in scores:
        _check_finite(score=score)
        n += 1
        successes += score >= minimum
    return successes, n


def mean_stats(values: Iterable[float]) -> tuple[int, float, float]:
    """``(n, total, total_sq)``, the sufficient statistics :func:`mean` and :func:`compare_means` take."""
    n, total, total_sq = 0, 0.0, 0.0
    for value in values:
        _check_finite(value=value)
        n, total, total_sq = n + 1, total + value, total_sq + value * value
    return n, total, total_sq


def merge_nps(*groups: tuple[int, int, int]) -> tuple[int, int, int]:
    """Counts of the union of disjoint groups: merging is adding, so any grouping can be re-aggregated."""
    checked = [_nps_group(group, f"group {i}") for i, group in enumerate(groups)]
    return sum(g[0] for g in checked), sum(g[1] for g in checked), sum(g[2] for g in checked)


def merge_proportions(*groups: tuple[int, int]) -> tuple[int, int]:
    """``(successes, n)`` of the union of disjoint groups."""
    return sum(_count(g[0], "successes") for g in groups), sum(_count(g[1], "n") for g in groups)


def merge_means(*groups: tuple[int, float, float]) -> tuple[int, float, float]:
    """``(n, total, total_sq)`` of the union of disjoint groups."""
    checked = [_mean_group(group, f"group {i}") for i, group in enumerate(groups)]
    return sum(g[0] for g in checked), math.fsum(g[1] for g in checked), math.fsum(g[2] for g in checked)


def _nps_group(group: Sequence[int], name: str) -> tuple[int, int, int]:
    if len(group) != 3:
        raise ValueError(f"{name} must be (promoters, passives, detractors)")
    return (
        _count(group[0], f"{name} promoters"),
        _count(group[1], f"{name} passives"),
        _count(group[2], f"{name} detractors"),
    )


def _mean_group(group: Sequence[float], name: str) -> tuple[int, float, float]:
    if len(group) != 3:
        raise ValueError(f"{name} must be (n, total, total_sq)")
    n, total, total_sq = _count(group[0], f"{name} n"), float(group[1]), float(group[2])
    _check_finite(total=total, total_sq=total_sq)
    return n, total, total_sq


def _nps_centre_se(promoters: float, passives: float, detractors: float, method: NpsMethod) -> tuple[float, float]:
    """NPS and its standard error on the −100…100 scale, after the method's pseudo-counts."""
    if method == "adjusted_wald":
        promoters += NPS_PSEUDO_COUNTS[0]
        passives += NPS_PSEUDO_COUNTS[1]
        detractors += NPS_PSEUDO_COUNTS[2]
    elif method != "wald":
        raise ValueError(f"method must be 'wald' or 'adjusted_wald', got {method!r}")
    n = promoters + passives + detractors
    p_p, p_d = promoters / n, detractors / n
    variance = max(p_p + p_d - (p_p - p_d) ** 2, 0.0) / n
    return 100.0 * (p_p - p_d), 100.0 * math.sqrt(variance)


def _wilson(successes: int, n: int, z: float) -> tuple[float, float]:
    p = successes / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z / (1 + z2 / n) * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    # Exact at 0 and n: the score interval touches the boundary there; rounding must not cross it.
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return low, high


def _variance(n: int, total: float, total_sq: float) -> float:
    return max(total_sq - total * total / n, 0.0) / (n - 1)


def _z_test(difference: float, se: float) -> tuple[float, float]:
    """Two-sided z statistic and p-value; a zero standard error means certainty either way."""
    if se == 0.0:
        return (0.0, 1.0) if difference == 0.0 else (math.copysign(math.inf, difference), 0.0)
    statistic = difference / se
    return statistic, math.erfc(abs(statistic) / math.sqrt(2.0))


def _z_comparison(difference: float, se: float, confidence: float, *, bounds: tuple[float, float]) -> Comparison:
    margin = _z_critical(confidence) * se
    statistic, p_value = _z_test(difference, se)
    return Comparison(
        difference=difference,
        ci_low=max(bounds[0], difference - margin),
        ci_high=min(bounds[1], difference + margin),
        statistic=statistic,
        p_value=p_value,
        significant=p_value < 1.0 - confidence,
    )


def _estimate(
    value: float, low: float, high: float, *, n: int, min_sample: int, bounds: tuple[float, float] | None
) -> Estimate:
    if bounds is not None:
        low, high = max(bounds[0], low), min(bounds[1], high)
    low, high = min(low, value), max(high, value)
    return Estimate(value=value, ci_low=low, ci_high=high, n=n, margin=(high - low) / 2.0, small_sample=n < min_sample)


def _empty_estimate() -> Estimate:
    return Estimate(value=None, ci_low=None, ci_high=None, n=0, margin=None, small_sample=True)


def _z_critical(confidence: float) -> float:
    _check_confidence(confidence)
    return NormalDist().inv_cdf(0.5 + confidence / 2.0)


def _t_critical(confidence: float, df: float) -> float:
    """Student's t quantile: ``scipy.stats.t.ppf`` without its per-call argument handling.

    ``t.ppf`` is ``scipy.special.stdtrit`` behind ~70 µs of checks, paid per estimate; a year's
    overview or a journey's curve makes hundreds. Same function, same bits (a bad ``df`` is NaN in
    both). Imported on first use: the ingest path never needs scipy.
    """
    _check_confidence(confidence)
    from scipy import special

    return float(special.stdtrit(df, 0.5 + confidence / 2.0))


def _t_two_sided_p(statistic: float, df: float) -> float:
    """Two-sided p-value of a t statistic: ``2 * scipy.stats.t.sf(|t|, df)``, through ``special`` as above."""
    from scipy import special

    return float(2.0 * special.stdtr(df, -abs(statistic)))


def _check_confidence(confidence: float) -> None:
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must lie strictly between 0 and 1, got {confidence}")


def _count(count: float, name: str) -> int:
    """A non-negative whole number as ``int``: SQL sums arrive as ``int``, ``Decimal`` or numpy integers."""
    try:
        whole = int(count)
    except (TypeError, ValueError, OverflowError):
        whole = -1
    if isinstance(count, bool) or whole < 0 or whole != count:
        raise ValueError(f"{name} must be a non-negative integer, got {count!r}")
    return whole


def _check_finite(**numbers: float) -> None:
    for name, number in numbers.items():
        if not math.isfinite(number):
            raise ValueError(f"{name} must be a finite number, got {number}")
