"""The Parquet copy of a serving database: <root>/builds/<build id>/<schema>/<table>.parquet,
written into a hidden folder first and renamed when complete; <root>/current links to the
published build (swapped by files.point_current_at). Snappy compression: DuckDB's default, read
by every Parquet reader, 1.7x faster to write than zstd at 100,000 customers for files a third
larger."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb

from audience.serving.database import (
    MANIFEST_TABLE,
    PublishedTable,
    quote_identifier,
    quote_literal,
)
from audience.serving.files import BUILDS, fsync_path


def write_parquet_build(
    database: Path, root: Path, build_id: str, tables: list[PublishedTable]
) -> Path:
    """Export every table of the (complete) serving database `database`; return the folder."""
    builds = root / BUILDS
    builds.mkdir(parents=True, exist_ok=True)
    staging, final = builds / f".{build_id}.tmp", builds / build_id
    shutil.rmtree(staging, ignore_errors=True)
    names = [(t.schema, t.name) for t in tables] + [("main", MANIFEST_TABLE)]
    con = duckdb.connect(str(database), read_only=True)
    try:
        con.execute("set enable_progress_bar = false")
        for schema, name in names:
            path = staging / schema / f"{name}.parquet"
            path.parent.mkdir(parents=True, exist_ok=True)
            con.execute(
                f"copy {quote_identifier(schema)}.{quote_identifier(name)}"
                f" to {quote_literal(str(path))} (format parquet, compression snappy)"
            )
            fsync_path(path)
    finally:
        con.close()
    if final.exists():  # a folder of this same build from an earlier publish (never current)
        shutil.rmtree(final)
    os.replace(staging, final)
    fsync_path(builds)
    return final
