"""A cache of the slow analyses behind the cockpit's pages, keyed by what the data looks like now.

The year-long overview and the journey discovery read tens of thousands of events; most page views
repeat one a colleague just made. A result is reused only while the workspace's *data version* is the
one it was computed at: the newest event, text mention and merge ids (autoincrement, so any ingest,
text re-analysis or merge moves them) and the governance map's version, read in one statement of
indexed ``max()`` look-ups. New data therefore means a fresh computation on the next view, never a
stale page. What the version cannot see (an un-merge, the window's start sliding forward) is bounded
by a time-to-live. The cache lives in the process: each replica has its own, and it is only a cache.

The one exception is made on purpose: an analysis that takes longer than a page may (a year of journey
discovery) can be served from its last result while a background thread recomputes it
(:meth:`ResultCache.get_or_stale`), and the page says when that result was computed. A result older
than ``max_stale`` is never served: the view then computes, as any other.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cxhub.db import utcnow
from cxhub.events.models import Event
from cxhub.governance.models import GovernanceMap
from cxhub.identity.models import Merge
from cxhub.text.models import TextMention

log = logging.getLogger("cxhub.web.cache")
T = TypeVar("T")
TTL_SECONDS = 600.0
MAX_ENTRIES = 256
# How old a last result may be and still be shown while its fresh one is computed.
MAX_STALE_SECONDS = 900.0


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


@dataclass(frozen=True)
class Latest(Generic[T]):
    """The last result of a refreshed analysis: the data version it read and when it was computed."""

    version: Hashable
    value: T
    computed_at: datetime
    born: float


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
        self._latest: OrderedDict[Hashable, Latest[Any]] = OrderedDict()
        self._refreshing: dict[Hashable, threading.Thread] = {}
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

    def get_or_stale(
        self,
        key: Hashable,
        version: Hashable,
        compute: Callable[[], T],
        refresh: Callable[[], tuple[Hashable, T]],
        *,
        max_stale: float = MAX_STALE_SECONDS,
    ) -> tuple[T, datetime | None]:
        """``key``'s result for the data ``version`` and ``None``; or, when only an older result younger
        than ``max_stale`` seconds is kept, that result and when it was computed, while ``refresh()`` (which
        reads the version itself, on its own session) computes the new one in a background thread, at
        most one per key. With no usable result, ``compute()`` runs here."""
        now = self.clock()
        with self._lock:
            entry = self._latest.get(key)
            if entry is not None and entry.version == version and now - entry.born < self.ttl:
                self._latest.move_to_end(key)
                self.hits += 1
                return entry.value, None
            self.misses += 1
            stale = entry is not None and now - entry.born < max_stale
            if stale and key not in self._refreshing:
                thread = threading.Thread(target=self._refresh, args=(key, refresh), name="cxhub-refresh", daemon=True)
                self._refreshing[key] = thread
                thread.start()
        if stale:
            assert entry is not None
            return entry.value, entry.computed_at
        value = compute()
        self.keep(key, version, value)
        return value, None

    def keep(self, key: Hashable, version: Hashable, value: Any) -> None:
        """Store ``value`` as ``key``'s latest result, computed now on data ``version``."""
        with self._lock:
            self._latest[key] = Latest(version, value, utcnow(), self.clock())
            self._latest.move_to_end(key)
            while len(self._latest) > self.max_entries:
                self._latest.popitem(last=False)

    def latest(self, key: Hashable) -> Latest[Any] | None:
        with self._lock:
            return self._latest.get(key)

    def _refresh(self, key: Hashable, refresh: Callable[[], tuple[Hashable, Any]]) -> None:
        try:
            version, value = refresh()
            self.keep(key, version, value)
        except Exception:  # noqa: BLE001 - the last result stays; the next view tries again
            log.exception("refreshing %s failed", key)
        finally:
            with self._lock:
                self._refreshing.pop(key, None)

    def settle(self, timeout: float = 60.0) -> None:
        """Wait for the background refreshes under way (tests, benchmarks, a clean shutdown)."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                running = list(self._refreshing.values())
            if not running:
                return
            for thread in running:
                thread.join(max(0.0, deadline - time.monotonic()))
            if time.monotonic() >= deadline:
                return

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._latest.clear()
            self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._entries) + len(self._latest)


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
