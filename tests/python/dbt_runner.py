"""Run dbt on a data folder with its own warehouse, target and log folders (tests only)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb

PROJECT_DIR = Path(__file__).resolve().parents[2]
DBT = Path(sys.executable).parent / "dbt"


@dataclass
class DbtResult:
    returncode: int
    output: str
    warehouse: Path

    def connect(self) -> duckdb.DuckDBPyConnection:
        return duckdb.connect(str(self.warehouse), read_only=True)


def run_dbt(
    args: list[str],
    data_dir: Path,
    work_dir: Path,
    dbt_vars: dict | None = None,
    project_dir: Path = PROJECT_DIR,
) -> DbtResult:
    """Run dbt on `data_dir` with a warehouse and target folder inside `work_dir` (on this
    project, or on a copy of it that a test extended)."""
    work_dir.mkdir(parents=True, exist_ok=True)
    warehouse = work_dir / "audience.duckdb"
    env = {
        **os.environ,
        "AUDIENCE_DATA_DIR": str(data_dir),
        "AUDIENCE_DUCKDB_PATH": str(warehouse),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    command = [
        str(DBT),
        *args,
        "--project-dir",
        str(project_dir),
        "--profiles-dir",
        str(project_dir / "profiles"),
        "--target-path",
        str(work_dir / "target"),
        "--log-path",
        str(work_dir / "logs"),
    ]
    if dbt_vars:
        command += ["--vars", json.dumps(dbt_vars)]
    completed = subprocess.run(
        command, env=env, capture_output=True, text=True, cwd=work_dir, check=False
    )
    return DbtResult(completed.returncode, completed.stdout + completed.stderr, warehouse)


def build_ok(
    data_dir: Path,
    work_dir: Path,
    dbt_vars: dict | None = None,
    project_dir: Path = PROJECT_DIR,
) -> DbtResult:
    result = run_dbt(["build"], data_dir, work_dir, dbt_vars, project_dir)
    assert result.returncode == 0, result.output[-6000:]
    return result


def copy_project(project: Path, user_models: dict[str, str] | None = None) -> Path:
    """A copy of this dbt project at `project` (models, macros, Python models, seeds, profiles,
    generic tests), plus models a user would add: {name: SQL} in models/user/."""
    project.mkdir(parents=True)
    for item in ("dbt_project.yml", "models", "macros", "python_models", "seeds", "profiles"):
        source = PROJECT_DIR / item
        copy = shutil.copy if source.is_file() else shutil.copytree
        copy(source, project / item)
    shutil.copytree(PROJECT_DIR / "tests" / "generic", project / "tests" / "generic")
    if user_models:
        folder = project / "models" / "user"
        folder.mkdir()
        for name, sql in user_models.items():
            (folder / f"{name}.sql").write_text(sql)
    return project
