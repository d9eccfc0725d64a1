"""Where the build warehouse, dbt's artifacts and the serving database live.

The same rules as profiles/profiles.yml and dbt: the warehouse is $AUDIENCE_DUCKDB_PATH (as given,
like dbt-duckdb) or <project>/warehouse/audience.duckdb; dbt's artifacts are in $DBT_TARGET_PATH
or <project>/target; the serving database is $AUDIENCE_SERVING_PATH (a relative path is taken
from the project folder) or <project>/warehouse/serving.duckdb, and its Parquet copy sits beside
it in <serving name>_parquet/. DuckDB's memory limit is $AUDIENCE_DUCKDB_MEMORY_LIMIT or the
profile's default, read from profiles/profiles.yml (its one home).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

SERVING_ENV = "AUDIENCE_SERVING_PATH"
WAREHOUSE_ENV = "AUDIENCE_DUCKDB_PATH"
MEMORY_LIMIT_ENV = "AUDIENCE_DUCKDB_MEMORY_LIMIT"
DEFAULT_SERVING = Path("warehouse") / "serving.duckdb"
DEFAULT_WAREHOUSE = Path("warehouse") / "audience.duckdb"


def project_dir(explicit: Path | None = None) -> Path:
    """The dbt project folder: the one given, $DBT_PROJECT_DIR, or the current folder."""
    chosen = explicit or Path(os.environ.get("DBT_PROJECT_DIR") or ".")
    return chosen.resolve()


def _from_project(project: Path, value: str | None, default: Path) -> Path:
    path = Path(value) if value else default
    return path if path.is_absolute() else project / path


def serving_path(project: Path) -> Path:
    return _from_project(project, os.environ.get(SERVING_ENV), DEFAULT_SERVING)


def warehouse_path(project: Path) -> Path:
    configured = os.environ.get(WAREHOUSE_ENV)
    return Path(configured).resolve() if configured else project / DEFAULT_WAREHOUSE


def target_dir(project: Path) -> Path:
    return _from_project(project, os.environ.get("DBT_TARGET_PATH"), Path("target"))


def parquet_root(serving: Path) -> Path:
    """The Parquet copy's folder: warehouse/serving.duckdb -> warehouse/serving_parquet."""
    return serving.with_name(f"{serving.stem}_parquet")


def memory_limit(project: Path) -> str:
    """$AUDIENCE_DUCKDB_MEMORY_LIMIT, else the default that profiles/profiles.yml gives it."""
    if os.environ.get(MEMORY_LIMIT_ENV):
        return os.environ[MEMORY_LIMIT_ENV]
    profile = (project / "profiles" / "profiles.yml").read_text()
    found = re.search(rf"env_var\('{MEMORY_LIMIT_ENV}', '([^']+)'\)", profile)
    if not found:
        raise ValueError(
            f"{project / 'profiles' / 'profiles.yml'} gives no default {MEMORY_LIMIT_ENV}"
        )
    return found.group(1)
