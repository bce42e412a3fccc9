"""The output folder of a batch run: Parquet tables and summary.json, published at once.

Files are first written to a staging folder beside the output folder, which then takes
its place in one atomic swap (see OutputFolder): a reader sees a complete result, the
earlier or the new one, and a failed or killed run leaves the earlier one untouched.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..arrowtext import is_text
from ..errors import OutputError, one_line

SUMMARY = "summary.json"


def _plain(value: Any) -> Any:
    """JSON-ready: numpy scalars to Python, non-finite floats to None."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _text_columns(schema: pa.Schema) -> list[str]:
    """The Parquet paths of the text columns (lists of text included): only text repeats
    enough to gain from dictionary pages. A column of distinct numbers (the times of a
    Kaplan–Meier table) only pays for trying: writing such a table took 4 times longer."""
    paths = []
    for field in schema:
        kind = field.type
        if pa.types.is_list(kind) or pa.types.is_large_list(kind):
            if is_text(kind.value_type):
                paths.append(f"{field.name}.list.element")
        elif is_text(kind):
            paths.append(field.name)
    return paths


class OutputFolder:
    """A run's result folder, replaced whole and at once.

    Files are written into a new folder beside the result folder (its staging twin,
    `.NAME.parcours-staging-*`); `commit()` swaps the two in one atomic step (Linux's
    renameat2 RENAME_EXCHANGE; a plain rename when there was no result yet), then removes
    the old one. A reader sees the complete earlier result or the complete new one, never
    a mix, and nothing of an earlier run survives beside a new summary.json. A lock file
    beside the folder (`.NAME.parcours-lock`, holding the writer's PID, released by the
    system when the process ends) makes a second writer fail fast. Staging folders left by
    killed runs are removed. The folder must be new, empty, or an earlier result: a folder
    of other files is never replaced. An --out that is a symbolic link (a `latest` link
    to a dated folder) is followed: the folder it names is replaced, the link kept."""

    def __init__(self, path: str | os.PathLike) -> None:
        link = Path(path) if Path(path).is_symlink() else None
        self.path = _followed(path)
        self.names: list[str] = []
        parent = self.path.absolute().parent
        name = self.path.absolute().name
        # Beside the folder when its parent takes files (the atomic swap), else inside it
        # (an --out mounted into a read-only tree: replaced file by file).
        self._inside = _staged_inside(self.path)
        lock = _lock_path(self.path)
        try:
            parent.mkdir(parents=True, exist_ok=True)
            self._lock = _take_lock(lock, self.path)
        except OutputError:  # another run holds it: its own message (an OSError too)
            raise
        except OSError as exc:
            raise OutputError(
                f"cannot create the output folder '{self.path}' ({one_line(exc)}); "
                "choose another --out or fix its permissions"
            ) from None
        try:
            _check_replaceable(self.path)
            if not self._inside:
                for leftover in parent.glob(f".{name}.parcours-staging-*"):
                    _remove(leftover)  # a killed run's: ours now
            if link is not None:  # what versions that swapped the link aside left
                at = link.absolute()
                for leftover in at.parent.glob(f".{at.name}.parcours-staging-*"):
                    _remove(leftover)
            if self.path.is_dir():
                for leftover in self.path.glob(".parcours-staging-*"):  # older versions'
                    shutil.rmtree(leftover, ignore_errors=True)
            where = self.path if self._inside else parent
            prefix = ".parcours-staging-" if self._inside else f".{name}.parcours-staging-"
            self.staging = Path(tempfile.mkdtemp(prefix=prefix, dir=where))
            os.chmod(self.staging, _folder_mode(self.path))
        except OutputError:  # a folder of other files: its own message (an OSError too)
            self._release()
            raise
        except OSError as exc:
            self._release()
            raise OutputError(
                f"cannot write beside the output folder '{self.path}' ({one_line(exc)}); "
                "choose another --out or fix the permissions of its parent folder"
            ) from None

    def _stage(self, name: str, write: Callable[[Path], None]) -> None:
        target = self.staging / name
        try:
            write(target)
        except OSError as exc:
            raise OutputError(
                f"cannot write '{name}' ({one_line(exc)}); is the disk full?"
            ) from None
        self.names.append(name)

    def table(self, name: str, frame: pd.DataFrame, schema: pa.Schema) -> None:
        """Stage a table as Parquet, cast to `schema` (its file's, engine.outputs.registry)."""
        table = pa.Table.from_pandas(frame[schema.names], schema=schema, preserve_index=False)
        # Plain Arrow types only: pandas metadata would tie readers to this pandas version.
        table = table.replace_schema_metadata(None)
        text = _text_columns(schema)
        self._stage(name, lambda p: pq.write_table(table, p, use_dictionary=text or False))

    def file(self, name: str, write: Callable[[Path], None]) -> None:
        """Stage a file that `write(path)` writes (a model, the report)."""
        self._stage(name, write)

    def adopt(self, name: str) -> None:
        """Publish a file something else already wrote into the staging folder."""
        if not (self.staging / name).is_file():
            raise OutputError(f"'{name}' was not written")  # pragma: no cover
        self.names.append(name)

    def json(self, name: str, payload: dict[str, Any]) -> None:
        """Strict JSON: NaN and infinities (no value) become null."""
        text = json.dumps(_plain(payload), indent=2, ensure_ascii=False, allow_nan=False)

        def write(p: Path) -> None:
            p.write_text(text + "\n", encoding="utf-8")

        self._stage(name, write)

    def commit(self) -> None:
        """Swap the staged folder in for the result folder in one step; remove the old."""
        import errno

        try:
            if self._inside:
                _replace_in_place(self.staging, self.path)
            elif self.path.exists():
                try:
                    _exchange(self.staging, self.path)  # the old result is now at self.staging
                except OSError as exc:
                    if exc.errno not in (errno.EBUSY, errno.EXDEV):
                        raise
                    _replace_in_place(self.staging, self.path)  # a mount point, say
            else:
                os.rename(self.staging, self.path)
        except OSError as exc:
            self.discard()
            raise OutputError(f"cannot move results into '{self.path}' ({one_line(exc)})") from None
        self.discard()

    def discard(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)
        self._release()

    def _release(self) -> None:
        lock = getattr(self, "_lock", None)
        if lock is not None:
            self._lock = None
            _drop_lock(lock)

    def __enter__(self) -> OutputFolder:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.discard()


#: What an earlier result may hold besides the tables: the report, the map, the models.
_RESULT_FILES = {SUMMARY, "report.html", "process_map.svg", "process_map.png"}
_RESULT_SUFFIXES = (".parquet", ".bpmn", ".pnml")


def _followed(path: str | os.PathLike) -> Path:
    """The result folder `path` names: a symbolic link's target (dangling or not), so that
    the folder is replaced and the link kept, and every writer locks the same folder."""
    return Path(os.path.realpath(path)) if Path(path).is_symlink() else Path(path)


def _remove(leftover: Path) -> None:
    """Remove a staging folder left by a killed run (a link, where a version that did not
    follow an --out link swapped the link itself aside)."""
    if leftover.is_symlink():
        leftover.unlink(missing_ok=True)
    else:
        shutil.rmtree(leftover, ignore_errors=True)


def _check_replaceable(path: Path) -> None:
    """A result folder may replace `path` only when it is absent, empty or an earlier
    result: never a folder of someone's other files (think of `--out .`)."""
    if not path.exists():
        return
    if not path.is_dir():
        raise OutputError(f"'{path}' is a file, not a folder; choose another --out")
    foreign = [
        p.name
        for p in path.iterdir()
        if not (
            p.name in _RESULT_FILES
            or p.name.endswith(_RESULT_SUFFIXES)
            or p.name.startswith((".parcours-staging-", ".partial-", ".parcours-lock"))
        )
    ]
    if foreign:
        shown = ", ".join(sorted(foreign)[:3]) + (", ..." if len(foreign) > 3 else "")
        raise OutputError(
            f"'{path}' holds files that are not a parcours result ({shown}); a run replaces "
            "its whole --out folder, so choose a new or empty one"
        )


def _folder_mode(path: Path) -> int:
    """The mode the new result folder gets: the old one's, else the umask's default."""
    if path.is_dir():
        return path.stat().st_mode & 0o7777
    umask = os.umask(0)
    os.umask(umask)
    return 0o777 & ~umask


def _take_lock(lock_path: Path, folder: Path) -> Any:
    """Hold an exclusive lock on `lock_path` (the system releases it when the process
    ends, even killed); another holder is named with its PID in a one-line error."""
    import fcntl

    while True:
        handle = open(lock_path, "a+", encoding="utf-8")  # noqa: SIM115 (held for the run)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            handle.close()
            raise OutputError(
                f"'{folder}' is being written by another parcours run (PID {holder}); wait "
                "for it to finish or choose another --out"
            ) from None
        try:
            same = os.fstat(handle.fileno()).st_ino == os.stat(lock_path).st_ino
        except FileNotFoundError:
            same = False
        if same:  # not a lock file its last holder removed while we opened it
            break
        handle.close()
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    handle.lock_path = lock_path  # type: ignore[attr-defined]
    return handle


def _staged_inside(folder: Path) -> bool:
    """Whether a run stages inside `folder` (its parent takes no files) rather than beside."""
    return folder.is_dir() and not os.access(folder.absolute().parent, os.W_OK)


def _lock_path(folder: Path) -> Path:
    """Where the writer lock of `folder` lives: beside it, or inside it (_staged_inside)."""
    if _staged_inside(folder):
        return folder / ".parcours-lock"
    return folder.absolute().parent / f".{folder.absolute().name}.parcours-lock"


@contextlib.contextmanager
def holding(folder: str | os.PathLike) -> Iterator[None]:
    """The result folder's writer lock (see OutputFolder), e.g. while `parcours report`
    rewrites the report in place."""
    folder = _followed(folder)
    lock = _take_lock(_lock_path(folder), folder)
    try:
        yield
    finally:
        _drop_lock(lock)


def _drop_lock(handle: Any) -> None:
    """Remove the lock file, then let go of it (a waiting opener re-checks the inode)."""
    import fcntl

    with contextlib.suppress(OSError):
        Path(handle.lock_path).unlink(missing_ok=True)
    fcntl.flock(handle, fcntl.LOCK_UN)
    handle.close()


def _replace_in_place(staging: Path, folder: Path) -> None:
    """Where the folder itself cannot be swapped (a mount point, another file system):
    the new files are copied into a hidden folder inside it, summary.json is removed, the
    files are renamed over the old ones, summary.json last, and the earlier run's other
    files are removed. Not one step: a reader may see a folder without summary.json (an
    incomplete one) for the moment it takes, never a mix with a summary."""
    inside = Path(tempfile.mkdtemp(prefix=".parcours-staging-", dir=folder))
    try:
        names = sorted(p.name for p in staging.iterdir())
        for name in names:
            shutil.copy2(staging / name, inside / name)
        (folder / SUMMARY).unlink(missing_ok=True)
        for name in sorted(names, key=lambda n: n == SUMMARY):
            os.replace(inside / name, folder / name)
        for stale in folder.iterdir():
            if (
                stale.is_file()
                and stale.name not in names
                and not stale.name.startswith(".parcours-")
            ):
                stale.unlink()
    finally:
        shutil.rmtree(inside, ignore_errors=True)


_RENAME_EXCHANGE = 2  # linux/fs.h


def _exchange(new: Path, old: Path) -> None:
    """Swap two folders in one step (renameat2 RENAME_EXCHANGE). Where the system or
    the file system cannot, two renames: the old folder aside, the new one in; for the
    moment between them the folder is absent, never mixed."""
    import ctypes
    import errno

    libc = ctypes.CDLL(None, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is not None:
        at_cwd = -100  # AT_FDCWD
        done = renameat2(at_cwd, os.fsencode(new), at_cwd, os.fsencode(old), _RENAME_EXCHANGE)
        if done == 0:
            return
        code = ctypes.get_errno()
        if code not in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
            raise OSError(code, os.strerror(code))
    aside = new.with_name(new.name + "-old")
    os.rename(old, aside)
    os.rename(new, old)
    os.rename(aside, new)
