"""Writing outputs so that no reader, and no crash, ever leaves half a file behind; and state that heals.

write_atomic is also durable: the data and the rename reach the disk before it returns,
so a power loss leaves the old file or the new one, never a truncated one. A state file
that is damaged anyway (by a person, a disk, an older version) is moved aside and
rebuilt, so that no run fails every night until someone deletes a file.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

STALE = ".*.tmp.*"  # what temporary() names look like; the build lock removes leftovers
KEPT_ASIDE = 5  # damaged copies kept per state file, newest first
repairs: list[str] = []  # what this process found damaged and rebuilt, for the run's status entry


def temporary(path: Path) -> Path:
    """A private sibling of path to write into before moving it into place."""
    return path.with_name(f".{path.stem}.{os.getpid()}.tmp{path.suffix}")


def write_atomic(path: Path, data: str | bytes, tmp: Path | None = None) -> None:
    """Write data to path in one step: readers see the old file or the new one, also after a power loss.

    tmp: the temporary sibling to write first, when temporary(path) would be read too (a *.prom file).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = tmp or temporary(path)
    try:
        with open(tmp, "wb") as handle:
            handle.write(data.encode("utf-8") if isinstance(data, str) else data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)  # a full disk must not also keep half a file
        raise
    sync_directory(path.parent)


def write_changed(path: Path, text: str) -> None:
    """Write text to path (atomically) only when it differs: a page that stayed the same keeps its date, and readers
    their cached copy."""
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        write_atomic(path, text)


def sync_directory(directory: Path) -> None:
    """Make a rename or a new file in directory durable (the entry lives in the directory, not the file)."""
    try:
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return  # a platform or filesystem that cannot open directories: the rename is still atomic
    try:
        with contextlib.suppress(OSError):  # some filesystems refuse fsync on a directory
            os.fsync(fd)
    finally:
        os.close(fd)


def read_state(path: Path, valid: Callable[[object], bool], rebuilt: str) -> object | None:
    """path's JSON, or None when it is missing or damaged; a damaged file is moved aside and logged.

    valid(document) says whether the document has the expected shape; rebuilt says in
    the log line what the caller does instead (e.g. "rebuilt empty").
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        damaged(path, reason(exc), rebuilt)
        return None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        damaged(path, str(exc), rebuilt)
        return None
    if not valid(document):
        damaged(path, f"not the expected structure: {type(document).__name__}", rebuilt)
        return None
    return document


def damaged(path: Path, why: str, rebuilt: str) -> Path | None:
    """Move the damaged file at path aside as <name>.corrupt-<UTC time> and say so in one log line."""
    from .engine.progress import line  # progress imports the manifest, which imports this module

    aside = None
    try:
        aside = _aside(path)
        os.replace(path, aside)
        sync_directory(path.parent)
        _prune(path)
        moved = f"moved aside to {aside}"
    except OSError as exc:
        moved = f"could not be moved aside ({reason(exc)})"
        aside = None
    message = f"{path} is damaged ({why}); {moved} and {rebuilt}"
    line(f"jaarverslag: {message}")
    repairs.append(message)
    return aside


def _aside(path: Path) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    aside, n = path.with_name(f"{path.name}.corrupt-{stamp}"), 1
    while aside.exists():  # two in one second
        n += 1
        aside = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
    return aside


def _prune(path: Path) -> None:
    """Keep the newest KEPT_ASIDE damaged copies of path: a year of nights must not fill the disk."""
    copies = sorted(path.parent.glob(f"{path.name}.corrupt-*"), reverse=True)  # the UTC time in the name
    for old in copies[KEPT_ASIDE:]:
        old.unlink(missing_ok=True)


def reason(exc: BaseException) -> str:
    """An OSError as its plain words (No space left on device), anything else as its message."""
    return exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
