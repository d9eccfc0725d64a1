"""File operations that make publishing atomic: a lock so that one publish runs at a time,
durable renames, and the Parquet folders (one per build, `current` a symlink swapped by rename).
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from audience.serving.artifacts import PublishRefused

BUILDS = "builds"
CURRENT = "current"


def fsync_path(path: Path) -> None:
    """Flush a file's or a folder's contents to disk (a rename is durable once its folder is)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def replace_durably(source: Path, destination: Path) -> None:
    """Rename `source` over `destination` in one step: a reader opening the path gets the old
    file or the new one, never a mix, and readers that have the old one open keep reading it."""
    fsync_path(source)
    os.replace(source, destination)
    fsync_path(destination.parent)


@contextmanager
def publish_lock(serving: Path) -> Iterator[None]:
    """Hold `.<serving name>.publish-lock` beside the serving database for one publish."""
    serving.parent.mkdir(parents=True, exist_ok=True)
    lock_path = serving.with_name(f".{serving.name}.publish-lock")
    with open(lock_path, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise PublishRefused(
                f"another `audience publish` is writing {serving} (lock {lock_path})"
            ) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def remove_leftovers(folder: Path, pattern: str) -> None:
    """Delete what an interrupted publish left (temporary files and folders); call under the
    publish lock, so no other publish is writing them."""
    for leftover in folder.glob(pattern):
        if leftover.is_dir() and not leftover.is_symlink():
            shutil.rmtree(leftover)
        else:
            leftover.unlink(missing_ok=True)


def current_build(root: Path) -> str | None:
    """The build id `current` points at, or None."""
    link = root / CURRENT
    return Path(os.readlink(link)).name if link.is_symlink() else None


def point_current_at(root: Path, build_id: str) -> None:
    link = root / CURRENT
    if link.exists() and not link.is_symlink():
        raise PublishRefused(f"{link} is a folder, not the link publishing swaps: move it away")
    staged = root / f".{CURRENT}.{build_id}.tmp"
    staged.unlink(missing_ok=True)
    os.symlink(Path(BUILDS) / build_id, staged, target_is_directory=True)
    os.replace(staged, link)
    fsync_path(root)


def prune_builds(root: Path, keep: int) -> list[str]:
    """Delete all but the `keep` newest build folders (never the current one); return them."""
    current = current_build(root)
    folders = sorted(
        (f for f in (root / BUILDS).iterdir() if f.is_dir() and not f.name.startswith(".")),
        key=lambda folder: folder.stat().st_mtime,
        reverse=True,
    )
    kept = {current} | {f.name for f in folders[: max(keep, 1)]}
    removed = [f for f in folders if f.name not in kept]
    for folder in removed:
        shutil.rmtree(folder)
    return [folder.name for folder in removed]
