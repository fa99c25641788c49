"""``homog models add|export-nli|pull``: bring a user's NLI or embedding model in."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from homog_local.cli.common import print_json
from homog_local.models import ModelRole
from homog_local.nli.register import RegisteredModel

__all__ = ["register_actions"]

_MODELS_DIR_HELP = "folder with catalog.toml (default: $HOMOG_MODELS_DIR or ./models)"


def register_actions(actions: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the ``add``, ``export-nli`` and ``pull`` actions to ``homog models``."""
    add = actions.add_parser(
        "add",
        help="validate an ONNX NLI or embedding model and add it to catalog.toml",
        description="Load the model with onnxruntime, check its inputs (input_ids, "
        "attention_mask, optional token_type_ids), its output (3-way logits for NLI), its "
        "label order (config.json id2label or nli_labels.json beside it) and its "
        "tokenizer.json, run a probe pair, then append an entry to catalog.toml.",
    )
    add.add_argument("path", type=Path, metavar="PATH", help=".onnx file or a folder with one")
    add.add_argument("--name", help="catalog name (default: the folder name)")
    add.add_argument("--role", choices=["nli", "embedder"], default="nli",
                     help="model role (default: nli)")
    add.add_argument("--tokenizer", type=Path, metavar="FILE",
                     help="tokenizer.json (default: beside the model)")
    add.add_argument("--pooling", choices=["mean", "cls", "pooled"],
                     help="embedder pooling (default: mean); ignored for nli")
    add.add_argument("--models-dir", type=Path, metavar="DIR", help=_MODELS_DIR_HELP)
    add.add_argument("--json", action="store_true", help="print the entry as one JSON document")
    add.set_defaults(func=_add)

    export = actions.add_parser(
        "export-nli",
        help="convert a local Hugging Face NLI checkpoint to ONNX (needs the export extra)",
        description="Export a 3-label sequence-classification checkpoint folder (config.json, "
        "weights, fast tokenizer) to model.onnx with tokenizer.json and config.json, check "
        "onnxruntime against torch on a probe pair, and optionally register it. Needs "
        "pip install -e '.[export]'. Nothing is downloaded.",
    )
    export.add_argument("checkpoint", type=Path, metavar="DIR", help="checkpoint folder")
    export.add_argument("--output", type=Path, metavar="DIR",
                        help="output folder (default: DIR-onnx beside the checkpoint)")
    export.add_argument("--opset", type=int, default=17, help="ONNX opset (default: 17)")
    export.add_argument("--name", help="also add the export to catalog.toml under this name")
    export.add_argument("--models-dir", type=Path, metavar="DIR", help=_MODELS_DIR_HELP)
    export.set_defaults(func=_export)

    pull = actions.add_parser(
        "pull",
        help="download an ONNX NLI model from the Hugging Face hub and add it",
        description="Download onnx/model.onnx (or model.onnx), tokenizer.json and config.json "
        "of a hub repository into the model folder, validate them and add a catalog entry. "
        "HF_ENDPOINT sets another hub address or a mirror.",
    )
    pull.add_argument("repo_id", metavar="NAME", help="hub repository id, owner/model-name")
    pull.add_argument("--revision", default="main", help="branch, tag or commit (default: main)")
    pull.add_argument("--name", help="catalog name (default: the repository name)")
    pull.add_argument("--models-dir", type=Path, metavar="DIR", help=_MODELS_DIR_HELP)
    pull.set_defaults(func=_pull)


def _describe(model: RegisteredModel) -> dict[str, object]:
    return {
        "name": model.name, "role": model.role.value, "model_path": str(model.model_path),
        "tokenizer_path": str(model.tokenizer_path), "catalog": str(model.catalog_path),
        "inputs": list(model.inputs), "output": model.output, "labels": list(model.labels),
        "probe": list(model.probe),
    }


def _report(model: RegisteredModel) -> None:
    print(f"added {model.role.value} model {model.name} to {model.catalog_path}", file=sys.stderr)
    print(f"  inputs {', '.join(model.inputs)}; output {model.output}", file=sys.stderr)
    if model.labels:
        print(f"  labels in output order: {', '.join(model.labels)}", file=sys.stderr)
        print(f"  use it with: --cluster nli:{model.name}", file=sys.stderr)


def _add(args: argparse.Namespace) -> int:
    from homog_local.nli.register import register_onnx_model

    model = register_onnx_model(
        args.path, role=ModelRole(args.role), name=args.name, tokenizer=args.tokenizer,
        pooling=args.pooling, models_dir=args.models_dir,
    )
    if args.json:
        print_json(_describe(model))
    _report(model)
    return 0


def _export(args: argparse.Namespace) -> int:
    from homog_local.nli.export import export_nli_checkpoint
    from homog_local.nli.register import register_onnx_model

    output = args.output or args.checkpoint.with_name(args.checkpoint.name + "-onnx")
    result = export_nli_checkpoint(args.checkpoint, output, opset=args.opset)
    print(f"exported {result.model_path} (inputs {', '.join(result.input_names)}; max logit "
          f"difference to torch {result.max_logit_difference:.2g})", file=sys.stderr)
    if args.name:
        _report(register_onnx_model(output, name=args.name, models_dir=args.models_dir))
    return 0


def _pull(args: argparse.Namespace) -> int:
    from homog_local.nli.hub import pull_nli_model

    _report(pull_nli_model(args.repo_id, revision=args.revision, name=args.name,
                           models_dir=args.models_dir))
    return 0
