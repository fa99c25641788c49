"""Building cached model files: joining chunked packages and unpacking zip members.

Both write to a temporary file in the destination folder and rename it, so a
crash or a concurrent process never leaves a half-written model in place.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path

from homog_local.errors import ModelLoadError
from homog_local.models.hashing import file_sha256, record_sha256

__all__ = ["assemble_chunks", "extract_zip_member"]

log = logging.getLogger(__name__)

_COPY_SIZE = 1 << 20
# mkstemp creates files readable by the owner only; cached models are not secret.
_FILE_MODE = 0o644


def assemble_chunks(
    chunks: Sequence[Path],
    destination: Path,
    *,
    expected_sha256: str | None = None,
    fix: str = "reinstall the model packages",
) -> Path:
    """Concatenate byte chunks into one file once, and check its sha256.

    Parameters
    ----------
    chunks : sequence of Path
        The chunk files, in order.
    destination : Path
        The assembled file. When it already exists with the expected size
        (and hash, when one is given) it is reused.
    expected_sha256 : str or None, default None
        Published hex sha256 of the assembled file. None skips the check.
    fix : str, default "reinstall the model packages"
        The step named in the error when the hash does not match.

    Returns
    -------
    Path
        ``destination``.

    Raises
    ------
    ModelLoadError
        A chunk is missing, or the assembled file's sha256 differs from
        ``expected_sha256``. The error names both hashes and ``fix``.
    """
    if not chunks:
        raise ModelLoadError(destination, f"no chunk files to assemble; {fix}")
    missing = [str(chunk) for chunk in chunks if not chunk.is_file()]
    if missing:
        raise ModelLoadError(destination, f"missing chunk files {missing}; {fix}")
    expected_size = sum(chunk.stat().st_size for chunk in chunks)
    expected = expected_sha256.lower() if expected_sha256 else None

    if destination.is_file() and destination.stat().st_size == expected_size:
        if expected is None or file_sha256(destination) == expected:
            return destination
        log.warning("cached %s has the wrong sha256; assembling it again", destination)

    log.info(
        "assembling %s from %d chunks (%d bytes)", destination.name, len(chunks), expected_size
    )
    destination.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    fd, temporary = tempfile.mkstemp(prefix=f".{destination.name}.", dir=destination.parent)
    try:
        with os.fdopen(fd, "wb") as output:
            for chunk in chunks:
                with chunk.open("rb") as source:
                    while block := source.read(_COPY_SIZE):
                        digest.update(block)
                        output.write(block)
        actual = digest.hexdigest()
        if expected is not None and actual != expected:
            raise ModelLoadError(
                destination,
                f"sha256 of the assembled chunks is {actual} but the package publishes "
                f"{expected}; {fix}",
            )
        os.chmod(temporary, _FILE_MODE)
        os.replace(temporary, destination)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    record_sha256(destination, actual)
    return destination


def extract_zip_member(archive: Path, member: str, destination: Path) -> Path:
    """Copy one member of a zip archive to a file once.

    Parameters
    ----------
    archive : Path
        The ``.zip`` file.
    member : str
        Name of the member inside the archive, such as ``"tokenizer.json"``.
    destination : Path
        Where to write it. An existing file of the member's size is reused.

    Returns
    -------
    Path
        ``destination``.

    Raises
    ------
    ModelLoadError
        The archive cannot be read or has no such member.
    """
    try:
        with zipfile.ZipFile(archive) as bundle:
            try:
                info = bundle.getinfo(member)
            except KeyError:
                raise ModelLoadError(
                    archive,
                    f"the archive has no member {member!r} (members: {bundle.namelist()}); "
                    "reinstall the package that ships it",
                ) from None
            if destination.is_file() and destination.stat().st_size == info.file_size:
                return destination
            destination.parent.mkdir(parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(prefix=f".{destination.name}.", dir=destination.parent)
            try:
                with os.fdopen(fd, "wb") as output, bundle.open(info) as source:
                    while block := source.read(_COPY_SIZE):
                        output.write(block)
                os.chmod(temporary, _FILE_MODE)
                os.replace(temporary, destination)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
    except (OSError, zipfile.BadZipFile) as error:
        raise ModelLoadError(archive, f"cannot read the zip archive: {error}") from error
    log.info("extracted %s from %s to %s", member, archive, destination)
    return destination
