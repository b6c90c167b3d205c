"""``/api/v1/merges``: undo a merge."""

from __future__ import annotations

from fastapi import APIRouter

from cxhub.identity import service
from cxhub.identity.schemas import MergeOut
from cxhub.kit.http import Ingester, SessionDep

router = APIRouter(prefix="/api/v1", tags=["identity"])


@router.post("/merges/{merge_id}/undo", response_model=MergeOut, summary="Un-merge two profiles")
def undo_merge(merge_id: int, session: SessionDep, principal: Ingester) -> MergeOut:
    return MergeOut.of(service.unmerge(session, workspace_id=principal.workspace_id, merge_id=merge_id))
