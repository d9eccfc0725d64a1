"""Model governance across builds: model_registry, score_history and model_performance_history.

The suite's warehouse (the whole project as of its as-of date) is copied, then built again as of
the first of a month four months earlier (a backtest: every shipped prediction's label window,
90 days at most, has passed by the as-of date), with purchase_30d pinned to the version the
first build published and told to retrain on every build. Then the label side is built as of the
as-of date again. The registry and the score history keep both builds; the pinned version stays
published; the realized performance of the earlier cohort equals scikit-learn's ROC AUC and an
independent ECE and top-decile lift on the same rows."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest
import yaml
from dbt_runner import PROJECT_DIR, run_dbt
from sklearn.metrics import roc_auc_score

PINNED = "purchase_30d"


def _frame(result, query: str, parameters=None) -> pd.DataFrame:
    with result.connect() as con:
        return con.execute(query, parameters or []).df()


def _shipped_predictions() -> list[dict]:
    project = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())
    return project["vars"]["audience__predictions"]


@pytest.fixture(scope="module")
def governed(built, demo_data, tmp_path_factory):
    work = tmp_path_factory.mktemp("governed")
    shutil.copyfile(built.warehouse, work / "audience.duckdb")
    as_of = pd.Timestamp(
        _frame(built, "select as_of_date from intermediate.int_as_of_date")["as_of_date"][0]
    ).date()
    earlier = (pd.Timestamp(as_of) - pd.DateOffset(months=4)).date().replace(day=1)
    first = _frame(built, "select * from marts.model_registry")
    pinned_version = first.loc[first["model_name"] == PINNED, "model_version"].item()
    predictions = [
        {**p, "pinned_version": pinned_version, "retrain": "always"} if p["name"] == PINNED else p
        for p in _shipped_predictions()
    ]
    backtest = run_dbt(
        ["build", "--select", "+model_registry", "+score_history"],
        demo_data,
        work,
        {"audience__as_of_date": earlier.isoformat(), "audience__predictions": predictions},
    )
    assert backtest.returncode == 0, backtest.output[-6000:]
    # The label side as of the as-of date: the snapshots (labels) and the marts that read them.
    labels = run_dbt(
        ["build", "--select", "int_as_of_date", "int_snapshot_cutoffs", "fct_customer_snapshots",
         "fct_lead_snapshots", "int_realized_scores", "model_performance_history"],
        demo_data,
        work,
    )  # fmt: skip
    assert labels.returncode == 0, labels.output[-6000:]
    return {
        "first": first,
        "backtest": backtest,
        "labels": labels,
        "as_of": as_of,
        "earlier": earlier,
        "pinned_version": pinned_version,
    }


def test_two_builds_keep_the_registry_and_the_score_history(governed, built):
    """Every version the first build published is still in the registry after the backtest, with
    its first publication date; score_history holds both builds' scores, unchanged for the first."""
    registry = _frame(governed["labels"], "select * from marts.model_registry")
    first = governed["first"]
    key = ["model_family", "model_name", "model_version"]
    kept = first[key].merge(registry, on=key, how="left")
    assert kept["first_published_as_of_date"].notna().all()
    assert len(registry) > len(first)  # the backtest retrained the unpinned models
    new = registry.merge(first[key], on=key, how="left", indicator=True)
    retrained = new[new["_merge"] == "left_only"]
    assert {"churn_90d", "customer_segments"} <= set(retrained["model_name"])
    assert PINNED not in set(retrained["model_name"])
    assert (retrained["first_published_as_of_date"].dt.date == governed["earlier"]).all()
    names = ["model_family", "model_name"]
    replaced = kept.merge(retrained[names], on=names)
    assert (~replaced["is_published"]).all()  # the backtest's versions are the published ones

    history = _frame(
        governed["labels"],
        "select as_of_date, count(*) as n from marts.score_history group by 1 order by 1",
    )
    assert [d.date() for d in history["as_of_date"]] == [governed["earlier"], governed["as_of"]]
    original = _frame(built, "select * from marts.entity_scores order by all")
    kept_scores = _frame(
        governed["labels"],
        "select * from marts.score_history where as_of_date = ? order by all",
        [governed["as_of"]],
    )
    assert len(kept_scores) == len(original)
    assert set(kept_scores["model_version"]) == set(original["model_version"])


def test_a_pinned_version_stays_published_through_a_retrain(governed):
    """purchase_30d, pinned and told to retrain on every build, keeps its version (the log
    says so)."""
    registry = _frame(governed["labels"], "select * from marts.model_registry")
    row = registry[registry["model_name"] == PINNED]
    assert row["model_version"].tolist() == [governed["pinned_version"]]
    assert row["is_published"].item() and row["is_pinned"].item()
    assert f"{PINNED}: keeping the pinned model {governed['pinned_version']}" in (
        governed["backtest"].output
    )


def _expected_calibration_error(labels: np.ndarray, probability: np.ndarray) -> float:
    index = np.minimum(np.floor(probability * 10), 9)
    error = 0.0
    for b in np.unique(index):
        mask = index == b
        error += abs(probability[mask].mean() - labels[mask].mean()) * mask.sum()
    return error / len(labels)


def test_realized_performance_equals_scikit_learn_on_the_same_rows(governed):
    """Each temporal prediction's earlier cohort: its published scores joined to the labels the
    snapshots give at the cohort's date, measured here with scikit-learn and numpy."""
    performance = _frame(governed["labels"], "select * from marts.model_performance_history")
    assert set(performance["prediction"]) == {"churn_90d", "purchase_30d", "lead_conversion_30d"}
    labels = {
        "churn_90d": ("features.fct_customer_snapshots", "customer_id", "churn_90d"),
        "purchase_30d": ("features.fct_customer_snapshots", "customer_id", "purchase_30d"),
        "lead_conversion_30d": ("features.fct_lead_snapshots", "lead_id", "converted_30d"),
    }
    for _, row in performance.iterrows():
        relation, id_column, label = labels[row["prediction"]]
        rows = _frame(
            governed["labels"],
            f"select h.probability, h.decile, cast(s.{label} as integer) as label"
            f" from marts.score_history h join {relation} s"
            f" on h.entity_id = cast(s.{id_column} as varchar) and s.cutoff_date = h.as_of_date"
            f" where h.prediction = ? and h.as_of_date = ? and not h.is_heuristic"
            f" and s.{label} is not null",
            [row["prediction"], governed["earlier"]],
        )
        assert pd.Timestamp(row["cohort_as_of_date"]).date() == governed["earlier"]
        assert row["scored_entities"] == len(rows) > 100
        assert row["positives"] == rows["label"].sum()
        y, p = rows["label"].to_numpy(), rows["probability"].to_numpy()
        assert row["realized_roc_auc"] == pytest.approx(roc_auc_score(y, p), abs=1e-9)
        assert row["realized_ece"] == pytest.approx(_expected_calibration_error(y, p), abs=1e-9)
        top = rows[rows["decile"] == 1]
        lift = top["label"].mean() / y.mean()
        assert row["realized_top_decile_lift"] == pytest.approx(lift, abs=1e-9)
        assert row["is_below_validation"] == (
            row["realized_roc_auc"] < row["validation_roc_auc"] - 0.05
        )
