"""DuckDB's file lock, told in one line: who holds the build warehouse, and where to read instead.

DuckDB lets one process open a file read-write, or any number of processes read-only; a second
writer, or a reader while a writer has it, fails at once with "Could not set lock on file".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

_LOCK_ERROR = re.compile(
    r"Could not set lock on file \"(?P<path>[^\"]+)\": Conflicting lock is held in "
    r"(?P<program>.+?) \(PID (?P<pid>\d+)\)"
)
_COMMAND_CHARS = 80


class WarehouseLockedError(RuntimeError):
    """The build warehouse is open in another process."""


@dataclass(frozen=True)
class LockHolder:
    program: str
    pid: int

    def describe(self) -> str:
        """`PID 123: dbt build --select x`, from /proc when the process is visible."""
        try:
            raw = Path(f"/proc/{self.pid}/cmdline").read_bytes()
        except OSError:
            raw = b""
        words = [word for word in raw.decode(errors="replace").split("\0") if word]
        words[:1] = [Path(word).name for word in words[:1]]
        command = " ".join(" ".join(words).split())
        if len(command) > _COMMAND_CHARS:
            command = command[: _COMMAND_CHARS - 3] + "..."
        return f"PID {self.pid}: {command or self.program}"


def lock_holder(error: BaseException) -> LockHolder | None:
    """The process named in DuckDB's lock error, or None for any other error."""
    match = _LOCK_ERROR.search(str(error))
    if match is None:
        return None
    return LockHolder(match["program"], int(match["pid"]))


def locked_warehouse_message(warehouse: Path, serving: Path, holder: LockHolder) -> str:
    return (
        f"the build warehouse {warehouse} is open in another process ({holder.describe()}), and"
        " DuckDB lets only one process write it: close that connection (or wait for that"
        " build) and run dbt again. BI tools and queries should read the serving database"
        f" {serving} instead (`audience publish` refreshes it; builds never lock it)."
    )


def check_warehouse_writable(warehouse: Path, serving: Path, config: dict | None = None) -> None:
    """Open the build warehouse read-write once, as dbt is about to, and raise
    WarehouseLockedError with a one-line message if another process holds it."""
    if not warehouse.exists():
        return
    try:
        duckdb.connect(str(warehouse), read_only=False, config=config or {}).close()
    except duckdb.IOException as error:
        holder = lock_holder(error)
        if holder is None:
            raise
        raise WarehouseLockedError(locked_warehouse_message(warehouse, serving, holder)) from None
