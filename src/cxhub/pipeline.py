"""The queue abstraction and the order of the pipeline steps.

Ingest validates and de-duplicates, then publishes each batch of accepted events to a queue. The
queue hands the batch to the pipeline: identity (who is it?) then timeline (store the events), and
the later steps (text, metrics, rules) as they land. The in-process queue runs the pipeline inside
the caller's transaction, so an API call or an import batch is all-or-nothing; a broker queue will
carry the same batch to ``cxhub worker`` processes. Every step is idempotent.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy.orm import Session

from cxhub.events.schemas import AcceptedEvent


@dataclass(slots=True)
class PipelineBatch:
    """Accepted events of one workspace travelling through the steps.

    ``customer_ids`` and ``origin_ids`` are filled by the identity step, one per event.
    """

    workspace_id: uuid.UUID
    events: list[AcceptedEvent]
    source: str
    customer_ids: list[uuid.UUID] = field(default_factory=list)
    origin_ids: list[uuid.UUID] = field(default_factory=list)
    # Filled by the text step: one ``TextResult.to_dict()`` per event, None for events without text,
    # each made when a later step first reads it. Empty when text analytics did not run (later steps
    # must work without it).
    analyses: Sequence[dict[str, Any] | None] = field(default_factory=list)


Step = Callable[[Session, PipelineBatch], None]


class Pipeline:
    def __init__(self, steps: Sequence[Step]) -> None:
        self.steps = list(steps)

    def run(self, session: Session, batch: PipelineBatch) -> None:
        for step in self.steps:
            step(session, batch)


class Queue(Protocol):
    def publish(self, session: Session, batch: PipelineBatch) -> None: ...


class InProcessQueue:
    """Runs the pipeline at once, inside the publisher's transaction."""

    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline

    def publish(self, session: Session, batch: PipelineBatch) -> None:
        self.pipeline.run(session, batch)


def default_pipeline() -> Pipeline:
    from cxhub.cases.tasks import apply_rules
    from cxhub.identity.tasks import resolve_identities
    from cxhub.profiles.tasks import append_to_timeline
    from cxhub.surveys.tasks import schedule_invitations
    from cxhub.text.tasks import analyze_texts

    return Pipeline([resolve_identities, analyze_texts, append_to_timeline, schedule_invitations, apply_rules])


def default_queue() -> Queue:
    return InProcessQueue(default_pipeline())
