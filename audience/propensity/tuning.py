"""Cross-validation folds, tuning and calibration of each candidate, the blend, and the refit of
the champion.

- Folds: with a cutoff column, time-aware (each of the last cv_folds training cutoffs predicted
  by a model fitted on the cutoffs whose label window ends before it); otherwise seeded
  stratified K-fold.
- Tuning: every setting of the candidate's grid (candidates.parameter_grid) on every fold; the
  best mean fold ROC AUC wins. The folds' predictions of that setting fit the calibrator and the
  F1 threshold; the candidate is then fitted on all training rows and predicts the validation rows.
- Blend: the logistic regression and gradient boosting (or the forest), each put on the
  probability scale by a sigmoid fitted on its fold predictions (smooth: an isotonic step
  function would throw away the order within its steps before averaging), averaged on the
  log-odds scale, with a sigmoid calibration of its own on the same fold rows.
- Refit: the champion's setting fitted on every development row (training, validation and the
  cutoffs between them), calibrated on the out-of-fold predictions of the fold rows and of the
  validation rows: each predicted by a model that never saw it (later cutoffs by earlier ones
  when the split is temporal), as the published model will predict rows it has not seen.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from audience.propensity.candidates import (
    Blend,
    FittedCandidate,
    blend_log_odds,
    fit_candidate,
    parameter_grid,
)
from audience.propensity.data import CUTOFF, LABEL
from audience.propensity.design import FeaturePlan
from audience.propensity.evaluation import (
    Calibrator,
    best_f1_threshold,
    calibration_method,
    ranking,
)

RANDOM_FOLDS = 3
BLEND = "blend"


@dataclass
class Candidate:
    """A tuned, calibrated candidate fitted on the training rows, with its fold and validation
    predictions (raw log-odds: what a calibrator is fitted on)."""

    fitted: FittedCandidate | Blend
    calibrator: Calibrator
    threshold: float
    cv_auc: float
    fold_log_odds: np.ndarray
    validation_log_odds: np.ndarray
    members: tuple[str, ...] = ()  # a blend's member algorithms

    @property
    def validation_probability(self) -> np.ndarray:
        return self.calibrator.probability(self.validation_log_odds)

    @property
    def validation_rank(self) -> np.ndarray:
        return ranking(self.validation_probability, self.validation_log_odds)


@dataclass
class Published:
    """The model whose scores are published: the champion refitted on every development row,
    or (refit: false) the champion as fitted on the training rows."""

    fitted: FittedCandidate | Blend
    calibrator: Calibrator
    threshold: float
    training_rows: int
    is_refit: bool


@dataclass
class Folds:
    pairs: list[tuple[np.ndarray, np.ndarray]]  # (fit rows, predict rows) of the training frame
    method: str
    note: str | None = None

    def labels(self, y: np.ndarray) -> np.ndarray:
        """The labels of the fold rows, in the order fold predictions are concatenated."""
        return np.concatenate([y[predict] for _, predict in self.pairs])

    def mean_auc(self, y: np.ndarray, fold_log_odds: np.ndarray) -> float:
        aucs, start = [], 0
        for _, predict in self.pairs:
            labels = y[predict]
            scores = fold_log_odds[start : start + labels.shape[0]]
            start += labels.shape[0]
            if 0 < labels.sum() < labels.shape[0]:
                aucs.append(roc_auc_score(labels, scores))
        return float(np.mean(aucs)) if aucs else float("nan")


def make_folds(spec, settings, train: pd.DataFrame) -> Folds:
    labels = train[LABEL].to_numpy()
    if spec.is_temporal:
        pairs = []
        gap = pd.Timedelta(days=spec.horizon_days or 0)
        for fold_cutoff in reversed(sorted(train[CUTOFF].unique())):
            if len(pairs) == settings.cv_folds:
                break
            fit = (train[CUTOFF] + gap <= fold_cutoff) if gap.days else train[CUTOFF] < fold_cutoff
            fit = fit.to_numpy() & (train[CUTOFF] < fold_cutoff).to_numpy()
            predict = (train[CUTOFF] == fold_cutoff).to_numpy()
            if fit.any() and 0 < labels[fit].sum() < fit.sum() and labels[predict].sum() > 0:
                pairs.append((np.flatnonzero(fit), np.flatnonzero(predict)))
        if pairs:
            return Folds(pairs[::-1], f"time-aware, {len(pairs)} fold(s)")
        note = (
            "too few training cutoffs for time-aware folds: tuning and calibration use seeded"
            f" stratified {RANDOM_FOLDS}-fold cross-validation within the training cutoffs"
        )
    else:
        note = None
    rng = np.random.default_rng(settings.seed)
    fold_of = np.zeros(labels.shape[0], dtype=int)
    for value in (0, 1):
        index = rng.permutation(np.flatnonzero(labels == value))
        fold_of[index] = np.arange(index.shape[0]) % RANDOM_FOLDS
    pairs = [
        (np.flatnonzero(fold_of != k), np.flatnonzero(fold_of == k)) for k in range(RANDOM_FOLDS)
    ]
    return Folds(pairs, f"stratified random, {RANDOM_FOLDS} folds", note)


def tune_and_fit(algorithm, spec, plan, train, valid, folds: Folds, settings, records):
    """The candidate's best setting on the folds, calibrated on their predictions, fitted on
    all training rows and applied to the validation rows."""
    y_train = train[LABEL].to_numpy()
    minority = int(min(y_train.sum(), y_train.shape[0] - y_train.sum()))
    best = None
    for params in parameter_grid(spec, algorithm, minority):
        parts = []
        for fit_rows, predict_rows in folds.pairs:
            fitted = fit_candidate(
                algorithm, params, plan, train.iloc[fit_rows], y_train[fit_rows], settings.seed
            )
            parts.append(fitted.log_odds(train.iloc[predict_rows]))
        fold_log_odds = np.concatenate(parts)
        cv_auc = folds.mean_auc(y_train, fold_log_odds)
        records.add("tuning", json.dumps(params, sort_keys=True), value=cv_auc, candidate=algorithm)
        if best is None or cv_auc > best[0]:
            best = (cv_auc, params, fold_log_odds)
    cv_auc, params, fold_log_odds = best
    fold_labels = folds.labels(y_train)
    method = calibration_method(algorithm, fold_labels.shape[0], settings.isotonic_min_rows)
    calibrator = Calibrator.fit(fold_log_odds, fold_labels, method)
    threshold = best_f1_threshold(fold_labels, calibrator.probability(fold_log_odds))
    fitted = fit_candidate(algorithm, params, plan, train, y_train, settings.seed)
    return Candidate(fitted, calibrator, threshold, cv_auc, fold_log_odds, fitted.log_odds(valid))


def blend(candidates: dict[str, Candidate], train, folds: Folds) -> Candidate | None:
    """The logistic regression and a tree model, when both were fitted: gradient boosting, or
    the random forest when boosting is not declared. (Not the tree with the better fold AUC: on
    a few hundred positives that difference is noise, and boosting was the stronger partner on
    every seed of the small imbalanced benchmark.)"""
    linear = candidates.get("logistic_regression")
    tree = candidates.get("hist_gradient_boosting") or candidates.get("random_forest")
    if linear is None or tree is None:
        return None
    y_train = train[LABEL].to_numpy()
    fold_labels = folds.labels(y_train)
    members = [
        (c.fitted, Calibrator.fit(c.fold_log_odds, fold_labels, "sigmoid")) for c in (linear, tree)
    ]
    names = (linear.fitted.algorithm, tree.fitted.algorithm)
    fold_log_odds = blend_log_odds(members, [linear.fold_log_odds, tree.fold_log_odds])
    calibrator = Calibrator.fit(fold_log_odds, fold_labels, "sigmoid")
    validation = blend_log_odds(members, [linear.validation_log_odds, tree.validation_log_odds])
    return Candidate(
        Blend(members, params={"members": list(names)}),
        calibrator,
        best_f1_threshold(fold_labels, calibrator.probability(fold_log_odds)),
        folds.mean_auc(y_train, fold_log_odds),
        fold_log_odds,
        validation,
        members=names,
    )


def refit(champion: str, candidates, features, split, folds: Folds, settings) -> Published:
    """The champion's setting fitted on every development row, calibrated on the out-of-fold
    predictions of the fold and validation rows (see the module docstring)."""
    rows, labels = split.refit, split.refit[LABEL].to_numpy()
    plan = FeaturePlan.fit(rows, *features)
    oof_labels = np.concatenate([folds.labels(split.train[LABEL].to_numpy()), split.valid[LABEL]])

    def refit_one(candidate: Candidate, method: str | None = None):
        algorithm = candidate.fitted.algorithm
        params = candidate.fitted.params
        fitted = fit_candidate(algorithm, params, plan, rows, labels, settings.seed)
        oof = np.concatenate([candidate.fold_log_odds, candidate.validation_log_odds])
        method = method or calibration_method(algorithm, oof.shape[0], settings.isotonic_min_rows)
        return fitted, Calibrator.fit(oof, oof_labels, method), oof

    if champion == BLEND:
        parts = [refit_one(candidates[name], "sigmoid") for name in candidates[BLEND].members]
        members = [(fitted, calibrator) for fitted, calibrator, _ in parts]
        oof = blend_log_odds(members, [part[2] for part in parts])
        calibrator = Calibrator.fit(oof, oof_labels, "sigmoid")
        fitted = Blend(members, params=candidates[BLEND].fitted.params)
    else:
        fitted, calibrator, oof = refit_one(candidates[champion])
    threshold = best_f1_threshold(oof_labels, calibrator.probability(oof))
    return Published(fitted, calibrator, threshold, len(rows), is_refit=True)


def as_published(candidate: Candidate, training_rows: int) -> Published:
    return Published(
        candidate.fitted, candidate.calibrator, candidate.threshold, training_rows, is_refit=False
    )
