"""Project exceptions and warnings.

Every exception carries the offending values as attributes so that callers
never parse message text. Messages say what was wrong, the value received and
the fix.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "BackendError",
    "ConfigError",
    "DatasetError",
    "HomogError",
    "HomogWarning",
    "ModelLoadError",
    "RunCancelled",
    "RunNotFoundError",
    "SamplerHealthWarning",
    "SchemaError",
    "UndefinedMetricWarning",
]


class HomogError(Exception):
    """Base class of every error raised by homog-local."""


class ConfigError(HomogError, ValueError):
    """A setting has an invalid value.

    Parameters
    ----------
    key : str
        Setting name as the user writes it (a CLI flag or config key). A
        value read from a ``HOMOG_*`` variable or the config file has the key
        ``"<origin> <settings key>"``, for example ``"HOMOG_PARALLEL parallel"``.
    value : object
        The value received.
    allowed : str
        The allowed range or the fix, in words.
    """

    def __init__(self, key: str, value: object, allowed: str) -> None:
        self.key = key
        self.value = value
        self.allowed = allowed
        super().__init__(f"invalid value for {_source_name(key)}: {value!r}; {allowed}")


def _source_name(key: str) -> str:
    """Return where the user set a value: a flag, a HOMOG_* variable or a config file key."""
    origin, _, setting = key.rpartition(" ")
    if origin.startswith("HOMOG_") and setting.isidentifier():
        return origin
    if origin.endswith(".toml") and setting.isidentifier():
        return f"{setting} in {origin}"
    return key


class ModelLoadError(HomogError):
    """A model file is missing, unreadable or not the expected format.

    Parameters
    ----------
    path : Path or str
        The model file or model name.
    reason : str
        What failed and how to fix it.
    """

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"cannot load model {path}: {reason}")


class DatasetError(HomogError):
    """A dataset is unknown or a data file cannot be read.

    Parameters
    ----------
    source : str
        Dataset name or file path.
    reason : str
        What failed and how to fix it.
    line : int or None
        1-based line (or row) number when the failure is tied to one row.
    field : str or None
        Field name when the failure is tied to one field.
    """

    def __init__(
        self, source: str, reason: str, line: int | None = None, field: str | None = None
    ) -> None:
        self.source = source
        self.reason = reason
        self.line = line
        self.field = field
        where = source
        if line is not None:
            where += f", line {line}"
        if field is not None:
            where += f", field {field!r}"
        super().__init__(f"{where}: {reason}")


class SchemaError(HomogError):
    """The database was written by a newer or unknown schema.

    Parameters
    ----------
    db_path : str
        Path of the SQLite file.
    unknown : list of str
        Migration names recorded in the database that this code does not know.
    """

    def __init__(self, db_path: str, unknown: list[str]) -> None:
        self.db_path = db_path
        self.unknown = unknown
        super().__init__(
            f"database {db_path} has migrations this version of homog-local does not know "
            f"({', '.join(unknown)}); upgrade homog-local (pip install -U homog-local) "
            "or pass --db with another file"
        )


class RunNotFoundError(HomogError, LookupError):
    """No stored run has the requested id.

    Parameters
    ----------
    run_id : int
        The id received.
    db_path : str
        The database that was searched.
    """

    def __init__(self, run_id: int, db_path: str) -> None:
        self.run_id = run_id
        self.db_path = db_path
        super().__init__(
            f"run {run_id} not found in {db_path}; `homog runs list` shows the stored runs"
        )


class BackendError(HomogError):
    """A model backend (llama.cpp or onnxruntime) failed while running.

    Parameters
    ----------
    backend : str
        Backend name.
    reason : str
        What failed.
    """

    def __init__(self, backend: str, reason: str) -> None:
        self.backend = backend
        self.reason = reason
        super().__init__(f"{backend} failed: {reason}")


class RunCancelled(HomogError):
    """A run was cancelled between samples; finished questions stay stored."""

    def __init__(self) -> None:
        super().__init__("run cancelled; resume it with `homog run --resume RUN_ID`")


class HomogWarning(UserWarning):
    """Base class of every warning emitted by homog-local."""


class UndefinedMetricWarning(HomogWarning):
    """A metric is undefined for the given data (one class, constant scores, empty subset)."""


class SamplerHealthWarning(HomogWarning):
    """Sampled answers look identical at a temperature where they should differ."""
