"""A BI tool's reads, for the serving tests: query the serving database through SQLAlchemy and
duckdb-engine (the driver Superset uses, with the read_only connect argument) in a loop until a
stop file appears, one JSON line per read.

Mode `fresh` opens a new connection for every read and holds nothing between reads, as Superset
does. Mode `held` opens one connection at the start and reads through it throughout, as a
dashboard tool with a connection pool would. (They need separate processes: DuckDB shares one
database instance per file and process, so a held connection would pin the file it opened for
every new connection of the same process too.) A read records every build id in
main.build_manifest and whether the row counts of a few published tables equal the manifest's.

Usage: python serving_reader.py fresh|held SERVING_DB LOG_FILE STOP_FILE
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

CHECKED = ("marts.customer_scores", "features.fct_customer_rfm", "staging.rejected_rows")


def observe(connection) -> dict:
    builds = connection.execute(
        text("select distinct build_id, as_of_date from main.build_manifest")
    ).all()
    manifest = {
        f"{schema}.{name}": rows
        for schema, name, rows in connection.execute(
            text("select table_schema, table_name, row_count from main.build_manifest")
        ).all()
    }
    counts = {
        name: connection.execute(text(f"select count(*) from {name}")).scalar_one()
        for name in CHECKED
    }
    rfm_as_of = connection.execute(
        text("select max(as_of_date) from features.fct_customer_rfm")
    ).scalar_one()
    return {
        "builds": [build for build, _ in builds],
        "as_of": [str(as_of) for _, as_of in builds],
        "rfm_as_of": str(rfm_as_of),
        "mismatched": [name for name in CHECKED if manifest.get(name) != counts[name]],
    }


def read(engine, held=None) -> dict:
    """One read on a new connection, or on the held one."""
    record = {"at": time.time(), "kind": "fresh" if held is None else "held"}
    try:
        if held is not None:
            record.update(observe(held))
        else:
            with engine.connect() as connection:
                record.update(observe(connection))
        record["ok"] = True
    except Exception as error:  # a failure is what the test measures, not a crash
        record.update(ok=False, error=repr(error)[:500])
    return record


def main(mode: str, serving: str, log_file: str, stop_file: str) -> None:
    engine = create_engine(
        f"duckdb:///{serving}", connect_args={"read_only": True}, poolclass=NullPool
    )
    held = engine.connect() if mode == "held" else None
    stop = Path(stop_file)
    with open(log_file, "a") as log:
        while not stop.exists():
            log.write(json.dumps(read(engine, held)) + "\n")
            log.flush()
            time.sleep(0.02 if held is None else 0.2)
    if held is not None:
        held.close()


if __name__ == "__main__":
    main(*sys.argv[1:5])
