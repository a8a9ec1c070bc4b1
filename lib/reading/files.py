"""How Paper Atlas writes files: atomically, with ordinary permissions, under one lock per collection for every
read-modify-write, and with the temporary files of an interrupted write cleaned up later.

lib.reading.store decides where files go; this module decides how they are written. Nothing here knows the
data folder's layout beyond the names it is given.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from lib.core.errors import AtlasError, WriteError

LOCK_FILE = ".paper-atlas.lock"
# Temporary names: "." + the target's name + "." + tempfile's 8 random characters (files and folders alike).
_TEMP_NAME = re.compile(r"^\.(?P<target>.+)\.[a-z0-9_]{8}$")
STALE_AFTER_S = 600.0  # a temporary file nobody has touched for this long belongs to a writer that died


def _umask() -> int:
    """The process's umask, read without changing it (os.umask would, for every thread at once)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o022


def normal_mode(directory: bool = False) -> int:
    """What `open` or `mkdir` would have given (0644 / 0755 under the usual umask): tempfile's 0600 / 0700 would
    keep another user's build or a reading server out of the collection."""
    return (0o777 if directory else 0o666) & ~_umask()


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Call `write(tmp)` for a temporary file beside `path`, then rename it over `path`. A failure of the
    file system (disk full, no permission) leaves `path` as it was and raises WriteError naming it."""
    tmp: Path | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        os.close(fd)
        tmp = Path(tmp_name)
        write(tmp)
        os.chmod(tmp, normal_mode())
        os.replace(tmp, path)
    except OSError as exc:
        raise WriteError.from_os_error(path, exc) from exc
    finally:
        if tmp is not None:
            tmp.unlink(missing_ok=True)


def fresh_folder(parent: Path, name: str) -> Path:
    """A new, empty folder beside the ones it will replace, with normal permissions (see normal_mode)."""
    folder = Path(tempfile.mkdtemp(prefix=f".{name}.", dir=parent))
    os.chmod(folder, normal_mode(directory=True))
    return folder


def move_folder(source: Path, target: Path, name: str) -> None:
    """Put source/name (a build's folder of arrays) in the place of target/name, when there is one: the old folder
    is moved aside first, so a reader finds the old folder or the new one, never a mix."""
    if not (source / name).is_dir():
        return
    old = target / f".{name}.old"
    shutil.rmtree(old, ignore_errors=True)
    if (target / name).exists():
        os.replace(target / name, old)
    os.replace(source / name, target / name)
    shutil.rmtree(old, ignore_errors=True)


_held = threading.local()


def collection_lock(root: Path):
    """One writer at a time for the collection in `root`, across threads and processes: every read-modify-write
    of its lists (sources, merge decisions, topic curation) holds it, so two editors saving at once both keep
    their change."""
    return file_lock(root / LOCK_FILE)


@contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """An exclusive flock on `path` (created when missing), waiting for it. Re-entrant within a thread: a writer
    that holds it may call another that takes it too."""
    key = str(path)
    held: set[str] = getattr(_held, "paths", set())
    _held.paths = held
    if key in held:
        yield
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, normal_mode())
    except OSError as exc:
        raise WriteError.from_os_error(path, exc) from exc
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        held.add(key)
        yield
    finally:
        held.discard(key)
        os.close(fd)  # closing releases the flock


@contextmanager
def try_lock(path: Path) -> Iterator[bool]:
    """An exclusive flock on `path` if nobody holds it: yields whether it was taken (never waits)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, normal_mode())
    except OSError:
        yield False
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            yield False
            return
        yield True
    finally:
        os.close(fd)


def clean_temporary(folder: Path, *, older_than_s: float = STALE_AFTER_S) -> list[str]:
    """Remove what interrupted writes left in `folder`: hidden ".name.XXXXXXXX" files and folders untouched for
    `older_than_s`. A writer that is alive keeps touching its file, so it is never taken from under it. Returns
    the names removed; a folder that cannot be listed or changed (read-only) is left alone."""
    removed: list[str] = []
    now = time.time()
    try:
        entries = list(folder.iterdir())
    except OSError:
        return removed
    for entry in entries:
        if not _TEMP_NAME.match(entry.name) or entry.name == LOCK_FILE:
            continue
        try:
            if now - entry.lstat().st_mtime < older_than_s:
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
        except OSError:
            continue
        removed.append(entry.name)
    return removed


def load_json_list(path: Path) -> list:
    """A JSON list kept by the app (sources.json, merge_decisions.json); [] when the file does not exist. A file
    that cannot be used raises AtlasError naming it and, for broken JSON or text, the line."""
    try:
        raw = path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        return []
    except OSError as exc:
        raise AtlasError(f"{path.name}: cannot read it ({exc.strerror or type(exc).__name__})") from None
    try:
        value = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise AtlasError(f"{path.name}:{line}: not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise AtlasError(f"{path.name}:{exc.lineno}: not valid JSON ({exc.msg}, column {exc.colno})") from None
    if not isinstance(value, list):
        raise AtlasError(f"{path.name}: holds a JSON {type(value).__name__}, not a list")
    return value


def write_json(path: Path, value: object) -> None:
    text = json.dumps(value, indent=2, ensure_ascii=False)
    atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
