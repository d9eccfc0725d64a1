"""Segmentation settings: parsed and checked once, from the dbt vars (see dbt_project.yml).

The Python model passes the vars through its config as strings (dbt renders them in
python_models/segmentation/_segmentation__models.yml); ``SegmentationSettings.from_config``
turns them into typed values and rejects a bad setting with a message that names the var.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from audience.settings import SettingsReader

ALGORITHMS = ("kmeans", "gaussian_mixture", "agglomerative", "dbscan", "hdbscan")
DENSITY_ALGORITHMS = ("dbscan", "hdbscan")
K_RULES = ("calinski_harabasz", "silhouette", "davies_bouldin")
TRANSFORMS = ("none", "log1p")
# auto: retrain when data or settings change; never: keep applying the latest stored model.
RETRAIN_POLICIES = ("auto", "never")


class SegmentationSettingsError(ValueError):
    """A segmentation var has a value the model cannot use."""


@dataclass(frozen=True)
class FeatureSpec:
    """One clustering input: a column of fct_customer_features and how it is prepared."""

    column: str
    transform: str = "none"
    fill: str | float = "median"  # "median" or a number


@dataclass(frozen=True)
class SegmentationSettings:
    features: tuple[FeatureSpec, ...]
    algorithm: str = "kmeans"
    k_min: int = 2
    k_max: int = 10
    k_rule: str = "calinski_harabasz"
    k: int | None = None
    pca_components: float | None = None
    min_tenure_days: int = 30
    fit_sample_size: int = 50_000
    metric_sample_size: int = 5_000
    seed: int = 42
    dbscan_eps: float | None = None
    dbscan_min_samples: int = 20
    # auto: retrain when data or settings change; never: keep applying the latest stored model
    # (new customers are still assigned, by the generated SQL). Not part of the model version.
    retrain: str = field(default="auto", compare=False)
    notes: tuple[str, ...] = field(default=(), compare=False)

    @property
    def is_density(self) -> bool:
        return self.algorithm in DENSITY_ALGORITHMS

    def to_json(self) -> str:
        """Canonical JSON of every setting that changes the model (part of the model version)."""
        settings = asdict(self)
        settings.pop("notes")
        settings.pop("retrain")
        return json.dumps(settings, sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_config(cls, get) -> SegmentationSettings:
        """Build from a config getter (``dbt.config.get``); every value may arrive as a string."""
        read = SettingsReader(get, "audience__segment_", SegmentationSettingsError)
        defaults = cls(features=())
        k_min = read.integer("k_min", defaults.k_min, minimum=2)
        k_max = read.integer("k_max", defaults.k_max, minimum=2)
        if k_max < k_min:
            read.fail("k_max", f"({k_max}) is below audience__segment_k_min ({k_min})")
        pca = read.number("pca_components", None)
        if pca is not None and (pca <= 0 or (pca >= 1 and pca != int(pca))):
            read.fail(
                "pca_components",
                "must be a whole number of components or a share of variance between 0 and 1,"
                f" got {pca!r}",
            )
        return cls(
            features=parse_features(read.raw("features")),
            algorithm=read.choice("algorithm", defaults.algorithm, ALGORITHMS),
            k_min=k_min,
            k_max=k_max,
            k_rule=read.choice("k_rule", defaults.k_rule, K_RULES),
            k=read.integer("k", None, minimum=1),
            pca_components=pca,
            min_tenure_days=read.integer("min_tenure_days", defaults.min_tenure_days, minimum=0),
            fit_sample_size=read.integer("fit_sample_size", defaults.fit_sample_size, minimum=10),
            metric_sample_size=read.integer(
                "metric_sample_size", defaults.metric_sample_size, minimum=10
            ),
            seed=read.integer("seed", defaults.seed),
            dbscan_eps=read.number("dbscan_eps", None),
            dbscan_min_samples=read.integer(
                "dbscan_min_samples", defaults.dbscan_min_samples, minimum=2
            ),
            retrain=read.choice("retrain", defaults.retrain, RETRAIN_POLICIES),
        )


def parse_features(raw) -> tuple[FeatureSpec, ...]:
    """Parse var audience__segment_features: a list of {column, transform, fill} (or JSON of it)."""
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError as error:
            raise SegmentationSettingsError(
                f"var audience__segment_features is not a list of features: {error}"
            ) from None
    if not isinstance(raw, list) or not raw:
        raise SegmentationSettingsError(
            "var audience__segment_features must be a non-empty list of "
            "{column: ..., transform: none|log1p, fill: median|<number>}"
        )
    specs = []
    for position, item in enumerate(raw, start=1):
        item = {"column": item} if isinstance(item, str) else item
        if not isinstance(item, dict) or not item.get("column"):
            raise SegmentationSettingsError(
                f"audience__segment_features item {position} has no column: {item!r}"
            )
        column = str(item["column"]).strip().lower()
        transform = str(item.get("transform") or "none").strip().lower()
        if transform not in TRANSFORMS:
            raise SegmentationSettingsError(
                f"audience__segment_features: transform of {column} must be one of "
                f"{', '.join(TRANSFORMS)}, got {transform!r}"
            )
        fill = item.get("fill", "median")
        fill = "median" if fill is None else fill
        if not (isinstance(fill, str) and fill.strip().lower() == "median"):
            try:
                fill = float(fill)
            except (TypeError, ValueError):
                raise SegmentationSettingsError(
                    f"audience__segment_features: fill of {column} must be median or a number, "
                    f"got {fill!r}"
                ) from None
        else:
            fill = "median"
        specs.append(FeatureSpec(column=column, transform=transform, fill=fill))
    columns = [spec.column for spec in specs]
    duplicated = sorted({column for column in columns if columns.count(column) > 1})
    if duplicated:
        raise SegmentationSettingsError(
            f"audience__segment_features lists {', '.join(duplicated)} more than once"
        )
    return tuple(specs)
