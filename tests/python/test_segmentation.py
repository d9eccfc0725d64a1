"""Segmentation end to end: planted archetypes recovered, SQL assignment equal to Python, stable
segment ids after retraining, other algorithms, and degenerate input."""

from __future__ import annotations

import shutil

import duckdb
import numpy as np
import pandas as pd
import pytest
from dbt_runner import run_dbt
from sklearn.metrics import adjusted_rand_score

from audience.segmentation.state import current_model

PLANTED_ARCHETYPES = 5


def _read(result, query: str) -> pd.DataFrame:
    with result.connect() as con:
        return con.sql(query).to_arrow_table().to_pandas()


def _sql_and_python_assignments(result) -> pd.DataFrame:
    state = _read(result, "select * from segmentation.segment_model_state")
    model = current_model(state)
    features = _read(result, "select * from features.fct_customer_features")
    python = features[["customer_id"]].join(model.assign(features))
    sql = _read(
        result,
        "select customer_id, segment_id, distance_to_centroid, model_version"
        " from marts.customer_segments",
    )
    assert (sql["model_version"] == model.model_version).all()
    return python.merge(sql, on="customer_id", suffixes=("_python", "_sql"), how="outer")


def _assert_sql_equals_python(result):
    both = _sql_and_python_assignments(result)
    assert both["segment_id_sql"].notna().all() and both["segment_id_python"].notna().all()
    differing = both[both["segment_id_sql"] != both["segment_id_python"]]
    assert differing.empty, f"{len(differing)} of {len(both)} customers differ:\n{differing.head()}"
    np.testing.assert_allclose(
        both["distance_to_centroid_sql"].astype(float),
        both["distance_to_centroid_python"].astype(float),
        rtol=1e-12,
        atol=1e-12,
    )
    return both


def test_segments_recover_the_planted_archetypes(built, demo_data):
    model = _read(built, "select * from marts.segment_models where is_current").iloc[0]
    assert model["k"] == PLANTED_ARCHETYPES, model["notes"]
    assert model["chosen_by"] == "rule"
    segments = _read(built, "select customer_id, segment_id from marts.customer_segments")
    truth = pd.read_parquet(demo_data.parent / "raw_truth" / "customer_archetypes.parquet")
    joined = segments.merge(truth, on="customer_id")
    assert len(joined) == len(segments)
    clustered = joined[joined["segment_id"] > 0]
    ari = adjusted_rand_score(clustered["archetype_id"], clustered["segment_id"])
    ari_everyone = adjusted_rand_score(joined["archetype_id"], joined["segment_id"])
    print(f"ARI {ari:.3f} on {len(clustered)} clustered customers, {ari_everyone:.3f} on all")
    assert ari >= 0.8
    # Customers too new to cluster are few: the minimum history removes only recent signups.
    assert len(clustered) / len(joined) > 0.9


def test_sql_assignment_equals_python_for_every_customer(built):
    both = _assert_sql_equals_python(built)
    assert both["segment_id_sql"].nunique() == PLANTED_ARCHETYPES + 1  # plus segment 0


def test_profiles_describe_every_segment(built):
    profiles = _read(built, "select * from marts.segment_profiles order by segment_id")
    segments = _read(
        built,
        "select segment_id, count(*) as n from marts.customer_segments"
        " group by all order by segment_id",
    )
    assert list(profiles["segment_id"]) == list(segments["segment_id"])
    assert list(profiles["customers"]) == list(segments["n"])
    assert profiles["customer_share"].sum() == pytest.approx(1.0)
    assert profiles["revenue_share"].sum() == pytest.approx(1.0)
    assert profiles["segment_name"].is_unique
    clustered = profiles[profiles["segment_id"] > 0]
    assert clustered["distinguishing_features"].notna().all()
    assert clustered["top_categories"].notna().all()
    selection = _read(built, "select * from marts.segment_model_selection where is_current_model")
    assert sorted(selection["k"]) == list(range(2, 11))  # the default k range
    assert selection["is_chosen"].sum() == 1
    assert (
        selection[["inertia", "silhouette", "calinski_harabasz", "davies_bouldin"]]
        .notna()
        .all()
        .all()
    )


def _drop_customers(demo_data, target, share: float):
    """A copy of the raw data as it was before a seeded `share` of the customers existed: without
    them, their orders, events and campaign exposures."""
    shutil.copytree(demo_data, target)
    con = duckdb.connect()
    customers = (
        con.sql(f"select * from read_csv('{demo_data}/customers.csv', all_varchar = true)")
        .to_arrow_table()
        .to_pandas()
    )
    keep = np.random.default_rng(3).random(len(customers)) >= share
    con.register("kept", customers[keep])
    con.register("dropped", customers.loc[~keep, ["customer_id"]])
    con.execute(f"copy kept to '{target}/customers.csv' (header)")
    for table in ("order_lines", "events", "campaign_exposures"):
        con.execute(
            f"copy (select * from read_parquet('{demo_data}/{table}.parquet')"
            " where customer_id is null or customer_id not in (select customer_id from dropped))"
            f" to '{target}/{table}.parquet' (format parquet)"
        )
    return int((~keep).sum())


def test_retraining_with_five_percent_new_customers_keeps_segment_ids(demo_data, tmp_path):
    earlier = tmp_path / "earlier"
    dropped = _drop_customers(demo_data, earlier, share=0.05)
    assert dropped > 0
    work = tmp_path / "work"
    # Only the segmentation and what it reads (predictions, CLV and uplift are not needed here).
    selection = ["build", "--select", "+segment_models", "+customer_segment_history",
                 "+segment_migration"]  # fmt: skip
    for data in (earlier, demo_data):  # same warehouse: the first model is the previous one
        result = run_dbt(selection, data, work)
        assert result.returncode == 0, result.output[-6000:]
    models = _read(result, "select * from marts.segment_models order by model_sequence")
    assert len(models) == 2 and "matched to model" in models["notes"].iloc[1]
    history = _read(result, "select * from marts.customer_segment_history")
    first, second = (
        history[history["model_sequence"] == s].set_index("customer_id")["segment_id"]
        for s in sorted(history["model_sequence"].unique())
    )
    existing = first.index.intersection(second.index)
    kept = (first[existing] == second[existing]).mean()
    print(f"{kept:.4f} of {len(existing)} existing customers kept their segment id")
    assert kept >= 0.95
    migration = _read(result, "select * from marts.segment_migration")
    assert migration["customers"].sum() == len(first.index.union(second.index))
    stayed = migration[migration["from_segment_id"] == migration["to_segment_id"]]
    assert stayed["customers"].sum() == (first[existing] == second[existing]).sum()


@pytest.mark.parametrize(
    "dbt_vars",
    [
        {
            "audience__segment_algorithm": "gaussian_mixture",
            "audience__segment_pca_components": 0.9,
        },
        {"audience__segment_algorithm": "agglomerative", "audience__segment_k": 4},
        {"audience__segment_algorithm": "dbscan"},
        {"audience__segment_algorithm": "hdbscan", "audience__segment_dbscan_min_samples": 50},
    ],
    ids=["gaussian_mixture+pca", "agglomerative", "dbscan", "hdbscan"],
)
def test_other_algorithms_assign_in_sql_as_in_python(built, tmp_path, dbt_vars, demo_data):
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(built.warehouse, work / "audience.duckdb")
    result = run_dbt(["build", "--select", "segment_model_state+"], demo_data, work, dbt_vars)
    assert result.returncode == 0, result.output[-6000:]
    _assert_sql_equals_python(result)
    model = _read(result, "select * from marts.segment_models where is_current").iloc[0]
    assert model["algorithm"] == dbt_vars["audience__segment_algorithm"]
    # real segments, so the equality above compares real assignments
    assert model["k"] >= 2, model["notes"]
    print(dbt_vars["audience__segment_algorithm"], "k =", model["k"])
    if "audience__segment_k" in dbt_vars:
        assert model["k"] == dbt_vars["audience__segment_k"] and model["chosen_by"] == "pinned"
    if "audience__segment_pca_components" in dbt_vars:
        assert model["pca_explained_variance"] >= 0.9


def test_a_bad_setting_stops_the_build_with_a_clear_message(built, tmp_path, demo_data):
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(built.warehouse, work / "audience.duckdb")
    result = run_dbt(
        ["build", "--select", "segment_model_state"],
        demo_data,
        work,
        {"audience__segment_features": [{"column": "no_such_column"}]},
    )
    assert result.returncode != 0
    assert "no_such_column" in result.output and "audience__segment_features" in result.output
