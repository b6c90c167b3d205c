"""The text step of the pipeline: analyse what customers wrote, before the timeline stores it.

It runs after identity (analyses carry the customer) and before the timeline, so that a workspace
that keeps no raw text stores the redacted text in ``events.text`` too. The whole batch goes to the
analyser in one call; a batch without text costs one list comprehension.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, overload

from sqlalchemy.orm import Session

from cxhub.pipeline import PipelineBatch
from cxhub.text import service

if TYPE_CHECKING:
    from cxhub.text.analyzer import TextResult


class Analyses(Sequence[dict[str, Any] | None]):
    """One ``TextResult.to_dict()`` per event (None without text), made when first read.

    Most events meet no rule that reads their analysis: the dicts of the others are never made.
    """

    __slots__ = ("_results", "_dicts")

    def __init__(self, results: list[TextResult | None]) -> None:
        self._results = results
        self._dicts: dict[int, dict[str, Any]] = {}

    def __len__(self) -> int:
        return len(self._results)

    @overload
    def __getitem__(self, index: int) -> dict[str, Any] | None: ...

    @overload
    def __getitem__(self, index: slice) -> list[dict[str, Any] | None]: ...

    def __getitem__(self, index: int | slice) -> dict[str, Any] | None | list[dict[str, Any] | None]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        result = self._results[index]
        if result is None:
            return None
        position = index % len(self._results)
        found = self._dicts.get(position)
        if found is None:
            found = self._dicts[position] = result.to_dict()
        return found


def analyze_texts(session: Session, batch: PipelineBatch) -> None:
    """Fill ``batch.analyses`` (one ``TextResult.to_dict()`` per event with text, else None) and store them.

    An event that arrives with an analysis made upstream (``AcceptedEvent.analysis``, from an import
    worker) under the workspace's current taxonomy version keeps it: a process whose events were all
    analysed upstream never loads the analyser. Idempotent: an event that already has an analysis
    (a replayed batch) keeps it and gets no second row; its result is still handed to the later steps.
    """
    events = batch.events
    indices = [i for i, event in enumerate(events) if event.text is not None]
    by_event: list[TextResult | None] = [None] * len(events)
    batch.analyses = Analyses(by_event)
    if not indices:
        return
    workspace_id = batch.workspace_id
    keep_raw, version = service.text_settings(session, workspace_id=workspace_id)
    found: dict[int, TextResult] = {}
    pending: list[int] = []
    for i in indices:
        upstream = events[i].analysis
        if upstream is not None and events[i].analysis_version == version:
            found[i] = upstream
        else:
            pending.append(i)
    if pending:
        from cxhub.text.analyzer import analyze  # loads the analyser only in processes that see text

        taxonomy, version = service.taxonomy_for_analysis(session, workspace_id=workspace_id, version=version)
        found.update(zip(pending, analyze([events[i].text for i in pending], taxonomy=taxonomy), strict=True))
    results = [found[i] for i in indices]
    for i, result in zip(indices, results, strict=True):
        by_event[i] = result
        if not keep_raw:
            events[i].text = result.redacted_text
    done = service.analysed_event_ids(
        session, workspace_id=workspace_id, event_ids=[events[i].event_id for i in indices]
    )
    fresh = [(i, result) for i, result in zip(indices, results, strict=True) if events[i].event_id not in done]
    rows, mentions = service.analysis_rows(
        workspace_id=workspace_id,
        events=[(events[i], batch.customer_ids[i]) for i, _ in fresh],
        results=[result for _, result in fresh],
        taxonomy_version=version,
    )
    service.write_analyses(session, rows, mentions)
