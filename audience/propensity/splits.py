"""Which labeled rows train, validate, refit and test a prediction.

- test: the rows matching the declared test_condition. Never trained on, tuned on, calibrated on
  or used to choose the champion; the published model is measured on them.
- development rows: every other labeled row. With a cutoff column, when the test set is a later
  period (every test cutoff after every other cutoff), the development rows whose label window
  (cutoff + horizon_days) ends after the first test cutoff are dropped too, so that no label
  the model learns from is observed inside the test period.
- selection split of the development rows: temporal (the latest cutoff validates; training uses
  the cutoffs whose label window ends by then) or a seeded stratified holdout.
- refit rows: every development row (the published model is refitted on them when the
  declaration's refit is true, the default).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from audience.propensity.data import (
    LABEL,
    FeatureColumns,
    PropensityDataError,
    load_rows,
    stratified_holdout,
)
from audience.propensity.settings import PredictionSpec, TrainingSettings


@dataclass
class Split:
    train: pd.DataFrame
    valid: pd.DataFrame
    refit: pd.DataFrame | None  # every development row (sampled to the training cap)
    test: pd.DataFrame | None  # None without a test_condition
    settings: list[tuple[str, object]]  # (name, value) rows for the state table
    notes: list[str]


def split_rows(
    con, spec: PredictionSpec, settings: TrainingSettings, loaded: FeatureColumns, summary
) -> Split:
    labeled = summary[summary["labeled"] > 0]
    development, tested = labeled[~labeled["is_test"]], labeled[labeled["is_test"]]
    notes: list[str] = []
    if spec.test_condition:
        _describe_test(spec, tested, notes)
    if spec.is_temporal:
        split = _temporal(con, spec, settings, loaded, development, tested, notes)
    else:
        split = _random(con, spec, settings, loaded, development, notes)
    if spec.test_condition and not tested.empty:
        split.test = load_rows(
            con,
            spec,
            loaded,
            None,
            settings.max_validation_rows,
            int(tested["labeled"].sum()),
            test=True,
        )
        split.settings.append(("test_rows", len(split.test)))
        split.settings.append(("test_positives", int(split.test[LABEL].sum())))
    return split


def _describe_test(spec: PredictionSpec, tested: pd.DataFrame, notes: list[str]) -> None:
    positives, negatives = int(tested["positives"].sum()), int(tested["negatives"].sum())
    if positives + negatives == 0:
        notes.append(
            f"test_condition {spec.test_text!r} matches no labeled row: nothing is measured on"
            " a test set"
        )
    elif positives == 0 or negatives == 0:
        notes.append(
            f"the test set ({spec.test_text!r}) has a single class ({positives} positive,"
            f" {negatives} negative): ROC AUC and PR AUC cannot be measured on it"
        )


def check_counts(settings, counts: pd.DataFrame, what: str, minimum: int | None = None):
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


def _temporal(con, spec, settings, loaded, development, tested, notes) -> Split:
    gap = pd.Timedelta(days=spec.horizon_days or 0)
    cutoffs = sorted(pd.Timestamp(c) for c in development["cutoff"].dropna())
    test_cutoffs = sorted(pd.Timestamp(c) for c in tested["cutoff"].dropna())
    if test_cutoffs and cutoffs and test_cutoffs[0] > cutoffs[-1]:
        kept = [c for c in cutoffs if c + gap <= test_cutoffs[0]]
        if len(kept) < len(cutoffs):
            notes.append(
                f"{len(cutoffs) - len(kept)} cutoff(s) before the test period are not used:"
                f" their {spec.horizon_days}-day label window ends after its first cutoff"
                f" {test_cutoffs[0].date()}"
            )
        cutoffs = kept
    elif test_cutoffs:
        notes.append(
            "the test set shares cutoffs with the training rows: it is out of sample, not out"
            " of time"
        )
    if not cutoffs:
        raise PropensityDataError(f"no labeled row outside the test set has a {spec.cutoff_column}")
    validation_cutoff = cutoffs[-1]
    training_cutoffs = [
        c for c in cutoffs if (c + gap <= validation_cutoff if gap.days else c < validation_cutoff)
    ]
    by_cutoff = development.set_index(pd.to_datetime(development["cutoff"]))
    check_counts(settings, by_cutoff.loc[training_cutoffs], "training")
    check_counts(settings, by_cutoff.loc[[validation_cutoff]], "validation", minimum=1)
    if len(training_cutoffs) < settings.min_training_cutoffs:
        raise PropensityDataError(
            f"only {len(training_cutoffs)} training cutoff(s) have a complete label window"
            f" before the validation cutoff {validation_cutoff.date()}; at least"
            f" {settings.min_training_cutoffs} are needed (var"
            " audience__propensity_min_training_cutoffs)"
        )

    def rows(selected, cap):
        return load_rows(
            con, spec, loaded, selected, cap, int(by_cutoff.loc[selected, "labeled"].sum())
        )

    first, last = training_cutoffs[0].date(), training_cutoffs[-1].date()
    return Split(
        train=rows(training_cutoffs, settings.max_training_rows),
        valid=rows([validation_cutoff], settings.max_validation_rows),
        refit=rows(cutoffs, settings.max_training_rows) if spec.refit else None,
        test=None,
        settings=[
            ("split_method", "temporal"),
            ("validation_cutoff", str(validation_cutoff.date())),
            ("training_cutoffs", f"{first} to {last} ({len(training_cutoffs)} cutoffs)"),
            ("refit_cutoffs", f"{cutoffs[0].date()} to {cutoffs[-1].date()} ({len(cutoffs)})"),
        ],
        notes=notes,
    )


def _random(con, spec, settings, loaded, development, notes) -> Split:
    check_counts(settings, development, "labeled")
    cap = int(settings.max_training_rows / (1 - settings.holdout_share))
    rows = load_rows(con, spec, loaded, None, cap, int(development["labeled"].sum()))
    holdout = stratified_holdout(rows[LABEL].to_numpy(), settings.holdout_share, settings.seed)
    return Split(
        train=rows[~holdout].reset_index(drop=True),
        valid=rows[holdout].reset_index(drop=True),
        refit=rows,
        test=None,
        settings=[("split_method", "random"), ("holdout_share", settings.holdout_share)],
        notes=notes,
    )


def fold_labels(labels: np.ndarray, folds) -> np.ndarray:
    """The labels of the fold rows, in the order fold predictions are concatenated."""
    return np.concatenate([labels[predict] for _, predict in folds])
