"""CX metrics for any slice: the one engine behind the API, the CLI, the web app and reports.

SQL reduces the feedback events to sufficient statistics per group (``query``); the pure ``stats``
module turns them into estimates with 95% intervals and significance tests. Employee metrics obey
k-anonymity: a group with fewer than ``k`` answers shows no result at all.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from cxhub.kit.errors import CxhubError
from cxhub.metrics import stats
from cxhub.metrics.query import FIELD_NAME, Slice, grouped_statistics, metric_kind

EMPLOYEE_METRICS = frozenset({"enps"})
VALUE_FIELDS = ("value", "ci_low", "ci_high", "margin")


def check_metric(metric: str) -> str:
    metric = metric.strip().lower()
    if not FIELD_NAME.fullmatch(metric):
        raise CxhubError("unknown_metric", f"{metric!r} is not a metric name", status=404, field="metric")
    return metric


def is_anonymous(metric: str, where: Mapping[str, str | Sequence[str]] | None) -> bool:
    """Employee feedback is shown only for groups of at least k answers."""
    return metric in EMPLOYEE_METRICS or (where or {}).get("audience") == "employee"


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def estimate(metric: str, row: Mapping[str, Any], *, min_sample: int = stats.MIN_SAMPLE) -> dict[str, Any]:
    """The headline estimate of ``row``'s statistics, plus what a CX analyst reads next to it."""
    n = int(row["n"])
    kind = metric_kind(metric)
    details: dict[str, Any] = {}
    if kind == "nps":
        promoters, detractors = int(row["promoters"]), int(row["detractors"])
        result = stats.nps(promoters, n - promoters - detractors, detractors, min_sample=min_sample)
        details = {
            "promoters_pct": _round(100 * promoters / n),
            "passives_pct": _round(100 * (n - promoters - detractors) / n),
            "detractors_pct": _round(100 * detractors / n),
        }
    elif kind == "top2box":
        result = stats.proportion(int(row["top"]), n, min_sample=min_sample)
        average = stats.mean(n, float(row["total"]), float(row["total_sq"]), min_sample=min_sample)
        details = {
            "mean": _round(average.value),
            "mean_ci_low": _round(average.ci_low),
            "mean_ci_high": _round(average.ci_high),
        }
    else:
        result = stats.mean(n, float(row["total"]), float(row["total_sq"]), min_sample=min_sample)
        if "top" in row:
            details = {"positive_pct": _round(100 * int(row["top"]) / n)}
    return {
        "n": n,
        "value": _round(result.value),
        "ci_low": _round(result.ci_low),
        "ci_high": _round(result.ci_high),
        "margin": _round(result.margin),
        "small_sample": result.small_sample,
        "suppressed": False,
        **details,
    }


def compare_rows(metric: str, a: Mapping[str, Any], b: Mapping[str, Any]) -> stats.Comparison | None:
    """b against a, each a row of sufficient statistics of ``metric``; None when too few answers to test."""
    try:
        return _compare(metric, a, b)
    except ValueError:
        return None


def _compare(metric: str, a: Mapping[str, Any], b: Mapping[str, Any]) -> stats.Comparison:
    kind = metric_kind(metric)
    if kind == "nps":

        def counts(row: Mapping[str, Any]) -> tuple[int, int, int]:
            p, d = int(row["promoters"]), int(row["detractors"])
            return p, int(row["n"]) - p - d, d

        return stats.compare_nps(counts(a), counts(b))
    if kind == "top2box":
        return stats.compare_proportions((int(a["top"]), int(a["n"])), (int(b["top"]), int(b["n"])))
    return stats.compare_means(
        (int(a["n"]), float(a["total"]), float(a["total_sq"])),
        (int(b["n"]), float(b["total"]), float(b["total_sq"])),
    )


def _suppress(result: dict[str, Any], keep: Sequence[str] = ()) -> dict[str, Any]:
    """Hide what a group too small for anonymity would reveal; its keys and size stay."""
    for name in list(result):
        if name not in ("n", "small_sample", "suppressed", "period", *keep):
            result[name] = None
    result["suppressed"] = True
    return result


def metric_groups(
    session: Session,
    *,
    workspace_id: uuid.UUID,
    metric: str,
    by: Sequence[str] = (),
    period: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    where: Mapping[str, str | Sequence[str]] | None = None,
    min_group: int = 5,
    min_sample: int = stats.MIN_SAMPLE,
) -> list[dict[str, Any]]:
    """``metric`` per group of ``by`` (and per ``period``), each with n, value, 95% CI and flags.

    With a period, each group's row also says how it ``change``d since the group's previous period,
    with a significance test; the tests of one call are Holm-corrected together so that many groups
    do not produce false alarms.
    """
    metric = check_metric(metric)
    part = Slice(metric=metric, start=start, end=end, where=where)
    rows = grouped_statistics(session, workspace_id=workspace_id, part=part, by=by, period=period)
    rows.sort(
        key=lambda row: tuple("" if row[name] is None else str(row[name]) for name in (*by, "period") if name in row)
    )
    anonymous = is_anonymous(metric, where)
    out: list[dict[str, Any]] = []
    comparisons: list[tuple[dict[str, Any], stats.Comparison]] = []
    previous: dict[tuple[Any, ...], Mapping[str, Any]] = {}
    for row in rows:
        group = {name: row[name] for name in by}
        result: dict[str, Any] = dict(group)
        if period is not None:
            result["period"] = row["period"]
        result.update(estimate(metric, row, min_sample=min_sample))
        if anonymous and result["n"] < min_group:
            out.append(_suppress(result, keep=by))
            continue
        if period is not None:
            key = tuple(group.values())
            before = previous.get(key)
            previous[key] = row
            result["change"] = None
            comparison = compare_rows(metric, before, row) if before is not None else None
            if before is not None and comparison is not None:
                result["change"] = {"since": before["period"], **_comparison_dict(comparison)}
                comparisons.append((result, comparison))
        out.append(result)
    if comparisons:
        adjusted = stats.holm([comparison.p_value for _, comparison in comparisons])
        for (result, _), significant in zip(comparisons, adjusted, strict=True):
            result["change"]["significant"] = significant
    return out


def _sort_key(row: Mapping[str, Any], names: Sequence[str]) -> tuple[str, ...]:
    return tuple("" if row[name] is None else str(row[name]) for name in names if name in row)


def _comparison_dict(comparison: stats.Comparison) -> dict[str, Any]:
    data = comparison.to_dict()
    return {
        "difference": _round(data["difference"]),
        "ci_low": _round(data["ci_low"]),
        "ci_high": _round(data["ci_high"]),
        "p_value": None if data["p_value"] is None else round(data["p_value"], 4),
        "significant": data["significant"],
    }


def compare_slices(
    session: Session,
    *,
    workspace_id: uuid.UUID,
    metric: str,
    a: Slice,
    b: Slice,
    by: Sequence[str] = (),
    min_group: int = 5,
) -> list[dict[str, Any]]:
    """``metric`` in slice b against slice a (two periods, or two values of a field), per group."""
    metric = check_metric(metric)
    a, b = Slice(metric, a.start, a.end, a.where), Slice(metric, b.start, b.end, b.where)
    rows_a = {tuple(r[n] for n in by): r for r in grouped_statistics(session, workspace_id=workspace_id, part=a, by=by)}
    rows_b = {tuple(r[n] for n in by): r for r in grouped_statistics(session, workspace_id=workspace_id, part=b, by=by)}
    anonymous = is_anonymous(metric, a.where) or is_anonymous(metric, b.where)
    out: list[dict[str, Any]] = []
    pending: list[tuple[dict[str, Any], stats.Comparison]] = []
    for key in sorted(set(rows_a) | set(rows_b), key=lambda k: tuple("" if v is None else str(v) for v in k)):
        result: dict[str, Any] = dict(zip(by, key, strict=True))
        left, right = rows_a.get(key), rows_b.get(key)
        result["a"] = estimate(metric, left) if left else None
        result["b"] = estimate(metric, right) if right else None
        hidden = anonymous and any(side is None or side["n"] < min_group for side in (result["a"], result["b"]))
        if hidden:
            result["a"] = _suppress(result["a"]) if result["a"] else None
            result["b"] = _suppress(result["b"]) if result["b"] else None
        result["change"] = None
        comparison = compare_rows(metric, left, right) if left and right and not hidden else None
        if comparison is not None:
            result["change"] = _comparison_dict(comparison)
            pending.append((result, comparison))
        out.append(result)
    if pending:
        for (result, _), significant in zip(pending, stats.holm([c.p_value for _, c in pending]), strict=True):
            result["change"]["significant"] = significant
    return out
