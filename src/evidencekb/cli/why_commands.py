"""`evidencekb why`: the council's reasoning for one rule, from the graph."""

from __future__ import annotations

import argparse

from evidencekb.cli.options import add_endpoint_options, command_adder
from evidencekb.errors import EvidenceKBError

HELP = (
    "The evidence-to-decision chain of one of the council's rules: the statements that justify it\n"
    "(printed Danish; with --lang en the curators' English translation beside it), the consensus\n"
    "reports it follows with their AGREE II rating, the studies it rests on with the council's\n"
    "certainty, and when it is to be revised. RULE is a local name from --list or the full IRI.\n\n"
    "json: {\"rule\", \"id\", \"label\", \"section\", \"text\",\n"
    "  \"justification\": [{\"text\", \"section\", \"kind\", …}],\n"
    "  \"sources\": [{\"publication\", \"reference_number\", \"agree_rating\", \"criteria\"}], \"departs_from\",\n"
    "  \"evidence\": [{\"publication\", \"reference_number\", \"certainty\" | \"agree_rating\", \"statement\"}],\n"
    "  \"assessments\", \"revision_trigger\": [{\"text\", \"section\", \"kind\"}]}\n\n"
    "examples:\n  evidencekb why --list\n  evidencekb why council-start-within-six-months\n"
    "  evidencekb why council-stop-at-six-months --format json --lang da\n\n"
    "exit: 0 answered, 2 unknown rule (the valid ones are named) or unreadable input."
)


def add(commands: argparse._SubParsersAction) -> None:
    command = command_adder(commands)
    p = command("why", "Why the council decided: the reasoning and evidence behind one of its rules.", HELP)
    p.add_argument("rule", nargs="?", metavar="RULE", help="a rule's local name (see --list) or its IRI")
    p.add_argument("--list", action="store_true", help="list the council's rules, one identifier per line")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.add_argument("--lang", choices=["da", "en"], default="en")
    add_endpoint_options(p)
    p.set_defaults(handler=_why)


def _why(args: argparse.Namespace) -> int:
    from evidencekb.sparql.engines import get_engine, set_remote_timeout
    from evidencekb.why import list_rules, render, why

    set_remote_timeout(args.timeout)
    engine = get_engine(args.endpoint, args.graph)
    if args.list:
        print(list_rules(engine))
        return 0
    if not args.rule:
        raise EvidenceKBError("give a RULE (see 'evidencekb why --list')")
    print(render(why(args.rule, args.lang, engine), args.format, args.lang))
    return 0
