"""sha256 of model files, cached so that each large file is hashed once.

The cache is a JSON file in :func:`homog_local.dirs.cache_dir` keyed by the
resolved path. An entry is reused only while the file's size and modification
time (in nanoseconds) are unchanged.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from pathlib import Path

from homog_local.dirs import cache_dir

__all__ = ["file_sha256", "record_sha256"]

log = logging.getLogger(__name__)

_CACHE_NAME = "sha256-cache.json"
_READ_SIZE = 1 << 20


def file_sha256(path: Path | str) -> str:
    """Return the hex sha256 of a file, reusing a cached value when the file is unchanged.

    Parameters
    ----------
    path : Path or str
        The file to hash.

    Returns
    -------
    str
        64 lowercase hex digits.

    Raises
    ------
    OSError
        The file cannot be read.

    Notes
    -----
    A file rewritten in place with the same size within the file system's
    timestamp resolution keeps its stale cached hash.
    """
    resolved = Path(path).resolve()
    stat = resolved.stat()
    key = str(resolved)
    cache = _load_cache()
    cached = cache.get(key)
    if (
        isinstance(cached, dict)
        and cached.get("size") == stat.st_size
        and cached.get("mtime_ns") == stat.st_mtime_ns
        and isinstance(cached.get("sha256"), str)
    ):
        return str(cached["sha256"])

    digest = hashlib.sha256()
    with resolved.open("rb") as handle:
        while chunk := handle.read(_READ_SIZE):
            digest.update(chunk)
    value = digest.hexdigest()
    log.debug("hashed %s (%d bytes): %s", resolved, stat.st_size, value)
    record_sha256(resolved, value)
    return value


def record_sha256(path: Path | str, sha256: str) -> None:
    """Store a hash computed elsewhere (while copying the file) in the cache.

    Parameters
    ----------
    path : Path or str
        The file the hash belongs to. Its current size and modification time
        are stored with it.
    sha256 : str
        Hex sha256 of the file's content.
    """
    resolved = Path(path).resolve()
    stat = resolved.stat()
    cache = _load_cache()
    cache[str(resolved)] = {
        "size": stat.st_size,
        "mtime_ns": stat.st_mtime_ns,
        "sha256": sha256,
    }
    _save_cache(cache)


def _cache_path() -> Path:
    return cache_dir() / _CACHE_NAME


def _load_cache() -> dict[str, object]:
    path = _cache_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as error:
        # A damaged cache only costs a rehash, so start over instead of failing.
        log.warning("ignoring unreadable hash cache %s: %s", path, error)
        return {}
    return data if isinstance(data, dict) else {}


def _save_cache(cache: dict[str, object]) -> None:
    path = _cache_path()
    # Write a temporary file and rename it, so a concurrent reader never sees half a file.
    fd, temporary = tempfile.mkstemp(prefix=f".{_CACHE_NAME}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(cache, handle, indent=1, sort_keys=True)
        os.chmod(temporary, 0o644)  # mkstemp makes files private; the cache is not secret
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
