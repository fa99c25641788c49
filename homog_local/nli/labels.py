"""The label order of an NLI model, read from its ``config.json`` or a sidecar file."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

from homog_local.errors import ModelLoadError

__all__ = ["CANONICAL_LABELS", "SIDECAR_NAME", "LabelMap", "parse_label_names", "read_label_map"]

log = logging.getLogger(__name__)

# Every probability row this package returns is in this order.
CANONICAL_LABELS = ("contradiction", "neutral", "entailment")
SIDECAR_NAME = "nli_labels.json"


@dataclass(frozen=True)
class LabelMap:
    """Positions of the three NLI classes in a model's logits.

    Parameters
    ----------
    contradiction, neutral, entailment : int
        Index of each class in the model's output.
    source : str
        File the order was read from.
    """

    contradiction: int
    neutral: int
    entailment: int
    source: str

    @property
    def order(self) -> tuple[int, int, int]:
        """Model output indices in canonical order (contradiction, neutral, entailment)."""
        return (self.contradiction, self.neutral, self.entailment)


def _canonical(name: str) -> str | None:
    text = name.strip().lower()
    if text.startswith("contradict"):
        return "contradiction"
    if text.startswith("neutral"):
        return "neutral"
    if text.startswith("entail"):
        return "entailment"
    return None


def parse_label_names(names: dict[int, str], source: str) -> LabelMap:
    """Build a label map from ``{index: label name}``.

    Parameters
    ----------
    names : dict of int to str
        Output index to label name, as ``id2label`` in ``config.json``.
        Names match case-insensitively by prefix (``ENTAILMENT``,
        ``entailment``, ``contradiction``, ``neutral``).
    source : str
        File name, for messages.

    Returns
    -------
    LabelMap

    Raises
    ------
    ModelLoadError
        There are not exactly three labels, or the names are not the three
        NLI classes (generic names such as ``LABEL_0`` included).

    Examples
    --------
    >>> parse_label_names({0: "ENTAILMENT", 1: "NEUTRAL", 2: "CONTRADICTION"}, "x").order
    (2, 1, 0)
    """
    found: dict[str, int] = {}
    for index, name in names.items():
        canonical = _canonical(str(name))
        if canonical is not None:
            found[canonical] = int(index)
    if len(names) != 3 or set(found) != set(CANONICAL_LABELS):
        raise ModelLoadError(
            source,
            f"the labels {dict(sorted(names.items()))} are not the three NLI classes "
            "contradiction, neutral and entailment; write the order as "
            f'{{"0": "contradiction", "1": "neutral", "2": "entailment"}} to {SIDECAR_NAME} '
            "beside the model",
        )
    return LabelMap(found["contradiction"], found["neutral"], found["entailment"], source)


def read_label_map(model_path: Path) -> LabelMap:
    """Read the label order of an ONNX NLI model from the files beside it.

    ``nli_labels.json`` (a list of names in output order, or an index-to-name
    object) wins over ``config.json``'s ``id2label``, so a user can fix a
    checkpoint whose config has generic names.

    Parameters
    ----------
    model_path : Path
        The ``.onnx`` file.

    Returns
    -------
    LabelMap

    Raises
    ------
    ModelLoadError
        Neither file exists, a file is not valid JSON, or its labels are not
        the three NLI classes.
    """
    folder = model_path.parent
    for path, key in ((folder / SIDECAR_NAME, None), (folder / "config.json", "id2label")):
        if not path.is_file():
            continue
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as error:
            raise ModelLoadError(path, f"cannot read it as JSON: {error}") from None
        raw = data.get(key) if key is not None and isinstance(data, dict) else data
        if raw is None:
            continue
        if isinstance(raw, list):
            names = {index: str(name) for index, name in enumerate(raw)}
        elif isinstance(raw, dict):
            try:
                names = {int(index): str(name) for index, name in raw.items()}
            except ValueError:
                raise ModelLoadError(path, f"label indices must be integers, got {raw}") from None
        else:
            raise ModelLoadError(path, f"labels must be a list or an object, got {raw!r}")
        label_map = parse_label_names(names, str(path))
        log.debug("NLI label order of %s from %s: %s", model_path.name, path, label_map.order)
        return label_map
    raise ModelLoadError(
        model_path,
        f"no label order found: put the checkpoint's config.json (with id2label) or a "
        f"{SIDECAR_NAME} beside the model; the order is never guessed",
    )
