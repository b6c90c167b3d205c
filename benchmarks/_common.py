"""Shared plumbing for the benchmarks: data files, databases, timing."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import orjson
from sqlalchemy import create_engine, text

from cxhub.demo.generator import generate_events

OUT = Path(__file__).parent / "out"
POSTGRES_ADMIN_URL = os.environ.get("CXHUB_BENCH_POSTGRES_URL", "postgresql+psycopg://127.0.0.1:5432/test")
AS_OF = date(2026, 11, 20)


def demo_file(customers: int, seed: int = 1) -> Path:
    """A JSONL file of the demo brand (written once, reused by later runs)."""
    OUT.mkdir(exist_ok=True)
    path = OUT / f"demo-{customers}-{seed}.jsonl"
    if not path.exists():
        partial = path.with_suffix(".partial")
        with partial.open("wb") as handle:
            for payload in generate_events(customers, seed, AS_OF):
                handle.write(orjson.dumps(payload) + b"\n")
        partial.rename(path)
    return path


def count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(1 for _ in handle)


def postgres_available() -> bool:
    try:
        engine = create_engine(POSTGRES_ADMIN_URL)
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:  # noqa: BLE001 - any failure means "not available"
        return False


@contextmanager
def fresh_database(backend: str) -> Iterator[str]:
    """A URL to an empty database of ``backend``, removed afterwards."""
    if backend == "sqlite":
        OUT.mkdir(exist_ok=True)
        path = OUT / f"bench-{uuid.uuid4().hex[:8]}.db"
        try:
            yield f"sqlite:///{path}"
        finally:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    name = f"cxhub_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{POSTGRES_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]
