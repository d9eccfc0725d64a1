"""Training one declared prediction: split, leakage guard, time-aware tuning, calibration,
out-of-time evaluation, champion choice.

1. Split. With a cutoff column the split is temporal: the latest cutoff with labels validates;
   training uses the cutoffs whose label window (cutoff + horizon) ends by then, so no training
   label is observed after the validation cutoff. Without one, a seeded stratified holdout.
2. Eligibility. Too few positives, negatives or training cutoffs: no model; the heuristic score
   is published instead and a note says why.
3. Leakage guard. A feature that alone separates the training labels with ROC AUC above
   audience__propensity_leakage_auc is excluded (unless the declaration allows it).
4. Tuning. Each candidate's settings are compared on time-aware folds: for each of the last
   cv_folds training cutoffs, fit on the cutoffs whose label window ends before it and predict
   it. The best mean fold AUC wins. The folds' predictions for the winning setting fit the
   calibrator and the F1 threshold; the candidate is then refitted on all training rows.
5. Evaluation on the validation rows; the champion has the lowest validation log loss (a proper
   scoring rule: it rewards ranking and calibration together, so a candidate with a slightly
   higher AUC but badly calibrated probabilities does not win; ties: declaration order).
"""

from __future__ import annotations

import base64
import hashlib
import json
import pickle
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import sklearn
from sklearn.metrics import roc_auc_score

from audience.propensity.candidates import (
    PARAMETER_GRIDS,
    CandidateError,
    FittedCandidate,
    fit_candidate,
)
from audience.propensity.data import (
    CUTOFF,
    ID,
    LABEL,
    NUMERIC_TYPE,
    FeatureColumns,
    PropensityDataError,
    label_summary,
    load_rows,
    relation_columns,
    resolve_features,
    stratified_holdout,
)
from audience.propensity.design import FeaturePlan
from audience.propensity.evaluation import (
    Calibrator,
    best_f1_threshold,
    calibration_method,
    classification_metrics,
    lift_table,
    ranking,
    reliability_table,
)
from audience.propensity.explain import leakage_auc, permutation_importance
from audience.propensity.heuristic import heuristic_score
from audience.propensity.settings import (
    PredictionSpec,
    PropensityConfigError,
    TrainingSettings,
)

HEURISTIC = "heuristic"
LEAKAGE_SAMPLE_ROWS = 50_000
RANDOM_FOLDS = 3


@dataclass
class Records:
    """The rows a prediction adds to propensity_model_state."""

    prediction: str
    rows: list[dict] = field(default_factory=list)
    model_version: str | None = None

    def add(self, record, name, value=None, text=None, candidate=None, level=None, position=None):
        self.rows.append(
            {
                "prediction": self.prediction,
                "record": record,
                "candidate": candidate,
                "name": name,
                "level": level,
                "position": position,
                "value": None if value is None else float(value),
                "text_value": None if text is None else str(text),
            }
        )

    def note(self, text: str, log) -> None:
        log(f"  {self.prediction}: {text}")
        self.add("note", "note", text=text, position=sum(r["record"] == "note" for r in self.rows))


@dataclass
class Candidate:
    """A tuned, calibrated, refitted candidate and its validation predictions."""

    fitted: FittedCandidate
    calibrator: Calibrator
    threshold: float
    cv_auc: float
    validation_probability: np.ndarray
    validation_log_odds: np.ndarray

    @property
    def validation_rank(self) -> np.ndarray:
        return ranking(self.validation_probability, self.validation_log_odds)


def train_prediction(con, spec: PredictionSpec, settings: TrainingSettings, log=print) -> Records:
    records = Records(spec.name)
    records.add("setting", "kind", text=spec.kind)
    records.add("setting", "entity", text=spec.entity)
    records.add("setting", "declaration", text=spec.fingerprint_json())
    features = resolve_features(spec, con)
    _check_heuristic(spec, con)
    for skipped in features.skipped:
        records.note(f"column {skipped} is not a number, text or boolean: not used", log)
    try:
        _train(con, spec, settings, features, records, log)
    except PropensityDataError as error:
        _not_trained(spec, records, str(error), log)
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
    records.model_version = _version(spec, None)


def _train(con, spec, settings, features: FeatureColumns, records: Records, log) -> None:
    summary = label_summary(con, spec)
    labeled = summary[summary["labeled"] > 0]
    if labeled.empty:
        raise PropensityDataError(
            f"the population has no labeled rows in {spec.feature_relation}"
            + (
                f" (population: {spec.population_text or spec.population})"
                if spec.population
                else ""
            )
        )
    extra = tuple(t.column for t in spec.heuristic if t.column not in features.numeric)
    loaded = FeatureColumns(features.numeric + extra, features.categorical, ())

    if spec.is_temporal:
        cutoffs = sorted(pd.Timestamp(c) for c in labeled["cutoff"].dropna())
        if not cutoffs:
            raise PropensityDataError(f"no labeled row has a {spec.cutoff_column}")
        validation_cutoff = cutoffs[-1]
        gap = pd.Timedelta(days=spec.horizon_days or 0)
        training_cutoffs = [
            c
            for c in cutoffs
            if (c + gap <= validation_cutoff if gap.days else c < validation_cutoff)
        ]
        by_cutoff = labeled.set_index(pd.to_datetime(labeled["cutoff"]))
        _check_counts(spec, settings, by_cutoff.loc[training_cutoffs], "training")
        _check_counts(spec, settings, by_cutoff.loc[[validation_cutoff]], "validation", minimum=1)
        if len(training_cutoffs) < settings.min_training_cutoffs:
            raise PropensityDataError(
                f"only {len(training_cutoffs)} training cutoff(s) have a complete label window"
                f" before the validation cutoff {validation_cutoff.date()}; at least"
                f" {settings.min_training_cutoffs} are needed (var"
                " audience__propensity_min_training_cutoffs)"
            )
        train = load_rows(
            con,
            spec,
            loaded,
            training_cutoffs,
            settings.max_training_rows,
            int(by_cutoff.loc[training_cutoffs, "labeled"].sum()),
        )
        valid = load_rows(
            con,
            spec,
            loaded,
            [validation_cutoff],
            settings.max_validation_rows,
            int(by_cutoff.loc[validation_cutoff, "labeled"]),
        )
        records.add("setting", "split_method", text="temporal")
        records.add("setting", "validation_cutoff", text=str(validation_cutoff.date()))
        records.add(
            "setting",
            "training_cutoffs",
            text=f"{training_cutoffs[0].date()} to {training_cutoffs[-1].date()}"
            f" ({len(training_cutoffs)} cutoffs)",
        )
    else:
        _check_counts(spec, settings, labeled, "labeled")
        cap = int(settings.max_training_rows / (1 - settings.holdout_share))
        rows = load_rows(con, spec, loaded, None, cap, int(labeled["labeled"].sum()))
        holdout = stratified_holdout(rows[LABEL].to_numpy(), settings.holdout_share, settings.seed)
        train, valid = rows[~holdout].reset_index(drop=True), rows[holdout].reset_index(drop=True)
        records.add("setting", "split_method", text="random")
        records.add("setting", "holdout_share", value=settings.holdout_share)
    y_train, y_valid = train[LABEL].to_numpy(), valid[LABEL].to_numpy()
    for name, frame, labels in (("training", train, y_train), ("validation", valid, y_valid)):
        records.add("setting", f"{name}_rows", value=len(frame))
        records.add("setting", f"{name}_positives", value=int(labels.sum()))
    log(
        f"  {spec.name}: {len(train):,} training rows ({int(y_train.sum()):,} positive),"
        f" {len(valid):,} validation rows ({int(y_valid.sum()):,} positive)"
    )

    numeric, categorical = _leakage_guard(spec, settings, features, train, y_train, records, log)
    if not numeric and not categorical:
        raise PropensityDataError("every feature was excluded by the leakage guard")
    plan = FeaturePlan.fit(train, numeric, categorical)
    folds = _folds(spec, settings, train, records, log)

    candidates: dict[str, Candidate] = {}
    for algorithm in spec.algorithms:
        tick = time.perf_counter()
        try:
            candidates[algorithm] = _tune_and_fit(
                algorithm, plan, train, y_train, valid, folds, settings, records
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
    evaluated = {}
    for algorithm, candidate in candidates.items():
        metrics = classification_metrics(
            y_valid,
            candidate.validation_probability,
            candidate.threshold,
            settings.calibration_bins,
            candidate.validation_rank,
        )
        metrics["cv_roc_auc"] = candidate.cv_auc
        evaluated[algorithm] = metrics
    champion = min(evaluated, key=lambda a: np.nan_to_num(evaluated[a]["log_loss"], nan=np.inf))
    records.add("setting", "status", text="trained")
    records.add("setting", "champion", text=champion)
    log(f"  {spec.name}: champion {champion}, validation AUC {evaluated[champion]['roc_auc']:.4f}")

    for algorithm, candidate in candidates.items():
        metrics = evaluated[algorithm]
        for name, value in metrics.items():
            records.add("metric", name, value=value, candidate=algorithm)
        records.add(
            "metric", "parameters", text=json.dumps(candidate.fitted.params), candidate=algorithm
        )
        records.add("metric", "calibration", text=candidate.calibrator.method, candidate=algorithm)
        _add_curves(records, algorithm, y_valid, candidate, settings)
        if candidate.fitted.is_linear:
            _add_linear_terms(records, candidate)

    if spec.heuristic:
        score = heuristic_score(valid, spec.heuristic)
        metrics = classification_metrics(y_valid, score, 0.5, settings.calibration_bins)
        for name in ("log_loss", "brier", "ece", "threshold", "precision", "recall", "f1"):
            metrics[name] = np.nan  # a ranking, not a probability: these do not apply
        for name, value in metrics.items():
            records.add("metric", name, value=value, candidate=HEURISTIC)
        for decile, rows, hits, rate, lift, gain in lift_table(y_valid, score):
            _add_lift(records, HEURISTIC, decile, rows, hits, rate, lift, gain)

    best = candidates[champion]
    sample = _sample(len(valid), settings.importance_rows, settings.seed)
    importance = permutation_importance(
        best.fitted, valid.iloc[sample].reset_index(drop=True), y_valid[sample], settings.seed
    )
    for rank, (feature, mean, spread) in enumerate(
        sorted(importance, key=lambda item: (-item[1], item[0])), start=1
    ):
        records.add("importance", feature, value=mean, candidate=champion, position=rank)
        records.add("importance_std", feature, value=spread, candidate=champion, position=rank)
    # value = calibrated probability, position = its rank as the score marts rank it
    for entity_id, cutoff, probability, rank in zip(
        valid[ID],
        valid[CUTOFF] if CUTOFF in valid else [None] * len(valid),
        best.validation_probability,
        best.validation_rank,
        strict=True,
    ):
        records.add(
            "validation_prediction",
            str(entity_id),
            value=probability,
            candidate=champion,
            level=None if cutoff is None else str(pd.Timestamp(cutoff).date()),
            position=int(rank),
        )
    reason_columns = [f for f, *_ in sorted(importance, key=lambda i: (-i[1], i[0]))]
    artifact = {
        "sklearn": sklearn.__version__,
        "candidate": best.fitted,
        "calibrator": best.calibrator,
        "reason_columns": reason_columns[: settings.reason_features],
        "threshold": best.threshold,
    }
    records.add(
        "artifact",
        "model",
        candidate=champion,
        text=base64.b64encode(pickle.dumps(artifact, protocol=5)).decode("ascii"),
    )
    records.model_version = _version(spec, (train, valid, settings))


def _check_counts(spec, settings, counts: pd.DataFrame, what: str, minimum: int | None = None):
    positives, negatives = int(counts["positives"].sum()), int(counts["negatives"].sum())
    need_positive = settings.min_positives if minimum is None else minimum
    need_negative = settings.min_negatives if minimum is None else minimum
    if positives == 0 or negatives == 0:
        raise PropensityDataError(
            f"the {what} rows have a single class ({positives} positive, {negatives} negative)"
        )
    if positives < need_positive or negatives < need_negative:
        raise PropensityDataError(
            f"the {what} rows have {positives} positive and {negatives} negative labels; at"
            f" least {need_positive} and {need_negative} are needed (vars"
            " audience__propensity_min_positives / _min_negatives)"
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


def _folds(spec, settings, train, records, log) -> list[tuple[np.ndarray, np.ndarray]]:
    """(fit rows, predict rows) index pairs for tuning and calibration."""
    folds = []
    if spec.is_temporal:
        cutoffs = sorted(train[CUTOFF].unique())
        gap = pd.Timedelta(days=spec.horizon_days or 0)
        for fold_cutoff in reversed(cutoffs):
            if len(folds) == settings.cv_folds:
                break
            fit = (train[CUTOFF] + gap <= fold_cutoff) if gap.days else train[CUTOFF] < fold_cutoff
            fit = fit.to_numpy() & (train[CUTOFF] < fold_cutoff).to_numpy()
            predict = (train[CUTOFF] == fold_cutoff).to_numpy()
            labels = train[LABEL].to_numpy()
            if fit.any() and 0 < labels[fit].sum() < fit.sum() and labels[predict].sum() > 0:
                folds.append((np.flatnonzero(fit), np.flatnonzero(predict)))
        if folds:
            records.add("setting", "cv_method", text=f"time-aware, {len(folds)} fold(s)")
            return folds[::-1]
        records.note(
            "too few training cutoffs for time-aware folds: tuning and calibration use seeded"
            f" stratified {RANDOM_FOLDS}-fold cross-validation within the training cutoffs",
            log,
        )
    labels = train[LABEL].to_numpy()
    rng = np.random.default_rng(settings.seed)
    fold_of = np.zeros(labels.shape[0], dtype=int)
    for value in (0, 1):
        index = rng.permutation(np.flatnonzero(labels == value))
        fold_of[index] = np.arange(index.shape[0]) % RANDOM_FOLDS
    records.add("setting", "cv_method", text=f"stratified random, {RANDOM_FOLDS} folds")
    return [
        (np.flatnonzero(fold_of != k), np.flatnonzero(fold_of == k)) for k in range(RANDOM_FOLDS)
    ]


def _tune_and_fit(algorithm, plan, train, y_train, valid, folds, settings, records) -> Candidate:
    best = None
    for params in PARAMETER_GRIDS[algorithm]:
        aucs, out_of_fold = [], []
        for fit_rows, predict_rows in folds:
            fitted = fit_candidate(
                algorithm, params, plan, train.iloc[fit_rows], y_train[fit_rows], settings.seed
            )
            log_odds = fitted.log_odds(train.iloc[predict_rows])
            labels = y_train[predict_rows]
            if 0 < labels.sum() < labels.shape[0]:
                aucs.append(roc_auc_score(labels, log_odds))
            out_of_fold.append((log_odds, labels))
        cv_auc = float(np.mean(aucs)) if aucs else float("nan")
        records.add("tuning", json.dumps(params, sort_keys=True), value=cv_auc, candidate=algorithm)
        if best is None or cv_auc > best[0]:
            best = (cv_auc, params, out_of_fold)
    cv_auc, params, out_of_fold = best
    oof_log_odds = np.concatenate([lo for lo, _ in out_of_fold])
    oof_labels = np.concatenate([y for _, y in out_of_fold])
    method = calibration_method(algorithm, oof_labels.shape[0], settings.isotonic_min_rows)
    calibrator = Calibrator.fit(oof_log_odds, oof_labels, method)
    threshold = best_f1_threshold(oof_labels, calibrator.probability(oof_log_odds))
    fitted = fit_candidate(algorithm, params, plan, train, y_train, settings.seed)
    log_odds = fitted.log_odds(valid)
    return Candidate(
        fitted, calibrator, threshold, cv_auc, calibrator.probability(log_odds), log_odds
    )


def _add_curves(records, algorithm, labels, candidate: Candidate, settings) -> None:
    probability = candidate.validation_probability
    for decile, rows, hits, rate, lift, gain in lift_table(labels, candidate.validation_rank):
        _add_lift(records, algorithm, decile, rows, hits, rate, lift, gain)
    for bin_, predicted, observed, rows in reliability_table(
        labels, probability, settings.calibration_bins
    ):
        records.add(
            "reliability", "mean_predicted", value=predicted, candidate=algorithm, position=bin_
        )
        records.add(
            "reliability", "observed_rate", value=observed, candidate=algorithm, position=bin_
        )
        records.add("reliability", "rows", value=rows, candidate=algorithm, position=bin_)


def _add_lift(records, candidate, decile, rows, hits, rate, lift, gain) -> None:
    for name, value in (
        ("rows", rows),
        ("positives", hits),
        ("positive_rate", rate),
        ("lift", lift),
        ("cumulative_gain", gain),
    ):
        records.add("lift", name, value=value, candidate=candidate, position=decile)


def _add_linear_terms(records: Records, candidate: Candidate) -> None:
    """What the generated SQL scores with: per term its coefficient (on the standardized input),
    and how the column is prepared; the intercept and the sigmoid calibration."""
    fitted = candidate.fitted
    coefficients = fitted.estimator.coef_[0]
    numeric = {t.column: t for t in fitted.plan.numeric}
    for position, ((column, level), coefficient) in enumerate(
        zip(fitted.plan.linear_terms(), coefficients, strict=True)
    ):
        preparation = None
        if level is None:
            term = numeric[column]
            preparation = json.dumps(
                {
                    "transform": term.transform,
                    "fill": term.fill,
                    "mean": term.mean,
                    "scale": term.scale,
                    # the reference row's input (the fill, i.e. the median): reasons measure
                    # each row against it
                    "reference_input": float(term.standardized(np.array([term.fill]))[0]),
                }
            )
        else:
            preparation = json.dumps({"reference_level": _reference_level(fitted.plan, column)})
        records.add(
            "linear_term",
            column,
            value=float(coefficient),
            text=preparation,
            candidate=fitted.algorithm,
            level=level,
            position=position,
        )
    records.add(
        "linear_model",
        "intercept",
        value=float(fitted.estimator.intercept_[0]),
        candidate=fitted.algorithm,
    )
    records.add(
        "linear_model",
        "calibration_slope",
        value=candidate.calibrator.slope,
        candidate=fitted.algorithm,
    )
    records.add(
        "linear_model",
        "calibration_intercept",
        value=candidate.calibrator.intercept,
        candidate=fitted.algorithm,
    )


def _reference_level(plan: FeaturePlan, column: str) -> str | None:
    for term in plan.categorical:
        if term.column == column:
            return term.levels[0] if term.levels else None
    return None


def _sample(rows: int, cap: int, seed: int) -> np.ndarray:
    if rows <= cap:
        return np.arange(rows)
    return np.sort(np.random.default_rng(seed).choice(rows, cap, replace=False))


def _version(spec: PredictionSpec, data) -> str:
    digest = hashlib.sha256(spec.fingerprint_json().encode())
    if data is not None:
        train, valid, settings = data
        digest.update(settings.to_json().encode())
        for frame in (train, valid):
            digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return digest.hexdigest()[:16]


def decode_artifact(text: str) -> dict:
    """The champion stored by train_prediction (trusted: written by this project's own build)."""
    return pickle.loads(base64.b64decode(text))  # noqa: S301
