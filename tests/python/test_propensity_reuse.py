"""Retrain policies without dbt: a stored model is reused while the rows it would train on and
its declaration are unchanged (on_new_cutoff, the default), refitted when a cutoff becomes
labeled, feature values or the declaration change; kept whatever the data (never); refitted on
every build (always). The stored state goes through a
DuckDB table and back, as in the build."""

from __future__ import annotations

import json

import duckdb
import pandas as pd
from test_propensity_package import _snapshots

from audience.propensity.state import build_state, stored_state

DECLARATION = {
    "name": "p",
    "entity": "customer",
    "feature_relation": "snapshots",
    "label": "label",
    "cutoff_column": "cutoff_date",
    "horizon_days": 30,
    "exclude_features": ["leak"],
    "algorithms": ["logistic_regression"],
}


def _build(con, stored=None, **changes) -> tuple[pd.DataFrame, list[str]]:
    """One build of the state: (the state as stored in and read back from a table, the log)."""
    lines: list[str] = []
    declaration = json.dumps({**DECLARATION, **changes})
    state = build_state(con, [("p", declaration)], None, log=lines.append, stored=stored)
    con.register("state_frame", state)
    con.execute("create or replace table state as select * from state_frame")
    con.unregister("state_frame")
    return stored_state(con, "state"), lines


def _sorted(state: pd.DataFrame) -> pd.DataFrame:
    columns = ["record", "candidate", "name", "level", "position", "text_value", "value"]
    return state.sort_values(columns, na_position="first").reset_index(drop=True)


def _reused(lines: list[str]) -> bool:
    return any("reusing the stored model" in line for line in lines)


def _add_cutoff(con) -> None:
    """One more month of labeled snapshot rows (a cutoff whose label window has completed)."""
    con.execute(
        "insert into snapshots select * replace (cutoff_date + interval 1 month as cutoff_date)"
        " from snapshots where cutoff_date = (select max(cutoff_date) from snapshots)"
    )


def test_an_unchanged_build_reuses_the_stored_rows_unchanged():
    con = duckdb.connect()
    _snapshots(con)
    assert stored_state(con, "state") is None  # a fresh warehouse: nothing to reuse
    first, lines = _build(con)
    assert not _reused(lines) and any("training rows" in line for line in lines)
    second, lines = _build(con, first)
    assert _reused(lines) and not any("training rows" in line for line in lines)
    pd.testing.assert_frame_equal(_sorted(first), _sorted(second))


def test_a_new_labeled_cutoff_or_a_changed_declaration_refits():
    con = duckdb.connect()
    _snapshots(con)
    first, _ = _build(con)
    # another algorithm list: the same features and rows, another declaration
    changed, lines = _build(con, first, algorithms=["logistic_regression", "random_forest"])
    assert not _reused(lines)
    assert set(changed["model_version"]) != set(first["model_version"])
    _add_cutoff(con)
    later, lines = _build(con, first)
    assert not _reused(lines)
    settings = later[later["record"] == "setting"].set_index("name")["text_value"]
    assert (
        settings["validation_cutoff"]
        > first[(first["record"] == "setting") & (first["name"] == "validation_cutoff")][
            "text_value"
        ].iloc[0]
    )


def test_changed_feature_values_refit():
    """The same labels and columns with other feature values (a corrected feature): refitted."""
    con = duckdb.connect()
    _snapshots(con)
    first, _ = _build(con)
    con.execute("update snapshots set noise = noise * 2")
    _, lines = _build(con, first)
    assert not _reused(lines)


def test_never_keeps_the_model_whatever_the_data_and_always_refits():
    con = duckdb.connect()
    _snapshots(con)
    first, _ = _build(con, retrain="never")
    _add_cutoff(con)
    kept, lines = _build(con, first, retrain="never")
    assert _reused(lines)
    pd.testing.assert_frame_equal(_sorted(first), _sorted(kept))
    # a changed declaration refits even under never
    _, lines = _build(con, first, retrain="never", champion_metric="roc_auc")
    assert not _reused(lines)
    # always: refitted although nothing changed (the same rows give the same version)
    again, _ = _build(con, retrain="always")
    refitted, lines = _build(con, again, retrain="always")
    assert not _reused(lines) and set(refitted["model_version"]) == set(again["model_version"])


def test_a_cold_start_heuristic_is_recomputed_not_reused():
    con = duckdb.connect()
    _snapshots(con)
    changes = {"label": "x > 3 and noise > 2", "heuristic": {"x": "up"}}
    first, _ = _build(con, **changes)
    status = first[(first["record"] == "setting") & (first["name"] == "status")]
    assert status["text_value"].iloc[0] == "heuristic"
    _, lines = _build(con, first, **changes)
    assert not _reused(lines)
