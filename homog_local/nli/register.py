"""Validate a user's ONNX model and register it in the model folder's catalog."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from homog_local.dirs import project_models_dir
from homog_local.errors import ModelLoadError
from homog_local.models.catalog_edit import add_catalog_entry
from homog_local.models.entry import ModelRole
from homog_local.nli.onnx_model import OnnxNliModel

__all__ = ["RegisteredModel", "locate_model_files", "register_onnx_model"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RegisteredModel:
    """A model added to ``catalog.toml`` after validation.

    Parameters
    ----------
    name : str
        Catalog name.
    role : ModelRole
        ``nli`` or ``embedder``.
    model_path, tokenizer_path : Path
        The files.
    catalog_path : Path
        The catalog written.
    inputs : tuple of str
        Model inputs.
    output : str
        Output read.
    labels : tuple of str
        NLI labels in the model's output order; empty for embedders.
    probe : tuple of float
        NLI probabilities (contradiction, neutral, entailment) of a probe
        pair, or the first embedding values.
    """

    name: str
    role: ModelRole
    model_path: Path
    tokenizer_path: Path
    catalog_path: Path
    inputs: tuple[str, ...]
    output: str
    labels: tuple[str, ...]
    probe: tuple[float, ...]


def locate_model_files(path: Path, tokenizer: Path | None = None) -> tuple[Path, Path]:
    """Return (model file, tokenizer file) of a folder or an ``.onnx`` path.

    A folder must contain exactly one ``.onnx`` file (or ``onnx/model.onnx``).
    The tokenizer defaults to ``tokenizer.json`` beside the model.

    Raises
    ------
    ModelLoadError
        No model or tokenizer file is found, or a folder contains several
        ``.onnx`` files.
    """
    model = path
    if path.is_dir():
        found = sorted(path.glob("*.onnx")) or sorted(path.glob("onnx/model.onnx"))
        if len(found) != 1:
            raise ModelLoadError(
                path, f"expected one .onnx file in the folder, found {len(found)}; pass the file"
            )
        model = found[0]
    if not model.is_file() or model.suffix.lower() != ".onnx":
        raise ModelLoadError(path, "not an .onnx file or a folder with one")
    tokenizer_path = tokenizer if tokenizer is not None else model.parent / "tokenizer.json"
    if not tokenizer_path.is_file():
        raise ModelLoadError(
            tokenizer_path, "tokenizer file not found; put tokenizer.json beside the model or "
            "pass --tokenizer"
        )
    return model, tokenizer_path


def register_onnx_model(
    path: Path,
    *,
    role: ModelRole = ModelRole.NLI,
    name: str | None = None,
    tokenizer: Path | None = None,
    pooling: str | None = None,
    models_dir: Path | None = None,
    notes: str = "",
) -> RegisteredModel:
    """Check that a model loads and scores a probe input, then add it to ``catalog.toml``.

    Parameters
    ----------
    path : Path
        An ``.onnx`` file or a folder that contains one.
    role : ModelRole, default NLI
        ``NLI`` checks inputs, a (batch, 3) output, the label order in
        ``config.json`` or ``nli_labels.json`` and the tokenizer. ``EMBEDDER``
        checks inputs, a float output that fits ``pooling`` and the
        tokenizer.
    name : str or None, default None
        Catalog name; None uses the folder name (or the file stem).
    tokenizer : Path or None, default None
        ``tokenizer.json``; None looks beside the model.
    pooling : str or None, default None
        Embedder pooling (``mean``, ``cls`` or ``pooled``); None means mean.
    models_dir : Path or None, default None
        Folder of ``catalog.toml``; None means the project model folder.
    notes : str, default ""
        Free text for the catalog.

    Returns
    -------
    RegisteredModel

    Raises
    ------
    ModelLoadError
        A file is missing or the model fails a check; the catalog is not
        changed then.
    ConfigError
        The name is taken or invalid.
    """
    model_path, tokenizer_path = locate_model_files(path, tokenizer)
    if name is None:
        name = (path if path.is_dir() else model_path.parent).name
        if not name or name in (".", "onnx"):
            name = model_path.stem
    folder = models_dir if models_dir is not None else project_models_dir()
    if role is ModelRole.NLI:
        model = OnnxNliModel(model_path, tokenizer_path, model_id=name)
        probe = model.predict([("A man is playing a guitar.", "A person plays music.")])[0]
        order = model.label_map.order
        labels = tuple(
            label for _, label in sorted(zip(order, ("contradiction", "neutral", "entailment"),
                                             strict=True))
        )
        inputs, output = model.input_names, model.output_name
        values = tuple(float(v) for v in probe)
        pooling = None
    elif role is ModelRole.EMBEDDER:
        from homog_local.embed import OnnxEmbedder

        embedder = OnnxEmbedder(model_path, tokenizer_path, pooling=pooling or "mean",  # type: ignore[arg-type]
                                model_id=name)
        vector = embedder.embed(["A man is playing a guitar."])[0]
        inputs, output = tuple(embedder._input_names), embedder._output_name
        labels, values = (), tuple(float(v) for v in vector[:3])
        pooling = pooling or "mean"
    else:
        raise ModelLoadError(path, "only nli and embedder models are added this way; add a "
                             "GGUF generator by writing its catalog.toml entry")
    catalog = add_catalog_entry(folder, name=name, role=role, file=model_path,
                                tokenizer=tokenizer_path, pooling=pooling, notes=notes)
    return RegisteredModel(name, role, model_path, tokenizer_path, catalog, inputs, output,
                           labels, values)
