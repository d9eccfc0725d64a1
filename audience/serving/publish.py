"""`audience publish`: put the tested result of the last `dbt build` where readers are.

1. Check the build (artifacts.py): the last dbt invocation was a `dbt build` that finished, with
   no error, failure or skip, and it ran every model and test the published tables depend on.
2. Copy the published relations (selection.py) into a new file beside the serving database
   (database.py), and the same tables into a new Parquet folder (parquet.py).
3. Rename the new file over the serving database, then swap the Parquet `current` link.

Until step 3 nothing a reader can see has changed, so a refused, failed or killed publish (or
build) leaves the last good serving database byte for byte as it was.
"""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from audience.serving import files
from audience.serving.artifacts import (
    PublishRefused,
    check_coverage,
    check_finished_build,
    load_manifest,
    load_results,
)
from audience.serving.database import (
    MANIFEST_TABLE,
    BuildInfo,
    PublishedTable,
    published_build_id,
    quote_identifier,
    write_serving_database,
)
from audience.serving.locks import lock_holder
from audience.serving.parquet import write_parquet_build
from audience.serving.paths import memory_limit, parquet_root
from audience.serving.selection import PublishedRelation, published_relations, required_nodes

AS_OF_MODEL = "int_as_of_date"


@dataclass(frozen=True)
class PublishSettings:
    project: Path
    warehouse: Path
    target: Path
    serving: Path
    parquet: bool = True
    keep_builds: int = 3
    memory_limit: str | None = None  # None: the profile's (paths.memory_limit)


@dataclass(frozen=True)
class PublishReport:
    build_id: str
    serving: Path
    parquet: Path | None
    tables: list[PublishedTable]
    seconds: float
    already_published: bool = False

    def describe(self) -> str:
        if self.already_published:
            return f"build {self.build_id} is already published in {self.serving}"
        rows = sum(table.row_count for table in self.tables)
        lines = [
            f"published build {self.build_id}: {len(self.tables)} tables, {rows:,} rows"
            f" -> {self.serving} ({self.seconds:.1f} s)"
        ]
        if self.parquet:
            lines.append(f"Parquet copy: {self.parquet}")
        return "\n".join(lines)


def _git(project: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", "-C", str(project), *args], capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def _git_state(project: Path) -> tuple[str | None, bool | None]:
    commit = _git(project, "rev-parse", "HEAD")
    if commit is None:
        return None, None
    return commit, bool(_git(project, "status", "--porcelain", "--untracked-files=no"))


def _open_warehouse(warehouse: Path) -> duckdb.DuckDBPyConnection:
    if not warehouse.is_file():
        raise PublishRefused(f"no build warehouse at {warehouse}: run `dbt build` first")
    try:
        return duckdb.connect(str(warehouse), read_only=True)
    except duckdb.IOException as error:
        holder = lock_holder(error)
        if holder is None:
            raise
        raise PublishRefused(
            f"the build warehouse {warehouse} is open for writing ({holder.describe()}): a"
            " build still running? Publish when it has finished."
        ) from None


def check_warehouse_record(con: duckdb.DuckDBPyConnection, build_id: str) -> None:
    """The warehouse's own record of its builds (audience_meta.builds, kept by the project's
    on-run-start / on-run-end hooks) must end with this build, succeeded: results of another
    warehouse, or a warehouse a later build has changed (or was killed in), are refused."""
    try:
        last = con.execute(
            "select invocation_id, status from audience_meta.builds"
            " order by started_at desc, finished_at desc nulls first limit 1"
        ).fetchone()
    except duckdb.CatalogException:
        return  # a project without the bookkeeping hooks
    if last is None or tuple(last) != (build_id, "succeeded"):
        found = f"{last[0]} ({last[1]})" if last else "no build"
        raise PublishRefused(
            f"the build warehouse's last build is {found}, not the succeeded build {build_id}"
            " of run_results.json: is $AUDIENCE_DUCKDB_PATH the warehouse that build wrote?"
            " Run `dbt build`, then publish."
        )


def _read_warehouse(warehouse: Path, manifest: dict, build_id: str) -> date | None:
    """Check the warehouse's build record; return the build's as-of date, from the project's
    int_as_of_date model (None without it)."""
    node = next(
        (n for n in manifest.get("nodes", {}).values() if n.get("name") == AS_OF_MODEL), None
    )
    con = _open_warehouse(warehouse)
    try:
        check_warehouse_record(con, build_id)
        if node is None:
            return None
        name = node.get("alias") or AS_OF_MODEL
        relation = f"{quote_identifier(node['schema'])}.{quote_identifier(name)}"
        return con.execute(f"select max(as_of_date) from {relation}").fetchone()[0]
    except duckdb.CatalogException:
        return None
    finally:
        con.close()


def _published_tables(serving: Path) -> list[PublishedTable]:
    con = duckdb.connect(str(serving), read_only=True)
    try:
        rows = con.execute(
            f"select table_schema, table_name, row_count from main.{MANIFEST_TABLE} order by all"
        ).fetchall()
    finally:
        con.close()
    return [PublishedTable(*row) for row in rows]


def check_build(settings: PublishSettings) -> tuple[BuildInfo, list[PublishedRelation]]:
    """Refuse unless the last build may be published (its artifacts, then the warehouse's own
    record of it); return its description and the relations to publish."""
    manifest, results = load_manifest(settings.target), load_results(settings.target)
    check_finished_build(results, manifest)
    relations = published_relations(manifest)
    if not relations:
        raise PublishRefused("the manifest selects no relation to publish (see decision 0008)")
    check_coverage(results, required_nodes(manifest, relations))
    commit, dirty = _git_state(settings.project)
    build = BuildInfo(
        build_id=results.invocation_id,
        as_of_date=_read_warehouse(settings.warehouse, manifest, results.invocation_id),
        built_at=results.generated_at,
        published_at=datetime.now(UTC).replace(tzinfo=None),
        git_commit=commit,
        git_dirty=dirty,
        dbt_version=results.dbt_version,
        tests=results.test_summary(),
    )
    return build, relations


def publish(settings: PublishSettings) -> PublishReport:
    started = time.perf_counter()
    build, relations = check_build(settings)
    serving, root = settings.serving, parquet_root(settings.serving)
    with files.publish_lock(serving):
        database_done = published_build_id(serving) == build.build_id
        parquet_done = not settings.parquet or files.current_build(root) == build.build_id
        if database_done and parquet_done:
            return PublishReport(build.build_id, serving, None, [], 0.0, already_published=True)
        files.remove_leftovers(serving.parent, f".{serving.name}.*.tmp*")
        staged = serving.with_name(f".{serving.name}.{build.build_id}.tmp")
        try:
            if database_done:
                source, tables = serving, _published_tables(serving)
            else:
                tables = write_serving_database(
                    settings.warehouse,
                    staged,
                    relations,
                    build,
                    settings.memory_limit or memory_limit(settings.project),
                )
                source = staged
            folder = None
            if not parquet_done:
                folder = write_parquet_build(source, root, build.build_id, tables)
            if not database_done:
                files.replace_durably(staged, serving)
            if folder is not None:
                files.point_current_at(root, build.build_id)
                files.prune_builds(root, settings.keep_builds)
        finally:
            files.remove_leftovers(serving.parent, f".{serving.name}.*.tmp*")
    current = root / files.CURRENT if settings.parquet else None
    return PublishReport(build.build_id, serving, current, tables, time.perf_counter() - started)
