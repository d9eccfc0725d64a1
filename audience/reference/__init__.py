"""Independent reference implementations of the feature layer, used by tests and benchmarks."""

from audience.reference.pandas_features import compute_features

__all__ = ["compute_features"]
