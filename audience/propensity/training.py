"""Training one declared prediction: split, leakage guard, tuning, calibration, validation,
champion choice, refit, test.

1. Split (splits.py): the declared test set aside; the development rows split by time (the
   latest cutoff validates, training uses the cutoffs whose label window ends by then) or by a
   seeded stratified holdout.
2. Eligibility. Too few positives, negatives or training cutoffs: no model; the heuristic score
   is published instead and a note says why.
3. Leakage guard. A feature that alone separates the training labels with ROC AUC above
   audience__propensity_leakage_auc is excluded (unless the declaration allows it).
4. Tuning and calibration of every candidate on cross-validation folds, and the blend of the
   logistic regression with the best tree candidate (tuning.py).
5. Validation: every candidate, fitted on the training rows, predicts the validation rows; the
   champion has the best value of the declared champion_metric there (default log loss, a proper
   scoring rule: it rewards ranking and calibration together; ties: declaration order).
6. Refit (default): the champion refitted on every development row and calibrated on the
   out-of-fold predictions; that model is published. With refit: false, the champion as fitted
   on the training rows is.
7. Test: the published model measured on the declared test set (never used before this step).
"""

from __future__ import annotations

import base64
import hashlib
import json
import pickle
import time

import numpy as np
import pandas as pd
import sklearn

from audience.propensity.candidates import (
    CandidateError,
    PropensityTuningError,
    size_tier,
)
from audience.propensity.data import (
    CUTOFF,
    ID,
    LABEL,
    NUMERIC_TYPE,
    FeatureColumns,
    PropensityDataError,
    label_summary,
    relation_columns,
    resolve_features,
)
from audience.propensity.design import FeaturePlan
from audience.propensity.evaluation import best_by, classification_metrics, ranking
from audience.propensity.explain import leakage_auc, permutation_importance
from audience.propensity.heuristic import heuristic_score
from audience.propensity.records import Records
from audience.propensity.reuse import DECLARATION_KEY, declaration_key, reused_records
from audience.propensity.settings import (
    PredictionSpec,
    PropensityConfigError,
    TrainingSettings,
)
from audience.propensity.splits import Split, split_rows
from audience.propensity.tuning import (
    BLEND,
    Candidate,
    Published,
    as_published,
    blend,
    make_folds,
    refit,
    tune_and_fit,
)

HEURISTIC = "heuristic"
LEAKAGE_SAMPLE_ROWS = 50_000
VALIDATION, TEST = "validation", "test"
# The metrics that describe a ranking, not a probability: all a heuristic score gets.
NOT_PROBABILITY_METRICS = ("log_loss", "brier", "ece", "threshold", "precision", "recall", "f1")


def train_prediction(
    con, spec: PredictionSpec, settings: TrainingSettings, log=print, stored=None
) -> Records:
    """The rows of one prediction: trained now, or the stored ones when its retrain policy
    allows (reuse.py). `stored`: the previous propensity_model_state, if any."""
    features = resolve_features(spec, con)
    _check_heuristic(spec, con)
    if spec.retrain == "never" or spec.pinned_version:  # decided without reading any row
        reused = reused_records(spec, settings, None, stored, log)
        if reused is not None:
            return reused
    records = Records(spec.name)
    records.add("setting", "kind", text=spec.kind)
    records.add("setting", "entity", text=spec.entity)
    records.add("setting", "declaration", text=spec.fingerprint_json())
    if spec.test_condition:
        records.setting("test_condition", spec.test_text)
    for skipped in features.skipped:
        records.note(f"column {skipped} is not a number, text or boolean: not used", log)
    try:
        reused = _train(con, spec, settings, features, records, log, stored)
        if reused is not None:
            return reused
    except PropensityDataError as error:
        _not_trained(spec, records, str(error), log)
    except PropensityTuningError as error:  # scikit-learn refused a declared setting
        if str(error).startswith("prediction "):
            raise
        raise PropensityConfigError(f"prediction {spec.name!r}: tuning: {error}") from None
    return records


def _check_heuristic(spec: PredictionSpec, con) -> None:
    for relation in {spec.feature_relation, spec.score_relation}:
        columns = relation_columns(con, relation)
        missing = [t.column for t in spec.heuristic if t.column not in columns]
        if missing:
            raise PropensityConfigError(
                f"prediction {spec.name!r}: heuristic column(s) {', '.join(missing)} not in"
                f" {relation}"
            )
        not_numbers = [
            t.column for t in spec.heuristic if not NUMERIC_TYPE.match(columns[t.column])
        ]
        if not_numbers:
            raise PropensityConfigError(
                f"prediction {spec.name!r}: heuristic column(s) {', '.join(not_numbers)} in"
                f" {relation} must be numbers"
            )


def _not_trained(spec: PredictionSpec, records: Records, why: str, log) -> None:
    fallback = (
        "the heuristic score is published instead"
        if spec.heuristic
        else ("no heuristic is declared, so no scores are published")
    )
    records.note(f"no model trained: {why}; {fallback}", log)
    records.add("setting", "status", text=HEURISTIC if spec.heuristic else "not_trained")
    records.model_version = _version(spec)


def _train(con, spec, settings, features: FeatureColumns, records: Records, log, stored):
    """Trains into `records`; returns the stored records instead when they can be reused."""
    summary = label_summary(con, spec)
    _require_labeled_rows(spec, summary)
    extra = tuple(t.column for t in spec.heuristic if t.column not in features.numeric)
    loaded = FeatureColumns(features.numeric + extra, features.categorical, ())
    split = split_rows(con, spec, settings, loaded, summary)
    version = _version(spec, settings, split)
    if (reused := reused_records(spec, settings, version, stored, log)) is not None:
        return reused
    records.setting(DECLARATION_KEY, declaration_key(spec, settings))
    _record_split(spec, split, records, log)
    kept, plan, folds = _plan_features_and_folds(spec, settings, features, split, records, log)
    candidates = _fit_candidates(spec, settings, plan, split, folds, records, log)
    champion = _choose_champion(spec, settings, candidates, split, folds, records, log)
    published = _champion_to_publish(spec, settings, champion, candidates, kept, split, folds)
    records.setting("refit", "true" if published.is_refit else "false")
    records.setting("published_training_rows", published.training_rows)
    _record_linear_model(candidates, champion, published, records)
    evaluated_on = VALIDATION
    if split.test is not None:
        evaluated_on = _evaluate_test(spec, settings, champion, published, split.test, records)
    records.setting("evaluated_on", evaluated_on)
    _publish(spec, settings, champion, candidates[champion], published, split.valid, records)
    records.model_version = version
    return None


def _require_labeled_rows(spec, summary) -> None:
    if summary.loc[~summary["is_test"], "labeled"].sum() == 0:
        raise PropensityDataError(
            f"the population has no labeled rows in {spec.feature_relation}"
            + (f" (population: {spec.population_text or spec.population})" * bool(spec.population))
            + (f" outside the test set ({spec.test_text})" * bool(spec.test_condition))
        )


def _plan_features_and_folds(spec, settings, features, split: Split, records, log):
    """The features the leakage guard keeps, their encoding (fitted on the training rows) and
    the cross-validation folds, recorded; ((numeric, categorical), plan, folds)."""
    train = split.train
    y_train = train[LABEL].to_numpy()
    numeric, categorical = _leakage_guard(spec, settings, features, train, y_train, records, log)
    if not numeric and not categorical:
        raise PropensityDataError("every feature was excluded by the leakage guard")
    plan = FeaturePlan.fit(train, numeric, categorical)
    folds = make_folds(spec, settings, train)
    if folds.note:
        records.note(folds.note, log)
    records.setting("cv_method", folds.method)
    minority = int(min(y_train.sum(), y_train.shape[0] - y_train.sum()))
    records.setting("grid_tier", size_tier(minority))
    return (numeric, categorical), plan, folds


def _choose_champion(spec, settings, candidates, split: Split, folds, records, log) -> str:
    """The candidate with the best champion_metric on the selection rows, recorded."""
    evaluated = _validate(spec, settings, candidates, split.valid, records)
    selection = _selection_metrics(spec, settings, candidates, split, folds, evaluated, records)
    champion = best_by(selection, spec.champion_metric)
    for name, value in (
        ("status", "trained"),
        ("champion", champion),
        ("champion_metric", spec.champion_metric),
        ("champion_top_share", spec.champion_top_share),
    ):
        records.setting(name, value)
    log(
        f"  {spec.name}: champion {champion} by {spec.champion_metric}"
        f" {selection[champion][spec.champion_metric]:.4f}, validation AUC"
        f" {evaluated[champion]['roc_auc']:.4f}"
    )
    return champion


def _champion_to_publish(spec, settings, champion, candidates, kept, split, folds) -> Published:
    """The champion refitted on every development row, or as fitted on the training rows."""
    if spec.refit:
        return refit(champion, candidates, kept, split, folds, settings)
    return as_published(candidates[champion], len(split.train))


def _record_split(spec, split: Split, records: Records, log) -> None:
    for name, value in split.settings:
        records.setting(name, value)
    for note in split.notes:
        records.note(note, log)
    train, valid = split.train, split.valid
    y_train, y_valid = train[LABEL].to_numpy(), valid[LABEL].to_numpy()
    for name, frame, labels in (("training", train, y_train), ("validation", valid, y_valid)):
        records.setting(f"{name}_rows", len(frame))
        records.setting(f"{name}_positives", int(labels.sum()))
    log(
        f"  {spec.name}: {len(train):,} training rows ({int(y_train.sum()):,} positive),"
        f" {len(valid):,} validation rows ({int(y_valid.sum()):,} positive)"
        + (f", {len(split.test):,} test rows" if split.test is not None else "")
    )


def _fit_candidates(spec, settings, plan, split, folds, records, log) -> dict[str, Candidate]:
    candidates: dict[str, Candidate] = {}
    for algorithm in spec.algorithms:
        tick = time.perf_counter()
        try:
            candidates[algorithm] = tune_and_fit(
                algorithm, spec, plan, split.train, split.valid, folds, settings, records
            )
        except CandidateError as error:
            records.note(f"candidate {algorithm} not fitted: {error}", log)
            continue
        log(
            f"  {spec.name}: {algorithm} cv AUC {candidates[algorithm].cv_auc:.4f}"
            f" ({time.perf_counter() - tick:.1f}s)"
        )
    if not candidates:
        raise PropensityDataError("no candidate could be fitted (see the notes above)")
    mixed = blend(candidates, split.train, folds)
    if mixed is not None:
        candidates[BLEND] = mixed
        log(f"  {spec.name}: blend of {' + '.join(mixed.members)} cv AUC {mixed.cv_auc:.4f}")
    return candidates


def _validate(spec, settings, candidates, valid, records) -> dict[str, dict]:
    """Every candidate's metrics on the validation rows (and the heuristic's), recorded."""
    y_valid = valid[LABEL].to_numpy()
    evaluated = {}
    for name, candidate in candidates.items():
        probability, rank = candidate.validation_probability, candidate.validation_rank
        metrics = classification_metrics(
            y_valid,
            probability,
            candidate.threshold,
            settings.calibration_bins,
            rank,
            spec.champion_top_share,
        )
        metrics["cv_roc_auc"] = candidate.cv_auc
        evaluated[name] = metrics
        records.metrics(
            name,
            VALIDATION,
            metrics,
            parameters=json.dumps(candidate.fitted.params, sort_keys=True),
            calibration=candidate.calibrator.method,
        )
        records.curves(name, VALIDATION, y_valid, probability, rank, settings.calibration_bins)
    if spec.heuristic:
        _heuristic_metrics(spec, settings, valid, VALIDATION, records)
    return evaluated


def _selection_metrics(spec, settings, candidates, split, folds, evaluated, records):
    """What the champion is chosen on. Temporal split: the validation cutoff's metrics (the
    latest period). Random split: the out-of-fold predictions of every development row (the
    tuning folds' and the holdout's, calibrated), 1 / holdout_share times the holdout's rows: on
    a few hundred positives the holdout alone picks the wrong candidate too often."""
    if spec.is_temporal:
        selection, rows = evaluated, "the validation cutoff"
    else:
        labels = np.concatenate([folds.labels(split.train[LABEL].to_numpy()), split.valid[LABEL]])
        selection = {}
        for name, candidate in candidates.items():
            log_odds = np.concatenate([candidate.fold_log_odds, candidate.validation_log_odds])
            probability = candidate.calibrator.probability(log_odds)
            selection[name] = classification_metrics(
                labels,
                probability,
                candidate.threshold,
                settings.calibration_bins,
                ranking(probability, log_odds),
                spec.champion_top_share,
            )
        rows = f"out-of-fold predictions of {labels.shape[0]:,} development rows"
    records.setting("selected_on", rows)
    for name, metrics in selection.items():
        value = metrics[spec.champion_metric]
        records.add("metric", "selection_value", value=value, candidate=name, level=VALIDATION)
    return selection


def _heuristic_metrics(spec, settings, rows, split: str, records: Records) -> None:
    labels = rows[LABEL].to_numpy()
    score = heuristic_score(rows, spec.heuristic)
    metrics = classification_metrics(
        labels, score, 0.5, settings.calibration_bins, top_share=spec.champion_top_share
    )
    metrics.update(dict.fromkeys(NOT_PROBABILITY_METRICS, np.nan))  # a ranking, not a probability
    records.metrics(HEURISTIC, split, metrics)
    records.lift(HEURISTIC, split, labels, score)


def _evaluate_test(spec, settings, champion, published: Published, test, records) -> str:
    """The published model (and the heuristic) on the declared test set."""
    labels = test[LABEL].to_numpy()
    log_odds = published.fitted.log_odds(test)
    probability = published.calibrator.probability(log_odds)
    rank = ranking(probability, log_odds)
    metrics = classification_metrics(
        labels,
        probability,
        published.threshold,
        settings.calibration_bins,
        rank,
        spec.champion_top_share,
    )
    records.metrics(
        champion,
        TEST,
        metrics,
        parameters=json.dumps(published.fitted.params, sort_keys=True),
        calibration=published.calibrator.method,
    )
    records.curves(champion, TEST, labels, probability, rank, settings.calibration_bins)
    if spec.heuristic:
        _heuristic_metrics(spec, settings, test, TEST, records)
    _prediction_rows(records, "test_prediction", champion, test, probability, rank)
    return TEST


def _record_linear_model(candidates, champion, published: Published, records) -> None:
    """The logistic regression's terms: of the published model when it is the champion, else
    of the candidate fitted on the training rows."""
    if champion == "logistic_regression":
        records.linear_model(published.fitted, published.calibrator)
    elif "logistic_regression" in candidates:
        linear = candidates["logistic_regression"]
        records.linear_model(linear.fitted, linear.calibrator)


def _publish(spec, settings, champion, best: Candidate, published, valid, records) -> None:
    """Permutation importance (of the champion on the validation rows, which it has not seen
    before its refit), the champion's validation predictions, and the published model."""
    y_valid = valid[LABEL].to_numpy()
    sample = _sample(len(valid), settings.importance_rows, settings.seed)
    importance = permutation_importance(
        best.fitted, valid.iloc[sample].reset_index(drop=True), y_valid[sample], settings.seed
    )
    ordered = sorted(importance, key=lambda item: (-item[1], item[0]))
    for rank, (feature, mean, spread) in enumerate(ordered, start=1):
        records.add("importance", feature, value=mean, candidate=champion, position=rank)
        records.add("importance_std", feature, value=spread, candidate=champion, position=rank)
    _prediction_rows(
        records,
        "validation_prediction",
        champion,
        valid,
        best.validation_probability,
        best.validation_rank,
    )
    artifact = {
        "sklearn": sklearn.__version__,
        "candidate": published.fitted,
        "calibrator": published.calibrator,
        "reason_columns": [feature for feature, *_ in ordered][: settings.reason_features],
        "threshold": published.threshold,
    }
    records.add(
        "artifact",
        "model",
        candidate=champion,
        text=base64.b64encode(pickle.dumps(artifact, protocol=5)).decode("ascii"),
    )


def _prediction_rows(records, record, champion, rows, probability, rank) -> None:
    """value = calibrated probability, position = its rank as the score marts rank it, level =
    the row's cutoff."""
    cutoffs = rows[CUTOFF] if CUTOFF in rows else [None] * len(rows)
    for entity_id, cutoff, p, r in zip(rows[ID], cutoffs, probability, rank, strict=True):
        records.add(
            record,
            str(entity_id),
            value=p,
            candidate=champion,
            level=None if cutoff is None else str(pd.Timestamp(cutoff).date()),
            position=int(r),
        )


def _leakage_guard(spec, settings, features, train, labels, records, log):
    sample = _sample(len(train), LEAKAGE_SAMPLE_ROWS, settings.seed)
    frame, y = train.iloc[sample], labels[sample]
    kept = {"numeric": [], "categorical": []}
    for kind, columns in (("numeric", features.numeric), ("categorical", features.categorical)):
        for column in columns:
            auc = leakage_auc(frame, y, column, categorical=kind == "categorical")
            if auc > settings.leakage_auc:
                allowed = column in spec.allow_leaky_features
                records.add("leakage", column, value=auc, text="allowed" if allowed else "excluded")
                records.note(
                    f"feature {column} alone separates the label with ROC AUC {auc:.3f} (above"
                    f" {settings.leakage_auc}): probable leakage, "
                    + ("kept because allow_leaky_features names it" if allowed else "excluded"),
                    log,
                )
                if not allowed:
                    continue
            kept[kind].append(column)
    return tuple(kept["numeric"]), tuple(kept["categorical"])


def _sample(rows: int, cap: int, seed: int) -> np.ndarray:
    if rows <= cap:
        return np.arange(rows)
    return np.sort(np.random.default_rng(seed).choice(rows, cap, replace=False))


def _version(spec: PredictionSpec, settings=None, split: Split | None = None) -> str:
    """A hash of the declaration, the settings and every row the model saw or was measured on
    (no relation names: the same for any warehouse file name)."""
    digest = hashlib.sha256(spec.fingerprint_json().encode())
    if split is not None:
        digest.update(settings.to_json().encode())
        for frame in (split.train, split.valid, split.refit, split.test):
            if frame is not None:
                digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return digest.hexdigest()[:16]


def decode_artifact(text: str) -> dict:
    """The champion stored by train_prediction (trusted: written by this project's own build)."""
    return pickle.loads(base64.b64decode(text))  # noqa: S301
