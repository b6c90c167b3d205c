"""Plotly figure specs as plain dicts: the browser draws them with the plotly.min.js the package ships.

Pure (no I/O): rows in, ``{"data": [...], "layout": {...}}`` out, so a test reads the numbers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

ACCENT = "#0b5cad"
BAND = "rgba(11, 92, 173, 0.15)"
FONT = {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 13, "color": "#1b1f24"}


def _layout(y_title: str, height: int = 300) -> dict[str, Any]:
    return {
        "height": height,
        "margin": {"l": 56, "r": 16, "t": 16, "b": 48},
        "font": FONT,
        "yaxis": {"title": {"text": y_title}, "zeroline": False},
        "showlegend": False,
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
    }


def trend(rows: Sequence[Mapping[str, Any]], *, label: str, y_title: str) -> dict[str, Any]:
    """A metric per period with its 95% interval as a band; periods without an estimate are skipped."""
    points = [row for row in rows if row.get("value") is not None]
    x = [row["period"] for row in points]
    return {
        "data": [
            {
                "x": x,
                "y": [row["ci_high"] for row in points],
                "type": "scatter",
                "mode": "lines",
                "line": {"width": 0},
                "hoverinfo": "skip",
            },
            {
                "x": x,
                "y": [row["ci_low"] for row in points],
                "type": "scatter",
                "mode": "lines",
                "line": {"width": 0},
                "fill": "tonexty",
                "fillcolor": BAND,
                "hoverinfo": "skip",
            },
            {
                "x": x,
                "y": [row["value"] for row in points],
                "customdata": [row["n"] for row in points],
                "type": "scatter",
                "mode": "lines+markers",
                "name": label,
                "line": {"color": ACCENT, "width": 2},
                "hovertemplate": "%{x}: %{y} (n=%{customdata})<extra></extra>",
            },
        ],
        "layout": _layout(y_title),
    }


def bars_with_ci(
    rows: Sequence[Mapping[str, Any]], *, names: Mapping[str, str], key: str, y_title: str
) -> dict[str, Any]:
    """One horizontal bar per group (``key``) with asymmetric error bars from its interval."""
    points = [row for row in rows if row.get("value") is not None]
    points.sort(key=lambda row: row["value"])
    return {
        "data": [
            {
                "type": "bar",
                "orientation": "h",
                "y": [names.get(str(row[key]), str(row[key])) for row in points],
                "x": [row["value"] for row in points],
                "marker": {"color": ACCENT},
                "error_x": {
                    "type": "data",
                    "symmetric": False,
                    "array": [(row["ci_high"] or row["value"]) - row["value"] for row in points],
                    "arrayminus": [row["value"] - (row["ci_low"] or row["value"]) for row in points],
                    "color": "#4a5360",
                },
                "hovertemplate": "%{y}: %{x}<extra></extra>",
            }
        ],
        "layout": {
            **_layout("", height=max(220, 28 * len(points) + 60)),
            "xaxis": {"title": {"text": y_title}},
            "margin": {"l": 220, "r": 16, "t": 8, "b": 48},
            "yaxis": {"automargin": True},
        },
    }


def stage_curve(stages: Sequence[Mapping[str, Any]], *, y_title: str) -> dict[str, Any]:
    """The emotional curve: NPS per journey stage in journey order, with its 95% interval."""
    points = [s for s in stages if s.get("nps") and s["nps"].get("value") is not None]
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "lines+markers",
                "x": [s["label"] for s in points],
                "y": [s["nps"]["value"] for s in points],
                "error_y": {
                    "type": "data",
                    "symmetric": False,
                    "array": [(s["nps"]["ci_high"] or s["nps"]["value"]) - s["nps"]["value"] for s in points],
                    "arrayminus": [s["nps"]["value"] - (s["nps"]["ci_low"] or s["nps"]["value"]) for s in points],
                    "color": "#4a5360",
                },
                "line": {"color": ACCENT, "width": 2, "shape": "spline"},
                "hovertemplate": "%{x}: %{y}<extra></extra>",
            }
        ],
        "layout": _layout(y_title),
    }


def sankey(nodes: Sequence[Mapping[str, Any]], links: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Customers flowing through the first steps of their journeys (Plotly's sankey trace)."""
    index = {node["id"]: position for position, node in enumerate(nodes)}
    return {
        "data": [
            {
                "type": "sankey",
                "arrangement": "snap",
                "node": {
                    "label": [f"{node['step']} ({node['position']})" for node in nodes],
                    "color": ACCENT,
                    "pad": 12,
                },
                "link": {
                    "source": [index[link["source"]] for link in links if link["source"] in index],
                    "target": [index[link["target"]] for link in links if link["source"] in index],
                    "value": [link["customers"] for link in links if link["source"] in index],
                    "color": BAND,
                },
            }
        ],
        "layout": {"height": 420, "margin": {"l": 8, "r": 8, "t": 8, "b": 8}, "font": FONT, "paper_bgcolor": "#ffffff"},
    }
