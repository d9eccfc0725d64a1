"""A dbt-duckdb plugin (profiles/profiles.yml, `plugins:`), called by dbt-duckdb just before it
opens the warehouse, that

- turns "the build warehouse is locked" into one line naming the process that holds it and the
  serving database to read instead (without it, a BI tool left connected to the build warehouse
  makes `dbt build` end in a 200-line traceback; the logic is in audience.serving.locks);
- bounds the CPU threads of DuckDB and of the Python models' OpenMP / BLAS pools by
  $AUDIENCE_CPU_THREADS (audience.threads).

Imported by dbt only (it needs dbt-duckdb).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin
from dbt_common.exceptions import DbtRuntimeError

from audience.serving.locks import WarehouseLockedError, check_warehouse_writable
from audience.serving.paths import project_dir, serving_path
from audience.threads import ThreadSettingError, cpu_threads, limit_python_threads


def _dbt_project_dir() -> Path:
    try:
        from dbt.flags import get_flags

        return project_dir(Path(get_flags().PROJECT_DIR))
    except (ImportError, AttributeError, TypeError):
        return project_dir()


class Plugin(BasePlugin):
    def update_connection_config(self, creds: Any, config: dict[str, Any]) -> None:
        try:
            threads = cpu_threads()
        except ThreadSettingError as error:
            raise DbtRuntimeError(str(error)) from None
        config["threads"] = threads
        limit_python_threads(threads)
        path = str(creds.path)
        if path == ":memory:" or path.startswith("md:"):
            return
        try:
            check_warehouse_writable(Path(path), serving_path(_dbt_project_dir()), config)
        except WarehouseLockedError as error:
            raise DbtRuntimeError(str(error)) from None
