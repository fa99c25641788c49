"""Download an ONNX NLI model from the Hugging Face hub (or a mirror set by ``HF_ENDPOINT``).

This is the only module that contacts a network host, and only when a user
runs ``homog models pull``.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from homog_local.dirs import project_models_dir
from homog_local.errors import ConfigError, ModelLoadError
from homog_local.models.entry import ModelRole
from homog_local.nli.register import RegisteredModel, register_onnx_model

__all__ = ["DEFAULT_ENDPOINT", "hub_endpoint", "pull_nli_model"]

log = logging.getLogger(__name__)

DEFAULT_ENDPOINT = "https://huggingface.co"
# Repositories of converted models keep the graph under onnx/ or at the root.
_MODEL_CANDIDATES = ("onnx/model.onnx", "model.onnx")
_TIMEOUT_S = 60.0


def hub_endpoint() -> str:
    """Return ``HF_ENDPOINT`` without a trailing slash, or the public hub address."""
    return (os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/")


def _download(url: str, target: Path) -> bool:
    """Fetch url into target; return False on HTTP 404."""
    request = urllib.request.Request(url, headers={"User-Agent": "homog-local"})
    try:
        with urllib.request.urlopen(request, timeout=_TIMEOUT_S) as response:
            target.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=target.parent, delete=False) as handle:
                shutil.copyfileobj(response, handle)
            Path(handle.name).replace(target)
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return False
        raise ModelLoadError(url, f"download failed with HTTP {error.code}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as error:
        raise ModelLoadError(
            url, f"download failed ({error}); check the connection or set HF_ENDPOINT to a mirror"
        ) from None
    return True


def pull_nli_model(
    repo_id: str,
    *,
    revision: str = "main",
    name: str | None = None,
    models_dir: Path | None = None,
) -> RegisteredModel:
    """Download ``model.onnx``, ``tokenizer.json`` and ``config.json`` of a hub repository.

    Parameters
    ----------
    repo_id : str
        ``owner/name`` of a repository that contains an ONNX export
        (``onnx/model.onnx`` or ``model.onnx``).
    revision : str, default "main"
        Branch, tag or commit.
    name : str or None, default None
        Catalog name; None uses the repository name.
    models_dir : Path or None, default None
        Model folder; files go to ``<models_dir>/<owner>__<name>/``.

    Returns
    -------
    RegisteredModel
        The validated catalog entry.

    Raises
    ------
    ConfigError
        ``repo_id`` is not ``owner/name``.
    ModelLoadError
        A download fails, the repository has no ONNX file, or the model
        fails validation.
    """
    parts = repo_id.split("/")
    if len(parts) != 2 or not all(parts):
        raise ConfigError("NAME", repo_id, "use a hub repository id such as owner/model-name")
    folder = (models_dir or project_models_dir()) / repo_id.replace("/", "__")
    base = f"{hub_endpoint()}/{urllib.parse.quote(repo_id)}/resolve/{urllib.parse.quote(revision)}"
    model_path = folder / "model.onnx"
    for candidate in _MODEL_CANDIDATES:
        log.info("downloading %s/%s", base, candidate)
        if _download(f"{base}/{candidate}", model_path):
            break
    else:
        raise ModelLoadError(repo_id, f"no ONNX file at {' or '.join(_MODEL_CANDIDATES)}; "
                             "export a local checkpoint with `homog models export-nli`")
    for file_name in ("tokenizer.json", "config.json"):
        if not _download(f"{base}/{file_name}", folder / file_name):
            raise ModelLoadError(repo_id, f"the repository has no {file_name}")
    return register_onnx_model(folder, role=ModelRole.NLI, name=name or parts[1],
                               models_dir=models_dir, notes=f"pulled from {repo_id}@{revision}")
