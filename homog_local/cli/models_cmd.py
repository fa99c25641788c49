"""``homog models``: list shipped and catalog models.

The ``models`` parser owns a group of actions (``homog models ACTION``), so
further actions are added with one more ``_register_*`` function each.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

from homog_local.cli.models_nli_cmd import register_actions
from homog_local.models import ModelEntry, list_models

__all__ = ["entry_as_dict", "format_param_count", "register"]

_MIB = 1024 * 1024
_PIPE_WIDTH = 160


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``models`` command and its actions to the ``homog`` parser.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        The ``homog`` parser's subcommand group.
    """
    parser = subparsers.add_parser(
        "models",
        help="list and inspect model files",
        description="List the shipped models (PyPI data packages) and the entries of "
        "the model folder's catalog.toml.",
    )
    actions = parser.add_subparsers(dest="models_action", metavar="ACTION", required=True)
    _register_list(actions)
    register_actions(actions)


def _register_list(actions: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = actions.add_parser(
        "list",
        help="show every known model, installed or not",
        description="Show every shipped and catalog model with its role, file, size, "
        "architecture, parameter count and quantization, read from the file header "
        "without loading the model.",
    )
    parser.add_argument(
        "--json", action="store_true", help="print one JSON document (a list of models)"
    )
    parser.add_argument(
        "--models-dir",
        type=Path,
        default=None,
        metavar="DIR",
        help="folder with catalog.toml (default: $HOMOG_MODELS_DIR or ./models)",
    )
    parser.set_defaults(func=run_list)


def run_list(args: argparse.Namespace) -> int:
    """Print the model list as a table or as JSON and return exit code 0."""
    entries = list_models(args.models_dir)
    if args.json:
        json.dump([entry_as_dict(entry) for entry in entries], sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    console = Console(file=sys.stdout)
    if not console.is_terminal and "COLUMNS" not in os.environ:
        # Rich falls back to 80 columns for pipes, which wraps every cell.
        console = Console(file=sys.stdout, width=_PIPE_WIDTH)
    console.print(_table(entries))
    missing = [entry for entry in entries if not entry.present and entry.install_hint]
    if missing:
        console.print("Install missing models:")
        for entry in missing:
            console.print(f"  {entry.name}: {entry.install_hint}", soft_wrap=True)
    return 0


def entry_as_dict(entry: ModelEntry) -> dict[str, object]:
    """Convert a model entry to JSON-ready values (enums as values, paths as strings)."""
    return {
        "name": entry.name,
        "role": entry.role.value,
        "kind": entry.kind.value if entry.kind else None,
        "present": entry.present,
        "path": str(entry.path) if entry.path else None,
        "source": entry.source,
        "size_bytes": entry.size_bytes,
        "architecture": entry.architecture,
        "n_params": entry.n_params,
        "quantization": entry.quantization,
        "has_chat_template": entry.has_chat_template,
        "tokenizer_path": str(entry.tokenizer_path) if entry.tokenizer_path else None,
        "pooling": entry.pooling,
        "sha256": entry.sha256,
        "install_hint": entry.install_hint,
        "notes": entry.notes,
    }


def format_param_count(n_params: int | None) -> str:
    """Format a parameter count with a K/M/B suffix, such as ``"135M"``.

    Examples
    --------
    >>> format_param_count(134_515_008)
    '135M'
    >>> format_param_count(1_543_714_304)
    '1.5B'
    """
    if n_params is None:
        return "-"
    if n_params >= 1_000_000_000:
        return f"{n_params / 1e9:.1f}B"
    if n_params >= 1_000_000:
        return f"{n_params / 1e6:.0f}M"
    if n_params >= 1_000:
        return f"{n_params / 1e3:.0f}K"
    return str(n_params)


def _table(entries: list[ModelEntry]) -> Table:
    table = Table(title="Models")
    table.add_column("name", no_wrap=True)
    for column in ("role", "kind", "file"):
        table.add_column(column)
    table.add_column("size MiB", justify="right")
    table.add_column("architecture")
    table.add_column("params", justify="right")
    table.add_column("quantization")
    table.add_column("present")
    for entry in entries:
        table.add_row(
            entry.name,
            entry.role.value,
            entry.kind.value if entry.kind else "-",
            _file_label(entry),
            f"{entry.size_bytes / _MIB:.1f}" if entry.size_bytes is not None else "-",
            entry.architecture or "-",
            format_param_count(entry.n_params),
            entry.quantization or "-",
            "yes" if entry.present else "no (see below)",
        )
    return table


def _file_label(entry: ModelEntry) -> str:
    if entry.path is not None:
        return entry.path.name
    if entry.present:
        return "(chunks, joined on first use)"
    return "-"
