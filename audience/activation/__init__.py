"""Acting on the declared audiences: export files for CRMs and ad platforms (exports.py)."""
