"""FastAPI dependencies shared by every router: the hub's state, a session per request, the caller."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from cxhub.config import Settings
from cxhub.governance.service import Principal, authenticate
from cxhub.kit.errors import CxhubError
from cxhub.pipeline import Queue


@dataclass
class Hub:
    """What one running hub holds: settings, the database and the pipeline's queue."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    queue: Queue


def get_hub(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    return hub


def get_session(hub: Annotated[Hub, Depends(get_hub)]) -> Iterator[Session]:
    """One session per request, committed when the endpoint returns, rolled back when it raises."""
    session = hub.sessions()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def get_principal(request: Request, session: Annotated[Session, Depends(get_session)]) -> Principal:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise CxhubError("unauthorized", "send an API key as 'Authorization: Bearer <key>'", status=401)
    return authenticate(session, token=token.strip())


def scoped(scope: str):  # type: ignore[no-untyped-def]
    """A dependency that admits callers whose key has ``scope``."""

    def check(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
        principal.require(scope)
        return principal

    return check


HubDep = Annotated[Hub, Depends(get_hub)]
SessionDep = Annotated[Session, Depends(get_session)]
Reader = Annotated[Principal, Depends(scoped("read"))]
Ingester = Annotated[Principal, Depends(scoped("ingest"))]
