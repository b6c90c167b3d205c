"""Customers regrouped through temporary files: raw extract chunks read in table order are split by a
hash of the customer into buckets, a file per chunk and bucket, and each bucket read back whole.

Light on purpose (Polars and the standard library only): ``python -m cxhub.journeys.spill`` is what a
child process runs, given its job as a JSON argument (:func:`spill_sqlite`'s arguments). SQLite
connections of one process share the allocator's lock, so a second thread formatting rows there is
slower than none; processes read side by side. They are started afresh (not forked, which is unsafe in a
process running Polars threads, nor spawned, which re-imports the caller's main module).
"""

from __future__ import annotations

import json
import sqlite3
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import polars as pl

# Ids a query of :func:`sqlite_blocks` reads: SQLite builds their lines as one value in memory.
BLOCK_IDS = 50_000


def database_file(driver: sqlite3.Connection) -> str:
    """The file of a SQLite connection's main database ('' for an in-memory one)."""
    return str(driver.execute("PRAGMA database_list").fetchone()[2])


def read_csv(data: bytes, schema: dict[str, Any], quote: str = '"') -> pl.DataFrame:
    # An empty unquoted field is null; a quoted empty one ('' or "") is the empty string.
    return pl.read_csv(data, has_header=False, new_columns=list(schema), schema=schema, quote_char=quote)


def sqlite_blocks(
    driver: Any,
    query: str,
    params: Sequence[object],
    spans: Sequence[tuple[int, int]],
    chunk_rows: int,
    schema: dict[str, Any],
    block_ids: int = BLOCK_IDS,
) -> Iterator[pl.DataFrame]:
    """SQLite: the rows whose id is in one of the ``[first, last)`` spans, about ``chunk_rows`` a frame,
    ``block_ids`` ids a query; ``query`` returns the count and the CSV lines (bytes) of the ids it is
    given after ``params``."""
    blocks = [(low, min(low + block_ids, last)) for first, last in spans for low in range(first, last, block_ids)]
    cursor = driver.cursor()
    try:
        texts: list[bytes] = []
        events = 0
        for block in blocks:
            count, text = cursor.execute(query, [*params, *block]).fetchone()
            if count:
                texts.append(text)
                events += count
            if events >= chunk_rows:
                yield read_csv(b"\n".join(texts), schema, quote="'")
                texts, events = [], 0
        if texts:
            yield read_csv(b"\n".join(texts), schema, quote="'")
    finally:
        cursor.close()


def write_buckets(raw: pl.DataFrame, directory: Path, name: str, buckets: int) -> None:
    """``raw`` split by the hash of ``customer_id``: ``{bucket}-{name}.arrows`` (an Arrow IPC stream) per
    bucket it has rows of."""
    bucket = (pl.col("customer_id").hash() % buckets).alias("_bucket")
    parts = raw.with_columns(bucket).partition_by("_bucket", as_dict=True, maintain_order=False)
    for (key, *_), part in parts.items():
        # Plain Arrow strings: Polars' string views would write every buffer a column shares with others.
        part.drop("_bucket").write_ipc_stream(directory / f"{key}-{name}.arrows", compat_level=pl.CompatLevel.oldest())


def read_bucket(directory: Path, bucket: int) -> pl.DataFrame | None:
    """Every row written to ``bucket`` (the files are removed), or ``None`` when it has none."""
    files = sorted(directory.glob(f"{bucket}-*.arrows"))
    if not files:
        return None
    frame = pl.concat([pl.read_ipc_stream(path) for path in files])
    for path in files:
        path.unlink()
    return frame


def spill_sqlite(
    database: str,
    query: str,
    params: Sequence[object],
    spans: Sequence[tuple[int, int]],
    *,
    chunk_rows: int,
    block_ids: int,
    schema: dict[str, Any],
    directory: str,
    name: str,
    buckets: int,
) -> None:
    """The rows of the id ``spans`` of the SQLite file, into buckets (see :func:`sqlite_blocks`)."""
    connection = sqlite3.connect(database)
    try:
        blocks = sqlite_blocks(connection, query, params, spans, chunk_rows, schema, block_ids)
        for number, raw in enumerate(blocks):
            write_buckets(raw, Path(directory), f"{name}-{number}", buckets)
    finally:
        connection.close()


def job(**arguments: Any) -> str:
    """The JSON a child is given: :func:`spill_sqlite`'s arguments, the schema's types by name."""
    schema = {column: str(dtype) for column, dtype in arguments.pop("schema").items()}
    return json.dumps({**arguments, "schema": schema})


def main() -> None:
    arguments = json.loads(sys.argv[1])
    schema = {column: getattr(pl, dtype) for column, dtype in arguments.pop("schema").items()}
    database, query, params, spans = (arguments.pop(key) for key in ("database", "query", "params", "spans"))
    spill_sqlite(database, query, params, [(first, last) for first, last in spans], schema=schema, **arguments)


if __name__ == "__main__":
    main()
