"""Results that are the same for every council, computed once per machine and kept on disk.

Some tables do not depend on the chosen area at all: the share of councils that get each verdict under every
rule takes about 6 CPU-s and was recomputed by every kernel of every report (each atlas worker, each report a
test renders). :func:`cached` keeps such a result in :data:`config.RESULT_CACHE_DIR` under a key that is a
fingerprint of everything it can depend on:

- the bytes of the package's source files it can run: those the modules that compute it import, directly or
  through others (their import closure, read from the code: :func:`source_files`), or every source file when
  the caller names no module;
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
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator
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


#: the package's own folder (its modules' source files)
PACKAGE = Path(__file__).resolve().parent
_closures: dict[tuple, list[Path]] = {}  # (modules, the package files' sizes and times) -> source files


def _module_file(name: str) -> Path | None:
    """The source file of package module ``name`` (``wigan_deal.x.y``), or None (another library, or a name that
    is not a module)."""
    parts = name.split(".")
    if parts[0] != PACKAGE.name:
        return None
    base = PACKAGE.joinpath(*parts[1:])
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


#: an import statement at the start of a line or after ``;``: ``import a.b as c, d`` or ``from .a import (b, c)``
#: (the names may span lines inside parentheses). Matches inside strings only add files: the key covers more.
_IMPORT = re.compile(r"(?:^|;)[ \t]*(?:import[ \t]+([\w., \t]+)|from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n#;]*))",
                     re.M)


def _imported(path: Path, name: str) -> set[str]:
    """Every module ``path`` (module ``name``) imports anywhere (also inside functions), with the packages above
    each (Python runs their ``__init__`` first); ``from a import b`` counts ``a.b`` as well, in case it is one."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for plain, source, names in _IMPORT.findall(path.read_text(encoding="utf-8")):
        if plain:
            found.update(part.split()[0] for part in plain.split(",") if part.strip())
            continue
        level = len(source) - len(source.lstrip("."))
        base = source[level:]
        if level:
            head = package.split(".")[: len(package.split(".")) - level + 1]
            base = ".".join([*head, base] if base else head)
        found.add(base)
        found.update(f"{base}.{part.split()[0]}" for part in names.strip("()").split(",") if part.strip())
    return _with_parents(m for m in found if m)


def _with_parents(names: Iterable[str]) -> set[str]:
    """``names`` and every package above each (``a.b.c``: ``a``, ``a.b``, ``a.b.c``)."""
    return {".".join(name.split(".")[:i]) for name in names for i in range(1, name.count(".") + 2)}


def source_files(modules: Iterable[str]) -> list[Path]:
    """The package's source files ``modules`` run when imported and used: theirs and those of every package
    module they import, directly or through others (statically, from the code; the package imports no module
    by a computed name)."""
    modules = tuple(sorted(modules))
    unknown = [name for name in modules if _module_file(name) is None]
    if unknown:
        raise ValueError(f"result_cache: {', '.join(unknown)} is not a module of {PACKAGE.name}; name the module "
                         "that computes the result (its __name__), or none to key it by every source file.")
    state = tuple((str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in _files(PACKAGE, "*.py"))
    if (modules, state) not in _closures:
        seen: dict[str, Path] = {}
        todo = sorted(_with_parents(modules))
        while todo:
            name = todo.pop()
            path = _module_file(name)
            if name in seen or path is None:
                continue
            seen[name] = path
            todo.extend(_imported(path, name))
        _closures[(modules, state)] = sorted(set(seen.values()))
    return _closures[(modules, state)]


def fingerprint(modules: Iterable[str] = ()) -> str:
    """sha256 over the package's source (the files :func:`source_files` finds for ``modules``, or all of it), the
    data folder's files, the raw files' names, sizes and times, and the library versions (see the module
    docstring)."""
    h = hashlib.sha256()
    modules = tuple(modules)
    for path in source_files(modules) if modules else _files(PACKAGE, "*.py"):
        h.update(f"src {path.relative_to(PACKAGE)} {_digest(path)}\n".encode())
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


def path_for(name: str, folder: Path | None = None, modules: Iterable[str] = ()) -> Path:
    """The file that holds result ``name`` for the current fingerprint (of ``modules``' source, or all of it)."""
    if not name.replace("_", "").replace("-", "").isalnum():
        raise ValueError(f"result name {name!r}: use letters, digits, '_' and '-' only")
    return Path(folder or config.RESULT_CACHE_DIR) / f"{name}-{fingerprint(modules)[:24]}.pkl"


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


def cached(name: str, compute: Callable[[], T], *, folder: Path | None = None, modules: Iterable[str] = ()) -> T:
    """``compute()``'s result, read from the disk cache when this fingerprint's result is there, else computed
    (once, even with several processes asking at the same time) and kept. Callers must not mutate it.

    ``modules``: the package modules ``compute`` belongs to; the key then covers only the source files they can
    run (:func:`source_files`), so editing other code (a page template, a figure) keeps the result. Without it,
    every source file is in the key."""
    if not enabled():
        return compute()
    path = path_for(name, folder, modules)
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
