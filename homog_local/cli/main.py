"""Entry point of the ``homog`` command.

Each subcommand lives in its own module that exposes
``register(subparsers) -> None``; the parser it adds sets ``func`` to a
handler ``(args: argparse.Namespace) -> int`` that returns the exit code.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from homog_local import __version__
from homog_local.errors import ConfigError, HomogError

__all__ = ["EXIT_FAILURE", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_USAGE", "build_parser", "main"]

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_SAMPLE_FAILURES = 3
EXIT_INTERRUPTED = 130

# Modules under homog_local.cli that add subcommands, in help order.
_COMMAND_MODULES = [
    "run_cmd",
    "runs_cmd",
    "report_cmd",
    "compare_cmd",
    "cascade_cmd",
    "rescore_cmd",
    "import_cmd",
    "analyze_cmd",
    "models_cmd",
    "db_cmd",
    "tui_cmd",
]

log = logging.getLogger(__name__)


class _Parser(argparse.ArgumentParser):
    """Argument parser whose usage errors exit with code 2 and a hint.

    Abbreviated options are off: ``--sample`` should not silently mean
    ``--samples`` or ``--sampler``.
    """

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n(run with --help for usage)\n")


def build_parser() -> argparse.ArgumentParser:
    """Build the ``homog`` argument parser with every subcommand registered."""
    parser = _Parser(
        prog="homog",
        description="Measure response homogenization of local GGUF models. "
        "With no command, opens the interactive TUI.",
    )
    parser.add_argument("--version", action="version", version=f"homog-local {__version__}")
    parser.add_argument(
        "-v", "--verbose", action="count", default=0, help="more log output on stderr (-vv: debug)"
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="only warnings and errors")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in _COMMAND_MODULES:
        module = importlib.import_module(f"homog_local.cli.{name}")
        module.register(subparsers)
    return parser


def _configure_logging(verbose: int, quiet: bool) -> None:
    level = logging.WARNING if quiet else logging.INFO
    if verbose >= 1:
        level = logging.DEBUG if verbose >= 2 else logging.INFO
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("homog_local")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``homog`` command and return its exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    _configure_logging(args.verbose, args.quiet)
    if args.command is None or args.command == "tui":
        from homog_local.tui.app import run_app

        return run_app(args)
    try:
        return int(args.func(args))
    except ConfigError as error:
        print(f"homog: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except HomogError as error:
        print(f"homog: error: {error}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        print("homog: interrupted; finished questions are saved", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
