"""Small builders for test data."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

_counter = itertools.count()


def event(**overrides: Any) -> dict[str, Any]:
    """A valid event payload; override any field, or pass ``drop=[...]`` to remove fields."""
    drop = overrides.pop("drop", [])
    payload: dict[str, Any] = {
        "event_id": f"ev-{next(_counter)}-{datetime.now(UTC).timestamp()}",
        "occurred_at": (datetime.now(UTC) - timedelta(days=1)).isoformat(),
        "type": "web_visit",
        "channel": "web",
        "touchpoint": "sito_web",
        "identifiers": {"email": "anna.rossi@example.it"},
    }
    payload.update(overrides)
    for name in drop:
        payload.pop(name, None)
    return payload


def at(days_ago: float) -> str:
    return (datetime.now(UTC) - timedelta(days=days_ago)).isoformat()
