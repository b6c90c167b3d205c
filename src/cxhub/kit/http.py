"""FastAPI dependencies shared by every router: the hub's state, a session per request, the caller."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from cxhub.config import Settings
from cxhub.db import transaction
from cxhub.governance.service import Principal, authenticate
from cxhub.kit.errors import CxhubError
from cxhub.pipeline import Queue

T = TypeVar("T")


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
    readers: ThreadPoolExecutor = field(init=False)

    def __post_init__(self) -> None:
        threads = self.settings.context_threads or (1 if self.engine.dialect.name == "sqlite" else 4)
        self.readers = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="cxhub-read")

    async def read(self, work: Callable[[], T]) -> T:
        """Run a short read on the hub's small pool of reader threads."""
        return await asyncio.get_running_loop().run_in_executor(self.readers, work)


async def get_hub(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    return hub


def get_session(hub: Annotated[Hub, Depends(get_hub)]) -> Iterator[Session]:
    """One session per request, committed when the endpoint returns, rolled back when it raises."""
    with transaction(hub.sessions) as session:
        yield session


async def get_principal(request: Request, hub: Annotated[Hub, Depends(get_hub)]) -> Principal:
    return await authorize(request, hub)


async def authorize(request: Request, hub: Hub, scope: str | None = None) -> Principal:
    """The caller's key (with ``scope``, when given). Async so a cached key costs no thread hop."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise CxhubError("unauthorized", "send an API key as 'Authorization: Bearer <key>'", status=401)
    principal = hub.principals.get(token)
    if principal is None:
        principal = await run_in_threadpool(_authenticate, hub, token)
        hub.principals.put(token, principal)
    if scope:
        principal.require(scope)
    return principal


def _authenticate(hub: Hub, token: str) -> Principal:
    with hub.sessions() as session:
        return authenticate(session, token=token)


def scoped(scope: str):  # type: ignore[no-untyped-def]
    """A dependency that admits callers whose key has ``scope``."""

    async def check(principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
        principal.require(scope)
        return principal

    return check


HubDep = Annotated[Hub, Depends(get_hub)]
SessionDep = Annotated[Session, Depends(get_session)]
Reader = Annotated[Principal, Depends(scoped("read"))]
Ingester = Annotated[Principal, Depends(scoped("ingest"))]
