"""Customer segmentation: settings, training, the model's state rows and its assignment rule."""

from audience.segmentation.model import (
    NEW_SEGMENT_ID,
    NEW_SEGMENT_NAME,
    NOISE_SEGMENT_ID,
    NOISE_SEGMENT_NAME,
    SegmentModel,
)
from audience.segmentation.settings import SegmentationSettings, SegmentationSettingsError
from audience.segmentation.training import SegmentationInputError, train_segment_model

__all__ = [
    "NEW_SEGMENT_ID",
    "NEW_SEGMENT_NAME",
    "NOISE_SEGMENT_ID",
    "NOISE_SEGMENT_NAME",
    "SegmentModel",
    "SegmentationInputError",
    "SegmentationSettings",
    "SegmentationSettingsError",
    "train_segment_model",
]
