"""Uplift end to end on the large demo data set (20,000 customers: a stable holdout):
the champion's Qini is clearly above random and its deciles rank like the planted effects."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr

from audience.uplift.metrics import qini_curve, summary_metrics, uplift_by_decile


@pytest.fixture(scope="module")
def uplift_build(large_build, large_demo):
    return large_build, large_demo.with_name("raw_truth")


def _read(result, query):
    with result.connect() as con:
        return con.sql(query).to_arrow_table().to_pandas()


PERMUTATIONS = 199


def test_champion_qini_is_clearly_above_random(uplift_build):
    """The threshold is derived from sampling error, not chosen: the champion's holdout
    predictions are shuffled among the holdout exposures 199 times (random targeting of the same
    customers, arms and responses) and the champion must beat every shuffle, on the Qini
    coefficient, the AUUC and uplift at the top 10%: a one-sided permutation test at
    p < 1 / (199 + 1) = 0.005 for each."""
    result, _ = uplift_build
    evaluation = _read(result, "select * from marts.uplift_evaluation")
    assert set(evaluation["learner"]) == {"t_learner", "transformed_outcome"}
    champion = evaluation[evaluation["is_champion"]].iloc[0]
    assert champion["qini_coefficient"] == evaluation["qini_coefficient"].max()
    print(evaluation[["learner", "qini_coefficient", "auuc", "auuc_random", "uplift_at_10pct"]])
    holdout = _read(
        result,
        "select state.name as exposure_id, state.value as predicted_uplift,"
        " exposures.is_treated, exposures.responded"
        " from uplift.uplift_evaluation_state as state"
        " inner join marts.uplift_evaluation as evaluation on state.learner = evaluation.learner"
        " inner join features.fct_campaign_exposures as exposures"
        " on state.name = exposures.exposure_id"
        " where state.record = 'holdout_prediction' and evaluation.is_champion"
        " order by state.name",  # the order training ranked them in (ties keep it)
    )
    assert len(holdout) > 1000
    treated = holdout["is_treated"].astype(bool).to_numpy()
    responded = holdout["responded"].astype(int).to_numpy()
    observed = summary_metrics(holdout["predicted_uplift"].to_numpy(), treated, responded)
    assert observed["qini_coefficient"] == pytest.approx(champion["qini_coefficient"], abs=1e-9)
    rng = np.random.default_rng(0)
    shuffled = [
        summary_metrics(rng.permutation(holdout["predicted_uplift"].to_numpy()), treated, responded)
        for _ in range(PERMUTATIONS)
    ]
    for metric in ("qini_coefficient", "auuc", "uplift_at_10pct"):
        best_random = max(m[metric] for m in shuffled)
        print(f"{metric}: champion {observed[metric]:.4f}, best of {PERMUTATIONS} shuffles"
              f" {best_random:.4f}")  # fmt: skip
        assert observed[metric] > best_random, metric


def test_predicted_deciles_rank_like_the_planted_effects(uplift_build):
    """On the holdout exposures (never seen in training), the champion's deciles of predicted
    uplift against the mean true effect of each decile's exposures."""
    result, truth_dir = uplift_build
    predictions = _read(
        result,
        "select state.name as exposure_id, state.value as predicted_uplift"
        " from uplift.uplift_evaluation_state as state"
        " inner join marts.uplift_evaluation as evaluation on state.learner = evaluation.learner"
        " where state.record = 'holdout_prediction' and evaluation.is_champion",
    )
    truth = pd.read_parquet(truth_dir / "treatment_effects.parquet")
    joined = predictions.merge(truth, on="exposure_id")
    assert len(joined) == len(predictions) > 1000
    joined["decile"] = pd.qcut(joined["predicted_uplift"].rank(method="first"), 10, labels=False)
    by_decile = joined.groupby("decile")[["predicted_uplift", "true_treatment_effect"]].mean()
    rho = spearmanr(by_decile["predicted_uplift"], by_decile["true_treatment_effect"]).statistic
    print(by_decile.round(4), f"Spearman {rho:.3f}")
    assert rho >= 0.8


def test_readout_intervals_and_small_segment_flags(uplift_build):
    result, _ = uplift_build
    readout = _read(result, "select * from marts.campaign_segment_readout")
    total = readout[readout["is_total"]]
    assert total["segment_id"].isna().all() and readout["segment_id"].notna().sum() == len(
        readout
    ) - len(total)
    assert len(total) == 3  # one all-customers row per campaign
    assert (readout["uplift_ci_lower"] <= readout["uplift"]).all()
    assert (readout["uplift"] <= readout["uplift_ci_upper"]).all()
    per_campaign = (
        readout[~readout["is_total"]]
        .groupby("campaign_id")[["treated_exposures", "control_exposures"]]
        .sum()
    )
    assert (
        per_campaign.to_numpy()
        == total.set_index("campaign_id")
        .loc[per_campaign.index, ["treated_exposures", "control_exposures"]]
        .to_numpy()
    ).all()
    small = readout[readout["is_too_small_to_conclude"]]
    assert ((small["treated_exposures"] < 100) | (small["control_exposures"] < 100)).all()


def test_qini_of_a_perfect_ranking_beats_random_and_a_random_ranking_is_near_zero():
    rng = np.random.default_rng(0)
    n = 40_000
    effect = rng.uniform(-0.1, 0.4, n)
    treated = rng.random(n) < 0.5
    responded = rng.random(n) < 0.2 + effect * treated
    perfect = summary_metrics(effect, treated, responded)
    random = summary_metrics(rng.random(n), treated, responded)
    assert perfect["qini_coefficient"] > 0.03
    assert abs(random["qini_coefficient"]) < 0.01
    assert perfect["overall_uplift"] == pytest.approx(random["overall_uplift"])
    deciles = uplift_by_decile(effect, treated, responded)
    assert deciles["customers"].sum() == n
    assert spearmanr(deciles["decile"], deciles["observed_uplift"]).statistic < -0.9


def test_qini_curve_by_hand():
    # 4 customers ranked by score: treated responder, control non-responder, treated
    # non-responder, control responder.
    curve = qini_curve([4, 3, 2, 1], [1, 0, 1, 0], [1, 0, 0, 1], points=4)
    # Q(x) = (y_t - y_c * n_t / n_c) / N_t with N_t = 2
    assert curve["qini"].round(6).tolist() == [0.0, 0.5, 0.5, 0.5, 0.0]
    assert curve["qini_random"].tolist() == [0.0, 0.0, 0.0, 0.0, 0.0]


def test_equal_scores_share_a_decile():
    from audience.uplift.metrics import deciles

    values = np.array([0.5, 0.1, 0.1, 0.1, 0.3, 0.2, 0.9, 0.1, 0.0, 0.4])
    result = deciles(values)
    assert len(set(result[values == 0.1])) == 1
    assert result[np.argmax(values)] == 1 and result.min() == 1 and result.max() <= 10
    assert (np.diff(result[np.argsort(-values, kind="stable")]) >= 0).all()


def test_qini_and_uplift_curves_equal_values_worked_out_by_hand():
    """Eight rows, ranked as given: treated and control alternate; the two top treated rows
    respond, then one control row. N_t = 4. At the top 2, 4, 6, 8 rows:
    Q = (y_t - y_c * n_t / n_c) / N_t = (1 - 0) / 4, (2 - 0) / 4, (2 - 1 * 3 / 3) / 4, (2 - 1) / 4;
    uplift@x = y_t / n_t - y_c / n_c = 1, 1, 2/3 - 1/3, 2/4 - 1/4. The Qini coefficient on these
    four steps: trapezoids of Q - x * Q(1) = 0, 0.1875, 0.375, 0.0625, 0 of width 1/4 = 0.15625."""
    predicted = np.arange(8, 0, -1)
    treated = np.array([1, 0, 1, 0, 1, 0, 1, 0], dtype=bool)
    responded = np.array([1, 0, 1, 0, 0, 1, 0, 0])
    curve = qini_curve(predicted, treated, responded, points=4)
    assert list(curve["customers_targeted"]) == [0, 2, 4, 6, 8]
    assert list(curve["qini"]) == pytest.approx([0, 0.25, 0.5, 0.25, 0.25])
    assert list(curve["qini_random"]) == pytest.approx([0, 0.0625, 0.125, 0.1875, 0.25])
    assert list(curve["uplift_at_share"][1:]) == pytest.approx([1, 1, 1 / 3, 0.25])
    assert list(curve["uplift_curve"]) == pytest.approx([0, 0.25, 0.5, 0.25, 0.25])
    gap = (curve["qini"] - curve["qini_random"]).to_numpy()
    by_hand = sum((gap[i] + gap[i + 1]) / 2 * 0.25 for i in range(4))
    assert by_hand == pytest.approx(0.15625)
    metrics = summary_metrics(predicted, treated, responded)
    assert metrics["overall_uplift"] == pytest.approx(0.5 - 0.25)
    assert metrics["auuc_random"] == pytest.approx(0.25 / 2)
    # the top 10% and 20% of eight rows are one and two rows (rounded): the top treated
    # responder alone has no control row yet; two rows give 1/1 - 0/1
    assert np.isnan(metrics["uplift_at_10pct"])
    assert metrics["uplift_at_20pct"] == pytest.approx(1.0)
    assert metrics["uplift_at_50pct"] == pytest.approx(1.0)
    # a ranking that puts the non-responding treated rows first reverses the sign
    reversed_metrics = summary_metrics(-predicted, treated, responded)
    assert reversed_metrics["qini_coefficient"] < 0 < metrics["qini_coefficient"]
