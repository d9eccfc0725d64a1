"""Propensity end to end: the shipped predictions against the generator's true probabilities on
the large demo data set, and a prediction declared on a user's own feature table (no Python)."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from dbt_runner import build_ok, copy_project, run_dbt
from sklearn.metrics import roc_auc_score
from small_imbalanced import baseline_aucs
from warehouse_diff import differing_tables

from audience.propensity.data import (
    ID,
    LABEL,
    label_summary,
    load_scoring_rows,
    resolve_features,
)
from audience.propensity.heuristic import heuristic_score
from audience.propensity.settings import (
    HeuristicTerm,
    predictions_from_rows,
    training_settings_from_json,
)
from audience.propensity.splits import split_rows
from audience.propensity.training import decode_artifact, train_prediction

# prediction -> (label in the truth file, label column and id column of the snapshot model)
SHIPPED = {
    "churn_90d": ("churn_90d", "fct_customer_snapshots", "customer_id"),
    "purchase_30d": ("purchase_30d", "fct_customer_snapshots", "customer_id"),
    "lead_conversion_30d": ("converted_30d", "fct_lead_snapshots", "lead_id"),
}
MAX_AUC_GAP = 0.03
MAX_ECE = 0.03
BASELINE_TOLERANCE = 0.005


def _ece(labels: np.ndarray, probability: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error, written here rather than taken from the package: rows in
    equal-width probability bins (1.0 in the top one), the gap between each bin's mean
    probability and its positive rate, weighted by the bin's share of rows."""
    frame = pd.DataFrame({"y": labels, "p": probability})
    frame["bin"] = np.minimum(np.floor(frame["p"] * bins), bins - 1)
    per_bin = frame.groupby("bin").agg(y=("y", "mean"), p=("p", "mean"), n=("y", "size"))
    return float(((per_bin["p"] - per_bin["y"]).abs() * per_bin["n"]).sum() / len(frame))


def _read(result, query: str) -> pd.DataFrame:
    with result.connect() as con:
        return con.sql(query).to_arrow_table().to_pandas()


@pytest.mark.parametrize("prediction", list(SHIPPED))
def test_out_of_time_auc_is_near_the_oracle_and_calibrated(large_build, large_demo, prediction):
    """On the validation cutoff (never seen in training), the champion's ROC AUC is within 0.03
    of the AUC of the generator's true probabilities for the same rows, and its expected
    calibration error is at most 0.03."""
    truth_label, snapshot, id_column = SHIPPED[prediction]
    predictions = _read(
        large_build,
        "select name as entity_id, level as cutoff, value as probability, position as rank"
        " from propensity.propensity_model_state"
        f" where prediction = '{prediction}' and record = 'validation_prediction'",
    )
    labels = _read(
        large_build,
        f"select cast({id_column} as varchar) as entity_id, cast(cutoff_date as varchar) as cutoff,"
        f" {truth_label} as label from features.{snapshot} where {truth_label} is not null",
    )
    truth = pd.read_parquet(large_demo.with_name("raw_truth") / "label_probabilities.parquet")
    truth = truth[truth["label"] == truth_label].assign(
        cutoff=lambda t: pd.to_datetime(t["cutoff_date"]).dt.strftime("%Y-%m-%d"),
        entity_id=lambda t: t["entity_id"].astype(str),
    )
    joined = predictions.merge(labels, on=["entity_id", "cutoff"]).merge(
        truth[["entity_id", "cutoff", "true_probability"]], on=["entity_id", "cutoff"]
    )
    # every validation row has its label and its true probability
    assert len(joined) == len(predictions) > 1000
    assert set(joined["cutoff"]) == {joined["cutoff"].iloc[0]}  # one validation cutoff
    y = joined["label"].to_numpy()
    model_auc = roc_auc_score(y, joined["rank"].astype(float))
    oracle_auc = roc_auc_score(y, joined["true_probability"])
    ece = _ece(y, joined["probability"].to_numpy())
    evaluation = _read(
        large_build,
        f"select * from marts.model_evaluation where prediction = '{prediction}'",
    )
    champion = evaluation[evaluation["is_champion"]].iloc[0]
    print(
        f"{prediction}: {len(joined):,} rows, {int(y.sum()):,} positive; champion"
        f" {champion['candidate']} AUC {model_auc:.4f}, oracle {oracle_auc:.4f},"
        f" gap {oracle_auc - model_auc:.4f}, ECE {ece:.4f}"
    )
    print(evaluation[["candidate", "roc_auc", "cv_roc_auc", "ece", "brier", "lift_at_10pct"]])
    assert champion["roc_auc"] == pytest.approx(model_auc, abs=1e-12)
    assert champion["ece"] == pytest.approx(ece, abs=1e-12)
    assert oracle_auc - model_auc <= MAX_AUC_GAP
    assert ece <= MAX_ECE
    # the models beat the documented heuristic they replace
    heuristic = evaluation[evaluation["candidate"] == "heuristic"].iloc[0]
    assert model_auc > heuristic["roc_auc"]


def test_scores_in_sql_equal_the_python_models(large_build):
    """Every published score equals the stored champion applied in Python: logistic champions
    are scored by generated SQL (within 1e-9), tree champions by the Python model."""
    with large_build.connect() as con:
        declarations = con.sql(
            "select prediction, declaration_json from propensity.propensity_declarations"
        ).fetchall()
        specs = {spec.name: spec for spec in predictions_from_rows(declarations)}
        artifacts = con.sql(
            "select prediction, candidate, text_value from propensity.propensity_model_state"
            " where record = 'artifact'"
        ).fetchall()
        assert {name for name, *_ in artifacts} == set(specs)
        algorithms = set()
        for name, candidate, text in artifacts:
            artifact = decode_artifact(text)
            spec = specs[name]
            rows = load_scoring_rows(con, spec, resolve_features(spec, con))
            python = artifact["calibrator"].probability(artifact["candidate"].log_odds(rows))
            published = (
                con.sql(
                    "select entity_id, probability from intermediate.int_prediction_scores"
                    f" where prediction = '{name}'"
                )
                .to_arrow_table()
                .to_pandas()
            )
            joined = pd.DataFrame({"entity_id": rows[ID], "python": python}).merge(
                published, on="entity_id"
            )
            assert len(joined) == len(rows) == len(published) > 0
            assert np.abs(joined["python"] - joined["probability"]).max() <= 1e-9, name
            algorithms.add(candidate)
    # the large build exercises both paths (the lead model's champion is logistic)
    assert "logistic_regression" in algorithms and len(algorithms) > 1


def test_score_marts_rank_band_and_explain(large_build):
    scores = _read(large_build, "select * from marts.customer_scores")
    assert set(scores["prediction"]) == {"churn_90d", "purchase_30d"}
    for _, group in scores.groupby("prediction"):
        # decile 1 holds (about) the top 10%, band A the top 10%, by score
        assert group.groupby("decile")["score"].min().is_monotonic_decreasing
        top = group[group["band"] == "A"]
        assert 0.09 <= len(top) / len(group) <= 0.11
        assert top["score"].min() >= group[group["band"] != "A"]["score"].max()
        assert group["reason_1_feature"].notna().mean() > 0.99
        assert set(group["reason_1_direction"].dropna()) <= {"raises", "lowers"}
        magnitude = group[["reason_1_contribution", "reason_2_contribution"]].abs().fillna(0)
        assert (magnitude["reason_1_contribution"] >= magnitude["reason_2_contribution"]).all()
    churn = scores[scores["prediction"] == "churn_90d"]
    customers = _read(large_build, "select count(*) as n from marts.customer_segments")
    assert len(churn) < customers["n"][0]  # only customers active in the last 365 days
    lookalikes = _read(large_build, "select * from marts.lookalike_audiences")
    for _, group in lookalikes.groupby("lookalike"):
        pool = _read(
            large_build,
            "select count(*) as n from intermediate.int_prediction_scores"
            f" where prediction = '{group['lookalike'].iloc[0]}'",
        )["n"][0]
        assert abs(len(group) - 0.05 * pool) <= 0.01 * pool + 1
        assert (group["audience_tier"] == "top_1pct").sum() <= 0.011 * pool + 1
    crosstab = _read(large_build, "select * from marts.propensity_segment_crosstab")
    assert set(crosstab["segment_type"]) == {"behavioral", "rfm"}
    per_type = crosstab.pivot_table(
        index="prediction", columns="segment_type", values="customers", aggfunc="sum"
    )
    assert (per_type["rfm"] == per_type["behavioral"]).all()


def test_every_entity_type_in_entity_scores_without_certainty_and_with_a_strict_rank(large_build):
    """entity_scores holds every entity type (customer_scores and lead_scores are its slices);
    no probability is exactly 0 or 1 (the demo's band-A churners were all 1.0 with an unbounded
    isotonic top step); score_rank numbers every row by score, raw log-odds, then entity id."""
    scores = _read(large_build, "select * from marts.entity_scores")
    assert set(scores["entity_type"]) == {"customer", "lead"}
    for entity in ("customer", "lead"):
        mart = _read(large_build, f"select count(*) as n from marts.{entity}_scores")["n"][0]
        assert mart == (scores["entity_type"] == entity).sum() > 0
    model = scores[~scores["is_heuristic"]]
    assert model["probability"].between(0, 1, inclusive="neither").all()
    for name, group in scores.groupby("prediction"):
        ordered = group.sort_values(
            ["score", "model_log_odds", "entity_id"], ascending=[False, False, True]
        )
        assert list(ordered["score_rank"]) == list(range(1, len(group) + 1)), name
        band_a = group[group["band"] == "A"]
        if not group["is_heuristic"].any():
            assert band_a["probability"].max() < 1, name


def test_population_columns_are_never_default_features(large_build):
    """is_churn_eligible and is_recent_lead (config meta feature: false) are shared by the
    snapshots and the current features, so without that mark they would be features of every
    prediction that does not name its features; the shipped populations are made of them."""
    features = _read(large_build, "select prediction, feature from marts.model_feature_importance")
    assert set(features["prediction"]) >= {"churn_90d", "purchase_30d", "lead_conversion_30d"}
    assert not set(features["feature"]) & {"is_churn_eligible", "is_recent_lead"}
    declared = _read(
        large_build,
        "select prediction, json_extract_string(declaration_json, '$.population_text')"
        " as population from propensity.propensity_declarations"
        " where prediction_kind = 'propensity'",
    ).set_index("prediction")["population"]
    assert declared["churn_90d"] == "is_churn_eligible"
    assert declared["lead_conversion_30d"] == "is_recent_lead"


def test_on_the_demo_data_the_champion_is_not_worse_than_the_naive_baselines(large_build):
    """churn_90d with its latest labeled cutoff declared as the test set, trained as dbt trains
    it: the published model's test ROC AUC is at least that of default gradient boosting and of
    a standardized logistic regression fitted on the rows the published model was fitted on,
    within 0.005."""
    with large_build.connect() as con:
        declarations = con.sql(
            "select prediction, declaration_json from propensity.propensity_declarations"
        ).fetchall()
        shipped = {s.name: s for s in predictions_from_rows(declarations)}["churn_90d"]
        ((last,),) = con.sql(
            "select max(cutoff_date) from features.fct_customer_snapshots"
            " where churn_90d is not null"
        ).fetchall()
        condition = f"cutoff_date = date '{last}'"
        spec = replace(shipped, test_condition=condition, test_condition_text=condition)
        settings = training_settings_from_json(None)
        records = pd.DataFrame(train_prediction(con, spec, settings, log=lambda _: None).rows)
        features = resolve_features(spec, con)
        split = split_rows(con, spec, settings, features, label_summary(con, spec))
    setting = records[records["record"] == "setting"].set_index("name")
    champion = setting.loc["champion", "text_value"]
    assert setting.loc["published_training_rows", "value"] == len(split.refit)
    metric = records[(records["record"] == "metric") & (records["level"] == "test")]
    auc = metric.set_index(["candidate", "name"]).loc[(champion, "roc_auc"), "value"]
    assert metric.set_index(["candidate", "name"]).loc[(champion, "validation_rows"), "value"] == (
        len(split.test)
    )
    baselines = baseline_aucs(
        split.refit, split.test, LABEL, features.numeric, features.categorical
    )
    print(f"demo churn_90d: champion {champion} test AUC {auc:.4f}, {baselines}")
    for name, baseline in baselines.items():
        assert auc >= baseline - BASELINE_TOLERANCE, name


# --- a prediction declared on a user's own feature table ------------------------------------


def _user_tables(folder, rng) -> None:
    """Accounts with a planted logistic upgrade probability; a leaky column; scoring rows with a
    plan level never seen in training."""
    n = 6000
    plan = rng.choice(["starter", "team", "business"], n, p=[0.5, 0.3, 0.2])
    seats = rng.integers(1, 100, n)
    spend = rng.lognormal(4, 1, n)
    logit = -2 + 1.2 * (plan == "business") + 0.5 * (plan == "team") + 0.02 * seats
    truth = 1 / (1 + np.exp(-logit))
    upgraded = (rng.random(n) < truth).astype(int)
    leaky = np.where(rng.random(n) < 0.01, 1 - upgraded, upgraded)
    ids = [f"C{i:07d}" for i in range(1, n + 1)]
    training = pd.DataFrame(
        {
            "customer_id": ids,
            "plan": plan,
            "seats": seats,
            "monthly_spend": spend,
            "upgrade_confirmed": leaky,
            "upgraded": upgraded,
            "true_probability": truth,
        }
    )
    training.to_parquet(folder / "account_training.parquet")
    scoring = training.drop(columns=["upgraded"]).head(500).copy()
    scoring.loc[:9, "plan"] = "enterprise_plus"  # unseen at training time
    scoring.loc[10:19, "seats"] = None
    scoring.to_parquet(folder / "account_scoring.parquet")


# The shipped audiences read the shipped predictions' columns: a project of its own declares none.
NO_AUDIENCES = {"audience__audiences": []}
USER_PREDICTIONS = [
    {
        "name": "plan_upgrade",
        "entity": "customer",
        "feature_model": "account_training",
        "score_model": "account_scoring",
        "label": "upgraded",
        "algorithms": ["logistic_regression"],
    },
    {
        "name": "big_upgrade",  # too few positives: the heuristic is published
        "entity": "customer",
        "feature_model": "account_training",
        "score_model": "account_scoring",
        "label": "upgraded = 1 and seats >= 99",
        "heuristic": {"seats": "up", "monthly_spend": "up"},
    },
    {
        "name": "nobody",  # empty population: no model, no heuristic, a note
        "entity": "customer",
        "feature_model": "account_training",
        "label": "upgraded",
        "population": "seats > 1000",
    },
    {
        "name": "account_upgrade",  # an entity of the user's own, with a declared test set
        "entity": "account",
        "id_column": "customer_id",
        "feature_model": "account_training",
        "label": "upgraded",
        "test_condition": "customer_id > 'C0005000'",
        "algorithms": ["logistic_regression", "hist_gradient_boosting"],
        "champion_metric": "roc_auc",
    },
]


@pytest.fixture(scope="module")
def user_build(tmp_path_factory):
    """The project copied with two models a user would add (plain SQL over their own files) and
    four predictions declared in vars: no Python, and no shop or CRM file at all (the data
    folder is empty)."""
    root = tmp_path_factory.mktemp("user_prediction")
    _user_tables(root, np.random.default_rng(5))
    reader = "select * exclude (true_probability) from read_parquet('{}')\n"
    project = copy_project(
        root / "project",
        {
            name: reader.format(root / f"{name}.parquet")
            for name in ("account_training", "account_scoring")
        },
    )
    empty = root / "no_shop_files"
    empty.mkdir()
    user_vars = {
        "audience__predictions": USER_PREDICTIONS,
        "audience__lookalikes": [],
        **NO_AUDIENCES,
    }
    result = build_ok(empty, root / "work", user_vars, project_dir=project)
    return result, root, project, empty


def test_user_prediction_trains_scores_and_evaluates(user_build):
    result, root, *_ = user_build
    models = _read(result, "select * from marts.prediction_models order by prediction")
    by_name = models.set_index("prediction")
    assert by_name.loc["plan_upgrade", "status"] == "trained"
    assert by_name.loc["plan_upgrade", "split_method"] == "random"
    assert by_name.loc["big_upgrade", "status"] == "heuristic"
    assert "at least 50" in by_name.loc["big_upgrade", "notes"]
    assert by_name.loc["nobody", "status"] == "not_trained"
    assert "no labeled rows" in by_name.loc["nobody", "notes"]

    where = "where prediction = 'plan_upgrade'"
    evaluation = _read(result, f"select * from marts.model_evaluation {where}")
    assert list(evaluation["candidate"]) == ["logistic_regression"]
    # the planted logistic model is recovered: holdout AUC close to the truth's on the same rows
    holdout = _read(
        result,
        "select name as customer_id, value as probability from propensity.propensity_model_state"
        " where prediction = 'plan_upgrade' and record = 'validation_prediction'",
    )
    planted = pd.read_parquet(root / "account_training.parquet")
    joined = holdout.merge(planted, on="customer_id")
    oracle = roc_auc_score(joined["upgraded"], joined["true_probability"])
    model = roc_auc_score(joined["upgraded"], joined["probability"])
    assert len(joined) == round(0.3 * len(planted))
    assert oracle - model <= 0.02

    # the leaky column was caught and excluded
    importance = _read(result, f"select * from marts.model_feature_importance {where}")
    leaky = importance[importance["feature"] == "upgrade_confirmed"].iloc[0]
    assert leaky["is_excluded_as_leakage"] and leaky["leakage_auc"] > 0.98
    coefficients = _read(result, f"select * from marts.model_coefficients {where}")
    assert "upgrade_confirmed" not in set(coefficients["feature"])
    assert {"starter", "team", "business"} == set(coefficients["category_level"].dropna())

    scores = _read(result, "select * from marts.customer_scores order by prediction, customer_id")
    upgrade = scores[scores["prediction"] == "plan_upgrade"]
    assert len(upgrade) == 500 and upgrade["probability"].between(0, 1).all()
    assert not upgrade["is_heuristic"].any()
    heuristic = scores[scores["prediction"] == "big_upgrade"]
    assert len(heuristic) == 500 and heuristic["is_heuristic"].all()
    assert heuristic["probability"].isna().all() and heuristic["score"].between(0, 1).all()
    # the generated heuristic SQL computes what audience/propensity/heuristic.py defines
    rows = pd.read_parquet(root / "account_scoring.parquet")
    terms = (HeuristicTerm("monthly_spend", 1), HeuristicTerm("seats", 1))
    expected = pd.DataFrame(
        {"customer_id": rows["customer_id"], "expected": heuristic_score(rows, terms)}
    )
    compared = heuristic.merge(expected, on="customer_id")
    assert len(compared) == 500
    assert np.abs(compared["score"] - compared["expected"]).max() <= 1e-12
    assert "nobody" not in set(scores["prediction"])


def test_user_prediction_sql_scores_equal_scikit_learn(user_build):
    """The logistic champion is scored by generated SQL; scikit-learn's predict_proba of the
    stored model, then its sigmoid calibration, gives the same numbers within 1e-9, including
    for a plan level never seen in training and missing seat counts."""
    result, *_ = user_build
    with result.connect() as con:
        declarations = con.sql(
            "select prediction, declaration_json from propensity.propensity_declarations"
        ).fetchall()
        spec = {s.name: s for s in predictions_from_rows(declarations)}["plan_upgrade"]
        ((text,),) = con.sql(
            "select text_value from propensity.propensity_model_state"
            " where prediction = 'plan_upgrade' and record = 'artifact'"
        ).fetchall()
        artifact = decode_artifact(text)
        rows = load_scoring_rows(con, spec, resolve_features(spec, con))
        sql = (
            con.sql(
                "select customer_id, probability from marts.customer_scores"
                " where prediction = 'plan_upgrade'"
            )
            .to_arrow_table()
            .to_pandas()
        )
    candidate, calibrator = artifact["candidate"], artifact["calibrator"]
    raw = candidate.estimator.predict_proba(candidate.plan.linear_matrix(rows))[:, 1]
    python = calibrator.probability(np.log(raw) - np.log1p(-raw))
    joined = pd.DataFrame({"customer_id": rows[ID], "python": python}).merge(sql, on="customer_id")
    assert len(joined) == 500
    assert np.abs(joined["python"] - joined["probability"]).max() <= 1e-9
    unseen = joined[joined["customer_id"].isin([f"C{i:07d}" for i in range(1, 11)])]
    assert len(unseen) == 10 and unseen["probability"].notna().all()


def test_a_user_entity_with_a_test_set_is_refitted_and_measured_out_of_sample(user_build):
    result, root, *_ = user_build
    where = "where prediction = 'account_upgrade'"
    (model,) = _read(result, f"select * from marts.prediction_models {where}").itertuples()
    assert model.status == "trained" and model.evaluated_on == "test"
    assert model.test_rows == 1000 and model.is_refit and model.published_training_rows == 5000
    assert model.champion_metric == "roc_auc"
    evaluation = _read(result, f"select * from marts.model_evaluation {where}")
    test = evaluation[evaluation["evaluated_on"] == "test"]
    assert list(test["candidate"]) == [model.champion] and test["is_refit"].all()
    assert test["validation_rows"].iloc[0] == 1000
    validation = evaluation[evaluation["evaluated_on"] == "validation"]
    best = validation.loc[validation["champion_metric_value"].idxmax(), "candidate"]
    assert best == model.champion
    # the test metric is the published scores' AUC on the test rows
    scores = _read(
        result, f"select entity_id as customer_id, probability from marts.entity_scores {where}"
    )
    planted = pd.read_parquet(root / "account_training.parquet")
    joined = scores.merge(planted, on="customer_id")
    assert len(joined) == 6000 and set(
        _read(result, "select entity_type from marts.entity_scores")["entity_type"]
    ) == {"customer", "account"}
    tested = joined[joined["customer_id"] > "C0005000"]
    assert roc_auc_score(tested["upgraded"], tested["probability"]) == pytest.approx(
        test["roc_auc"].iloc[0], abs=1e-9
    )


def test_an_unchanged_rebuild_reuses_the_trained_models_and_changes_no_table(user_build):
    """A second build on the same data and declarations reuses every trained model (retrain:
    on_new_cutoff, the default) instead of refitting it, and every table stays as it was."""
    result, root, project, empty = user_build
    work = root / "rebuilt"
    work.mkdir()
    shutil.copyfile(result.warehouse, work / result.warehouse.name)
    user_vars = {
        "audience__predictions": USER_PREDICTIONS,
        "audience__lookalikes": [],
        **NO_AUDIENCES,
    }
    rebuilt = run_dbt(["build"], empty, work, user_vars, project)
    assert rebuilt.returncode == 0, rebuilt.output[-6000:]
    for trained in ("plan_upgrade", "account_upgrade"):
        assert f"{trained}: reusing the stored model" in rebuilt.output
    for recomputed in ("big_upgrade", "nobody"):  # cold starts cost one query: not stored
        assert f"{recomputed}: reusing" not in rebuilt.output
    assert differing_tables(result.warehouse, rebuilt.warehouse) == {}


def test_a_changed_declaration_retrains_when_only_the_models_after_it_are_selected(user_build):
    """A user edits a declaration and builds `--select propensity_model_state+`, which leaves
    propensity_declarations out: the build rebuilds it first (on-run-start, it says so) and
    trains the new declaration, not the one of the last full build."""
    result, root, project, empty = user_build
    work = root / "changed_declaration"
    work.mkdir()
    shutil.copyfile(result.warehouse, work / result.warehouse.name)
    changed = [dict(USER_PREDICTIONS[0], label="seats > 50")]
    rebuilt = run_dbt(
        ["build", "--select", "propensity_model_state+"],
        empty,
        work,
        {"audience__predictions": changed, "audience__lookalikes": [], **NO_AUDIENCES},
        project,
    )
    assert rebuilt.returncode == 0, rebuilt.output[-6000:]
    assert "propensity_declarations was built from other declarations" in rebuilt.output
    declarations = _read(rebuilt, "select * from propensity.propensity_declarations")
    assert list(declarations["prediction"]) == ["plan_upgrade"]
    assert json.loads(declarations["declaration_json"].iloc[0])["label_text"] == "seats > 50"
    # the model was trained on the new label: its positives are the rows with more than 50 seats
    (model,) = _read(rebuilt, "select * from marts.prediction_models").itertuples()
    state = _read(
        rebuilt,
        "select name as customer_id from propensity.propensity_model_state"
        " where prediction = 'plan_upgrade' and record = 'validation_prediction'",
    )
    planted = pd.read_parquet(root / "account_training.parquet")
    trained_on = planted[~planted["customer_id"].isin(state["customer_id"])]
    assert model.status == "trained" and model.training_rows == len(trained_on)
    assert model.training_positives == int((trained_on["seats"] > 50).sum())
    assert model.training_positives != int(trained_on["upgraded"].sum())


def test_the_value_lookalike_is_seeded_on_the_top_tenth_by_predicted_clv(built):
    """lookalike_top_clv: the seed is exactly the top 10% of customers by customer_clv (ties
    share the higher share), the pool every other customer, and the spend and purchase counts
    that CLV is computed from are not among its features."""
    clv = _read(built, "select customer_id, clv from marts.customer_clv where clv is not null")
    at_least = clv["clv"].map(lambda value: (clv["clv"] >= value).sum()) / len(clv)
    seed = set(clv.loc[at_least <= 0.1, "customer_id"])
    assert 0 < len(seed) <= 0.1 * len(clv) + 1
    ranked = _read(
        built,
        "select customer_id from intermediate.int_customers_ranked_by_value"
        " where clv_top_share <= 0.1",
    )
    assert set(ranked["customer_id"]) == seed
    scored = _read(
        built,
        "select entity_id from intermediate.int_prediction_scores"
        " where prediction = 'lookalike_top_clv'",
    )
    customers = _read(built, "select customer_id from features.fct_customer_features")
    assert set(scored["entity_id"]) == set(customers["customer_id"]) - seed
    model = _read(
        built, "select * from marts.prediction_models where prediction = 'lookalike_top_clv'"
    ).iloc[0]
    assert model["status"] == "trained" and model["prediction_kind"] == "lookalike"
    features = set(
        _read(
            built,
            "select feature from marts.model_coefficients"
            " where prediction = 'lookalike_top_clv' and is_champion",
        )["feature"]
    )
    spend = {"monetary", "frequency", "recency_days", "average_order_value", "tenure_days"}
    assert features and not features & spend
    assert not [f for f in features if f.startswith("net_amount_")]
    assert not features & {"predicted_clv", "clv_top_share", "is_churn_eligible"}
