"""The embedded demo business: a deterministic generator of raw data with planted ground truth."""
