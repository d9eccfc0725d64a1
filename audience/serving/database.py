"""Write one serving database: the published relations of the build warehouse copied into a new
DuckDB file as plain tables under the same schema.table names, with the models' descriptions as
table and column comments, and main.build_manifest describing the build.

The warehouse is opened read-only (its views keep resolving against their own catalog) and the
new file attached read-write; the file is complete and checkpointed before anyone renames it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb

from audience.serving.artifacts import BuildTestCounts, PublishRefused
from audience.serving.selection import PublishedRelation

TARGET = "audience_serving_new"
MANIFEST_TABLE = "build_manifest"
MANIFEST_COLUMNS = {
    "build_id": ("varchar", "dbt invocation id of the build these tables come from."),
    "as_of_date": ("date", "The build's as-of date: features read only data before it."),
    "built_at": ("timestamp", "When the build finished (UTC), from dbt's run_results.json."),
    "published_at": ("timestamp", "When `audience publish` wrote this database (UTC)."),
    "git_commit": ("varchar", "Git commit of the project folder at publishing (NULL outside git)."),
    "git_dirty": ("boolean", "True when the project folder had uncommitted changes."),
    "dbt_version": ("varchar", "dbt-core version of the build."),
    "table_schema": ("varchar", "Schema of the published table (as in the build warehouse)."),
    "table_name": ("varchar", "Name of the published table."),
    "row_count": ("bigint", "Rows in the published table."),
    "tests_pass": ("integer", "Data and unit tests of the build that passed."),
    "tests_warn": ("integer", "Tests that ended in a warning (warnings do not stop publishing)."),
    "tests_error": ("integer", "Tests that failed or errored (always 0: such a build is refused)."),
    "tests_skip": ("integer", "Tests that were skipped."),
}


@dataclass(frozen=True)
class BuildInfo:
    build_id: str
    as_of_date: date | None
    built_at: datetime
    published_at: datetime
    git_commit: str | None
    git_dirty: bool | None
    dbt_version: str
    tests: BuildTestCounts


@dataclass(frozen=True)
class PublishedTable:
    schema: str
    name: str
    row_count: int


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _check_relations_exist(con, catalog: str, relations: list[PublishedRelation]) -> None:
    existing = {
        (schema.lower(), name.lower())
        for schema, name in con.execute(
            "select table_schema, table_name from information_schema.tables"
            " where table_catalog = ?",
            [catalog],
        ).fetchall()
    }
    missing = [
        r.qualified_name for r in relations if (r.schema.lower(), r.name.lower()) not in existing
    ]
    if missing:
        raise PublishRefused(
            f"the build warehouse has no {', '.join(missing)}: is it the warehouse this build"
            " wrote ($AUDIENCE_DUCKDB_PATH)?"
        )


def _comment_columns(con, relation: PublishedRelation) -> None:
    schema, name = quote_identifier(relation.schema), quote_identifier(relation.name)
    columns = con.execute(
        "select column_name from duckdb_columns()"
        " where database_name = ? and schema_name = ? and table_name = ? order by column_index",
        [TARGET, relation.schema, relation.name],
    ).fetchall()
    for (column,) in columns:
        description = relation.column_descriptions.get(column.lower())
        if description:
            con.execute(
                f"comment on column {schema}.{name}.{quote_identifier(column)}"
                f" is {quote_literal(description)}"
            )


def _copy_relation(con, catalog: str, relation: PublishedRelation) -> PublishedTable:
    schema, name = quote_identifier(relation.schema), quote_identifier(relation.name)
    con.execute(f"create schema if not exists {schema}")
    con.execute(
        f"create table {schema}.{name} as select * from {quote_identifier(catalog)}.{schema}.{name}"
    )
    if relation.description:
        con.execute(f"comment on table {schema}.{name} is {quote_literal(relation.description)}")
    _comment_columns(con, relation)
    (rows,) = con.execute(f"select count(*) from {schema}.{name}").fetchone()
    return PublishedTable(relation.schema, relation.name, rows)


def _write_build_manifest(con, build: BuildInfo, tables: list[PublishedTable]) -> None:
    columns = ", ".join(f"{name} {kind}" for name, (kind, _) in MANIFEST_COLUMNS.items())
    con.execute(f"create table main.{MANIFEST_TABLE} ({columns})")
    tests = build.tests
    con.executemany(
        f"insert into main.{MANIFEST_TABLE} values ({', '.join('?' * len(MANIFEST_COLUMNS))})",
        [
            [
                build.build_id, build.as_of_date, build.built_at, build.published_at,
                build.git_commit, build.git_dirty, build.dbt_version, table.schema, table.name,
                table.row_count, tests.passed, tests.warned, tests.errored, tests.skipped,
            ]
            for table in tables
        ],
    )  # fmt: skip
    con.execute(
        f"comment on table main.{MANIFEST_TABLE} is"
        " 'One row per published table: the build it comes from, its row count and the"
        " build''s test summary. Every row holds the same build_id.'"
    )
    for name, (_, description) in MANIFEST_COLUMNS.items():
        con.execute(
            f"comment on column main.{MANIFEST_TABLE}.{name} is {quote_literal(description)}"
        )


def write_serving_database(
    warehouse: Path,
    out: Path,
    relations: list[PublishedRelation],
    build: BuildInfo,
    memory_limit: str,
) -> list[PublishedTable]:
    """Create `out` (which must not exist) from the warehouse; return the published tables."""
    con = duckdb.connect(str(warehouse), read_only=True, config={"memory_limit": memory_limit})
    try:
        con.execute("set enable_progress_bar = false")  # no bar on the publish command's output
        (catalog,) = con.execute("select current_database()").fetchone()
        _check_relations_exist(con, catalog, relations)
        con.execute(f"attach {quote_literal(str(out))} as {TARGET} (read_write)")
        con.execute(f"use {TARGET}")
        con.execute("begin")
        tables = [_copy_relation(con, catalog, relation) for relation in relations]
        _write_build_manifest(con, build, tables)
        con.execute("commit")
        con.execute(f"checkpoint {TARGET}")
        con.execute(f"use {quote_identifier(catalog)}")
        con.execute(f"detach {TARGET}")
        return tables
    finally:
        con.close()


def published_build_id(serving: Path) -> str | None:
    """The build id in a serving database, or None (missing, unreadable, or held by a writer)."""
    if not serving.is_file():
        return None
    try:
        con = duckdb.connect(str(serving), read_only=True)
    except duckdb.Error:
        return None
    try:
        row = con.execute(f"select any_value(build_id) from main.{MANIFEST_TABLE}").fetchone()
        return row[0] if row else None
    except duckdb.Error:
        return None
    finally:
        con.close()
