"""The `evidencekb` command: parses arguments, calls the library, maps errors to exit codes.

Each command lives in a module of this package with an `add(commands)` function that declares its
parser and sets `handler`; no logic lives here.

Exit codes: 0 success / conforms · 1 violations, failed rows or findings that fail (--strict)
· 2 bad input, usage or an endpoint that fails (the message says what and how to fix it)
· 3 internal error (a bug: one line, the traceback with --debug) · 130 interrupted.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from evidencekb import project
from evidencekb.cli import (
    answer_commands,
    fhir_commands,
    graph_commands,
    site_commands,
    space_commands,
    why_commands,
)
from evidencekb.cli.options import add_global_options, use_endpoint_credentials
from evidencekb.errors import EvidenceKBError

INTERNAL_ERROR = 3

DESCRIPTION = """\
evidencekb – Medicinrådet's addendum on immunoglobulin substitution after CAR-T and bispecific
antibodies, as a validated knowledge graph. Every table, recommendation and page is derived
from the graph in data/ by the SPARQL queries in queries/.

Commands work on the project in the current directory (the nearest folder at or above it that
holds data/ and ontology/) or on --project DIR.
"""

EPILOG = """\
typical use:
  evidencekb validate                       check data/ against the ontology and SHACL shapes
  evidencekb table 3-1                      regenerate Table 3-1 from the graph
  evidencekb recommend patient.json         the council's start/stop decision for one patient
  evidencekb compare patient.json           what every consensus report would say
  evidencekb query --list                   named competency questions
  evidencekb site build                     build the MkDocs site into build/site
  evidencekb audit                          cross-check the addendum against itself
  evidencekb build                          the main job: validate, print tables 3-1/3-2, build the site

exit codes: 0 ok · 1 violations, failed rows or failing findings · 2 bad input, usage or endpoint
error · 3 internal error (rerun with --debug for the traceback) · 130 interrupted.
run 'evidencekb COMMAND --help' for the options and examples of each command.
"""

COMMAND_MODULES = (graph_commands, answer_commands, why_commands, site_commands, space_commands, fhir_commands)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="evidencekb",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action=_Version)
    add_global_options(parser, top_level=True)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMAND_MODULES:
        module.add(commands)
    return parser


class _Version(argparse.Action):
    """--version, read from the package metadata only when asked (importlib.metadata is slow to import)."""

    def __init__(self, option_strings: list[str], dest: str = argparse.SUPPRESS, **_: object) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help="show the version and exit")

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        import evidencekb

        parser.exit(message=f"evidencekb {evidencekb.__version__}\n")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        project.use(args.project)
        use_endpoint_credentials(args)
        return args.handler(args)
    except EvidenceKBError as error:
        print(f"evidencekb {args.command}: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("evidencekb: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as error:  # noqa: BLE001 – the last line of defence: one line, never a traceback
        if args.debug:
            import traceback  # only here: importing it costs every command's start-up

            traceback.print_exc()
        detail = " ".join(str(error).split())[:200]
        print(
            f"evidencekb {args.command}: internal error: {type(error).__name__}: {detail} "
            "(a bug in evidencekb; rerun with --debug for the traceback and report it)",
            file=sys.stderr,
        )
        return INTERNAL_ERROR
