"""The propensity package without dbt: declarations, feature resolution, encoding, calibration,
ranking, the heuristic (against DuckDB's own percent_rank) and training on small DuckDB tables."""

from __future__ import annotations

import json
import math

import duckdb
import numpy as np
import pandas as pd
import pytest
from scipy.special import expit

from audience.propensity.data import PropensityDataError, label_summary, resolve_features
from audience.propensity.design import FeaturePlan
from audience.propensity.evaluation import (
    Calibrator,
    classification_metrics,
    deciles,
    expected_calibration_error,
    lift_table,
    ranking,
)
from audience.propensity.heuristic import heuristic_score
from audience.propensity.settings import (
    HeuristicTerm,
    PropensityConfigError,
    prediction_from_declaration,
    predictions_from_rows,
    training_settings_from_json,
)
from audience.propensity.training import train_prediction

BASE = {
    "name": "p",
    "entity": "customer",
    "feature_relation": "snapshots",
    "label": "label",
}


def _spec(**changes):
    return prediction_from_declaration({**BASE, **changes})


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"entity": "account"}, "entity 'account' needs an 'id_column'"),
        ({"entity": "Bad Entity", "id_column": "x"}, "'entity' must be a lowercase identifier"),
        ({"champion_metric": "accuracy"}, "'champion_metric' must be one of log_loss, roc_auc"),
        ({"champion_top_share": 0}, "'champion_top_share' must be a share in (0, 1]"),
        ({"refit": "yes"}, "'refit' must be true or false"),
        (
            {
                "tuning": {"random_forest": {"max_depth": [3]}},
                "algorithms": ["logistic_regression"],
            },
            "'tuning' names 'random_forest', which is not one of the prediction's algorithms",
        ),
        ({"tuning": {"logistic_regression": {"C": [{"a": 1}]}}}, "must be a list of numbers"),
        ({"algorithms": ["xgboost"]}, "unknown algorithm(s) xgboost"),
        ({"heuristic": {"recency_days": "sideways"}}, "must be 'up' or 'down'"),
        ({"label": None}, "'label' is required"),
        ({"name": "Bad Name"}, "lowercase identifier"),
        ({"horizon_days": "soon"}, "'horizon_days' must be a whole number"),
        ({"cutoff_column": "cutoff_date"}, "needs 'horizon_days'"),
    ],
)
def test_bad_declarations_name_the_prediction_and_key(changes, message):
    with pytest.raises(
        PropensityConfigError, match=message.replace("(", r"\(").replace(")", r"\)")
    ):
        _spec(**changes)


def test_duplicate_names_and_bad_settings_are_rejected():
    rows = [("p", json.dumps(BASE)), ("p", json.dumps(BASE))]
    with pytest.raises(PropensityConfigError, match="declared twice"):
        predictions_from_rows(rows)
    with pytest.raises(PropensityConfigError, match="audience__propensity_holdout_share"):
        training_settings_from_json(json.dumps({"holdout_share": 1.5}))
    with pytest.raises(PropensityConfigError, match="audience__propensity_min_positives"):
        training_settings_from_json(json.dumps({"min_positives": "many"}))


def _snapshots(con, rows: int = 4000, seed: int = 0, cutoffs: int = 8):
    """Synthetic snapshots: x drives the label, noise does not, plan is a category, leak copies
    the label; monthly cutoffs; a 30-day label horizon."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "customer_id": [f"C{i % (rows // cutoffs):05d}" for i in range(rows)],
            "cutoff_date": pd.to_datetime("2025-01-01")
            + pd.to_timedelta((np.arange(rows) // (rows // cutoffs)) * 31, unit="D"),
            "x": rng.normal(size=rows),
            "noise": rng.normal(size=rows),
            "plan": rng.choice(["a", "b", None], rows),
            "when_seen": pd.Timestamp("2025-01-01"),
        }
    )
    frame["cutoff_date"] = frame["cutoff_date"].dt.to_period("M").dt.start_time
    frame["label"] = (rng.random(rows) < expit(2 * frame["x"] - 0.5)).astype(int)
    frame["leak"] = frame["label"]
    con.register("frame", frame)
    con.execute("create or replace table snapshots as select * from frame")
    con.execute(
        "create or replace table current_rows as"
        " select * exclude (cutoff_date, label) from snapshots"
        " where cutoff_date = (select max(cutoff_date) from snapshots)"
    )
    return frame


def test_features_are_every_shared_usable_column_and_missing_ones_are_named():
    con = duckdb.connect()
    _snapshots(con)
    spec = _spec(score_relation="current_rows", cutoff_column="cutoff_date", horizon_days=30)
    features = resolve_features(spec, con)
    assert features.numeric == ("x", "noise", "leak")
    assert features.categorical == ("plan",)
    assert features.skipped == ("when_seen (timestamp_ns)",) or features.skipped[0].startswith(
        "when_seen"
    )
    with pytest.raises(PropensityConfigError, match=r"declared feature\(s\) missing: nope"):
        resolve_features(_spec(features=["x", "nope"]), con)
    with pytest.raises(PropensityConfigError, match="column 'account_id' not found"):
        resolve_features(_spec(id_column="account_id"), con)


def test_a_label_that_is_not_zero_or_one_is_rejected():
    con = duckdb.connect()
    _snapshots(con)
    with pytest.raises(PropensityDataError, match="must be 0 or 1"):
        label_summary(con, _spec(label="label + 1"))


def test_encoding_is_the_same_for_unseen_and_missing_values():
    train = pd.DataFrame({"n": [1.0, 2.0, np.nan, 4.0] * 5, "c": ["a", "b", "a", "(missing)"] * 5})
    plan = FeaturePlan.fit(train, ("n",), ("c",))
    assert plan.categorical[0].levels == ("a", "(missing)", "b")  # most frequent first
    new = pd.DataFrame({"n": [np.nan, 3.0], "c": ["never_seen", "b"]})
    linear = plan.linear_matrix(new)
    assert linear[0, 1:].tolist() == [0.0, 0.0, 0.0]  # unseen level: no indicator
    assert linear[0, 0] == pytest.approx(plan.numeric[0].standardized(np.array([2.0]))[0])
    tree = plan.tree_matrix(new)
    assert np.isnan(tree[0, 0]) and np.isnan(tree[0, 1]) and tree[1, 1] == 2.0


def test_sigmoid_calibration_recovers_a_known_miscalibration():
    rng = np.random.default_rng(1)
    log_odds = rng.normal(0, 2, 50_000)
    labels = (rng.random(50_000) < expit(0.5 * log_odds - 1.0)).astype(int)
    calibrator = Calibrator.fit(log_odds, labels, "sigmoid")
    assert calibrator.slope == pytest.approx(0.5, abs=0.03)
    assert calibrator.intercept == pytest.approx(-1.0, abs=0.05)
    assert expected_calibration_error(labels, calibrator.probability(log_odds), 10) < 0.01
    isotonic = Calibrator.fit(log_odds, labels, "isotonic")
    assert np.all(np.diff(isotonic.probability(np.sort(log_odds))) >= 0)


def test_ranking_breaks_probability_ties_by_log_odds_and_deciles_share_ties():
    probability = np.array([0.5, 0.5, 0.5, 0.1])
    log_odds = np.array([0.2, 0.1, 0.2, -3.0])
    assert ranking(probability, log_odds).tolist() == [3.0, 2.0, 3.0, 1.0]
    scores = np.array([5.0] * 3 + list(range(17)))
    assert len(set(deciles(scores)[:3])) == 1


def test_heuristic_matches_duckdb_percent_rank():
    rng = np.random.default_rng(2)
    frame = pd.DataFrame({"a": rng.integers(0, 5, 300).astype(float), "b": rng.normal(size=300)})
    frame.loc[::7, "a"] = np.nan
    terms = (HeuristicTerm("a", 1), HeuristicTerm("b", -1))
    python = heuristic_score(frame, terms)
    con = duckdb.connect()
    con.register("frame", frame.reset_index())
    sql = con.sql(
        "select (case when a is null or isnan(a) then 0.5 else percent_rank() over"
        " (partition by (a is null or isnan(a)) order by a asc) end"
        " + percent_rank() over (order by b desc)) / 2 as score, index from frame order by index"
    ).fetchall()
    assert np.allclose(python, [score for score, _ in sql], atol=1e-12)


def test_training_is_temporal_guards_leakage_and_is_deterministic():
    con = duckdb.connect()
    frame = _snapshots(con)
    spec = _spec(
        score_relation="current_rows",
        cutoff_column="cutoff_date",
        horizon_days=30,
        algorithms=["logistic_regression", "hist_gradient_boosting"],
        heuristic={"x": "up"},
    )
    settings = training_settings_from_json(None)
    first = pd.DataFrame(train_prediction(con, spec, settings, log=lambda _: None).rows)
    second = pd.DataFrame(train_prediction(con, spec, settings, log=lambda _: None).rows)
    pd.testing.assert_frame_equal(first, second)
    setting = first[first["record"] == "setting"].set_index("name")["text_value"]
    assert setting["status"] == "trained" and setting["split_method"] == "temporal"
    last = frame["cutoff_date"].max()
    assert setting["validation_cutoff"] == str(last.date())
    # training cutoffs end at least one horizon before the validation cutoff
    assert str((last - pd.Timedelta(days=30)).date()) >= setting["training_cutoffs"][14:24]
    leakage = first[first["record"] == "leakage"]
    assert list(leakage["name"]) == ["leak"] and list(leakage["text_value"]) == ["excluded"]
    terms = first[first["record"] == "linear_term"]
    assert "leak" not in set(terms["name"])
    metrics = first[first["record"] == "metric"].pivot_table(
        index="candidate", columns="name", values="value"
    )
    assert metrics.loc["logistic_regression", "roc_auc"] > 0.8
    assert metrics.loc["heuristic", "roc_auc"] > 0.8  # x alone is the signal here


def test_too_few_positives_or_one_class_publish_the_heuristic_with_a_reason():
    con = duckdb.connect()
    _snapshots(con)
    settings = training_settings_from_json(None)
    spec = _spec(label="x > 3.2", heuristic={"x": "up"}, score_relation="current_rows")
    rows = pd.DataFrame(train_prediction(con, spec, settings, log=lambda _: None).rows)
    status = rows[(rows["record"] == "setting") & (rows["name"] == "status")]["text_value"]
    assert list(status) == ["heuristic"]
    note = " ".join(rows[rows["record"] == "note"]["text_value"])
    assert "at least 50" in note and "heuristic score is published" in note
    # a feature with no value in the early cutoffs (all missing in the first fold) still trains
    con.execute(
        "create or replace table late as select *, case when cutoff_date >= date"
        " '2025-06-01' then x end as late_feature from snapshots"
    )
    spec = _spec(
        feature_relation="late",
        cutoff_column="cutoff_date",
        horizon_days=30,
        algorithms=["hist_gradient_boosting", "random_forest"],
    )
    rows = pd.DataFrame(train_prediction(con, spec, settings, log=lambda _: None).rows)
    status = rows[(rows["record"] == "setting") & (rows["name"] == "status")]["text_value"]
    assert list(status) == ["trained"]
    spec = _spec(label="0", score_relation="current_rows")
    rows = pd.DataFrame(train_prediction(con, spec, settings, log=lambda _: None).rows)
    note = " ".join(rows[rows["record"] == "note"]["text_value"])
    assert "single class" in note and "no scores are published" in note


def test_metrics_equal_values_worked_out_by_hand():
    """Ten rows whose every metric is worked out by hand (not by the functions under test).
    Bins of width 0.1: ECE = (0.05 + 2 * 0.365 + 0.35 + 0.55 + 0.55 + 0.35 + 0.15 + 2 * 0.065) / 10;
    ROC AUC: 21 of the 24 positive-negative pairs are ordered right; average precision: the
    precision at each positive, (1 + 1 + 1 + 1 + 5/6 + 6/8) / 6."""
    probability = np.array([0.05, 0.12, 0.15, 0.35, 0.45, 0.55, 0.65, 0.85, 0.92, 0.95])
    labels = np.array([0, 0, 1, 0, 1, 0, 1, 1, 1, 1])
    metrics = classification_metrics(labels, probability, threshold=0.5, bins=10, top_share=0.5)
    log_loss = -sum(
        math.log(p) if y else math.log(1 - p) for p, y in zip(probability, labels, strict=True)
    )
    expected = {
        "ece": 2.86 / 10,
        "brier": 1.6208 / 10,
        "roc_auc": 21 / 24,
        "pr_auc": (4 + 5 / 6 + 6 / 8) / 6,
        "log_loss": log_loss / 10,
        "positive_rate": 0.6,
        "precision": 4 / 5,  # 0.55 and up are predicted positive
        "recall": 4 / 6,
        "precision_at_10pct": 1.0,  # the top row
        "precision_at_20pct": 1.0,
        "precision_at_k": 4 / 5,  # the top half: 0.95, 0.92, 0.85, 0.65, 0.55
        "lift_at_k": (4 / 5) / 0.6,
    }
    assert {name: metrics[name] for name in expected} == pytest.approx(expected, abs=1e-12)
    assert expected_calibration_error(labels, probability, 10) == pytest.approx(0.286)
    # every score is distinct, so each row is a decile of its own, from the highest down
    table = lift_table(labels, probability)
    assert [rows for _, rows, *_ in table] == [1] * 10
    assert [hits for _, _, hits, *_ in table] == [1, 1, 1, 1, 0, 1, 0, 1, 0, 0]
    assert [lift for *_, lift, _ in table] == pytest.approx(
        [h / 0.6 for h in (1, 1, 1, 1, 0, 1, 0, 1, 0, 0)]
    )
    assert [share for *_, share in table] == pytest.approx(
        [1 / 6, 2 / 6, 3 / 6, 4 / 6, 4 / 6, 5 / 6, 5 / 6, 1, 1, 1]
    )
