"""Table-by-table comparison of two warehouse files (tests only): which tables differ, listed from
the catalog rather than by hand."""

from __future__ import annotations

from pathlib import Path

import duckdb

# Bookkeeping that records when and how a build ran, not what it computed.
NOT_COMPARED_SCHEMAS = ("audience_meta", "information_schema", "pg_catalog")
# Columns that record when the build ran: the ones meant to differ between builds.
NOT_COMPARED_COLUMNS = ("scored_at",)


def relations(con: duckdb.DuckDBPyConnection, database: str, schemas=None) -> list[str]:
    """schema.name of every table and view of `database` (optionally only some schemas)."""
    rows = con.execute(
        "select schema_name, table_name from duckdb_tables() where database_name = ?"
        " union all select schema_name, view_name from duckdb_views()"
        " where database_name = ? and not internal order by all",
        [database, database],
    ).fetchall()
    return [
        f"{schema}.{name}"
        for schema, name in rows
        if schema not in NOT_COMPARED_SCHEMAS and (schemas is None or schema in schemas)
    ]


def differing_tables(first: Path, second: Path, schemas=None, skip=()) -> dict[str, str]:
    """{relation: what differs} between two warehouses: relations present in one only, and rows
    of one missing from the other (NaN equals NaN, as in SQL set operations). `skip` lists
    relations not to compare (raw views read files, which may have moved)."""
    con = duckdb.connect()
    con.execute(f"attach '{first}' as first (read_only)")
    con.execute(f"attach '{second}' as second (read_only)")
    ours, theirs = set(relations(con, "first", schemas)), set(relations(con, "second", schemas))
    found = {name: "only in the first" for name in ours - theirs}
    found.update({name: "only in the second" for name in theirs - ours})
    for name in sorted(ours & theirs):
        if name in skip:
            continue
        columns = [
            row[0]
            for row in con.execute(f"describe first.{name}").fetchall()
            if row[0] not in NOT_COMPARED_COLUMNS
        ]
        select = ", ".join(f'"{c}"' for c in columns)
        missing = con.execute(
            f"select (select count(*) from (select {select} from first.{name}"
            f" except all select {select} from second.{name})),"
            f" (select count(*) from (select {select} from second.{name}"
            f" except all select {select} from first.{name}))"
        ).fetchone()
        if missing != (0, 0):
            found[name] = f"{missing[0]} rows only in the first, {missing[1]} only in the second"
    con.close()
    return found
