"""Commands that answer from the graph: table, recommend, compare, query."""

from __future__ import annotations

import argparse
from pathlib import Path

from evidencekb.cli.options import add_endpoint_options, command_adder
from evidencekb.errors import EvidenceKBError

RECOMMEND_HELP = (
    "input (JSON):\n"
    '  {"age": 62, "therapy": "car-t", "therapy_start": "2026-01-15", "assessment_date": "2026-03-01",\n'
    '   "igg": {"value": 3.2, "unit": "g/L", "during_ig_substitution": false},\n'
    '   "severe_or_recurrent_bacterial_infections": false, "immunoglobulin": {"status": "none"}}\n\n'
    "fields: therapy = car-t | bispecific | a product name (cilta-cel, Carvykti, teclistamab …);\n"
    "  igg.unit = g/L | mg/dL; immunoglobulin = {\"status\": \"none\"} or {\"status\": \"ongoing\",\n"
    "  \"start_date\": …, \"started_before_therapy\": bool, \"start_basis\": \"igg-below-4\" | \"infections\"};\n"
    "  assessment_date defaults to today; igg.unit is case-insensitive (g/dL, mg/L are rejected);\n"
    "  disease is optional (for compare); unknown fields are rejected by name, as are duplicate keys\n"
    "  (exit 2), as are unknown, duplicate or empty CSV columns, so that nothing is silently ignored;\n"
    "  numbers are read exactly and rounded to 12 decimals, -0 is 0.\n\n"
    "batch CSV columns: age, therapy, therapy_start, assessment_date, igg_value, igg_unit,\n"
    "  igg_during_ig_substitution, severe_or_recurrent_bacterial_infections, ig_status, ig_start_date,\n"
    "  ig_started_before_therapy, ig_start_basis, disease (empty = not given); or JSON Lines, one\n"
    "  patient each.\n"
    "  Every row is answered on its own: a bad row becomes an error line naming its line number, the\n"
    "  others still run (exit 1 if any failed, 0 if all were answered).\n"
    "  --format json writes JSON Lines (the answer plus \"line\", or {\"line\", \"error\"}), --format text\n"
    "  the text answers, each under '# line N'; --lang da answers in Danish.\n"
    "  --out must be a new path or a regular file (replaced atomically once every row is answered,\n"
    "  with your umask's mode); it is refused when it is the input file, a folder, a symlink, a FIFO\n"
    "  or a device — give a regular file path, or leave out --out to write to standard output.\n\n"
    "examples:\n  evidencekb recommend patient.json --format json\n"
    "  evidencekb recommend --batch registry.csv --out decisions.jsonl"
)


def add(commands: argparse._SubParsersAction) -> None:
    command = command_adder(commands)

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
        choices=["markdown", "csv", "json", "text", "xlsx"],
        default="markdown",
        help="markdown (as on the site), csv (RFC 4180), json, text (a grid for the terminal) or xlsx "
        "(a spreadsheet; needs --out)",
    )
    p.add_argument("--excel", action="store_true", help="csv for Danish Excel: byte-order mark, ';', decimal comma")
    p.add_argument("--out", type=Path, metavar="FILE", help="write to FILE (a new path or a regular file)")
    p.add_argument("--lang", choices=["da", "en"], default="da")
    add_endpoint_options(p)
    p.set_defaults(handler=_table)

    p = command("recommend", "Evaluate the council's section-4 start/stop criteria for a patient.", RECOMMEND_HELP)
    p.add_argument("patient", nargs="?", type=Path, metavar="PATIENT.json")
    p.add_argument("--batch", type=Path, metavar="FILE", help="JSON Lines or CSV file of patients")
    p.add_argument("--out", type=Path, metavar="RESULT.jsonl", help="where batch results go (default: stdout)")
    p.add_argument("--format", choices=["text", "json"], default=None,
                   help="text (default for one patient) or json (default for --batch: JSON Lines)")
    p.add_argument("--lang", choices=["da", "en"], default="en")
    add_endpoint_options(p)
    p.set_defaults(handler=_recommend)

    p = command(
        "compare",
        "What Medicinrådet and each of the 8 secondary publications would say for a patient.",
        "examples:\n  evidencekb compare patient.json\n  evidencekb compare patient.json --format json",
    )
    p.add_argument("patient", type=Path, metavar="PATIENT.json")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.add_argument("--lang", choices=["da", "en"], default="en")
    add_endpoint_options(p)
    p.set_defaults(handler=_compare)

    p = command(
        "query",
        "Run a SPARQL query file or a named competency question.",
        "SELECT prints a table (or csv/json), ASK prints true or false, CONSTRUCT and DESCRIBE print\n"
        "Turtle — the same locally and through --endpoint. Local queries never reach the network:\n"
        "SERVICE is refused unless you pass --allow-service.\n\n"
        "examples:\n  evidencekb query --list\n  evidencekb query high-quality-routine-bispecific\n"
        "  evidencekb query my.rq --format csv --endpoint http://127.0.0.1:7878/query",
    )
    p.add_argument("query", nargs="?", metavar="FILE.rq|NAME")
    p.add_argument("--list", action="store_true", help="list the named competency questions")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")
    p.add_argument(
        "--allow-service", action="store_true", help="let a local query call remote endpoints with SERVICE"
    )
    add_endpoint_options(p)
    p.set_defaults(handler=_query)


def _use_endpoint_timeout(args: argparse.Namespace) -> None:
    from evidencekb.sparql.engines import set_remote_timeout

    set_remote_timeout(args.timeout)


def _table(args: argparse.Namespace) -> int:
    from evidencekb.outputs import check_output_path, write_output
    from evidencekb.tables import list_tables, render_table

    _use_endpoint_timeout(args)
    if args.list or not args.table_id:
        print(list_tables(args.lang, endpoint=args.endpoint, graph=args.graph))
        return 0
    if args.format == "xlsx":
        from evidencekb.sparql.engines import get_engine
        from evidencekb.tables import check_table_id
        from evidencekb.workbook import table_workbook

        if args.out is None:
            raise EvidenceKBError("--format xlsx: give --out FILE.xlsx (a spreadsheet is not printed to the terminal)")
        check_output_path(args.out)
        content = table_workbook(check_table_id(args.table_id), args.lang, get_engine(args.endpoint, args.graph))
        print(f"Table {args.table_id} written to {write_output(args.out, content)}")
        return 0
    rendered = render_table(
        args.table_id, args.format, args.lang, endpoint=args.endpoint, graph=args.graph, excel=args.excel
    )
    if args.out is not None:
        write_output(args.out, rendered)
    else:
        print(rendered, end="")
    return 0


def _recommend(args: argparse.Namespace) -> int:
    _use_endpoint_timeout(args)
    if args.batch:
        from evidencekb.recommend.batch import recommend_batch

        if args.patient:
            raise EvidenceKBError("give either a PATIENT.json file or --batch FILE, not both")
        return recommend_batch(args.batch, args.out, endpoint=args.endpoint, graph=args.graph, lang=args.lang,
                               format=args.format or "json")
    from evidencekb.recommend.evaluate import recommend_file

    if not args.patient:
        raise EvidenceKBError("give a PATIENT.json file, or --batch FILE [--out RESULT.jsonl]")
    if args.out:
        raise EvidenceKBError("--out is for --batch; for one patient, redirect the output (> answer.txt)")
    print(recommend_file(args.patient, args.format or "text", args.lang, endpoint=args.endpoint, graph=args.graph))
    return 0


def _compare(args: argparse.Namespace) -> int:
    from evidencekb.recommend.compare import compare_file

    _use_endpoint_timeout(args)
    print(compare_file(args.patient, args.format, args.lang, endpoint=args.endpoint, graph=args.graph))
    return 0


def _query(args: argparse.Namespace) -> int:
    from evidencekb.questions import list_questions, run_question

    _use_endpoint_timeout(args)
    if args.list or not args.query:
        print(list_questions())
        return 0
    text = run_question(
        args.query, args.format, endpoint=args.endpoint, graph=args.graph, allow_service=args.allow_service
    )
    print(text, end="")
    return 0
