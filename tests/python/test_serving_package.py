"""audience.serving without dbt: the publish rules on small manifests and results, DuckDB's lock
error told in one line (with a real second process holding the file), and the file swaps."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime

import duckdb
import pytest

from audience.serving.artifacts import (
    BuildResults,
    PublishRefused,
    check_coverage,
    check_finished_build,
)
from audience.serving.files import current_build, point_current_at, prune_builds, publish_lock
from audience.serving.locks import WarehouseLockedError, check_warehouse_writable, lock_holder
from audience.serving.publish import check_warehouse_record
from audience.serving.selection import is_published, published_relations, required_nodes


def results(statuses: dict[str, str], command: str = "build", invocation: str = "b1"):
    return BuildResults(
        invocation_id=invocation,
        command=command,
        generated_at=datetime(2026, 12, 1, 12),
        dbt_version="1.11.16",
        empty=False,
        statuses=statuses,
        messages={node: "Got 3 results, configured to fail if != 0" for node in statuses},
    )


MANIFEST_B1 = {"metadata": {"invocation_id": "b1", "generated_at": "2026-12-01T11:00:00Z"}}


def test_a_finished_build_with_warnings_may_be_published():
    check_finished_build(
        results({"model.p.a": "success", "test.p.t1": "pass", "test.p.t2": "warn"}), MANIFEST_B1
    )


@pytest.mark.parametrize(
    ("statuses", "command", "invocation", "message"),
    [
        ({"model.p.a": "success"}, "build", "b0", "has no results: a build that was killed"),
        ({"model.p.a": "success"}, "run", "b1", "was `dbt run`, not `dbt build`"),
        ({"model.p.a": "success", "test.p.unique_a_id": "fail"}, "build", "b1", "unique_a_id fail"),
        ({"model.p.a": "error", "model.p.b": "skipped"}, "build", "b1", "2 failed or skipped"),
    ],
)
def test_an_unfinished_or_failed_build_is_refused(statuses, command, invocation, message):
    with pytest.raises(PublishRefused, match=message):
        check_finished_build(results(statuses, command, invocation), MANIFEST_B1)


def test_a_build_that_left_out_a_required_node_is_refused():
    built = results({"model.p.a": "success"})
    check_coverage(built, {"model.p.a"})
    with pytest.raises(PublishRefused, match=r"did not run 1 .*\(unique_a_id\)"):
        check_coverage(built, {"model.p.a", "test.p.unique_a_id"})


def node(resource_type="model", materialized="table", **config):
    return {
        "resource_type": resource_type,
        "name": "x",
        "schema": "s",
        "config": {"materialized": materialized, **config},
    }


@pytest.mark.parametrize(
    ("candidate", "published"),
    [
        (node(contract={"enforced": True}), True),
        (node(access="public"), True),
        (node(meta={"serving": True}), True),
        (node("seed", "seed"), True),
        (node("seed", "seed", meta={"serving": False}), False),
        (node(), False),
        (node(meta={"serving": False}), False),
        (node(materialized="ephemeral", meta={"serving": True}), False),
        (node("test", "test"), False),
    ],
)
def test_the_publish_rule(candidate, published):
    assert is_published(candidate) is published


def test_required_nodes_are_the_ancestors_and_their_tests():
    manifest = {
        "nodes": {
            "model.p.mart": {**node(contract={"enforced": True}), "name": "mart"},
            "model.p.eph": node(materialized="ephemeral"),
            "model.p.base": node(),
            "model.p.other": node(),
            "seed.p.map": node("seed", "seed"),
            "test.p.t_base": {"resource_type": "test", "depends_on": {"nodes": ["model.p.base"]}},
            "test.p.t_other": {
                "resource_type": "test",
                "depends_on": {"nodes": ["model.p.other"]},
            },
        },
        "unit_tests": {
            "unit_test.p.mart.u": {
                "resource_type": "unit_test",
                "depends_on": {"nodes": ["model.p.mart"]},
            }
        },
        "parent_map": {
            "model.p.mart": ["model.p.eph", "seed.p.map"],
            "model.p.eph": ["model.p.base", "source.p.raw.t"],
            "model.p.base": ["source.p.raw.t"],
        },
    }
    published = [r for r in published_relations(manifest) if r.unique_id == "model.p.mart"]
    assert required_nodes(manifest, published) == {
        "model.p.mart",
        "model.p.base",
        "seed.p.map",
        "test.p.t_base",
        "unit_test.p.mart.u",
    }


def test_a_locked_warehouse_is_named_with_its_process_and_the_serving_database(tmp_path):
    warehouse, serving = tmp_path / "audience.duckdb", tmp_path / "serving.duckdb"
    duckdb.connect(str(warehouse)).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb, time; c = duckdb.connect({str(warehouse)!r});"
         " print('open', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "open"
        with pytest.raises(duckdb.IOException) as raw:
            duckdb.connect(str(warehouse), read_only=True)
        assert lock_holder(raw.value).pid == holder.pid
        with pytest.raises(WarehouseLockedError) as error:
            check_warehouse_writable(warehouse, serving)
    finally:
        holder.kill()
        holder.wait()
    message = str(error.value)
    assert "\n" not in message
    assert f"PID {holder.pid}: python" in message
    assert str(serving) in message
    check_warehouse_writable(warehouse, serving)  # released: no error
    assert lock_holder(RuntimeError("Catalog Error: no such table")) is None


def test_current_is_swapped_and_old_builds_pruned(tmp_path):
    for age, build in enumerate(["b1", "b2", "b3", "b4"]):
        (tmp_path / "builds" / build).mkdir(parents=True)
        os.utime(tmp_path / "builds" / build, (1_000 + age, 1_000 + age))
    point_current_at(tmp_path, "b1")
    point_current_at(tmp_path, "b3")
    assert current_build(tmp_path) == "b3"
    assert os.readlink(tmp_path / "current") == os.path.join("builds", "b3")
    assert prune_builds(tmp_path, keep=2) == ["b2", "b1"]
    assert sorted(p.name for p in (tmp_path / "builds").iterdir()) == ["b3", "b4"]


def test_one_publish_at_a_time(tmp_path):
    serving = tmp_path / "serving.duckdb"
    with publish_lock(serving):
        script = (
            "import sys\nfrom pathlib import Path\n"
            "from audience.serving.files import publish_lock\n"
            "from audience.serving.artifacts import PublishRefused\n"
            f"try:\n    publish_lock(Path({str(serving)!r})).__enter__()\n"
            "except PublishRefused as e:\n    print(e); sys.exit(3)\n"
        )
        second = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert second.returncode == 3, second.stderr
    assert "another `audience publish` is writing" in second.stdout


def test_the_warehouse_record_must_end_with_the_published_build():
    con = duckdb.connect()
    check_warehouse_record(con, "b1")  # no bookkeeping table: nothing to check
    con.execute(
        "create schema audience_meta; create table audience_meta.builds as select * from"
        " (values ('b1', 'succeeded', timestamp '2026-12-01 10:00', timestamp '2026-12-01 10:05'))"
        " as t(invocation_id, status, started_at, finished_at)"
    )
    check_warehouse_record(con, "b1")
    with pytest.raises(PublishRefused, match="last build is b1 \\(succeeded\\), not .* b0"):
        check_warehouse_record(con, "b0")  # results of another warehouse
    con.execute(
        "insert into audience_meta.builds values ('b2', 'running', '2026-12-01 11:00', null)"
    )
    with pytest.raises(PublishRefused, match="last build is b2 \\(running\\)"):
        check_warehouse_record(con, "b1")  # a later build was killed in it
