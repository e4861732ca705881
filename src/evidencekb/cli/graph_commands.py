"""Commands on the graph itself: validate, export, stats, load."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from evidencekb.cli.options import add_auth_option, bounded_float, command_adder, positive_int
from evidencekb.errors import EvidenceKBError
from evidencekb.namespaces import DEFAULT_GRAPH


def add(commands: argparse._SubParsersAction) -> None:
    command = command_adder(commands)

    p = command(
        "validate",
        "Validate the data against the ontology, SHACL shapes and QC queries.",
        "examples:\n  evidencekb validate\n  evidencekb validate my-edit.ttl --format json\n"
        "  evidencekb validate --project ../my-copy\n"
        "  evidencekb validate --engine pyrudof        (a second, faster SHACL engine)\n\n"
        "PATHs replace data/ (ontology and shapes always come from the project); files in folders that\n"
        "are not Turtle (.ttl) are listed as skipped. Data files may describe only the knowledge base's\n"
        "own nodes: facts about ontology terms or code-list concepts are violations (file named).\n"
        "exit: 0 conforms, 1 violations, 2 unreadable input or no data files (file and line named).",
    )
    p.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="Turtle files or folders (default: data/)")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.add_argument(
        "--max-violations",
        type=positive_int,
        default=100,
        metavar="N",
        help="print at most N findings (default 100); the total is always given",
    )
    p.add_argument(
        "--engine",
        choices=["pyshacl", "pyrudof"],
        default="pyshacl",
        help="SHACL engine: pyshacl (default, the reference) or pyrudof (Rust, faster; same results on "
        "this project's shapes)",
    )
    p.set_defaults(handler=_validate)

    p = command(
        "export",
        "Print the merged graph (ontology + data).",
        "Byte-identical across runs on unchanged data; carries the evidencekb version.\n"
        "xlsx is the committee workbook: studies, estimates, publications with AGREE II, criteria,\n"
        "the nine tables as printed and the source annotations, Danish and English headers.\n\n"
        "examples:\n  evidencekb export --format jsonld > kb.jsonld\n"
        "  evidencekb export --format xlsx --out udvalg.xlsx",
    )
    p.add_argument("--format", choices=["turtle", "jsonld", "ntriples", "xlsx", "fhir"], default="turtle",
                   help="fhir: an EBM-on-FHIR R5 Bundle (JSON)")
    p.add_argument("--out", type=Path, metavar="FILE", help="write to FILE (a new path or a regular file)")
    p.set_defaults(handler=_export)

    p = command("stats", "Count the nodes of each class in the graph.")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.set_defaults(handler=_stats)

    p = command(
        "load",
        "Replace the knowledge base's named graph on a SPARQL endpoint (validated, atomic).",
        "Validates first and sends nothing if the data has violations (exit 1). Both endpoints are\n"
        "checked before anything is written. A graph that fits in one request is replaced by one\n"
        "SPARQL Update; a larger one is sent in chunks into a staging graph and swapped in by one\n"
        "MOVE, so readers see the old graph or the new one, never a mix.\n"
        "Progress goes to stderr. Exit: 0 loaded, 1 invalid data, 2 endpoint unreachable or failing\n"
        "(the message says whether the graph was changed).\n\n"
        "examples:\n  evidencekb load --endpoint http://127.0.0.1:7878/query "
        "--update-endpoint http://127.0.0.1:7878/update\n"
        "  evidencekb load --endpoint URL/query --update-endpoint URL/update --graph https://example.org/kb "
        "--max-request-mb 8",
    )
    p.add_argument("--endpoint", required=True, metavar="QUERY_URL", help="SPARQL query URL (to check the load)")
    p.add_argument("--update-endpoint", required=True, metavar="UPDATE_URL", help="SPARQL 1.1 Update URL")
    p.add_argument("--graph", metavar="IRI", help=f"named graph to replace (default: {DEFAULT_GRAPH})")
    p.add_argument(
        "--timeout",
        type=bounded_float(0.1, 86400),
        default=30.0,
        metavar="SECONDS",
        help="seconds per request (default 30, at most 86400; the final swap of a chunked load may take "
        "this × chunks)",
    )
    p.add_argument(
        "--max-request-mb",
        type=bounded_float(0.01, 1024),
        default=32.0,
        metavar="MB",
        help="largest update request in MiB, 0.01–1024; bigger graphs go in chunks (default 32; "
        "Oxigraph refuses > 128); a store that refuses a request as too large (Virtuoso) gets smaller ones",
    )
    add_auth_option(p)
    p.set_defaults(handler=_load)


def _validate(args: argparse.Namespace) -> int:
    from evidencekb.checks.validate import validate_paths

    report = validate_paths(args.paths or None, engine=args.engine, max_findings=args.max_violations)
    if args.format == "json":
        print(report.to_json(args.max_violations))
    else:
        print(report.to_text(args.max_violations))
    return 0 if report.conforms else 1


def _export(args: argparse.Namespace) -> int:
    from evidencekb.outputs import check_output_path, write_output

    if args.out is not None:
        check_output_path(args.out)
    if args.format == "xlsx":
        from evidencekb.workbook import committee_workbook

        if args.out is None:
            raise EvidenceKBError("--format xlsx: give --out FILE.xlsx (a spreadsheet is not printed to the terminal)")
        print(f"Workbook written to {write_output(args.out, committee_workbook())}")
        return 0
    if args.format == "fhir":
        from evidencekb.fhir.export import export_text

        content = export_text()
    else:
        from evidencekb.export import export_graph

        content = export_graph(args.format)
    if args.out is not None:
        write_output(args.out, content)
    else:
        sys.stdout.write(content)
    return 0


def _stats(args: argparse.Namespace) -> int:
    from evidencekb.stats import class_counts, format_counts

    print(format_counts(class_counts(), args.format))
    return 0


def _load(args: argparse.Namespace) -> int:
    from evidencekb.pipeline import load_validated

    summary = load_validated(
        args.endpoint,
        args.update_endpoint,
        graph=args.graph,
        timeout=args.timeout,
        max_request_bytes=int(args.max_request_mb * 1024 * 1024),
        progress=lambda message: print(f"load: {message}", file=sys.stderr, flush=True),
    )
    print(summary)
    return 0
