"""One pass of journey discovery over a stream of timeline chunks.

:class:`JourneyAnalysis` takes chunks that never split a customer (``add``) and keeps only what adds
up across chunks (counts and sums) plus the compact transition rows that exact medians need; ``result``
returns the JSON-ready discovery. Memory grows with customers and transitions, not with event payloads.
Pure: the service feeds it from the database, tests from literal frames.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import polars as pl

from cxhub.journeys import curve, disconnects, discovery, pains
from cxhub.journeys.design import JourneyDef
from cxhub.journeys.discovery import Level
from cxhub.journeys.timeline import customer_changed


@dataclass(frozen=True, slots=True)
class Spec:
    """What to discover: the level, the designed journey (for stages), filters and sizes."""

    level: Level
    as_of: datetime
    journey: JourneyDef | None = None
    segment: str | None = None
    entry_channel: str | None = None
    path_steps: int = 5
    top_paths: int = 10
    sankey_steps: int = 5
    disconnect_limit: int = 100
    pain_rules: pains.PainRules | None = None
    disconnect_rules: disconnects.DisconnectRules = field(default_factory=disconnects.DisconnectRules)

    @property
    def rules(self) -> pains.PainRules:
        return self.pain_rules or pains.PainRules(as_of=self.as_of)


class JourneyAnalysis:
    def __init__(self, spec: Spec) -> None:
        if spec.level is Level.stage and spec.journey is None:
            raise ValueError("the stage level needs a designed journey")
        self.spec = spec
        self.events = 0
        self._transitions: list[pl.DataFrame] = []
        self._transition_counts: list[pl.DataFrame] = []
        self._paths: list[pl.DataFrame] = []
        self._nodes: list[pl.DataFrame] = []
        self._links: list[pl.DataFrame] = []
        self._steps: list[pl.DataFrame] = []
        self._values: list[pl.DataFrame] = []
        self._pains: list[pl.DataFrame] = []
        self._totals = dict.fromkeys(("customers", "promoters", "passives", "detractors", "churned"), 0)
        self._walkers = 0
        self._conformance: dict[str, Any] = {"customers": 0, "conforming": 0, "loop_backs": [], "skips": []}
        self._disconnects: list[pl.DataFrame] = []  # each chunk's newest findings, at most disconnect_limit
        self._disconnect_sums: list[pl.DataFrame] = []  # findings per touchpoint and kind

    def add(self, chunk: pl.DataFrame) -> None:
        """Fold in a chunk of a timeline frame (ordered by customer and time, no customer split)."""
        spec = self.spec
        chunk = self._filter_customers(chunk)
        if chunk.height == 0:
            return
        self.events += chunk.height
        # Customers as numbers 1, 2, … in chunk order: grouping and joining on them is cheaper than on
        # the id strings, and the counts are the same (the chunk is ordered by customer).
        keyed = chunk.with_columns(customer_changed().cum_sum().cast(pl.UInt32).alias("customer_id"))
        steps = discovery.assign_steps(keyed, spec.level, spec.journey)
        visit_frame = discovery.visits(steps)
        rows = discovery.transition_rows(visit_frame)
        # Counts add up across chunks; exact medians need the times themselves, kept compact.
        self._transition_counts.append(
            rows.group_by("from", "to").agg(
                pl.len().cast(pl.Int64).alias("count"),
                pl.col("customer_id").n_unique().cast(pl.Int64).alias("customers"),
            )
        )
        self._transitions.append(
            rows.select(
                pl.col("from").cast(pl.Categorical), pl.col("to").cast(pl.Categorical), pl.col("hours").cast(pl.Float32)
            )
        )
        self._walkers += visit_frame.select(pl.col("customer_id").n_unique()).item()
        self._paths.append(discovery.path_counts(visit_frame, spec.path_steps))
        nodes, links = discovery.sankey_counts(visit_frame, spec.sankey_steps)
        self._nodes.append(nodes)
        self._links.append(links)
        self._steps.append(curve.step_counts(steps))
        self._values.append(curve.step_values(steps))
        hits = pains.affected(steps, visit_frame, rows, spec.rules, spec.journey if spec.level is Level.stage else None)
        sums, totals = pains.impact_sums(hits, pains.customer_outcomes(steps, spec.rules))
        self._pains.append(sums)
        for name, value in totals.items():
            self._totals[name] += value
        if spec.level is Level.stage and spec.journey is not None:
            found = discovery.conformance_counts(visit_frame, spec.journey)
            self._conformance["customers"] += found["customers"]
            self._conformance["conforming"] += found["conforming"]
            self._conformance["loop_backs"].append(found["loop_backs"])
            self._conformance["skips"].append(found["skips"])
        findings = disconnects.find(chunk, spec.disconnect_rules)
        self._disconnects.append(disconnects.newest(findings, spec.disconnect_limit))
        self._disconnect_sums.append(finding_sums(findings))

    def merge(self, other: JourneyAnalysis) -> None:
        """Fold in the analysis of other customers (another range read side by side): every part adds
        up, and the result does not depend on the order in which parts were added."""
        self.events += other.events
        self._walkers += other._walkers
        for name, value in other._totals.items():
            self._totals[name] += value
        for key in ("customers", "conforming"):
            self._conformance[key] += other._conformance[key]
        for key in ("loop_backs", "skips"):
            self._conformance[key] += other._conformance[key]
        for mine, theirs in (
            (self._transitions, other._transitions),
            (self._transition_counts, other._transition_counts),
            (self._paths, other._paths),
            (self._nodes, other._nodes),
            (self._links, other._links),
            (self._steps, other._steps),
            (self._values, other._values),
            (self._pains, other._pains),
            (self._disconnects, other._disconnects),
            (self._disconnect_sums, other._disconnect_sums),
        ):
            mine += theirs

    def _filter_customers(self, chunk: pl.DataFrame) -> pl.DataFrame:
        spec = self.spec
        segment = spec.segment or (spec.journey.segment if spec.journey else None)
        if segment is None and spec.entry_channel is None:
            return chunk
        keep = pl.lit(True)
        if segment is not None:
            keep = keep & (pl.col("segment").drop_nulls().last().over("customer_id") == segment)
        if spec.entry_channel is not None:
            first_channel = pl.when(customer_changed()).then(pl.col("channel")).forward_fill()
            chunk = chunk.with_columns(first_channel.alias("_entry"))
            keep = keep & (pl.col("_entry") == spec.entry_channel)
        return chunk.filter(keep.fill_null(False)).drop("_entry", strict=False)

    # -- the result ---------------------------------------------------------------------------------

    def result(self) -> dict[str, Any]:
        spec = self.spec
        step_sums = curve.add_sums(self._steps, ["step"])
        if step_sums.height:
            totals = ["csat_total", "csat_total_sq", "sentiment_total", "sentiment_total_sq"]
            sums = curve.value_sums(pl.concat(self._values))
            step_sums = step_sums.join(sums, on="step", how="left").with_columns(pl.col(totals).fill_null(0.0))
        order = spec.journey.stage_keys if spec.level is Level.stage and spec.journey else None
        stages = curve.emotional_curve(step_sums, order)
        step_nps = (
            {
                row["step"]: (row["promoters"], row["passives"], row["detractors"])
                for row in step_sums.iter_rows(named=True)
            }
            if step_sums.height
            else {}
        )
        pain_sums = curve.add_sums(self._pains, ["kind", "where"])
        found = (
            disconnects.newest(pl.concat(self._disconnects), spec.disconnect_limit)
            if self._disconnects
            else pl.DataFrame(schema=disconnects.SCHEMA)
        )
        counts = curve.add_sums(self._disconnect_sums, ["touchpoint", "kind"]) if self._disconnect_sums else None
        return {
            "level": spec.level.value,
            "journey": spec.journey.journey if spec.journey else None,
            "customers": self._totals["customers"],
            "events": self.events,
            "transitions": self._transition_list(),
            "paths": self._path_list(),
            "stages": stages,
            "pain_points": pains.rank_pain_points(pain_sums, self._totals, step_nps),
            "disconnects": disconnect_list(found.head(spec.disconnect_limit)),
            "disconnect_counts": counts_of_findings(counts if counts is not None else finding_sums(found)),
            "conformance": self._conformance_result(),
            "sankey": self._sankey(),
        }

    def _transition_list(self) -> list[dict[str, Any]]:
        counts = curve.add_sums(self._transition_counts, ["from", "to"])
        if not counts.height:
            return []
        medians = (
            pl.concat(self._transitions)
            .group_by("from", "to")
            .agg(pl.col("hours").median().alias("median_hours"))
            .with_columns(pl.col("from", "to").cast(pl.String))
        )
        table = counts.join(medians, on=["from", "to"], how="left").sort(
            ["count", "from", "to"], descending=[True, False, False]
        )
        return [
            {
                "from": row["from"],
                "to": row["to"],
                "count": int(row["count"]),
                "customers": int(row["customers"]),
                "median_hours": None if row["median_hours"] is None else round(float(row["median_hours"]), 2),
            }
            for row in table.iter_rows(named=True)
        ]

    def _path_list(self) -> list[dict[str, Any]]:
        sums = curve.add_sums(self._paths, ["path"])
        if not sums.height:
            return []
        top = sums.sort(["customers", "path"], descending=[True, False]).head(self.spec.top_paths)
        return [
            {
                "steps": row["path"].split(discovery.ARROW),
                "customers": int(row["customers"]),
                "share": round(row["customers"] / self._walkers, 4) if self._walkers else 0.0,
            }
            for row in top.iter_rows(named=True)
        ]

    def _sankey(self) -> dict[str, Any]:
        nodes = curve.add_sums(self._nodes, ["position", "step"])
        links = curve.add_sums(self._links, ["position", "from", "to"])
        node_rows = (
            nodes.sort(["position", "customers", "step"], descending=[False, True, False]).iter_rows(named=True)
            if nodes.height
            else iter(())
        )
        link_order = ["position", "customers", "from", "to"]
        link_rows = (
            links.sort(link_order, descending=[False, True, False, False]).iter_rows(named=True)
            if links.height
            else iter(())
        )
        return {
            "steps": self.spec.sankey_steps,
            "nodes": [
                {
                    "id": f"{r['position']}:{r['step']}",
                    "position": int(r["position"]),
                    "step": r["step"],
                    "customers": int(r["customers"]),
                    "ends": int(r["ends"]),
                }
                for r in node_rows
            ],
            "links": [
                {
                    "source": f"{r['position']}:{r['from']}",
                    "target": f"{r['position'] + 1}:{r['to']}",
                    "customers": int(r["customers"]),
                }
                for r in link_rows
            ],
        }

    def _conformance_result(self) -> dict[str, Any] | None:
        if self.spec.level is not Level.stage:
            return None
        c = self._conformance

        def pairs(frames: list[pl.DataFrame]) -> list[dict[str, Any]]:
            total = curve.add_sums(frames, ["from", "to"])
            if not total.height:
                return []
            ordered = total.sort(["customers", "from", "to"], descending=[True, False, False])
            return [
                {"from": r["from"], "to": r["to"], "customers": int(r["customers"])}
                for r in ordered.iter_rows(named=True)
            ]

        customers = c["customers"]
        return {
            "customers": customers,
            "conforming": c["conforming"],
            "share": round(c["conforming"] / customers, 4) if customers else None,
            "loop_backs": pairs(c["loop_backs"]),
            "skips": pairs(c["skips"]),
        }


def disconnect_list(found: pl.DataFrame) -> list[dict[str, Any]]:
    return [
        {
            "kind": row["kind"],
            "customer_id": row["customer_id"],
            "occurred_at": row["occurred_at"],
            "touchpoint": row["touchpoint"],
            "event_ids": list(row["event_ids"]),
            "explanation": row["explanation"],
        }
        for row in found.iter_rows(named=True)
    ]


def finding_sums(found: pl.DataFrame) -> pl.DataFrame:
    """``touchpoint, kind, len``: findings counted so that counts of several chunks add up."""
    return found.group_by("touchpoint", "kind").agg(pl.len().cast(pl.Int64))


def disconnect_counts(found: pl.DataFrame) -> dict[str, Any]:
    """Findings per kind and per touchpoint and kind: what governance routes to the owning department."""
    return counts_of_findings(finding_sums(found))


def counts_of_findings(sums: pl.DataFrame) -> dict[str, Any]:
    """:func:`disconnect_counts` from :func:`finding_sums` (of one frame, or added up over chunks)."""
    by_kind = {kind: 0 for kind in disconnects.KINDS}
    for kind, count in sums.group_by("kind").agg(pl.col("len").sum()).iter_rows():
        by_kind[kind] = int(count)
    per_touchpoint = sums.sort(["len", "touchpoint", "kind"], descending=[True, False, False])
    return {
        "total": int(sums["len"].sum()) if sums.height else 0,
        "by_kind": by_kind,
        "by_touchpoint": [
            {"touchpoint": t, "kind": k, "count": int(n)}
            for t, k, n in per_touchpoint.select("touchpoint", "kind", "len").iter_rows()
        ],
    }
