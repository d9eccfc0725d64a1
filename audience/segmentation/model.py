"""A trained segmentation model as plain data, and the one assignment rule every engine follows.

``SegmentModel`` holds everything needed to assign a customer: how each feature is filled,
transformed and standardized, the optional PCA projection, and per segment a center, weights and a
bias. A customer goes to the segment with the lowest score

    score_s = sum_d weight_sd * (x_d - center_sd)^2 + bias_s

(k-means, agglomerative and density models: weight 1, bias 0, i.e. the nearest centroid; a
diagonal Gaussian mixture: weight 1 / variance and bias sum(log variance) - 2 log(mixing weight),
which is exactly the mixture's most probable component). Density models also give each segment a
radius; a customer farther than that from the chosen centroid is noise (segment -1). Customers
with less history than the model's minimum tenure get segment 0 without being scored.

``assign`` here and the SQL that macros/segmentation/segment_assignment_sql.sql generates evaluate
the same expressions in the same order (sums left to right), so both give the same segment to
everyone.
The model travels as rows of ``segment_model_state`` (``to_state_frame`` / ``from_state_frame``),
in the long shape of audience.model_state.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from audience.model_state import record_rows, state_columns, typed_state
from audience.segmentation.settings import DENSITY_ALGORITHMS

NEW_SEGMENT_ID = 0
NEW_SEGMENT_NAME = "New: too little history"
NOISE_SEGMENT_ID = -1
NOISE_SEGMENT_NAME = "Unclustered (noise)"

STATE_DTYPES = state_columns(
    [
        "model_version",
        "model_sequence",
        "as_of_date",
        "record",
        "segment_id",
        "name",
        "position",
        "value",
        "text_value",
    ],
    model_version="object",
    model_sequence="Int64",
    as_of_date="date",
    segment_id="Int64",
)
STATE_COLUMNS = list(STATE_DTYPES)


@dataclass
class PreparedFeature:
    """How one input column becomes a standardized model input."""

    column: str
    transform: str  # none | log1p
    fill_value: float
    mean: float
    scale: float


@dataclass
class SegmentModel:
    model_version: str
    as_of_date: object
    algorithm: str
    settings_json: str
    features: list[PreparedFeature]
    dimension_names: list[str]  # model-space dimensions: z_<feature> or pc_<n>
    segment_ids: list[int]
    segment_names: list[str]
    centers: np.ndarray  # segments x dimensions
    weights: np.ndarray  # segments x dimensions
    biases: np.ndarray  # segments
    radii: np.ndarray | None = None  # segments (density algorithms) or None
    pca_mean: np.ndarray | None = None  # features
    pca_loadings: np.ndarray | None = None  # components x features
    pca_explained_variance: np.ndarray | None = None  # components (ratio)
    min_tenure_days: int = 0
    model_sequence: int = 1
    chosen_by: str = "rule"
    training_customers: int = 0
    fit_sample_customers: int = 0
    selection: pd.DataFrame = field(default_factory=pd.DataFrame)  # k, metric columns, is_chosen
    feature_centroids: pd.DataFrame = field(default_factory=pd.DataFrame)  # segment_id x feature
    segment_shares: dict[int, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def k(self) -> int:
        return len(self.segment_ids)

    @property
    def is_density(self) -> bool:
        return self.radii is not None

    # --- state rows ------------------------------------------------------------------------
    def to_state_frame(self) -> pd.DataFrame:
        rows: list[tuple] = []

        def add(record, segment_id=None, name=None, position=None, value=None, text=None):
            rows.append((record, segment_id, name, position, _float_or_none(value), text))

        self._add_setting_and_note_rows(add)
        self._add_feature_rows(add)
        if self.pca_loadings is not None:
            self._add_pca_rows(add)
        self._add_segment_rows(add)
        self._add_centroid_and_selection_rows(add)
        frame = pd.DataFrame(rows, columns=STATE_COLUMNS[3:])
        keys = ("model_version", "model_sequence", "as_of_date")
        return typed_state(frame, STATE_DTYPES, **{key: getattr(self, key) for key in keys})

    def _add_setting_and_note_rows(self, add) -> None:
        settings = {
            "algorithm": self.algorithm,
            "k": str(self.k),
            "chosen_by": self.chosen_by,
            "min_tenure_days": str(self.min_tenure_days),
            "training_customers": str(self.training_customers),
            "fit_sample_customers": str(self.fit_sample_customers),
            "settings": self.settings_json,
        }
        for name, text in settings.items():
            add("setting", name=name, text=text)
        for position, note in enumerate(self.notes, start=1):
            add("note", position=position, text=note)

    def _add_feature_rows(self, add) -> None:
        for position, feature in enumerate(self.features, start=1):
            add("feature_transform", name=feature.column, position=position, text=feature.transform)
            add("feature_fill", name=feature.column, position=position, value=feature.fill_value)
            add("feature_mean", name=feature.column, position=position, value=feature.mean)
            add("feature_scale", name=feature.column, position=position, value=feature.scale)

    def _add_pca_rows(self, add) -> None:
        for j, feature in enumerate(self.features):
            add("pca_mean", name=feature.column, position=j + 1, value=self.pca_mean[j])
        for c in range(self.pca_loadings.shape[0]):
            add(
                "pca_explained_variance",
                name=f"pc_{c + 1}",
                position=c + 1,
                value=self.pca_explained_variance[c],
            )
            for j, feature in enumerate(self.features):
                add(
                    "pca_loading",
                    segment_id=c + 1,  # the component number
                    name=feature.column,
                    position=j + 1,
                    value=self.pca_loadings[c, j],
                )

    def _add_segment_rows(self, add) -> None:
        for s, segment_id in enumerate(self.segment_ids):
            add(
                "segment",
                segment_id=segment_id,
                name=self.segment_names[s],
                value=self.segment_shares.get(segment_id),
            )
            add("bias", segment_id=segment_id, value=self.biases[s])
            if self.radii is not None:
                add("radius", segment_id=segment_id, value=self.radii[s])
            for d, dimension in enumerate(self.dimension_names):
                add(
                    "center",
                    segment_id=segment_id,
                    name=dimension,
                    position=d + 1,
                    value=self.centers[s, d],
                )
                add(
                    "weight",
                    segment_id=segment_id,
                    name=dimension,
                    position=d + 1,
                    value=self.weights[s, d],
                )

    def _add_centroid_and_selection_rows(self, add) -> None:
        for segment_id, centroid in self.feature_centroids.iterrows():
            for j, (feature, value) in enumerate(centroid.items(), start=1):
                add(
                    "centroid_feature",
                    segment_id=int(segment_id),
                    name=feature,
                    position=j,
                    value=value,
                )
        for _, metrics in self.selection.iterrows():
            for metric, value in metrics.items():
                if metric != "k":
                    add("selection", name=metric, position=int(metrics["k"]), value=value)

    @classmethod
    def from_state_frame(cls, state: pd.DataFrame) -> SegmentModel:
        """Rebuild a model from its rows of segment_model_state (one model_version)."""
        versions = state["model_version"].unique()
        if len(versions) != 1:
            raise ValueError(f"expected the rows of one model version, got {len(versions)}")

        def rows(record):
            return record_rows(state, record, ("segment_id", "position"))

        settings = dict(zip(rows("setting")["name"], rows("setting")["text_value"], strict=True))
        features = _features_from_state(rows)
        segments = rows("segment")
        segment_ids = [int(s) for s in segments["segment_id"]]
        centers = rows("center")
        dimension_names = list(centers.drop_duplicates("position").sort_values("position")["name"])
        shape = (len(segment_ids), len(dimension_names))
        radii = rows("radius")
        is_density = settings["algorithm"] in DENSITY_ALGORITHMS
        pca = _pca_from_state(rows, len(features))
        return cls(
            model_version=str(versions[0]),
            as_of_date=state["as_of_date"].iloc[0],
            algorithm=settings["algorithm"],
            settings_json=settings["settings"],
            features=features,
            dimension_names=dimension_names,
            segment_ids=segment_ids,
            segment_names=list(segments["name"]),
            centers=_segment_matrix(rows, "center", shape) if shape[1] else np.zeros(shape),
            weights=_segment_matrix(rows, "weight", shape) if shape[1] else np.zeros(shape),
            biases=rows("bias").sort_values("segment_id")["value"].to_numpy(dtype=float),
            radii=radii.sort_values("segment_id")["value"].to_numpy(dtype=float)
            if is_density
            else None,
            pca_mean=pca[0] if pca else None,
            pca_loadings=pca[1] if pca else None,
            pca_explained_variance=pca[2] if pca else None,
            min_tenure_days=int(settings["min_tenure_days"]),
            model_sequence=int(state["model_sequence"].iloc[0]),
            chosen_by=settings["chosen_by"],
            training_customers=int(settings["training_customers"]),
            fit_sample_customers=int(settings["fit_sample_customers"]),
            feature_centroids=_feature_centroids_from_state(rows),
            notes=list(rows("note").sort_values("position")["text_value"]),
        )

    # --- assignment --------------------------------------------------------------------------
    def model_space(self, frame: pd.DataFrame) -> np.ndarray:
        """Fill, transform, standardize (and project) the feature columns of ``frame``."""
        standardized = []
        for feature in self.features:
            values = pd.to_numeric(frame[feature.column], errors="coerce").to_numpy(dtype=float)
            values = np.where(np.isnan(values), feature.fill_value, values)
            if feature.transform == "log1p":
                # log(1 + x) rather than log1p: the SQL evaluates ln(1 + x), and the two may
                # differ in the last bit.
                values = np.log(1 + np.maximum(values, 0))
            standardized.append((values - feature.mean) / feature.scale)
        if self.pca_loadings is None:
            return np.column_stack(standardized) if standardized else np.zeros((len(frame), 0))
        components = []
        for loadings in self.pca_loadings:
            total = np.zeros(len(frame))
            for j, z in enumerate(standardized):
                term = loadings[j] * (z - self.pca_mean[j])
                total = term if j == 0 else total + term
            components.append(total)
        return np.column_stack(components)

    def score(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Scores (rows x segments) and Euclidean distances to each center, summed in order."""
        n, k = len(points), self.k
        scores = np.zeros((n, k))
        distances = np.zeros((n, k))
        for s in range(k):
            score = np.zeros(n)
            squared = np.zeros(n)
            for d in range(points.shape[1]):
                difference = points[:, d] - self.centers[s, d]
                squared_term = difference * difference
                weighted = self.weights[s, d] * squared_term
                score = weighted if d == 0 else score + weighted
                squared = squared_term if d == 0 else squared + squared_term
            scores[:, s] = score + self.biases[s]
            distances[:, s] = np.sqrt(squared)
        return scores, distances

    def assign_points(self, points: np.ndarray) -> np.ndarray:
        """Position (0..k-1) of the segment each model-space point goes to; -1 for noise."""
        scores, distances = self.score(points)
        best = np.argmin(scores, axis=1)
        if self.radii is not None:
            chosen_distance = distances[np.arange(len(points)), best]
            best = np.where(chosen_distance > self.radii[best], -1, best)
        return best

    def assign(self, frame: pd.DataFrame) -> pd.DataFrame:
        """segment_id and distance_to_centroid for every row of ``frame`` (same index)."""
        tenure = (
            pd.to_numeric(frame["tenure_days"], errors="coerce").to_numpy(dtype=float)
            if "tenure_days" in frame
            else np.full(len(frame), np.inf)
        )
        is_new = ~(tenure >= self.min_tenure_days)  # NULL tenure counts as new
        segment = np.full(len(frame), NEW_SEGMENT_ID, dtype=np.int64)
        distance = np.full(len(frame), np.nan)
        if not self.k and self.is_density:  # a density model that found no cluster: all noise
            segment = np.where(is_new, NEW_SEGMENT_ID, NOISE_SEGMENT_ID)
        if self.k:
            scores, distances = self.score(self.model_space(frame))
            best = np.argmin(scores, axis=1)  # the first of equal scores: lowest segment id
            rows = np.arange(len(frame))
            chosen_distance = distances[rows, best]
            chosen = np.asarray(self.segment_ids, dtype=np.int64)[best]
            if self.radii is not None:
                is_noise = chosen_distance > self.radii[best]
                chosen = np.where(is_noise, NOISE_SEGMENT_ID, chosen)
            segment = np.where(is_new, NEW_SEGMENT_ID, chosen)
            distance = np.where(is_new, np.nan, chosen_distance)
        return pd.DataFrame(
            {"segment_id": segment, "distance_to_centroid": distance}, index=frame.index
        )


def _float_or_none(value):
    if value is None:
        return None
    value = float(value)
    return None if np.isnan(value) else value


# --- reading state rows (``rows(record)``: one record's rows, by segment_id and position) ------
def _features_from_state(rows) -> list[PreparedFeature]:
    transforms = rows("feature_transform").sort_values("position")
    by_feature = {
        record: dict(zip(rows(record)["name"], rows(record)["value"], strict=True))
        for record in ("feature_fill", "feature_mean", "feature_scale")
    }
    return [
        PreparedFeature(
            column=column,
            transform=transform,
            fill_value=float(by_feature["feature_fill"][column]),
            mean=float(by_feature["feature_mean"][column]),
            scale=float(by_feature["feature_scale"][column]),
        )
        for column, transform in zip(transforms["name"], transforms["text_value"], strict=True)
    ]


def _segment_matrix(rows, record: str, shape: tuple[int, int]) -> np.ndarray:
    """A segments x dimensions matrix (center or weight), in segment id order."""
    values = rows(record).sort_values(["segment_id", "position"])["value"]
    return values.to_numpy(dtype=float).reshape(shape)


def _pca_from_state(rows, feature_count: int):
    """(mean, loadings, explained variance) of the stored projection, or None without one."""
    loadings = rows("pca_loading")
    if not len(loadings):
        return None
    components = loadings["segment_id"].nunique()
    return (
        rows("pca_mean").sort_values("position")["value"].to_numpy(dtype=float),
        loadings.sort_values(["segment_id", "position"])["value"]
        .to_numpy(dtype=float)
        .reshape(components, feature_count),
        rows("pca_explained_variance").sort_values("position")["value"].to_numpy(float),
    )


def _feature_centroids_from_state(rows) -> pd.DataFrame:
    centroids = rows("centroid_feature")
    feature_centroids = (
        centroids.pivot(index="segment_id", columns="name", values="value")  # noqa: PD010
        if len(centroids)
        else pd.DataFrame()
    )
    if len(feature_centroids):
        feature_centroids.index = feature_centroids.index.astype(int)
    return feature_centroids
