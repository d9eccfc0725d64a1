"""audience.segmentation without dbt: settings errors, degenerate data, and the assignment rule
against scikit-learn's own predictions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.mixture import GaussianMixture

from audience.segmentation import (
    SegmentationInputError,
    SegmentationSettings,
    SegmentationSettingsError,
    SegmentModel,
    train_segment_model,
)

FEATURES = [{"column": "a", "transform": "log1p"}, {"column": "b"}, {"column": "c"}]


def settings(**overrides) -> SegmentationSettings:
    values = {"features": FEATURES, "min_tenure_days": 0, **overrides}
    return SegmentationSettings.from_config(values.get)


def blobs(n: int, seed: int = 0) -> pd.DataFrame:
    """Three well separated groups of customers."""
    rng = np.random.default_rng(seed)
    group = rng.integers(0, 3, n)
    centers = np.array([[1.0, 0.0, 5.0], [50.0, 3.0, 0.0], [500.0, -3.0, 2.5]])
    centers[:, 0] = np.log1p(centers[:, 0])  # feature a is log1p-transformed: undo it below
    values = centers[group] + 0.3 * rng.standard_normal((n, 3))
    values[:, 0] = np.expm1(values[:, 0])
    return pd.DataFrame(
        {
            "customer_id": [f"C{i:06d}" for i in range(n)],
            "as_of_date": pd.Timestamp("2026-01-01").date(),
            "tenure_days": 400,
            "a": values[:, 0],
            "b": values[:, 1],
            "c": values[:, 2],
            "group": group,
        }
    )


def test_three_blobs_are_found_and_the_state_round_trips():
    frame = blobs(3_000)
    model = train_segment_model(frame, settings())
    assert model.k == 3 and model.chosen_by == "rule"
    assigned = model.assign(frame)
    assert pd.crosstab(frame["group"], assigned["segment_id"]).gt(0).sum().eq(1).all()
    again = SegmentModel.from_state_frame(model.to_state_frame())
    pd.testing.assert_frame_equal(again.assign(frame), assigned)


def test_gaussian_mixture_assignment_is_the_mixture_prediction():
    frame = blobs(2_000)
    model = train_segment_model(frame, settings(algorithm="gaussian_mixture", k=3))
    points = model.model_space(frame)
    mixture = GaussianMixture(3, covariance_type="diag", n_init=2, random_state=42).fit(points)
    # same fit (seeded) -> same partition as the mixture's own predict
    ours = model.assign(frame)["segment_id"]
    assert pd.crosstab(ours, mixture.predict(points)).gt(0).sum().eq(1).all()


@pytest.mark.parametrize(
    ("frame", "expected_k", "note"),
    [
        (blobs(0), 0, "no customers"),
        (blobs(1), 1, "one segment"),
        (blobs(3), 2, "k tried only up to 2"),
        (blobs(50).assign(a=7.0, b=1.0, c=2.0), 1, "one segment"),
        (blobs(300).assign(b=np.nan), 3, "feature b dropped: it is NULL"),
        (blobs(300).assign(c=4.0), 3, "feature c dropped: it has the same value"),
    ],
    ids=[
        "empty",
        "one customer",
        "fewer customers than k",
        "identical rows",
        "all-null feature",
        "constant feature",
    ],
)
def test_degenerate_data_gives_a_defined_result_and_a_note(frame, expected_k, note):
    model = train_segment_model(frame, settings())
    assert model.k == expected_k
    assert any(note in text for text in model.notes), model.notes
    assigned = model.assign(frame)
    assert len(assigned) == len(frame)
    assert assigned["segment_id"].isin([0, *model.segment_ids]).all()
    SegmentModel.from_state_frame(model.to_state_frame())  # the state is complete


def test_null_values_are_filled_and_new_customers_are_not_clustered():
    frame = blobs(500)
    frame.loc[::7, "a"] = np.nan
    frame.loc[:19, "tenure_days"] = 5
    model = train_segment_model(frame, settings(min_tenure_days=30))
    assigned = model.assign(frame)
    assert (assigned["segment_id"].iloc[:20] == 0).all()
    assert (assigned["segment_id"].iloc[20:] > 0).all()
    assert assigned["distance_to_centroid"].iloc[:20].isna().all()
    assert model.training_customers == 480


def test_a_missing_feature_column_is_named():
    with pytest.raises(SegmentationInputError, match="no_such"):
        train_segment_model(blobs(10), settings(features=[{"column": "no_such"}]))


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"algorithm": "kmedoids"}, "audience__segment_algorithm"),
        ({"k_min": 5, "k_max": 3}, "audience__segment_k_max"),
        ({"k": "three"}, "audience__segment_k"),
        ({"features": []}, "audience__segment_features"),
        ({"features": [{"column": "a", "transform": "sqrt"}]}, "transform of a"),
        ({"pca_components": 1.5}, "audience__segment_pca_components"),
        ({"k_rule": "gap"}, "audience__segment_k_rule"),
    ],
)
def test_bad_settings_are_rejected_with_the_var_named(overrides, message):
    with pytest.raises(SegmentationSettingsError, match=message):
        settings(**overrides)


def test_a_density_model_without_clusters_makes_everyone_noise():
    frame = blobs(400)
    model = train_segment_model(frame, settings(algorithm="dbscan", dbscan_eps=1e-9))
    assert model.k == 0 and any("everyone is noise" in note for note in model.notes)
    for candidate in (model, SegmentModel.from_state_frame(model.to_state_frame())):
        assert (candidate.assign(frame)["segment_id"] == -1).all()


def test_retrain_never_keeps_the_stored_model_for_new_data():
    from audience.segmentation.state import build_model_state

    first = build_model_state(blobs(600, seed=1), None, settings())
    changed = blobs(650, seed=2)
    kept = build_model_state(changed, first, settings(retrain="never"))
    pd.testing.assert_frame_equal(kept, first)
    retrained = build_model_state(changed, first, settings())
    assert set(retrained["model_version"]) != set(first["model_version"])
    assert (retrained["model_sequence"] == 2).all()
