"""The exit-code wrapper: each command runs here, and its errors become one line on
stderr and an exit code: 0 success, 2 usage error, 3 unusable input log, 4 output cannot
be written, 1 internal error (a bug: please report it), 130 interrupted."""

from __future__ import annotations

import argparse
import gc
import sys
import traceback
from collections.abc import Sequence
from importlib import import_module

from ..errors import InputError, OutputError, UsageError
from ..gc_pause import gc_paused
from .exits import EXIT_INPUT, EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_OK, EXIT_OUTPUT, EXIT_USAGE
from .parser import build_parser


def console() -> int:
    """The `parcours` program (the installed script and `python -m engine.cli`): main()
    in a process of its own, which it may tune as a library must not."""
    try:
        code = main(own_process=True)
    finally:
        if "engine.cluster.session" in sys.modules:  # a run on Dask, failed or not
            sys.modules["engine.cluster.session"].close_started()
    # The outputs are written and closed; what is left lives until the process ends. The
    # interpreter's last collection would scan all of it (numba's objects above all):
    # 0.15-0.3 s of every run's exit, skipped once it is frozen.
    gc.freeze()
    return code


def main(argv: Sequence[str] | None = None, *, own_process: bool = False) -> int:
    from .commands import analyze, convert, generate, report

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if own_process:  # within the try: Ctrl-C during the imports exits as any other
            with gc_paused():  # see gc_pause.py
                import_module("engine.read")  # pandas, pyarrow and numba
                import_module("engine.run")
            # The command runs once and the process exits: what the imports made lives
            # until then, so the collector need not rescan it each time it runs (about
            # 0.15 s of the README's demo).
            gc.freeze()
        if args.command == "analyze":
            return analyze(args)
        if args.command == "generate":
            return generate(args)
        if args.command == "report":
            return report(args)
        if args.command == "convert":
            return convert(args)
        parser.error(f"unknown command {args.command}")  # pragma: no cover
    except UsageError as exc:
        return _fail(args, exc, EXIT_USAGE)
    except InputError as exc:
        return _fail(args, exc, EXIT_INPUT)
    except OutputError as exc:
        return _fail(args, exc, EXIT_OUTPUT)
    except KeyboardInterrupt:
        print("parcours: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:  # a bug: say so in one line, traceback on --debug
        if args.debug:
            traceback.print_exc()
        print(
            f"parcours: internal error: {type(exc).__name__}: {exc} "
            "(rerun with --debug for the traceback, and please report it)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL
    return EXIT_OK


def _fail(args: argparse.Namespace, exc: Exception, code: int) -> int:
    if args.debug:
        traceback.print_exc()
    print(f"parcours: error: {exc}", file=sys.stderr)
    return code
