"""Load the demo brand through the same ingest path as real data."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date

from cxhub.demo.generator import generate_events, generate_invalid_events
from cxhub.events.service import IngestReport, RawRecord, StreamReport, ingest_stream, record_from_payload
from cxhub.governance.service import create_api_key, ensure_workspace
from cxhub.kit.http import Hub

DEMO_WORKSPACE = "demo"
DEMO_NAME = "Aurora Telecomunicazioni (demo)"


@dataclass
class DemoResult:
    workspace: str
    api_key: str
    report: StreamReport


def _records(customers: int, seed: int, as_of: date) -> Iterator[RawRecord]:
    for payload in generate_events(customers, seed, as_of):
        yield record_from_payload(payload, "demo")
    for payload in generate_invalid_events(seed, as_of):
        yield record_from_payload(payload, "demo (planted error)")


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
    return DemoResult(workspace=DEMO_WORKSPACE, api_key=token, report=report)
