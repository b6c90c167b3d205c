"""Load the demo brand through the same ingest path as real data."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from importlib.resources import files

from sqlalchemy.orm import Session

from cxhub.cases.demo import load_demo_cases
from cxhub.demo.employees import generate_employee_events
from cxhub.demo.generator import generate_events, generate_invalid_events
from cxhub.events.service import IngestReport, RawRecord, StreamReport, ingest_stream, record_from_payload
from cxhub.governance.mapfile import parse_map_yaml
from cxhub.governance.ownership import import_map_once
from cxhub.governance.service import create_api_key, ensure_workspace
from cxhub.governance.users import ensure_demo_user
from cxhub.journeys.design import journey_from_yaml
from cxhub.journeys.service import ensure_journey
from cxhub.kit.http import Hub
from cxhub.surveys.definition import load_definition
from cxhub.surveys.service import import_survey, list_surveys

DEMO_WORKSPACE = "demo"
DEMO_NAME = "Aurora Telecomunicazioni (demo)"
# Who signs in to the demo's web app: (e-mail, role, department).
DEMO_USERS = (
    ("admin@aurora.example", "admin", None),
    ("care.lead@aurora.example", "department_lead", "customer_care"),
)


@dataclass
class DemoResult:
    workspace: str
    api_key: str
    report: StreamReport
    users: list[tuple[str, str, str]]  # (e-mail, role, password): passwords are new on every run


def _records(customers: int, seed: int, as_of: date) -> Iterator[RawRecord]:
    for payload in generate_events(customers, seed, as_of):
        yield record_from_payload(payload, "demo")
    for payload in generate_employee_events(seed, as_of):
        yield record_from_payload(payload, "demo")
    for payload in generate_invalid_events(seed, as_of):
        yield record_from_payload(payload, "demo (planted error)")


def _ensure_surveys(session: Session, workspace_id: uuid.UUID) -> None:
    """The example surveys, active, so the demo's latest events already trigger invitations."""
    present = {survey.slug for survey in list_surveys(session, workspace_id=workspace_id)}
    for example in sorted(files("cxhub.surveys").joinpath("examples").iterdir(), key=lambda p: p.name):
        if not example.name.endswith(".yaml"):
            continue
        definition = load_definition(example.read_text(encoding="utf-8"), "yaml")
        if definition.slug not in present:
            import_survey(session, workspace_id=workspace_id, definition=definition, status="active")


def load_demo(
    hub: Hub,
    *,
    customers: int,
    seed: int,
    as_of: date,
    on_batch: Callable[[IngestReport], None] | None = None,
) -> DemoResult:
    """Generate the brand for ``(customers, seed, as_of)`` and ingest it; a second run adds nothing."""
    with hub.sessions.begin() as session:
        workspace = ensure_workspace(session, slug=DEMO_WORKSPACE, name=DEMO_NAME)
        workspace_id = workspace.id
        _, token = create_api_key(session, workspace_id=workspace_id, scopes=["admin", "ingest", "read"], name="demo")
        demo_map = parse_map_yaml(files("cxhub.demo").joinpath("governance.yaml").read_bytes())
        import_map_once(session, workspace_id=workspace_id, document=demo_map, source="demo")
        demo_journey = journey_from_yaml(files("cxhub.demo").joinpath("journey.yaml").read_text(encoding="utf-8"))
        ensure_journey(session, workspace_id=workspace_id, definition=demo_journey)
        _ensure_surveys(session, workspace_id)
        users = [
            (
                email,
                role,
                ensure_demo_user(session, workspace_id=workspace_id, email=email, role=role, department_key=key),
            )
            for email, role, key in DEMO_USERS
        ]
    report = ingest_stream(
        hub.sessions,
        workspace_id=workspace_id,
        records=_records(customers, seed, as_of),
        source="demo",
        settings=hub.settings,
        queue=hub.queue,
        batch_size=hub.settings.import_batch_size,
        on_batch=on_batch,
    )
    with hub.sessions.begin() as session:  # rules and cases in every state, over the events just loaded
        load_demo_cases(session, workspace_id=workspace_id, until=datetime.combine(as_of, time(18), UTC), seed=seed)
    return DemoResult(workspace=DEMO_WORKSPACE, api_key=token, report=report, users=users)
