"""Results that are the same for every council, computed once per machine and kept on disk.

Some tables do not depend on the chosen area at all: the share of councils that get each verdict under every
rule takes ~20 CPU-s and was recomputed by every kernel of every report (each atlas worker, each report a test
renders). :func:`cached` keeps such a result in :data:`config.RESULT_CACHE_DIR` under a key that is a
fingerprint of everything it can depend on:

- the bytes of every source file of the package;
- the bytes of every file under ``data/`` (extracts, register, analysis plan, flags...), except raw downloads;
- the name, size and modification time of every raw file (``config.RAW_DIR`` and ``data/raw``);
- the versions of the numerical libraries (numpy, pandas, scipy, statsmodels) and of Python.

Change any of them and the key changes, so a stale result is never read. Processes that need the same missing
result at the same time wait for the first one (a file lock) instead of computing it twice. Writes are atomic
(temporary file, then rename), so a stopped run never leaves half a result. ``WIGAN_DEAL_RESULT_CACHE=off``
computes afresh and keeps nothing; an unwritable cache folder does the same, silently.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import pickle
import platform
import tempfile
from collections.abc import Callable, Iterator
from importlib import metadata
from pathlib import Path
from typing import TypeVar

from wigan_deal import config

T = TypeVar("T")

#: libraries whose version can change a computed number
LIBRARIES = ("numpy", "pandas", "scipy", "statsmodels")
#: the environment variable that switches the cache off (``off``, ``0``, ``no``, ``false``)
SWITCH = "WIGAN_DEAL_RESULT_CACHE"

_file_digests: dict[tuple[str, int, int], str] = {}  # (path, size, mtime_ns) -> sha256 of the bytes


def enabled() -> bool:
    """False when ``WIGAN_DEAL_RESULT_CACHE`` says off."""
    return os.environ.get(SWITCH, "on").strip().lower() not in {"off", "0", "no", "false"}


def _digest(path: Path) -> str:
    st = path.stat()
    key = (str(path), st.st_size, st.st_mtime_ns)
    if key not in _file_digests:
        _file_digests[key] = hashlib.sha256(path.read_bytes()).hexdigest()
    return _file_digests[key]


def _files(folder: Path, pattern: str = "*") -> list[Path]:
    return sorted(p for p in folder.rglob(pattern) if p.is_file()) if folder.is_dir() else []


def fingerprint() -> str:
    """sha256 over the package's source, the data folder's files, the raw files' names, sizes and times, and
    the library versions (see the module docstring)."""
    h = hashlib.sha256()
    package = Path(__file__).resolve().parent
    for path in _files(package, "*.py"):
        h.update(f"src {path.relative_to(package)} {_digest(path)}\n".encode())
    raw_downloads = config.DOWNLOAD_DIR.resolve()
    for path in _files(config.DATA_DIR):
        if raw_downloads in path.resolve().parents:
            continue
        h.update(f"data {path.relative_to(config.DATA_DIR)} {_digest(path)}\n".encode())
    for folder in dict.fromkeys((config.RAW_DIR, config.DOWNLOAD_DIR)):
        for path in _files(folder):
            st = path.stat()
            h.update(f"raw {path} {st.st_size} {st.st_mtime_ns}\n".encode())
    for name in LIBRARIES:
        with contextlib.suppress(metadata.PackageNotFoundError):
            h.update(f"lib {name} {metadata.version(name)}\n".encode())
    h.update(f"python {platform.python_version()}\n".encode())
    return h.hexdigest()


def path_for(name: str, folder: Path | None = None) -> Path:
    """The file that holds result ``name`` for the current fingerprint."""
    if not name.replace("_", "").replace("-", "").isalnum():
        raise ValueError(f"result name {name!r}: use letters, digits, '_' and '-' only")
    return Path(folder or config.RESULT_CACHE_DIR) / f"{name}-{fingerprint()[:24]}.pkl"


def _read(path: Path) -> tuple[bool, object]:
    try:
        with open(path, "rb") as fh:
            return True, pickle.load(fh)
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError):
        return False, None


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    with open(path.with_suffix(".lock"), "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _write(path: Path, value: object) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def cached(name: str, compute: Callable[[], T], *, folder: Path | None = None) -> T:
    """``compute()``'s result, read from the disk cache when this fingerprint's result is there, else computed
    (once, even with several processes asking at the same time) and kept. Callers must not mutate it."""
    if not enabled():
        return compute()
    path = path_for(name, folder)
    found, value = _read(path)
    if found:
        return value  # type: ignore[return-value]
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        lock = _locked(path)
        lock.__enter__()
    except OSError:  # read-only checkout: compute every time, keep nothing
        return compute()
    try:
        found, value = _read(path)  # another process may have written it while we waited
        if found:
            return value  # type: ignore[return-value]
        value = compute()
        with contextlib.suppress(OSError):
            _write(path, value)
            _prune(path)
        return value
    finally:
        lock.__exit__(None, None, None)


def _prune(kept: Path) -> None:
    """Remove the same result kept under earlier fingerprints (and their locks)."""
    name = kept.name.rsplit("-", 1)[0]
    for path in kept.parent.glob(f"{name}-*"):
        if path.stem != kept.stem and path.stem.rsplit("-", 1)[0] == name:
            with contextlib.suppress(OSError):
                path.unlink()


def clear(folder: Path | None = None) -> int:
    """Remove every kept result; returns how many files were removed."""
    removed = 0
    for path in _files(Path(folder or config.RESULT_CACHE_DIR)):
        with contextlib.suppress(OSError):
            path.unlink()
            removed += 1
    return removed
