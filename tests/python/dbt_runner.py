"""Run dbt on a data folder with its own warehouse, target and log folders (tests only)."""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb

PROJECT_DIR = Path(__file__).resolve().parents[2]
DBT = Path(sys.executable).parent / "dbt"
# dbt parses the whole project (about 13 s here) unless its target folder holds the partial-parse
# file of an earlier parse with the same project, vars and profile (then about 3 s). Every
# invocation has its own target folder, so the first parse of each (project, vars, profile) is
# kept here and copied into the target folders of the next ones; dbt still checks every file's
# hash and reparses what changed. The warehouse is named relative to the work folder dbt runs in,
# so that the rendered profile, which dbt compares, is the same for every test.
PARSE_CACHE = Path(tempfile.mkdtemp(prefix="audience-dbt-parse-"))
PARTIAL_PARSE = "partial_parse.msgpack"
atexit.register(shutil.rmtree, PARSE_CACHE, True)


@dataclass
class DbtResult:
    returncode: int
    output: str
    warehouse: Path

    def connect(self) -> duckdb.DuckDBPyConnection:
        return duckdb.connect(str(self.warehouse), read_only=True)

    @property
    def target(self) -> Path:
        """dbt's artifacts (manifest.json, run_results.json) of this invocation."""
        return self.warehouse.parent / "target"


def _invocation(
    args, data_dir, work_dir, dbt_vars, project_dir, env, warehouse_name
) -> tuple[list[str], dict, Path]:
    work_dir.mkdir(parents=True, exist_ok=True)
    warehouse = work_dir / warehouse_name
    environment = {
        **os.environ,
        "AUDIENCE_DATA_DIR": str(data_dir),
        "AUDIENCE_DUCKDB_PATH": warehouse_name,  # dbt runs in work_dir
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        **(env or {}),
    }
    command = [
        str(DBT), *args,
        "--project-dir", str(project_dir), "--profiles-dir", str(project_dir / "profiles"),
        "--target-path", str(work_dir / "target"), "--log-path", str(work_dir / "logs"),
    ]  # fmt: skip
    if dbt_vars:
        command += ["--vars", json.dumps(dbt_vars)]
    return command, environment, warehouse


def _parse_key(command: list[str], environment: dict) -> Path:
    """The parse cache entry of an invocation: its project, vars and profile settings."""
    project = command[command.index("--project-dir") + 1]
    dbt_vars = command[command.index("--vars") + 1] if "--vars" in command else ""
    # every AUDIENCE_ variable but the data folder, which dbt reads only when it runs
    profile = [
        (name, value)
        for name, value in sorted(environment.items())
        if name.startswith("AUDIENCE_") and name != "AUDIENCE_DATA_DIR"
    ]
    digest = hashlib.sha256(json.dumps([project, dbt_vars, profile]).encode()).hexdigest()
    return PARSE_CACHE / f"{digest[:16]}.msgpack"


def _use_parse_cache(command: list[str], environment: dict, work_dir: Path) -> tuple[Path, Path]:
    """Put the cached partial-parse file of this invocation in its target folder (unless the
    folder has its own); returns (cache entry, target file)."""
    cached, target = _parse_key(command, environment), work_dir / "target" / PARTIAL_PARSE
    if cached.exists() and not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(cached, target)
    return cached, target


def _with_parse_cache(command: list[str], environment: dict, work_dir: Path, run):
    """Run `run()` with the cached partial-parse file in place, and keep a new one."""
    cached, target = _use_parse_cache(command, environment, work_dir)
    result = run()
    if not cached.exists() and target.exists():
        shutil.copyfile(target, cached)
    return result


def run_dbt(
    args: list[str],
    data_dir: Path,
    work_dir: Path,
    dbt_vars: dict | None = None,
    project_dir: Path = PROJECT_DIR,
    env: dict | None = None,
    warehouse_name: str = "audience.duckdb",
) -> DbtResult:
    """Run dbt on `data_dir` with a warehouse and target folder inside `work_dir` (on this
    project, or on a copy of it that a test extended); `env` adds environment variables."""
    command, environment, warehouse = _invocation(
        args, data_dir, work_dir, dbt_vars, project_dir, env, warehouse_name
    )
    completed = _with_parse_cache(
        command,
        environment,
        work_dir,
        lambda: subprocess.run(
            command, env=environment, capture_output=True, text=True, cwd=work_dir, check=False
        ),
    )
    return DbtResult(completed.returncode, completed.stdout + completed.stderr, warehouse)


def run_dbt_killed(
    args: list[str],
    data_dir: Path,
    work_dir: Path,
    marker: str,
    warehouse_name: str = "audience.duckdb",
    dbt_vars: dict | None = None,
) -> DbtResult:
    """Run dbt and kill it with SIGKILL (no clean-up of any kind) as soon as a line of its output
    contains `marker` (say, the START line of a model). Fails when dbt ends before that."""
    command, environment, warehouse = _invocation(
        args, data_dir, work_dir, dbt_vars, PROJECT_DIR, None, warehouse_name
    )
    _use_parse_cache(command, environment, work_dir)  # a killed run's parse is not kept
    process = subprocess.Popen(
        command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        cwd=work_dir, start_new_session=True,
    )  # fmt: skip
    lines = []
    for line in process.stdout:
        lines.append(line)
        if marker in line:
            os.killpg(process.pid, signal.SIGKILL)
            break
    process.wait()
    output = "".join(lines)
    assert process.returncode == -signal.SIGKILL, f"dbt ended before {marker!r}:\n{output[-3000:]}"
    return DbtResult(process.returncode, output, warehouse)


def build_ok(
    data_dir: Path,
    work_dir: Path,
    dbt_vars: dict | None = None,
    project_dir: Path = PROJECT_DIR,
    warehouse_name: str = "audience.duckdb",
) -> DbtResult:
    result = run_dbt(
        ["build"], data_dir, work_dir, dbt_vars, project_dir, warehouse_name=warehouse_name
    )
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
