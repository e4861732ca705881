"""Commands over the whole rule space: space (every kind of patient, every source) and diff (what a revision
changes)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from evidencekb.cli.options import add_endpoint_options, command_adder


def add(commands: argparse._SubParsersAction) -> None:
    command = command_adder(commands)

    p = command(
        "space",
        "Every kind of patient the criteria tell apart, decided by the council and by every source; gaps and "
        "conflicts.",
        "The partition is read from the criteria in the graph (IgG thresholds with their comparators, time\n"
        "boundaries, infection requirements, immunoglobulin status, population, therapy class); each cell has\n"
        "one representative patient decided by `recommend` and by every publication as `compare` reads it.\n\n"
        "json: {\"dimensions\", \"cells\": [{\"id\", \"patient\", \"council\": {\"start\", \"stop\", \"rule\"},\n"
        "  \"sources\": {publication: {\"verdict\", \"criterion\"}}}],\n"
        "  \"findings\": [{\"kind\", \"cells\", \"rules\", \"text\"}],\n"
        "  \"agreement\": {publication: {\"agree\", \"cells\", \"stricter\", \"looser\"}}}\n"
        "csv/markdown: one row per cell. turtle: the findings as RDF (with provenance to the rules).\n\n"
        "examples:\n  evidencekb space --format json > space.json\n  evidencekb space --format csv\n",
    )
    p.add_argument("--format", choices=["json", "csv", "markdown", "turtle"], default="json")
    p.add_argument("--lang", choices=["da", "en"], default="en")
    add_endpoint_options(p)
    p.set_defaults(handler=_space)

    p = command(
        "diff",
        "What a revision changes: entities, table cells, decision-space cells, patients' answers.",
        "OLD and NEW are project folders or git revisions of the repository holding the project\n"
        "(e.g. HEAD~1, main, a commit). Exit 0: nothing changed · 1: something changed · 2: bad input.\n\n"
        "examples:\n  evidencekb diff main .\n  evidencekb diff HEAD~3 HEAD --format json\n"
        "  evidencekb diff old-copy/ . --patients registry.csv\n",
    )
    p.add_argument("old", metavar="OLD", help="project folder or git revision")
    p.add_argument("new", metavar="NEW", help="project folder or git revision")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.add_argument("--patients", type=Path, metavar="FILE", help="a recommend batch file (JSON Lines or CSV)")
    p.add_argument("--lang", choices=["da", "en"], default="en")
    p.set_defaults(handler=_diff)


def _space(args: argparse.Namespace) -> int:
    from evidencekb.revision import render
    from evidencekb.revision.space import build_space, write_json
    from evidencekb.sparql.engines import set_remote_timeout

    set_remote_timeout(args.timeout)
    space = build_space(args.endpoint, args.graph, args.lang)
    if args.format == "json":
        print(write_json(space), end="")
    elif args.format == "csv":
        print(render.to_csv(space), end="")
    elif args.format == "markdown":
        print(render.to_markdown(space, args.lang), end="")
    else:
        from evidencekb.revision.findings_rdf import findings_graph  # rdflib: only for the Turtle output

        print(findings_graph(space, args.lang).serialize(format="turtle"), end="")
    return 0


def _diff(args: argparse.Namespace) -> int:
    from evidencekb.revision.diff import diff, render_text

    result = diff(args.old, args.new, args.patients)
    if args.format == "json":
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print(render_text(result, args.lang), end="")
    return 1 if result["changed"] else 0
