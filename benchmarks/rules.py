"""Alert rules in the pipeline: ingest throughput with 50 active rules versus the same stream without rules.

In one run, for the chosen backend:
1. the demo stream (N events) is ingested into an empty database through the real path (validation,
   identity, timeline, surveys) with no rules: the baseline;
2. the same stream goes into another empty database with 50 active rules (scores per touchpoint,
   complaints by reason, repeats with their batched SQL count, VIP by lifetime value, attributes,
   text rules that find no analysis): the rules step opens and links cases as it would in production;
3. the rules alone are timed over the stream held in memory (``RuleSet.matches``).
The last line is JSON: events/s with and without rules, their ratio, and the rules' cost as a share
of ingest throughput (target, issue 5: below 30%).

    python benchmarks/rules.py --events 1000000
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import uuid
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import demo_file, fresh_database, postgres_available  # noqa: E402
from cxhub import migrate  # noqa: E402
from cxhub.app import make_hub  # noqa: E402
from cxhub.cases import rulebook  # noqa: E402
from cxhub.cases import rules as lang  # noqa: E402
from cxhub.cases.models import Case, CaseLink  # noqa: E402
from cxhub.config import Settings  # noqa: E402
from cxhub.db import make_engine, transaction  # noqa: E402
from cxhub.events.service import RawRecord, ingest_stream, record_from_payload, rules_from  # noqa: E402
from cxhub.events.validation import validate_event  # noqa: E402
from cxhub.governance.mapfile import parse_map_yaml  # noqa: E402
from cxhub.governance.ownership import import_map  # noqa: E402
from cxhub.governance.service import ensure_workspace  # noqa: E402
from cxhub.pipeline import InProcessQueue, Pipeline, default_pipeline  # noqa: E402

EVENTS_PER_CUSTOMER = 11
TOUCHPOINTS = ("call_center", "chat_assistenza", "email_assistenza", "sito_web", "app_mobile", "relazione_cliente",
               "fatturazione", "consegna", "rete", "attivazione_fibra")  # fmt: skip
REASONS = ("fatturazione", "consegna", "rete", "attivazione", "app", "personale")


def fifty_rules() -> list[dict[str, Any]]:
    """50 rules of the kinds a CX team writes, spread over touchpoints, metrics and contact reasons."""
    rules: list[dict[str, Any]] = []
    for tp in TOUCHPOINTS:
        rules.append(
            {
                "key": f"nps_{tp}",
                "name": f"NPS detractor {tp}",
                "active": True,
                "when": {
                    "types": ["survey_response"],
                    "touchpoints": [tp],
                    "score": {"metric": "nps", "band": "detractor"},
                },
                "case": {"priority": "high"},
            }
        )
        rules.append(
            {
                "key": f"csat_{tp}",
                "name": f"CSAT 1-2 {tp}",
                "active": True,
                "when": {"types": ["survey_response"], "touchpoints": [tp], "score": {"metric": "csat", "max": 2}},
            }
        )
        rules.append(
            {
                "key": f"ces_{tp}",
                "name": f"CES effort {tp}",
                "active": True,
                "when": {
                    "types": ["survey_response"],
                    "touchpoints": [tp],
                    "score": {"metric": "ces", "band": "high_effort"},
                },
            }
        )
    for reason in REASONS:
        rules.append(
            {
                "key": f"complaint_{reason}",
                "name": f"Severe complaint {reason}",
                "active": True,
                "when": {"types": ["complaint"], "attributes": {"reason": reason, "severity": "alta"}},
                "case": {"priority": "high"},
            }
        )
    for kind in ("call", "chat", "email"):
        rules.append(
            {
                "key": f"repeat_{kind}",
                "name": f"Third {kind} in 7 days",
                "active": True,
                "when": {
                    "types": [kind],
                    "repeat": {"count": 3, "days": 7, "by": "reason", "types": ["call", "chat", "email"]},
                },
            }
        )
    rules.append(
        {
            "key": "vip_complaint",
            "name": "VIP complaint",
            "active": True,
            "when": {"types": ["complaint"], "customer": {"min_lifetime_value_cents": 150000}},
            "case": {"priority": "critical"},
        }
    )
    rules.append(
        {
            "key": "vip_return",
            "name": "VIP return",
            "active": True,
            "when": {"types": ["return"], "customer": {"min_lifetime_value_cents": 300000}},
        }
    )
    for topic in ("Consegna", "Fatturazione", "Rete", "Personale", "Prezzo"):
        rules.append(
            {
                "key": f"text_{topic.lower()}",
                "name": f"Negative on {topic}",
                "active": True,
                "when": {"sentiment": {"labels": ["negative"]}, "topics": [topic]},
            }
        )
    rules.append(
        {
            "key": "angry",
            "name": "Angry customer",
            "active": True,
            "when": {"types": ["complaint", "chat", "email"], "emotion": {"name": "anger", "min": 0.7}},
        }
    )
    rules.append(
        {
            "key": "churn_call",
            "name": "Cease request",
            "active": True,
            "when": {"types": ["plan_change"], "attributes": {"action": ["cessazione", "disdetta"]}},
        }
    )
    rules.append(
        {
            "key": "store_detractor",
            "name": "Store NPS detractor",
            "active": True,
            "when": {"types": ["survey_response"], "channels": ["store"], "score": {"metric": "nps", "max": 4}},
        }
    )
    rules.append(
        {
            "key": "stage_assistenza",
            "name": "Unhappy in the support stage",
            "active": True,
            "when": {"types": ["survey_response"], "stages": ["assistenza"], "score": {"metric": "csat", "max": 1}},
        }
    )
    assert len(rules) == 50, len(rules)
    return rules  # fmt: skip


def records(path: Path, limit: int) -> Iterator[RawRecord]:
    with path.open("rb") as handle:
        for line in islice(handle, limit):
            yield record_from_payload(orjson.loads(line), "bench")


def ingest(url: str, path: Path, limit: int, *, with_rules: bool, batch_size: int) -> dict[str, Any]:
    settings = Settings(database_url=url, import_batch_size=batch_size)
    engine = make_engine(settings)
    migrate.upgrade(engine)
    steps = default_pipeline().steps
    if not with_rules:
        steps = [step for step in steps if step.__name__ != "apply_rules"]
    hub = make_hub(settings, engine, InProcessQueue(Pipeline(steps)))
    with transaction(hub.sessions) as session:
        workspace_id = ensure_workspace(session, slug="bench").id
        demo_map = Path(__file__).resolve().parents[1] / "src" / "cxhub" / "demo" / "governance.yaml"
        import_map(session, workspace_id=workspace_id, document=parse_map_yaml(demo_map.read_bytes()))
        if with_rules:
            definitions = lang.parse_rules({"rules": fifty_rules()})
            rulebook.import_rules(session, workspace_id=workspace_id, definitions=definitions, force=True)
    started = time.perf_counter()
    report = ingest_stream(
        hub.sessions,
        workspace_id=workspace_id,
        records=records(path, limit),
        source="bench",
        settings=settings,
        queue=hub.queue,
        batch_size=batch_size,
    )
    seconds = time.perf_counter() - started
    with transaction(hub.sessions) as session:
        cases = session.scalar(select(func.count()).select_from(Case)) or 0
        links = session.scalar(select(func.count()).select_from(CaseLink)) or 0
    engine.dispose()
    return {"accepted": report.accepted, "seconds": round(seconds, 2), "events_per_s": round(report.accepted / seconds),
            "cases": int(cases), "linked_events": int(links)}  # fmt: skip


def evaluation_only(path: Path, limit: int) -> dict[str, Any]:
    """The rules' database-free checks alone, over the validated stream in memory."""
    ruleset = lang.RuleSet([lang.compile_rule(d) for d in lang.parse_rules({"rules": fifty_rules()})])
    settings = Settings(database_url="sqlite://")
    validation = rules_from(settings)
    events = []
    for record in records(path, limit):
        result = validate_event(record.payload, validation, record.raw)
        if not isinstance(result, list):
            events.append(result)
    tested = sum(len(ruleset.candidates(e)) for e in events)
    started = time.perf_counter()
    matched = sum(len(ruleset.matches(e)) for e in events)
    seconds = time.perf_counter() - started
    return {"events": len(events), "events_per_s": round(len(events) / seconds), "matches": matched,
            "rules_tested_per_event": round(tested / max(len(events), 1), 2)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--batch-size", type=int, default=5000)
    args = parser.parse_args()
    if args.backend == "postgresql" and not postgres_available():
        raise SystemExit("PostgreSQL is not reachable")
    path = demo_file(max(1, args.events // EVENTS_PER_CUSTOMER + 1))
    with fresh_database(args.backend) as url:
        without = ingest(url, path, args.events, with_rules=False, batch_size=args.batch_size)
    print(f"without rules: {without}", flush=True)
    with fresh_database(args.backend) as url:
        with_rules = ingest(url, path, args.events, with_rules=True, batch_size=args.batch_size)
    print(f"with 50 rules: {with_rules}", flush=True)
    alone = evaluation_only(path, args.events)
    print(f"rules alone, in memory: {alone}", flush=True)
    ratio = with_rules["events_per_s"] / without["events_per_s"]
    print(
        json.dumps(
            {
                "benchmark": "rules",
                "run": uuid.uuid4().hex[:8],
                "backend": args.backend,
                "events": without["accepted"],
                "rules": 50,
                "events_per_s_without_rules": without["events_per_s"],
                "events_per_s_with_rules": with_rules["events_per_s"],
                "ratio": round(ratio, 3),
                "rules_cost_share": round(1 - ratio, 3),
                "target_cost_share": 0.30,
                "cases_opened": with_rules["cases"],
                "events_linked_to_cases": with_rules["linked_events"],
                "evaluation_only_events_per_s": alone["events_per_s"],
                "rules_tested_per_event": alone["rules_tested_per_event"],
            }
        )
    )


if __name__ == "__main__":
    main()
