"""The demo brand's employees answer a quarterly eNPS pulse, per store and contact-center team.

Stores with a better customer experience (``Store.quality``) have happier teams, so the
employee–customer link has something true to find; one small store team has four people, so its
quarterly results stay below k and are hidden. Answers are anonymous, as the survey engine records them.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

from cxhub.demo.catalogue import STORES

PULSE_TOUCHPOINT = "pulse_dipendenti"
TEAMS = (("call_center", "customer_care", 0.0, 24), ("chat_assistenza", "customer_care", 0.3, 9))
SMALL_TEAM = "negozio_cagliari_roma"  # four people: a quarter of answers is fewer than k = 5
QUARTERS = 4


def generate_employee_events(seed: int, as_of: date) -> Iterator[dict[str, Any]]:
    rng = random.Random(f"employees-{seed}")
    units = [
        (store.touchpoint, "negozi", store.quality, 4 if store.touchpoint == SMALL_TEAM else rng.randint(6, 14))
        for store in STORES
    ]
    units.extend(TEAMS)
    for quarter in range(QUARTERS):
        sent = datetime(as_of.year, as_of.month, as_of.day, 9, tzinfo=UTC) - timedelta(days=20 + 91 * quarter)
        mood = rng.gauss(0, 0.4)  # the whole company's mood that quarter
        for unit, department, quality, headcount in units:
            for _ in range(headcount):
                if rng.random() > 0.8:
                    continue  # not everyone answers a pulse
                at = sent + timedelta(days=rng.randint(0, 9), minutes=rng.randint(0, 600))
                latent = 6.4 + 4.0 * quality + mood + rng.gauss(0, 1.7)
                yield _answer(rng, at, unit, department, "enps", min(10, max(0, round(latent))))
                engagement = min(5, max(1, round(1 + (latent - 1) * 0.45)))
                yield _answer(rng, at, unit, department, "engagement", engagement)


def _answer(rng: random.Random, at: datetime, unit: str, department: str, metric: str, score: int) -> dict[str, Any]:
    response = uuid.UUID(int=rng.getrandbits(128), version=4).hex
    return {
        "event_id": f"pulse-{response}-{metric}",
        "occurred_at": at.isoformat(),
        "type": "survey_response",
        "channel": "intranet",
        "touchpoint": PULSE_TOUCHPOINT,
        "identifiers": {"anonymous": response},
        "score": float(score),
        "attributes": {
            "metric": metric,
            "survey": "enps_pulse",
            "audience": "employee",
            "unit": unit,
            "department": department,
            "scale": "0-10" if metric == "enps" else "1-5",
        },
    }
