"""The demo brand's rules and cases: the shipped rules run over the demo's events, cases worked by people.

Cases open a few minutes after their signal; agents take them up hours later, wait for customers,
resolve and close them, on timestamps drawn from a seeded generator, so the loop measures of the
demo are those of a plausible care organisation, and a second run adds nothing.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib.resources import files

from sqlalchemy.orm import Session

from cxhub.cases import rulebook, workflow
from cxhub.cases import rules as lang
from cxhub.cases.matching import Candidate, settle, stored_candidates
from cxhub.cases.models import Case
from cxhub.cases.service import Signal, open_cases
from cxhub.cases.tasks import detect_breaches, signal_of
from cxhub.kit.errors import CxhubError

AGENTS = ("giulia.bianchi@aurora.example", "marco.ferri@aurora.example", "sara.conti@aurora.example")
WINDOW_DAYS = 120


@dataclass
class DemoCases:
    rules: int
    opened: int
    worked: int


def load_demo_cases(session: Session, *, workspace_id: uuid.UUID, until: datetime, seed: int) -> DemoCases:
    """Import the demo rules, open the cases their matches call for over the last 120 days before
    ``until``, and move them through their states as people would have."""
    definitions = lang.parse_rules_yaml(files("cxhub.demo").joinpath("rules.yaml").read_bytes())
    rulebook.import_rules(session, workspace_id=workspace_id, definitions=definitions, source="demo", now=until)
    rng = random.Random(seed)
    ruleset = rulebook.active_ruleset(session, workspace_id)
    since = until - timedelta(days=WINDOW_DAYS)
    signals: list[Signal] = []
    for rule in ruleset.rules:
        if rule.is_silence:
            continue
        for chunk in stored_candidates(session, workspace_id=workspace_id, rule=rule, since=since, until=until):
            kept: list[Candidate] = settle(session, workspace_id=workspace_id, candidates=chunk)
            for candidate in kept:
                signal = signal_of(candidate)
                signal.opened_at = candidate.occurred_at + timedelta(minutes=rng.uniform(1, 30))
                signals.append(signal)
    report = open_cases(session, workspace_id=workspace_id, signals=signals, now=until)
    worked = sum(_work(session, case, rng, until) for case in report.opened)
    detect_breaches(session, workspace_id=workspace_id, now=until)
    return DemoCases(rules=len(definitions), opened=len(report.opened), worked=worked)


def _work(session: Session, case: Case, rng: random.Random, until: datetime) -> int:
    """Walk one case as an agent would; returns 1 when anyone touched it."""
    age_days = (until - case.opened_at).total_seconds() / 86400
    roll = rng.random()
    if age_days < 1 or roll < 0.08:
        return 0  # still new: nobody has looked yet
    ws, cid = case.workspace_id, case.id
    at = case.opened_at + timedelta(hours=rng.lognormvariate(1.6, 0.9))
    steps: list[str] = ["in_progress"]
    if roll < 0.2:
        steps.append("waiting_customer")
    elif roll < 0.88:
        steps += ["waiting_customer", "in_progress"] if rng.random() < 0.25 else []
        steps.append("resolved")
        if rng.random() < 0.7:
            steps.append("closed")
    try:
        workflow.assign(
            session, workspace_id=ws, case_id=cid, assignee=rng.choice(AGENTS), version=None, actor="demo", now=at
        )
        for step in steps:
            if at >= until:
                break
            note = "Cliente richiamato, problema verificato." if step == "in_progress" else None
            resolution = "Risolto con il cliente." if step == "resolved" else None
            workflow.transition(
                session,
                workspace_id=ws,
                case_id=cid,
                to=step,
                version=None,
                actor="demo",
                note=note,
                resolution=resolution,
                now=at,
            )
            at += timedelta(hours=rng.lognormvariate(2.8, 1.0) if step != "resolved" else rng.uniform(24, 96))
    except CxhubError:
        return 1
    return 1
