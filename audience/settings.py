"""One reader for the settings every ML area takes from its dbt vars.

A dbt Python model receives its area's audience__<area>_* vars through its config, rendered in
the area's YAML as JSON text or as single values (dbt renders every one as a string). Their
allowed values are checked first in SQL (macros/settings/audience_settings_spec.sql); this
reader turns what arrives into typed values and, for a model run outside dbt (the tests, the
benchmarks), rejects a bad one with the same kind of message: it names the var.

    read = SettingsReader.from_json(text, "audience__clv_", ClvInputError)
    read.integer("holdout_days", 180, minimum=1)
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from typing import Any


class SettingsReader:
    """Typed reads of one area's settings. `values` maps a setting's short name (the var's name
    without `prefix`) to its value; a missing, empty or "none" value reads as the default.
    Errors are raised as `error` (the area's own exception class)."""

    def __init__(self, values: Mapping[str, Any] | Callable[[str], Any], prefix, error):
        self._get = values if callable(values) else values.get
        self.prefix = prefix
        self.error = error

    @classmethod
    def from_json(cls, text: str | None, prefix: str, error: type[Exception]) -> SettingsReader:
        """From JSON text of {short name: value} (an empty text gives every default)."""
        try:
            values = json.loads(text) if text else {}
        except json.JSONDecodeError as problem:
            raise error(f"the {prefix}* settings are not valid JSON: {problem}") from None
        if not isinstance(values, dict):
            raise error(f"the {prefix}* settings must be a mapping, got {values!r}")
        return cls(values, prefix, error)

    def var(self, name: str) -> str:
        return f"{self.prefix}{name}"

    def fail(self, name: str, message: str):
        raise self.error(f"var {self.var(name)} {message}")

    def raw(self, name: str, default=None):
        value = self._get(name)
        if value is None or (isinstance(value, str) and value.strip().lower() in ("", "none")):
            return default
        return value

    def integer(self, name: str, default: int | None, minimum=None, maximum=None) -> int | None:
        number = self._number(name, default, "a whole number")
        if number is None:
            return None
        if not math.isfinite(number) or number != int(number):
            self.fail(name, f"must be a whole number, got {self.raw(name, default)!r}")
        return self._bounded(name, int(number), minimum, maximum)

    def number(self, name: str, default: float | None, minimum=None, maximum=None) -> float | None:
        number = self._number(name, default, "a number")
        return None if number is None else self._bounded(name, number, minimum, maximum)

    def share(self, name: str, default: float) -> float:
        """A number strictly between 0 and 1."""
        share = self.number(name, default)
        if not 0 < share < 1:
            self.fail(name, f"must be between 0 and 1, got {share}")
        return share

    def choice(self, name: str, default: str, choices) -> str:
        value = str(self.raw(name, default)).strip().lower()
        if value not in choices:
            self.fail(name, f"must be one of {', '.join(choices)}; got {value!r}")
        return value

    def text(self, name: str, default: str | None = None) -> str | None:
        value = self.raw(name, default)
        return None if value is None else str(value)

    def names(self, name: str, default=()) -> tuple[str, ...]:
        """A list of names (or one name), lowercased and stripped."""
        value = self.raw(name, None)
        if value is None:
            return tuple(default)
        if isinstance(value, str):
            value = [value]
        return tuple(str(item).strip().lower() for item in value)

    def _number(self, name, default, what) -> float | None:
        value = self.raw(name, default)
        if value is None:
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            self.fail(name, f"must be {what}, got {value!r}")

    def _bounded(self, name, number, minimum, maximum):
        if minimum is not None and number < minimum:
            self.fail(name, f"must be at least {minimum}, got {number!r}")
        if maximum is not None and number > maximum:
            self.fail(name, f"must be at most {maximum}, got {number!r}")
        return number
