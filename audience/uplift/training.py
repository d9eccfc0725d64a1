"""Train, compare and apply uplift learners on campaign exposures.

``evaluate_learners`` splits the exposures (seeded, stratified on treatment and response) into a
training part and a holdout, fits every learner on the training part and evaluates it on the
holdout (audience.uplift.metrics); the learner with the highest holdout Qini coefficient is the
champion. ``fit_champion`` refits it on every exposure and ``score`` applies it to customers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from audience.progress import timed
from audience.uplift.learners import LEARNERS, UpliftModel, fit_learner
from audience.uplift.metrics import deciles, qini_curve, summary_metrics, uplift_by_decile

# The four groups of the uplift literature, as customer_uplift names them (score() assigns them).
GROUPS = ("persuadable", "sure_thing", "lost_cause", "do_not_disturb")


class UpliftInputError(ValueError):
    """The exposures cannot train an uplift model (no rows, one arm only, no response...)."""


@dataclass(frozen=True)
class UpliftSettings:
    features: tuple[str, ...]
    learners: tuple[str, ...] = LEARNERS
    holdout_share: float = 0.3
    seed: int = 42
    min_effect: float = 0.02  # |uplift| below this: treatment changes little
    sure_thing_probability: float = 0.3  # baseline response at or above: buys anyway
    min_arm_responders: int = 20


@dataclass
class LearnerEvaluation:
    learner: str
    metrics: dict[str, float]
    deciles: pd.DataFrame
    curve: pd.DataFrame
    holdout_predictions: pd.DataFrame  # exposure_id, predicted_uplift


@dataclass
class UpliftEvaluation:
    champion: str
    evaluations: list[LearnerEvaluation]
    training_rows: int
    holdout_rows: int
    notes: list[str] = field(default_factory=list)


def _check(exposures: pd.DataFrame, settings: UpliftSettings) -> None:
    missing = [c for c in ("is_treated", "responded", *settings.features) if c not in exposures]
    if missing:
        raise UpliftInputError(
            f"the exposure table has no column(s) {', '.join(missing)} "
            f"(var audience__uplift_features or required)"
        )
    if exposures.empty:
        raise UpliftInputError("no campaign exposures with features: nothing to train on")
    treated = exposures["is_treated"].astype(bool)
    responded = exposures["responded"].astype(bool)
    for arm, rows in (("treatment", treated), ("control", ~treated)):
        if not rows.any():
            raise UpliftInputError(f"no exposures in the {arm} group: uplift needs both arms")
        if responded[rows].sum() < settings.min_arm_responders:
            raise UpliftInputError(
                f"only {int(responded[rows].sum())} responders in the {arm} group "
                f"(at least {settings.min_arm_responders} needed)"
            )


def _matrix(frame: pd.DataFrame, features) -> np.ndarray:
    return frame[list(features)].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)


def evaluate_learners(
    exposures: pd.DataFrame, settings: UpliftSettings, log=print
) -> UpliftEvaluation:
    _check(exposures, settings)
    exposures = exposures.sort_values("exposure_id", kind="stable").reset_index(drop=True)
    rng = np.random.default_rng(settings.seed)
    holdout = np.zeros(len(exposures), dtype=bool)
    strata = exposures["is_treated"].astype(int) * 2 + exposures["responded"].astype(int)
    for _, rows in exposures.groupby(strata).groups.items():
        rows = np.asarray(rows)
        chosen = rng.choice(
            rows, size=int(round(len(rows) * settings.holdout_share)), replace=False
        )
        holdout[chosen] = True
    x = _matrix(exposures, settings.features)
    t = exposures["is_treated"].astype(bool).to_numpy()
    y = exposures["responded"].astype(int).to_numpy()
    evaluations = []
    for learner in settings.learners:
        with timed(log, f"uplift: {learner} on {int((~holdout).sum()):,} exposures") as step:
            model = fit_learner(learner, x[~holdout], t[~holdout], y[~holdout], settings.seed)
            uplift, _ = model.predict(x[holdout])
            metrics = summary_metrics(uplift, t[holdout], y[holdout])
            step.add(f"holdout Qini {metrics['qini_coefficient']:.4f}")
        evaluations.append(
            LearnerEvaluation(
                learner=learner,
                metrics=metrics,
                deciles=uplift_by_decile(uplift, t[holdout], y[holdout]),
                curve=qini_curve(uplift, t[holdout], y[holdout]),
                holdout_predictions=pd.DataFrame(
                    {
                        "exposure_id": exposures.loc[holdout, "exposure_id"].to_numpy(),
                        "predicted_uplift": uplift,
                    }
                ),
            )
        )
    best = max(evaluations, key=lambda e: e.metrics["qini_coefficient"])
    return UpliftEvaluation(best.learner, evaluations, int((~holdout).sum()), int(holdout.sum()))


def fit_champion(exposures: pd.DataFrame, settings: UpliftSettings, learner: str) -> UpliftModel:
    _check(exposures, settings)
    exposures = exposures.sort_values("exposure_id", kind="stable").reset_index(drop=True)
    x = _matrix(exposures, settings.features)
    t = exposures["is_treated"].astype(bool).to_numpy()
    y = exposures["responded"].astype(int).to_numpy()
    return fit_learner(learner, x, t, y, settings.seed)


def score(model: UpliftModel, customers: pd.DataFrame, settings: UpliftSettings) -> pd.DataFrame:
    """Uplift, baseline, decile (1 = highest uplift) and group per customer."""
    missing = [c for c in settings.features if c not in customers]
    if missing:
        raise UpliftInputError(f"the customer features have no column(s) {', '.join(missing)}")
    customers = customers.sort_values("customer_id", kind="stable").reset_index(drop=True)
    uplift, p_control = model.predict(_matrix(customers, settings.features))
    decile = deciles(uplift)
    group = np.where(
        uplift >= settings.min_effect,
        "persuadable",
        np.where(
            uplift <= -settings.min_effect,
            "do_not_disturb",
            np.where(p_control >= settings.sure_thing_probability, "sure_thing", "lost_cause"),
        ),
    )
    return pd.DataFrame(
        {
            "customer_id": customers["customer_id"],
            "uplift_score": uplift,
            "response_probability_control": p_control,
            "response_probability_treated": np.clip(p_control + uplift, 0, 1),
            "uplift_decile": decile,
            "uplift_group": group,
        }
    )
