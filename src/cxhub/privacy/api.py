"""``/api/v1/customers/{customer_id}/consents``: record and read a customer's consent per purpose."""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from cxhub.kit.http import Ingester, Reader, SessionDep
from cxhub.privacy import service
from cxhub.privacy.models import Consent

router = APIRouter(prefix="/api/v1", tags=["privacy"])


class ConsentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    granted: bool
    source: str = Field(default="api", min_length=1, max_length=64, description="Who recorded it: api, store, …")


class ConsentOut(BaseModel):
    customer_id: uuid.UUID
    purpose: str
    granted: bool
    source: str
    updated_at: datetime

    @classmethod
    def of(cls, consent: Consent) -> ConsentOut:
        return cls(
            customer_id=consent.customer_id,
            purpose=consent.purpose,
            granted=consent.granted,
            source=consent.source,
            updated_at=consent.updated_at,
        )


@router.put(
    "/customers/{customer_id}/consents/{purpose}",
    response_model=ConsentOut,
    summary="Record a customer's consent (or refusal) for a purpose, e.g. surveys",
)
def put_consent(
    customer_id: uuid.UUID,
    body: ConsentIn,
    session: SessionDep,
    principal: Ingester,
    purpose: str = Path(pattern=r"^[a-z][a-z0-9_]{0,31}$"),
) -> ConsentOut:
    consent = service.set_consent(
        session,
        workspace_id=principal.workspace_id,
        customer_id=customer_id,
        purpose=purpose,
        granted=body.granted,
        source=body.source,
    )
    return ConsentOut.of(consent)


@router.get("/customers/{customer_id}/consents", response_model=list[ConsentOut])
def list_consents(customer_id: uuid.UUID, session: SessionDep, principal: Reader) -> list[ConsentOut]:
    found = service.consents_of(session, workspace_id=principal.workspace_id, customer_id=customer_id)
    return [ConsentOut.of(c) for c in found]
