"""FastAPI dependencies shared by every router: the hub's state, a session per request, the caller."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from cxhub.config import Settings
from cxhub.db import transaction
from cxhub.governance.service import Principal, authenticate
from cxhub.kit.errors import CxhubError
from cxhub.pipeline import Queue


class PrincipalCache:
    """Recently authenticated keys, so a touchpoint's every call does not hit the database.

    Only a cache: a revoked key stops working on every replica within ``ttl`` seconds.
    """

    def __init__(self, ttl: float = 5.0, size: int = 10_000) -> None:
        self.ttl = ttl
        self.size = size
        self._entries: dict[str, tuple[float, Principal]] = {}

    def get(self, token: str) -> Principal | None:
        entry = self._entries.get(token)
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]

    def put(self, token: str, principal: Principal) -> None:
        if len(self._entries) >= self.size:
            self._entries.clear()
        self._entries[token] = (time.monotonic() + self.ttl, principal)


@dataclass
class Hub:
    """What one running hub holds: settings, the database and the pipeline's queue."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    queue: Queue
    principals: PrincipalCache = field(default_factory=lambda: PrincipalCache())


def get_hub(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    return hub


def get_session(hub: Annotated[Hub, Depends(get_hub)]) -> Iterator[Session]:
    """One session per request, committed when the endpoint returns, rolled back when it raises."""
    with transaction(hub.sessions) as session:
        yield session


def get_principal(request: Request, hub: Annotated[Hub, Depends(get_hub)]) -> Principal:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise CxhubError("unauthorized", "send an API key as 'Authorization: Bearer <key>'", status=401)
    cached = hub.principals.get(token)
    if cached is not None:
        return cached
    with hub.sessions() as session:
        principal = authenticate(session, token=token)
    hub.principals.put(token, principal)
    return principal


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
