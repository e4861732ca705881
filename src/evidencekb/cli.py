"""The `evidencekb` command: parses arguments and calls the library. No logic lives here.

Exit codes: 0 success / conforms, 1 violations or findings that fail (--strict), 2 bad input,
unreachable endpoint or other error the message explains.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from evidencekb import __version__
from evidencekb.errors import EvidenceKBError
from evidencekb.namespaces import DEFAULT_GRAPH

DESCRIPTION = """\
evidencekb – Medicinrådet's addendum on immunoglobulin substitution after CAR-T and bispecific
antibodies, as a validated knowledge graph. Every table, recommendation and page is derived
from the graph in data/ by the SPARQL queries in queries/.
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

exit codes: 0 ok, 1 violations/failed checks, 2 bad input or unreachable endpoint.
run 'evidencekb COMMAND --help' for the options and examples of each command.
"""


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be greater than 0")
    return value


def _add_endpoint_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--endpoint",
        metavar="QUERY_URL",
        help="run the query on this SPARQL 1.1 endpoint instead of the local graph "
        "(load it first with 'evidencekb load')",
    )
    parser.add_argument(
        "--graph",
        metavar="IRI",
        help="named graph holding the knowledge base on the endpoint (default: the one 'load' uses)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="evidencekb",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"evidencekb {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, help_text: str, epilog: str = "") -> argparse.ArgumentParser:
        return commands.add_parser(
            name,
            help=help_text,
            description=help_text,
            epilog=epilog,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )

    p = command(
        "validate",
        "Validate the data against the ontology, SHACL shapes and QC queries.",
        "examples:\n  evidencekb validate\n  evidencekb validate my-edit.ttl --format json\n\n"
        "PATHs replace data/ (ontology and shapes always come from the project).\n"
        "exit: 0 conforms, 1 violations, 2 unreadable input (file and line named).",
    )
    p.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="Turtle files or folders (default: data/)")
    p.add_argument("--format", choices=["text", "json"], default="text")

    p = command(
        "export",
        "Print the merged graph (ontology + data).",
        "examples:\n  evidencekb export --format jsonld > kb.jsonld",
    )
    p.add_argument("--format", choices=["turtle", "jsonld", "ntriples"], default="turtle")

    p = command("stats", "Count the nodes of each class in the graph.")
    p.add_argument("--format", choices=["text", "json"], default="text")

    p = command(
        "table",
        "Regenerate a table of the addendum (3-1, 3-2, 8-1 … 8-7) from the graph.",
        "examples:\n  evidencekb table --list\n  evidencekb table 3-1 --format text\n"
        "  evidencekb table 8-2 --format csv --lang en\n\n"
        "json: {\"id\", \"title\", \"columns\", \"rows\", \"footnotes\"}, cells as printed, marks \"X\", empty \"\".",
    )
    p.add_argument("table_id", nargs="?", metavar="ID", help="table number, e.g. 3-1")
    p.add_argument("--list", action="store_true", help="list the tables that can be regenerated")
    p.add_argument(
        "--format",
        choices=["markdown", "csv", "json", "text"],
        default="markdown",
        help="markdown (as on the site), csv (RFC 4180), json, or text (a grid for the terminal)",
    )
    p.add_argument("--lang", choices=["da", "en"], default="da")
    _add_endpoint_options(p)

    p = command(
        "recommend",
        "Evaluate the council's section-4 start/stop criteria for a patient.",
        "input (JSON):\n"
        '  {"age": 62, "therapy": "car-t", "therapy_start": "2026-01-15", "assessment_date": "2026-03-01",\n'
        '   "igg": {"value": 3.2, "unit": "g/L", "during_ig_substitution": false},\n'
        '   "severe_or_recurrent_bacterial_infections": false, "immunoglobulin": {"status": "none"}}\n\n'
        "fields: therapy = car-t | bispecific | a product name (cilta-cel, Carvykti, teclistamab …);\n"
        "  igg.unit = g/L | mg/dL; immunoglobulin = {\"status\": \"none\"} or {\"status\": \"ongoing\",\n"
        "  \"start_date\": …, \"started_before_therapy\": bool, \"start_basis\": \"igg-below-4\" | \"infections\"};\n"
        "  assessment_date defaults to today; igg.unit is case-insensitive (g/dL, mg/L are rejected);\n"
        "  disease is optional (for compare); unknown fields are rejected by name (exit 2), as are\n"
        "  unknown CSV columns, so that a misspelt field is never silently ignored.\n\n"
        "batch CSV columns: age, therapy, therapy_start, assessment_date, igg_value, igg_unit,\n"
        "  igg_during_ig_substitution, severe_or_recurrent_bacterial_infections, ig_status, ig_start_date,\n"
        "  ig_started_before_therapy, ig_start_basis, disease (empty = not given); or JSON Lines, one\n"
        "  patient each.\n"
        "  A bad row is reported with its line number and the others still run (exit 1 if any failed).\n\n"
        "examples:\n  evidencekb recommend patient.json --format json\n"
        "  evidencekb recommend --batch registry.csv --out decisions.jsonl",
    )
    p.add_argument("patient", nargs="?", type=Path, metavar="PATIENT.json")
    p.add_argument("--batch", type=Path, metavar="FILE", help="JSON Lines or CSV file of patients")
    p.add_argument("--out", type=Path, metavar="RESULT.jsonl", help="where batch results go")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.add_argument("--lang", choices=["da", "en"], default="en")
    _add_endpoint_options(p)

    p = command(
        "compare",
        "What Medicinrådet and each of the 8 secondary publications would say for a patient.",
        "examples:\n  evidencekb compare patient.json\n  evidencekb compare patient.json --format json",
    )
    p.add_argument("patient", type=Path, metavar="PATIENT.json")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.add_argument("--lang", choices=["da", "en"], default="en")
    _add_endpoint_options(p)

    p = command(
        "query",
        "Run a SPARQL query file or a named competency question.",
        "examples:\n  evidencekb query --list\n  evidencekb query high-quality-routine-bispecific\n"
        "  evidencekb query my.rq --format csv --endpoint http://127.0.0.1:7878/query",
    )
    p.add_argument("query", nargs="?", metavar="FILE.rq|NAME")
    p.add_argument("--list", action="store_true", help="list the named competency questions")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")
    _add_endpoint_options(p)

    p = command(
        "load",
        "Replace the knowledge base's named graph on a SPARQL endpoint (validated, atomic).",
        "Validates first and sends nothing if the data has violations (exit 1). A graph that fits in\n"
        "one request is replaced by one SPARQL Update; a larger one is sent in chunks into a staging\n"
        "graph and swapped in by one MOVE, so readers see the old graph or the new one, never a mix.\n"
        "Progress goes to stderr. Exit: 0 loaded, 1 invalid data, 2 endpoint unreachable or failing.\n\n"
        "examples:\n  evidencekb load --endpoint http://127.0.0.1:7878/query "
        "--update-endpoint http://127.0.0.1:7878/update\n"
        "  evidencekb load --endpoint URL/query --update-endpoint URL/update --graph https://example.org/kb "
        "--max-request-mb 8",
    )
    p.add_argument("--endpoint", required=True, metavar="QUERY_URL", help="SPARQL query URL (to check the load)")
    p.add_argument("--update-endpoint", required=True, metavar="UPDATE_URL", help="SPARQL 1.1 Update URL")
    p.add_argument(
        "--graph", metavar="IRI", help=f"named graph to replace (default: {DEFAULT_GRAPH})"
    )
    p.add_argument(
        "--timeout", type=_positive_float, default=30.0, metavar="SECONDS",
        help="seconds per request (default 30; the final swap of a chunked load may take this × chunks)",
    )
    p.add_argument(
        "--max-request-mb",
        type=_positive_float,
        default=32.0,
        metavar="MB",
        help="largest update request in MiB; bigger graphs go in chunks (default 32; Oxigraph refuses > 128)",
    )

    p = command("site", "Build or preview the MkDocs-Material site generated from the graph.")
    site_commands = p.add_subparsers(dest="site_command", metavar="ACTION", required=True)
    build = site_commands.add_parser("build", help="build the static site (atomic: a failed build keeps the old one)")
    build.add_argument("--out", type=Path, default=None, metavar="DIR", help="output folder (default build/site)")
    serve = site_commands.add_parser("serve", help="build, then serve the site locally")
    serve.add_argument("--port", type=int, default=8000)

    p = command(
        "audit",
        "Cross-check the addendum against itself (counts, references, classifications, units).",
        "exit: 0 unless --strict and a finding is not in the accepted list (data/audit-accepted.ttl).",
    )
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.add_argument("--strict", action="store_true", help="exit 1 on findings not accepted in data/")

    p = command("build", "The main job: validate, print Tables 3-1 and 3-2, build the site.")
    p.add_argument("--out", type=Path, default=None, metavar="DIR", help="site output folder (default build/site)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        return HANDLERS[args.command](args)
    except EvidenceKBError as error:
        print(f"evidencekb {args.command}: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("evidencekb: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


def _validate(args: argparse.Namespace) -> int:
    from evidencekb.validate import validate_paths

    report = validate_paths(args.paths or None)
    print(report.to_json() if args.format == "json" else report.to_text())
    return 0 if report.conforms else 1


def _export(args: argparse.Namespace) -> int:
    from evidencekb.export import export_graph

    sys.stdout.write(export_graph(args.format))
    return 0


def _stats(args: argparse.Namespace) -> int:
    from evidencekb.stats import class_counts, format_counts

    print(format_counts(class_counts(), args.format))
    return 0


def _table(args: argparse.Namespace) -> int:
    from evidencekb.tables import list_tables, render_table

    if args.list or not args.table_id:
        print(list_tables(args.lang))
        return 0
    print(render_table(args.table_id, args.format, args.lang, endpoint=args.endpoint, graph=args.graph), end="")
    return 0


def _recommend(args: argparse.Namespace) -> int:
    from evidencekb.recommend import recommend_batch, recommend_file

    if args.batch:
        return recommend_batch(args.batch, args.out, endpoint=args.endpoint, graph=args.graph)
    if not args.patient:
        raise EvidenceKBError("give a PATIENT.json file, or --batch FILE --out RESULT.jsonl")
    print(recommend_file(args.patient, args.format, args.lang, endpoint=args.endpoint, graph=args.graph))
    return 0


def _compare(args: argparse.Namespace) -> int:
    from evidencekb.compare import compare_file

    print(compare_file(args.patient, args.format, args.lang, endpoint=args.endpoint, graph=args.graph))
    return 0


def _query(args: argparse.Namespace) -> int:
    from evidencekb.questions import list_questions, run_question

    if args.list or not args.query:
        print(list_questions())
        return 0
    print(run_question(args.query, args.format, endpoint=args.endpoint, graph=args.graph), end="")
    return 0


def _load(args: argparse.Namespace) -> int:
    from evidencekb.load import load_endpoint

    summary = load_endpoint(
        args.endpoint,
        args.update_endpoint,
        graph=args.graph,
        timeout=args.timeout,
        max_request_bytes=int(args.max_request_mb * 1024 * 1024),
        progress=lambda message: print(f"load: {message}", file=sys.stderr, flush=True),
    )
    print(summary)
    return 0


def _site(args: argparse.Namespace) -> int:
    from evidencekb.site import build_site, serve_site

    if args.site_command == "serve":
        return serve_site(args.port)
    print(f"Site built in {build_site(args.out)}")
    return 0


def _audit(args: argparse.Namespace) -> int:
    from evidencekb.audit import run_audit

    text, exit_code = run_audit(args.format, strict=args.strict)
    print(text)
    return exit_code


def _build(args: argparse.Namespace) -> int:
    from evidencekb.pipeline import run_main_job

    return run_main_job(args.out)


HANDLERS = {
    "validate": _validate,
    "export": _export,
    "stats": _stats,
    "table": _table,
    "recommend": _recommend,
    "compare": _compare,
    "query": _query,
    "load": _load,
    "site": _site,
    "audit": _audit,
    "build": _build,
}
