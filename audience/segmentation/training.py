"""Train a segmentation model: prepare features, sweep k, fit, keep segment ids stable, name.

Called by python_models/segmentation/segment_model_state.py. Everything is seeded and works on
rows sorted by customer id, so the same input and settings always give the same model.
"""

from __future__ import annotations

import hashlib
import warnings

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment
from sklearn.cluster import DBSCAN, HDBSCAN, AgglomerativeClustering, KMeans
from sklearn.decomposition import PCA
from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score, silhouette_score
from sklearn.mixture import GaussianMixture
from sklearn.neighbors import NearestNeighbors

from audience.progress import timed
from audience.segmentation.model import PreparedFeature, SegmentModel
from audience.segmentation.naming import name_segments
from audience.segmentation.settings import SegmentationSettings

# Ward linkage and density clustering need memory quadratic (or worse) in the rows they see:
# they are fitted on at most this many of the fit sample's customers.
MAX_HIERARCHICAL_ROWS = 5_000
MAX_DENSITY_ROWS = 20_000
KMEANS_RESTARTS = 4
MIXTURE_RESTARTS = 2


class SegmentationInputError(ValueError):
    """The feature table cannot be segmented as configured (e.g. a feature column is missing)."""


def model_version(frame: pd.DataFrame, settings: SegmentationSettings, as_of_date) -> str:
    """A short hash of the settings, the as-of date and the training data's content."""
    columns = ["customer_id", *(spec.column for spec in settings.features)]
    if "tenure_days" in frame:
        columns.append("tenure_days")
    content = pd.util.hash_pandas_object(frame[columns], index=False).to_numpy()
    digest = hashlib.sha256()
    digest.update(settings.to_json().encode())
    digest.update(str(as_of_date).encode())
    digest.update(content.tobytes())
    return digest.hexdigest()[:16]


def train_segment_model(
    frame: pd.DataFrame,
    settings: SegmentationSettings,
    previous: SegmentModel | None = None,
    model_sequence: int = 1,
    log=print,
) -> SegmentModel:
    """Fit the configured algorithm on ``frame`` (one row per customer) and return the model."""
    _check_feature_columns(frame, settings)
    frame = frame.sort_values("customer_id", kind="stable").reset_index(drop=True)
    as_of_date = frame["as_of_date"].iloc[0] if len(frame) else None
    notes: list[str] = []
    training = _training_rows(frame, settings, notes)
    features, values = _prepare_features(training, settings, notes)
    standardized = _standardize(values, features, len(training))
    # One generator for the fit sample and then the metric sample: the order of draws matters.
    rng = np.random.default_rng(settings.seed)
    sample = _sample(len(training), settings.fit_sample_size, rng)
    pca = None
    points = standardized
    if settings.pca_components is not None and features:
        pca = _fit_pca(standardized[sample], settings, notes)
        points = _project(standardized, pca)
    fit_points = points[sample]
    distinct = len(np.unique(fit_points, axis=0)) if len(fit_points) else 0

    model = _unfitted_model(frame, settings, as_of_date, features, pca, fit_points.shape[1])
    model.model_sequence = model_sequence
    model.training_customers = len(training)
    model.fit_sample_customers = len(sample)
    model.notes = notes
    if len(training) == 0:
        notes.append("no customers to cluster: everyone is in segment 0")
        model.chosen_by = "no customers"
        return model
    if distinct < 2 or not features:
        _fit_single_segment(model, fit_points, notes)
    else:
        metric_sample = _sample(len(sample), settings.metric_sample_size, rng)
        if settings.is_density:
            _fit_density_segments(model, fit_points, metric_sample, settings, notes)
        else:
            candidates = _candidate_ks(settings, distinct, len(sample), notes)
            _fit_chosen_k(model, fit_points, metric_sample, settings, candidates, log)
    labels = model.assign_points(fit_points) if model.k else np.zeros(0)
    _finish(model, training.iloc[sample], values[sample], labels, previous, notes)
    return model


def _check_feature_columns(frame, settings):
    missing = [spec.column for spec in settings.features if spec.column not in frame]
    if missing:
        raise SegmentationInputError(
            f"var audience__segment_features names column(s) {', '.join(missing)} that "
            f"fct_customer_features does not have. Available: {', '.join(sorted(frame.columns))}"
        )


def _training_rows(frame, settings, notes):
    """The customers with at least the minimum tenure (everyone without a tenure_days column)."""
    tenure = (
        pd.to_numeric(frame["tenure_days"], errors="coerce").to_numpy(dtype=float)
        if "tenure_days" in frame
        else np.full(len(frame), np.inf)
    )
    training = frame[tenure >= settings.min_tenure_days].reset_index(drop=True)
    if len(training) < len(frame):
        notes.append(
            f"{len(frame) - len(training)} customers with less than "
            f"{settings.min_tenure_days} days since signup are not clustered (segment 0)"
        )
    return training


def _standardize(values, features, rows):
    if not features:
        return np.zeros((rows, 0))
    return (values - [f.mean for f in features]) / [f.scale for f in features]


def _unfitted_model(frame, settings, as_of_date, features, pca, dimensions) -> SegmentModel:
    """The model before any segment is fitted: versioned, with its features and projection."""
    return SegmentModel(
        model_version=model_version(frame, settings, as_of_date),
        as_of_date=as_of_date,
        algorithm=settings.algorithm,
        settings_json=settings.to_json(),
        features=features,
        dimension_names=(
            [f"pc_{c + 1}" for c in range(pca[1].shape[0])]
            if pca
            else [f"z_{f.column}" for f in features]
        ),
        segment_ids=[],
        segment_names=[],
        centers=np.zeros((0, dimensions)),
        weights=np.zeros((0, dimensions)),
        biases=np.zeros(0),
        pca_mean=pca[0] if pca else None,
        pca_loadings=pca[1] if pca else None,
        pca_explained_variance=pca[2] if pca else None,
        min_tenure_days=settings.min_tenure_days,
    )


def _fit_single_segment(model, fit_points, notes):
    reason = "no usable feature" if not model.features else "all customers have the same features"
    notes.append(f"{reason}: everyone clustered is in one segment")
    model.chosen_by = "single segment"
    _set_segments(model, centers=np.zeros((1, fit_points.shape[1])), labels=None)


def _fit_density_segments(model, fit_points, metric_sample, settings, notes):
    centers, radii = _fit_density(fit_points, settings, notes)
    model.chosen_by = settings.algorithm
    if len(centers) == 0:
        notes.append(f"{settings.algorithm} found no cluster: everyone is noise")
    _set_segments(model, centers=centers, radii=radii)
    model.selection = _selection_table(
        [(len(centers), model)], fit_points, metric_sample, chosen=len(centers)
    )


def _fit_chosen_k(model, fit_points, metric_sample, settings, candidates, log):
    """Fit every candidate k, measure them, and keep the one the rule (or the pin) chooses."""
    ks, chosen_by = candidates
    fitted = []
    for k in ks:
        with timed(log, f"  segmentation: {settings.algorithm} k = {k} fitted"):
            fitted.append((k, _fit(fit_points, k, settings)))
    rows = f"{len(metric_sample):,} rows"
    with timed(log, f"  segmentation: metrics of {len(ks)} values of k on {rows}"):
        selection = _selection_table(fitted, fit_points, metric_sample, chosen=None)
    chosen_k = ks[0] if len(ks) == 1 and chosen_by != "rule" else _choose_k(selection, settings)
    selection["is_chosen"] = (selection["k"] == chosen_k).astype(float)
    model.selection = selection
    model.chosen_by = chosen_by
    best = dict(fitted)[chosen_k]
    _set_segments(model, **best)


# --- feature preparation ---------------------------------------------------------------------
def _prepare_features(training, settings, notes):
    """Fill, transform and measure each feature; drop the unusable ones with a note."""
    features, columns = [], []
    for spec in settings.features:
        raw = pd.to_numeric(training[spec.column], errors="coerce").to_numpy(dtype=float)
        if len(raw) and np.isnan(raw).all():
            notes.append(f"feature {spec.column} dropped: it is NULL for every customer")
            continue
        if spec.fill == "median":
            fill_value = float(np.nanmedian(raw)) if len(raw) else 0.0
        else:
            fill_value = float(spec.fill)
        values = np.where(np.isnan(raw), fill_value, raw)
        if spec.transform == "log1p":
            if (values < 0).any():
                notes.append(f"feature {spec.column}: negative values count as 0 before log1p")
            values = np.log(1 + np.maximum(values, 0))
        mean = float(values.mean()) if len(values) else 0.0
        scale = float(values.std()) if len(values) else 0.0
        if not scale > 1e-12:
            notes.append(f"feature {spec.column} dropped: it has the same value for everyone")
            continue
        features.append(PreparedFeature(spec.column, spec.transform, fill_value, mean, scale))
        columns.append(values)
    matrix = np.column_stack(columns) if columns else np.zeros((len(training), 0))
    return features, matrix


def _sample(n: int, size: int, rng) -> np.ndarray:
    if n <= size:
        return np.arange(n)
    return np.sort(rng.choice(n, size=size, replace=False))


def _fit_pca(points, settings, notes):
    requested = settings.pca_components
    limit = min(points.shape)
    if requested >= 1:
        components = int(min(requested, limit))
        if components < requested:
            notes.append(f"PCA keeps {components} components (at most {limit} possible)")
    else:
        components = requested
    if limit < 1:
        components = None
    pca = PCA(n_components=components, svd_solver="full", random_state=settings.seed).fit(points)
    return pca.mean_, pca.components_, pca.explained_variance_ratio_


def _project(standardized, pca):
    mean, loadings, _ = pca
    components = []
    for row in loadings:
        total = np.zeros(len(standardized))
        for j in range(standardized.shape[1]):
            term = row[j] * (standardized[:, j] - mean[j])
            total = term if j == 0 else total + term
        components.append(total)
    return np.column_stack(components)


# --- fitting ---------------------------------------------------------------------------------
def _candidate_ks(settings, distinct, sample_size, notes):
    """The ks to try and how the final one is chosen."""
    feasible_max = min(distinct, sample_size - 1)
    if settings.k is not None:
        k = settings.k
        if k > feasible_max:
            notes.append(
                f"audience__segment_k = {k} but only {distinct} distinct customers: "
                f"using k = {max(1, feasible_max)}"
            )
            k = max(1, feasible_max)
        return [k], "pinned"
    ks = [k for k in range(settings.k_min, settings.k_max + 1) if k <= feasible_max]
    if not ks:
        k = max(1, min(feasible_max, settings.k_min))
        notes.append(
            f"too few distinct customers ({distinct}) for k from {settings.k_min}: using k = {k}"
        )
        return [k], "only feasible k"
    if ks[-1] < settings.k_max:
        notes.append(
            f"k tried only up to {ks[-1]}: the fit sample has {distinct} distinct customers"
        )
    return ks, "rule"


def _fit(points, k, settings) -> dict:
    """Centers (and weights, biases) of one model with k segments, fitted on ``points``."""
    d = points.shape[1]
    if k == 1:
        return {"centers": points.mean(axis=0, keepdims=True)}
    if settings.algorithm == "kmeans":
        fitted = KMeans(k, n_init=KMEANS_RESTARTS, random_state=settings.seed).fit(points)
        return {"centers": fitted.cluster_centers_}
    if settings.algorithm == "gaussian_mixture":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # convergence warnings land in the selection table
            fitted = GaussianMixture(
                k, covariance_type="diag", n_init=MIXTURE_RESTARTS, random_state=settings.seed
            ).fit(points)
        variances = fitted.covariances_
        return {
            "centers": fitted.means_,
            "weights": 1.0 / variances,
            "biases": np.log(variances).sum(axis=1) - 2 * np.log(fitted.weights_),
            "bic": fitted.bic(points),
        }
    if settings.algorithm == "agglomerative":
        rows = _sample(len(points), MAX_HIERARCHICAL_ROWS, np.random.default_rng(settings.seed))
        labels = AgglomerativeClustering(k, linkage="ward").fit_predict(points[rows])
        return {"centers": _means(points[rows], labels, k, d)}
    raise ValueError(f"unknown algorithm {settings.algorithm}")


def _fit_density(points, settings, notes):
    """Clusters found by DBSCAN/HDBSCAN on the sample: their centroids and radii."""
    rows = _sample(len(points), MAX_DENSITY_ROWS, np.random.default_rng(settings.seed))
    fit_points = points[rows]
    min_samples = min(settings.dbscan_min_samples, len(fit_points))
    if settings.algorithm == "dbscan":
        eps = settings.dbscan_eps
        if eps is None:
            neighbours = NearestNeighbors(n_neighbors=min_samples).fit(fit_points)
            eps = float(np.quantile(neighbours.kneighbors(fit_points)[0][:, -1], 0.9))
            eps = eps if eps > 0 else 1e-9
            notes.append(f"dbscan eps chosen from the data: {eps:.4g}")
        labels = DBSCAN(eps=eps, min_samples=min_samples).fit_predict(fit_points)
    else:
        labels = HDBSCAN(min_cluster_size=max(2, min_samples), copy=True).fit_predict(fit_points)
    clusters = sorted(set(labels) - {-1})
    centers = np.array([fit_points[labels == c].mean(axis=0) for c in clusters]).reshape(
        len(clusters), points.shape[1]
    )
    radii = np.array(
        [
            np.sqrt(((fit_points[labels == c] - centers[i]) ** 2).sum(axis=1)).max()
            for i, c in enumerate(clusters)
        ]
    )
    return centers, radii


def _means(points, labels, k, d):
    centers = np.zeros((k, d))
    for c in range(k):
        members = points[labels == c]
        centers[c] = members.mean(axis=0) if len(members) else points.mean(axis=0)
    return centers


def _set_segments(model: SegmentModel, centers, weights=None, biases=None, radii=None, **_):
    k = len(centers)
    model.centers = np.asarray(centers, dtype=float).reshape(k, len(model.dimension_names))
    model.weights = np.ones_like(model.centers) if weights is None else np.asarray(weights)
    model.biases = np.zeros(k) if biases is None else np.asarray(biases, dtype=float)
    model.radii = None if radii is None else np.asarray(radii, dtype=float)
    model.segment_ids = list(range(1, k + 1))
    model.segment_names = [""] * k


def _selection_table(fitted, points, metric_sample, chosen):
    """Inertia, silhouette, Calinski-Harabasz and Davies-Bouldin for each fitted k."""
    rows = []
    for k, fit in fitted:
        if isinstance(fit, SegmentModel):
            candidate = fit
        else:
            candidate = SegmentModel(
                "",
                None,
                "",
                "",
                [],
                [""] * points.shape[1],
                [],
                [],
                np.zeros(0),
                np.zeros(0),
                np.zeros(0),
            )
            _set_segments(candidate, **fit)
        labels = candidate.assign_points(points) if candidate.k else np.full(len(points), -1)
        clustered = labels >= 0
        inertia = float(
            sum(((points[labels == s] - candidate.centers[s]) ** 2).sum() for s in range(k))
        )
        used = len(np.unique(labels[clustered]))
        metric_labels = labels[metric_sample]
        metric_points = points[metric_sample]
        metric_used = len(np.unique(metric_labels[metric_labels >= 0]))
        has_metrics = 2 <= used < clustered.sum()
        rows.append(
            {
                "k": k,
                "inertia": inertia,
                "silhouette": silhouette_score(
                    metric_points[metric_labels >= 0], metric_labels[metric_labels >= 0]
                )
                if 2 <= metric_used < (metric_labels >= 0).sum()
                else np.nan,
                "calinski_harabasz": calinski_harabasz_score(points[clustered], labels[clustered])
                if has_metrics
                else np.nan,
                "davies_bouldin": davies_bouldin_score(points[clustered], labels[clustered])
                if has_metrics
                else np.nan,
                "bic": float(fit["bic"]) if isinstance(fit, dict) and "bic" in fit else np.nan,
                "is_chosen": float(k == chosen) if chosen is not None else 0.0,
            }
        )
    return pd.DataFrame(rows)


def _choose_k(selection: pd.DataFrame, settings: SegmentationSettings) -> int:
    """The documented rule: best metric value, the smaller k on a tie."""
    metric = selection[settings.k_rule]
    if metric.isna().all():
        return int(selection["k"].iloc[0])
    best = metric.min() if settings.k_rule == "davies_bouldin" else metric.max()
    return int(selection.loc[metric == best, "k"].min())


# --- stable ids and names --------------------------------------------------------------------
def _finish(model, sample_rows, sample_values, labels, previous, notes):
    """Feature centroids, stable ids (matched to the previous model), shares and names."""
    columns = [f.column for f in model.features]
    k = model.k
    if k == 0:
        return
    centroids = pd.DataFrame(
        [
            sample_values[labels == s].mean(axis=0)
            if (labels == s).any()
            else np.full(len(columns), np.nan)
            for s in range(k)
        ],
        columns=columns,
    )
    shares = np.array([(labels == s).mean() for s in range(k)])
    new_ids = _stable_ids(model, centroids, shares, previous, notes)
    order = np.argsort(new_ids, kind="stable")
    model.segment_ids = [int(new_ids[i]) for i in order]
    model.centers = model.centers[order]
    model.weights = model.weights[order]
    model.biases = model.biases[order]
    if model.radii is not None:
        model.radii = model.radii[order]
    centroids = centroids.iloc[order].set_axis(model.segment_ids)
    model.feature_centroids = centroids
    model.segment_shares = dict(zip(model.segment_ids, shares[order], strict=True))
    relabelled = np.full(len(labels), -1)
    for position, original in enumerate(order):
        relabelled[labels == original] = model.segment_ids[position]
    model.segment_names = name_segments(sample_rows, relabelled, model.segment_ids)


def _stable_ids(model, centroids, shares, previous, notes):
    """Segment ids: matched to the previous model's segments where there is one, else 1..k by
    size (largest first). Matching minimizes the total squared distance between feature
    centroids, standardized with the new model's scales (Hungarian algorithm)."""
    k = len(shares)
    by_size = np.argsort(-shares, kind="stable")
    ids = np.empty(k, dtype=np.int64)
    ids[by_size] = np.arange(1, k + 1)
    if previous is None or previous.k == 0 or previous.feature_centroids.empty:
        return ids
    common = [f for f in model.features if f.column in previous.feature_centroids.columns]
    if not common:
        notes.append("segment ids not matched to the previous model: no feature in common")
        return ids
    scales = np.array([f.scale for f in common])
    names = [f.column for f in common]
    new = centroids[names].to_numpy(dtype=float) / scales
    old_frame = previous.feature_centroids[names]
    old = old_frame.to_numpy(dtype=float) / scales
    cost = ((new[:, None, :] - old[None, :, :]) ** 2).sum(axis=2)
    cost = np.where(np.isnan(cost), 1e12, cost)
    new_rows, old_rows = linear_sum_assignment(cost)
    ids = np.zeros(k, dtype=np.int64)
    ids[new_rows] = old_frame.index.to_numpy()[old_rows]
    next_id = max(int(old_frame.index.max()), k)
    for i in by_size:  # segments without a match get fresh ids, largest first
        if ids[i] == 0:
            next_id += 1
            ids[i] = next_id
    notes.append(
        f"segment ids matched to model {previous.model_version} "
        f"({len(new_rows)} of {k} segments matched)"
    )
    return ids
