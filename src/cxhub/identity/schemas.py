from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from cxhub.identity.models import Merge


class MergeOut(BaseModel):
    id: int
    winner_id: str
    loser_id: str
    event_id: str | None
    evidence: list[str]
    created_at: datetime
    undone_at: datetime | None

    @classmethod
    def of(cls, merge: Merge) -> MergeOut:
        return cls(
            id=merge.id,
            winner_id=str(merge.winner_id),
            loser_id=str(merge.loser_id),
            event_id=merge.event_id,
            evidence=merge.evidence,
            created_at=merge.created_at,
            undone_at=merge.undone_at,
        )
