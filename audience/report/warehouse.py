"""The one DuckDB file a report reads: opened read-only, queried by schema-qualified names.

The report never reads raw files, nor the `raw.*` views over them (they point at files that may
not be readable from where the report runs): only tables published by the build.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from audience.serving.paths import project_dir, serving_path, warehouse_path


class ReportInputError(ValueError):
    """The database cannot be reported on (missing, not DuckDB, or holding no audience tables)."""


def default_database() -> Path:
    """The serving database when it exists ($AUDIENCE_SERVING_PATH or warehouse/serving.duckdb),
    else the build warehouse ($AUDIENCE_DUCKDB_PATH or warehouse/audience.duckdb)."""
    project = project_dir()
    serving = serving_path(project)
    return serving if serving.exists() else warehouse_path(project)


class ReportDatabase:
    """Read-only access to the tables of one DuckDB file, with the list of what it holds so
    that a section can say which table is missing instead of failing."""

    def __init__(self, path: Path):
        if not path.is_file():
            raise ReportInputError(f"no database at {path}: build first (make run)")
        try:
            self._con = duckdb.connect(str(path), read_only=True)
        except duckdb.Error as error:
            raise ReportInputError(f"cannot open {path} as a DuckDB database: {error}") from error
        rows = self._con.sql(
            "select table_schema, table_name from information_schema.tables"
            " where table_catalog = current_database()"
        ).fetchall()
        self._relations = {f"{schema}.{name}".lower() for schema, name in rows}
        if not any(r.startswith(("marts.", "features.")) for r in self._relations):
            self.close()
            raise ReportInputError(
                f"{path} holds no marts or features tables: is it an audience warehouse?"
            )

    def has(self, *relations: str) -> bool:
        """Whether every one of ``relations`` (schema.table) exists."""
        return all(relation.lower() in self._relations for relation in relations)

    def missing(self, *relations: str) -> list[str]:
        return [relation for relation in relations if not self.has(relation)]

    def frame(self, sql: str, params: list | None = None) -> pd.DataFrame:
        """A query's result; values are always passed as parameters, never formatted in."""
        return self._con.sql(sql, params=params or None).to_arrow_table().to_pandas()

    def close(self) -> None:
        self._con.close()

    def __enter__(self) -> ReportDatabase:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
