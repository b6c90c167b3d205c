"""Several writers ingesting the same events at once: each event is stored once, nothing fails."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cxhub.db import with_retry
from cxhub.events import service
from cxhub.events.models import Event
from cxhub.events.service import IngestReport, record_from_payload
from cxhub.identity.models import Identifier
from cxhub.kit.http import Hub
from tests.builders import event
from tests.conftest import Tenant


def test_racing_writers_store_each_event_and_identifier_once(hub: Hub, tenant: Tenant) -> None:
    payloads = [event(event_id=f"race-{i}", identifiers={"email": f"p{i % 7}@example.it"}) for i in range(60)]

    def one_writer(_: int) -> IngestReport:
        def work(session: Session) -> IngestReport:
            return service.ingest(
                session,
                workspace_id=tenant.workspace_id,
                records=[record_from_payload(p) for p in payloads],
                source="api",
                settings=hub.settings,
                queue=hub.queue,
            )

        return with_retry(hub.sessions, work)

    with ThreadPoolExecutor(max_workers=6) as pool:
        reports = list(pool.map(one_writer, range(6)))
    assert sum(r.accepted for r in reports) == 60
    assert sum(r.duplicates for r in reports) == 60 * 5
    with hub.sessions() as session:
        ws = tenant.workspace_id
        assert session.scalar(select(func.count()).select_from(Event).where(Event.workspace_id == ws)) == 60
        keys = session.scalar(select(func.count()).select_from(Identifier).where(Identifier.workspace_id == ws))
        assert keys == 7
