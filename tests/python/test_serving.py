"""Serving: the session build published to a serving database (tables, comments, build manifest,
Parquet copy), a failed test and a locked warehouse refused with clear messages, and a BI reader
(SQLAlchemy + duckdb-engine) querying in a loop through a full build + publish and a build killed
with SIGKILL."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest
from dbt_runner import PROJECT_DIR, build_ok, run_dbt, run_dbt_killed

from audience.cli import main
from audience.serving.artifacts import PublishRefused
from audience.serving.publish import PublishSettings, publish
from audience.serving.selection import published_relations

READER = Path(__file__).with_name("serving_reader.py")
KILL_AT = "START sql table model features."  # staging rebuilt, features not yet
MODES = ("fresh", "held")  # a new connection per read (Superset), one held open throughout
# A full build (every node runs) without most of the training: no declared predictions (so no
# audiences, whose shipped rules read them), k pinned, one uplift learner.
CHEAP_BUILD = {
    "audience__predictions": [],
    "audience__lookalikes": [],
    "audience__audiences": [],
    "audience__segment_k": 5,
    "audience__uplift_learners": ["t_learner"],
}


def settings(warehouse: Path, target: Path, serving: Path) -> PublishSettings:
    return PublishSettings(PROJECT_DIR, warehouse, target, serving, memory_limit="1GB")


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def manifest_of(target: Path) -> dict:
    return json.loads((target / "manifest.json").read_text())


@pytest.fixture(scope="module")
def served(built, tmp_path_factory):
    """The session build, published."""
    serving = tmp_path_factory.mktemp("serving") / "serving.duckdb"
    report = publish(settings(built.warehouse, built.target, serving))
    return report


def serving_tables(con) -> set[str]:
    return {
        f"{schema}.{name}"
        for schema, name in con.execute(
            "select table_schema, table_name from information_schema.tables"
            " where table_catalog = current_database()"
        ).fetchall()
    }


def test_serving_holds_the_published_tables_as_in_the_build(served, built):
    expected = {r.qualified_name for r in published_relations(manifest_of(built.target))}
    con = duckdb.connect(str(served.serving), read_only=True)
    try:
        assert serving_tables(con) == expected | {"main.build_manifest"}
        assert (
            con.execute("select count(*) from duckdb_views() where not internal").fetchone()[0] == 0
        )
        con.execute(f"attach '{built.warehouse}' as audience (read_only)")
        for name in sorted(expected):
            differing = con.execute(
                f"select count(*) from (select * from {name} except all"
                f" select * from audience.{name})"
            ).fetchone()[0]
            rows, build_rows = (
                con.execute(f"select count(*) from {catalog}{name}").fetchone()[0]
                for catalog in ("", "audience.")
            )
            assert (differing, rows) == (0, build_rows), name
    finally:
        con.close()
    for name in ("marts.customer_scores", "features.fct_customer_rfm", "seeds.rfm_segments",
                 "staging.rejected_rows", "features.fct_customer_features"):  # fmt: skip
        assert name in expected
    for name in ("features.fct_customer_snapshots", "staging.stg_shop__events", "raw.customers"):
        assert name not in expected


def public_mart_columns(manifest: dict):
    for node in manifest["nodes"].values():
        if node["resource_type"] == "model" and node["config"]["contract"]["enforced"]:
            yield (
                node,
                {c.lower(): " ".join(v["description"].split()) for c, v in node["columns"].items()},
            )


def test_every_public_mart_column_carries_its_description(served, built):
    manifest = manifest_of(built.target)
    for database in (served.serving, built.warehouse):  # served, and persisted by dbt
        con = duckdb.connect(str(database), read_only=True)
        try:
            for node, descriptions in public_mart_columns(manifest):
                where = [node["schema"], node["alias"]]
                table = con.execute(
                    "select comment from duckdb_tables() where schema_name = ? and table_name = ?",
                    where,
                ).fetchone()[0]
                assert " ".join(table.split()) == " ".join(node["description"].split()), where
                columns = con.execute(
                    "select column_name, comment from duckdb_columns()"
                    " where schema_name = ? and table_name = ?",
                    where,
                ).fetchall()
                assert columns, where
                for column, comment in columns:
                    assert comment and " ".join(comment.split()) == descriptions[column.lower()], (
                        database, where, column,
                    )  # fmt: skip
        finally:
            con.close()


def test_the_build_manifest_describes_the_build(served, built):
    results = json.loads((built.target / "run_results.json").read_text())
    tests = [
        r["status"]
        for r in results["results"]
        if r["unique_id"].startswith(("test.", "unit_test."))
    ]
    con = duckdb.connect(str(served.serving), read_only=True)
    try:
        rows = con.execute(
            "select distinct build_id, as_of_date, built_at, tests_pass, tests_warn, tests_error,"
            " tests_skip, git_commit from main.build_manifest"
        ).fetchall()
        counts = con.execute(
            "select table_schema, table_name, row_count from main.build_manifest"
        ).fetchall()
        for schema, name, row_count in counts:
            assert con.execute(f"select count(*) from {schema}.{name}").fetchone()[0] == row_count
    finally:
        con.close()
    with built.connect() as build:
        as_of = build.execute("select as_of_date from intermediate.int_as_of_date").fetchone()[0]
    commit = subprocess.run(["git", "-C", str(PROJECT_DIR), "rev-parse", "HEAD"],
                            capture_output=True, text=True).stdout.strip() or None  # fmt: skip
    assert len(rows) == 1
    build_id, as_of_date, built_at, passed, warned, errored, skipped, git_commit = rows[0]
    assert build_id == results["metadata"]["invocation_id"] == served.build_id
    assert as_of_date == as_of
    assert built_at.isoformat() == results["metadata"]["generated_at"].rstrip("Z")
    assert (passed, warned, errored, skipped) == (
        tests.count("pass"), tests.count("warn"), 0, tests.count("skipped"),
    )  # fmt: skip
    assert passed > 200
    assert git_commit == commit
    assert len(counts) == len(published_relations(manifest_of(built.target)))


def test_the_parquet_copy_is_the_published_build(served):
    current = served.parquet
    assert current.is_symlink() and current.resolve().name == served.build_id
    con = duckdb.connect()
    for table in served.tables:
        path = current / table.schema / f"{table.name}.parquet"
        rows = con.execute(f"select count(*) from read_parquet('{path}')").fetchone()[0]
        assert rows == table.row_count, path
    manifest = f"{current}/main/build_manifest.parquet"
    assert con.execute(f"select distinct build_id from '{manifest}'").fetchall() == [
        (served.build_id,)
    ]


def test_publishing_the_same_build_again_changes_nothing(served, built):
    before = (digest(served.serving), os.stat(served.serving).st_mtime_ns)
    again = publish(settings(built.warehouse, built.target, served.serving))
    assert again.already_published
    assert (digest(served.serving), os.stat(served.serving).st_mtime_ns) == before


def readme_starter_queries() -> list[str]:
    readme = (PROJECT_DIR / "README.md").read_text()
    block = readme.split("**Queries to start from**", 1)[1].split("```sql", 1)[1].split("```")[0]
    return [query.strip() for query in block.split(";") if query.strip()]


def test_the_readme_starter_queries_run_on_the_serving_database(served):
    queries = readme_starter_queries()
    assert len(queries) == 4
    with duckdb.connect(str(served.serving), read_only=True) as con:
        for query in queries:
            assert con.execute(query).fetchall(), query


def copy_build(built, work: Path) -> None:
    work.mkdir(parents=True)
    shutil.copy(built.warehouse, work / "audience.duckdb")


@pytest.fixture(scope="module")
def scratch(built, demo_data, tmp_path_factory) -> Path:
    """A copy of the session build's warehouse with dbt's parse cache warmed, so that the dbt
    invocations of the tests below parse the project incrementally."""
    work = tmp_path_factory.mktemp("scratch")
    shutil.copy(built.warehouse, work / "audience.duckdb")
    parsed = run_dbt(["parse"], demo_data, work)
    assert parsed.returncode == 0, parsed.output[-3000:]
    return work


def test_a_failing_test_is_refused_and_the_serving_database_kept(
    scratch, served, demo_data, tmp_path, capsys
):
    serving = tmp_path / "serving.duckdb"
    shutil.copy(served.serving, serving)
    before = digest(serving)
    with duckdb.connect(str(scratch / "audience.duckdb")) as con:  # a duplicate customer
        con.execute(
            "insert into features.fct_customer_rfm select * from features.fct_customer_rfm limit 1"
        )
    result = run_dbt(
        ["build", "--select", "fct_customer_rfm", "--resource-type", "test"], demo_data, scratch
    )
    assert result.returncode == 1, result.output[-3000:]
    code = main(
        ["publish", "--project-dir", str(PROJECT_DIR), "--target-path", str(scratch / "target"),
         "--warehouse", str(scratch / "audience.duckdb"), "--serving", str(serving)]
    )  # fmt: skip
    error = capsys.readouterr().err
    assert code == 1
    assert "the last build did not pass, nothing was published" in error
    assert "unique_fct_customer_rfm_customer_id fail" in error
    assert len(error.strip().splitlines()) == 1
    assert digest(serving) == before


def test_a_reader_on_the_build_warehouse_stops_dbt_with_one_line(scratch, demo_data):
    with duckdb.connect(str(scratch / "audience.duckdb"), read_only=True):
        result = run_dbt(["build", "--select", "rfm_segments"], demo_data, scratch)
    assert result.returncode != 0
    assert "Traceback" not in result.output
    assert f"is open in another process (PID {os.getpid()}:" in result.output
    assert "BI tools and queries should read the serving database" in result.output
    assert "Could not set lock" not in result.output


def start_reader(mode: str, serving: Path, log: Path, stop: Path) -> subprocess.Popen:
    command = [sys.executable, str(READER), mode, str(serving), str(log), str(stop)]
    reader = subprocess.Popen(command)
    deadline = time.time() + 60
    while not (log.exists() and len(log.read_text().splitlines()) >= 3):
        assert reader.poll() is None and time.time() < deadline, "the reader did not start"
        time.sleep(0.2)
    return reader


def test_readers_see_one_complete_build_through_a_build_and_a_killed_build(
    built, demo_data, tmp_path, monkeypatch
):
    monkeypatch.setenv("OMP_NUM_THREADS", "1")  # training threads would oversubscribe 2 cores
    work = tmp_path / "work"
    copy_build(built, work)
    serving = tmp_path / "serving" / "serving.duckdb"
    first = publish(settings(built.warehouse, built.target, serving))
    with built.connect() as con:
        as_of = con.execute("select as_of_date from intermediate.int_as_of_date").fetchone()[0]
    rebuild = {**CHEAP_BUILD, "audience__as_of_date": str(as_of - timedelta(days=31))}
    log, stop = tmp_path / "reads.jsonl", tmp_path / "stop"
    readers = [start_reader(mode, serving, log.with_suffix(f".{mode}"), stop) for mode in MODES]
    try:
        build_started = time.time()
        build_ok(demo_data, work, rebuild)
        build_ended = time.time()
        leftover = serving.with_name(f".{serving.name}.interrupted.tmp")
        leftover.write_bytes(b"what a killed publish leaves")
        second = publish(settings(work / "audience.duckdb", work / "target", serving))
        published_at = time.time()
        assert not leftover.exists()
        before = digest(serving)
        kill_started = time.time()  # killed once staging is rebuilt; parsed incrementally
        run_dbt_killed(["build"], demo_data, work, KILL_AT, dbt_vars=rebuild)
        print(
            f"\nbuild {build_ended - build_started:.1f} s,"
            f" publish {published_at - build_ended:.1f} s,"
            f" killed build {time.time() - kill_started:.1f} s"
        )
        with pytest.raises(PublishRefused, match="a build that was killed"):
            publish(settings(work / "audience.duckdb", work / "target", serving))
        assert digest(serving) == before
        time.sleep(1)
    finally:
        stop.touch()
        for reader in readers:
            reader.wait(timeout=60)
    reads = [
        json.loads(line)
        for mode in MODES
        for line in log.with_suffix(f".{mode}").read_text().splitlines()
    ]
    check_reads(reads, first, second, (build_started, build_ended, published_at))


def check_reads(reads: list[dict], first, second, times: tuple[float, float, float]) -> None:
    build_started, build_ended, published_at = times
    failed = [r for r in reads if not r["ok"]]
    fresh = [r for r in reads if r["ok"] and r["kind"] == "fresh"]
    during_build = [r for r in fresh if build_started < r["at"] < build_ended]
    print(
        f"\n{len(reads)} reads ({len(fresh)} on new connections, {len(during_build)} during the"
        f" build), {len(failed)} failed, builds seen: {sorted({r['builds'][0] for r in fresh})}"
    )
    assert failed == []
    assert all(len(r["builds"]) == 1 and r["mismatched"] == [] for r in reads)
    assert all(r["as_of"] == [r["rfm_as_of"]] for r in reads)
    assert {r["builds"][0] for r in fresh} == {first.build_id, second.build_id}
    order = [r["builds"][0] for r in fresh]
    assert order == sorted(order, key=[first.build_id, second.build_id].index)  # never back
    assert len(during_build) >= 20
    assert {r["builds"][0] for r in during_build} == {first.build_id}
    assert {r["builds"][0] for r in fresh if r["at"] > published_at} == {second.build_id}
    held = [r for r in reads if r["kind"] == "held"]
    assert held and {r["builds"][0] for r in held} == {first.build_id}  # the file it opened
