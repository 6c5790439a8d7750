"""A consistent copy of the data directory, safe to take while the bot runs.

Copying an SQLite file byte by byte while the bot writes can catch half a transaction, and a copy
without its -wal file can miss committed rows. The SQLite online backup API copies the committed
state of each database as one snapshot; everything else is copied as a plain file. The copy holds
residents' messages, so it is readable by its owner only.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

DB_SUFFIXES = (".sqlite", ".sqlite3", ".db")
# SQLite's side files belong to a live database (the backup API reads through them) and lock
# files to a live process: copies of either would only confuse a restore.
SKIP_SUFFIXES = ("-journal", "-wal", "-shm", ".lock")
SQLITE_HEADER = b"SQLite format 3\x00"


def backup(data_dir: Path, target: Path) -> list[Path]:
    """Copy `data_dir` into `target` (a new or empty directory); return the files written there.

    Refuses a non-empty target (a backup never merges with or overwrites another one) and a
    target inside `data_dir` (it would copy itself, and the bot's data dir is no backup place).
    """
    source, dest = data_dir.resolve(), target.resolve()
    if not source.is_dir():
        raise ValueError(f"data directory {data_dir} does not exist or is not a directory")
    if dest.is_relative_to(source):
        raise ValueError(f"backup target {target} is inside the data directory {data_dir}")
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise ValueError(f"backup target {target} exists and is not an empty directory")
    dest.mkdir(mode=0o700, parents=True, exist_ok=True)
    dest.chmod(0o700)  # mkdir's mode passes through the umask, and an existing dir keeps its own
    copied = []
    for path in _files(source):
        out = dest / path.relative_to(source)
        _make_dirs(out.parent, dest)
        if path.name.endswith(DB_SUFFIXES) and _is_sqlite(path):
            _copy_database(path, out)
        else:
            shutil.copy2(path, out)
            out.chmod(0o600)
        copied.append(out)
    return copied


def _files(source: Path) -> Iterator[Path]:
    """Regular files under `source`, sorted, without SQLite side files, lock files and symlinks
    (a link could point anywhere, and is not data of ours)."""
    for root, dirs, names in os.walk(source):
        dirs.sort()
        for name in sorted(names):
            path = Path(root, name)
            if name.endswith(SKIP_SUFFIXES):
                continue
            try:
                regular = stat.S_ISREG(path.lstat().st_mode)
            except FileNotFoundError:
                continue  # removed by the running bot since os.walk listed it
            if regular:
                yield path


def _make_dirs(directory: Path, dest: Path) -> None:
    """Create `directory` and its parents up to `dest`, each readable by the owner only."""
    if directory == dest or directory.is_dir():
        return
    _make_dirs(directory.parent, dest)
    directory.mkdir(mode=0o700)
    directory.chmod(0o700)


def _is_sqlite(path: Path) -> bool:
    """True for an SQLite database; a file that only has the suffix is copied as a plain file."""
    with path.open("rb") as f:
        return f.read(len(SQLITE_HEADER)) == SQLITE_HEADER


def _copy_database(src: Path, dst: Path) -> None:
    """Copy the committed state of `src` into a new `dst` with the online backup API.

    A writer's open transaction is not copied (the backup reads what other connections would
    read); `dst` is created 0o600 before SQLite opens it, so it never exists with wider modes.
    """
    os.close(os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    dst.chmod(0o600)
    with closing(sqlite3.connect(src)) as source, closing(sqlite3.connect(dst)) as copy:
        source.backup(copy)
