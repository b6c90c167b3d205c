"""A cache of the slow analyses behind the cockpit's pages, keyed by what the data looks like now.

The year-long overview and the journey discovery read tens of thousands of events; most page views
repeat one a colleague just made. A result is reused only while the workspace's *data version* is the
one it was computed at: the newest event, text mention and merge ids (autoincrement, so any ingest,
text re-analysis or merge moves them) and the governance map's version, read in one statement of
indexed ``max()`` look-ups. New data therefore means a fresh computation on the next view, never a
stale page. What the version cannot see (an un-merge, the window's start sliding forward) is bounded
by a time-to-live. The cache lives in the process: each replica has its own, and it is only a cache.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cxhub.events.models import Event
from cxhub.governance.models import GovernanceMap
from cxhub.identity.models import Merge
from cxhub.text.models import TextMention

T = TypeVar("T")
TTL_SECONDS = 600.0
MAX_ENTRIES = 256


def data_version(session: Session, *, workspace_id: uuid.UUID) -> tuple[Any, ...]:
    """The workspace's newest event, text mention and merge ids and its map version: one round trip.

    Read *before* the analysis it guards, so a result can only be newer than its version, never older.
    """
    newest = [
        select(func.max(Event.id)).where(Event.workspace_id == workspace_id).scalar_subquery(),
        select(func.max(TextMention.id)).where(TextMention.workspace_id == workspace_id).scalar_subquery(),
        select(func.max(Merge.id)).where(Merge.workspace_id == workspace_id).scalar_subquery(),
        select(GovernanceMap.version).where(GovernanceMap.workspace_id == workspace_id).scalar_subquery(),
    ]
    return tuple(session.execute(select(*newest)).one())


class ResultCache:
    """Least recently used entries, each valid for its data version and ``ttl`` seconds."""

    def __init__(
        self, *, max_entries: int = MAX_ENTRIES, ttl: float = TTL_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.max_entries = max_entries
        self.ttl = ttl
        self.clock = clock
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_compute(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The value stored under ``key`` if still fresh, else ``compute()``'s, stored.

        Two requests missing the same key at once both compute it: cheaper than making one wait on a
        lock held for the length of a slow query.
        """
        now = self.clock()
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry[0] > now:
                self._entries.move_to_end(key)
                self.hits += 1
                return entry[1]  # type: ignore[no-any-return]
            self.misses += 1
        value = compute()
        with self._lock:
            self._entries[key] = (self.clock() + self.ttl, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)


results = ResultCache()


class Snapshot:
    """One request's view of a workspace's data version: every part it caches is keyed by it.

    The database's URL is part of the key, so two databases that share a workspace id never mix.
    """

    def __init__(self, session: Session, *, workspace_id: uuid.UUID, cache: ResultCache | None = None) -> None:
        self.cache = cache or results
        self.version = data_version(session, workspace_id=workspace_id)
        self.prefix = (str(session.get_bind().engine.url), workspace_id)

    def get(self, part: str, params: Hashable, compute: Callable[[], T]) -> T:
        """``compute()`` for ``part`` with ``params``, reused until the data changes."""
        return self.cache.get_or_compute((*self.prefix, part, params, self.version), compute)


def cached(session: Session, *, workspace_id: uuid.UUID, part: str, params: Hashable, compute: Callable[[], T]) -> T:
    """One cached ``part`` (see :class:`Snapshot` for several in one request)."""
    return Snapshot(session, workspace_id=workspace_id).get(part, params, compute)
