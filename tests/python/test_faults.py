"""A build killed with SIGKILL at any point, then run again, leaves the warehouse exactly as a
clean build does, table for table (whatever the warehouse file is called); the warehouse records
the killed build as interrupted, and no temporary table is left behind."""

from __future__ import annotations

import duckdb
import pytest
from dbt_runner import build_ok, run_dbt, run_dbt_killed
from warehouse_diff import differing_tables

from audience.demo.generator import generate

# Three moments of a build: staging, the training snapshots, and propensity training.
KILL_POINTS = [
    "START sql table model staging.base_shop__events ",
    "START sql table model features.fct_customer_snapshots ",
    "START python table model propensity.propensity_model_state ",
]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    root = tmp_path_factory.mktemp("faults")
    generate(root / "raw", root / "truth", customers=300, seed=5, log=lambda _: None)
    clean = build_ok(root / "raw", root / "clean")
    return root, clean


def test_killed_builds_heal_to_a_clean_build(tiny):
    root, clean = tiny
    work = root / "killed"  # one warehouse, killed three times, under another file name
    for marker in KILL_POINTS:
        killed = run_dbt_killed(["build"], root / "raw", work, marker, "other_name.duckdb")
        healed = build_ok(root / "raw", work, warehouse_name="other_name.duckdb")
        assert "did not finish (killed?)" in healed.output, marker
        assert differing_tables(clean.warehouse, healed.warehouse) == {}, marker
    with duckdb.connect(str(killed.warehouse), read_only=True) as con:
        statuses = [
            s
            for (s,) in con.execute(
                "select status from audience_meta.builds order by started_at"
            ).fetchall()
        ]
        leftovers = con.execute(
            "select count(*) from duckdb_tables() where table_name like '%dbt_tmp%'"
        ).fetchone()[0]
    assert statuses == ["interrupted", "succeeded"] * 3
    assert leftovers == 0


@pytest.mark.parametrize(
    "selection", ["+clv_model_params", "+uplift_evaluation", "+customer_segments"]
)
def test_a_selection_builds_on_a_fresh_warehouse(tiny, tmp_path, selection):
    """A selection on an empty warehouse builds, and every table it built equals the same table
    of a full build of the same data (no hidden dependency on a model outside the selection)."""
    root, clean = tiny
    result = run_dbt(["build", "--select", selection], root / "raw", tmp_path)
    assert result.returncode == 0, result.output[-4000:]
    assert "Completed successfully" in result.output
    mart = f"marts.{selection.lstrip('+')}"
    with result.connect() as con:
        assert con.execute(f"select count(*) from {mart}").fetchone()[0] > 0, mart
    differing = differing_tables(clean.warehouse, result.warehouse)
    assert mart not in differing
    assert {name: what for name, what in differing.items() if what != "only in the first"} == {}
