"""Commands that publish: site, audit, build (the main job)."""

from __future__ import annotations

import argparse
from pathlib import Path

from evidencekb.cli.options import add_global_options, command_adder

OUT_HELP = (
    "output folder (default build/site). It is replaced only when evidencekb built it (it holds the "
    "marker file .evidencekb-site) or when it is empty or absent; anything else - a folder with other "
    "files, the current directory or a parent of the project, a file, a symbolic link, a path beneath "
    "a file - is refused (exit 2)"
)


def add(commands: argparse._SubParsersAction) -> None:
    command = command_adder(commands)

    p = command("site", "Build or preview the MkDocs-Material site generated from the graph.")
    site_commands = p.add_subparsers(dest="site_command", metavar="ACTION", required=True)
    build = site_commands.add_parser("build", help="build the static site (atomic: a failed build keeps the old one)")
    build.add_argument("--out", type=Path, default=None, metavar="DIR", help=OUT_HELP)
    build.add_argument("--since", metavar="REV", default=None,
                       help="add the page \"What changed\" (Danish \"Hvad er ændret\"): `evidencekb diff REV` against "
                            "the project being built; REV is a git revision of the project's repository (HEAD~1, "
                            "main, a commit) or a project folder")
    add_global_options(build)
    serve = site_commands.add_parser("serve", help="build, then serve the site locally")
    serve.add_argument("--port", type=int, default=8000, choices=range(1, 65536), metavar="PORT")
    add_global_options(serve)
    p.set_defaults(handler=_site)

    p = command(
        "audit",
        "Cross-check the addendum against itself (counts, references, classifications, units), and report the\n"
        "findings of the decision space (gaps, overlaps, boundaries, disagreements; see `evidencekb space`).",
        "The decision space is computed from the rules at audit time and added, as RDF (ontology/space.ttl), to the\n"
        "graph the checks in queries/audit/ read (queries/audit/space-findings.rq).\n"
        "exit: 0 unless --strict and a finding is not in the accepted list (data/audit-accepted.ttl); the\n"
        "decision-space findings are for information and never fail --strict.",
    )
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.add_argument("--strict", action="store_true", help="exit 1 on findings not accepted in data/")
    p.add_argument("--no-space", action="store_true",
                   help="leave out the findings of the decision space (`evidencekb space`; saves a few seconds)")
    p.set_defaults(handler=_audit)

    p = command("build", "The main job: validate, print Tables 3-1 and 3-2, build the site.")
    p.add_argument("--out", type=Path, default=None, metavar="DIR", help=OUT_HELP)
    p.set_defaults(handler=_build)


def _site(args: argparse.Namespace) -> int:
    from evidencekb.site.build import build_site
    from evidencekb.site.serve import serve_site

    if args.site_command == "serve":
        return serve_site(args.port)
    since = None
    if args.since is not None:
        since = _changes_since(args.since, args.out)
    print(f"Site built in {build_site(args.out, since=since)}")
    return 0


def _changes_since(rev: str, out: Path | None) -> dict:
    """`evidencekb diff REV <project>` for the "What changed" page (bad REV: exit 2 before anything is built)."""
    from evidencekb import project
    from evidencekb.errors import InputError
    from evidencekb.revision.diff import diff
    from evidencekb.site.outdir import check_out

    if out is not None:
        check_out(out)  # refuse a folder evidencekb may not replace before the (slow) diff
    try:
        return diff(rev, str(project.current().root))
    except InputError as error:
        message = str(error)
        message = message[len(rev) + 2:] if message.startswith(f"{rev}: ") else message
        raise InputError(f"--since {rev}: {message}") from None


def _audit(args: argparse.Namespace) -> int:
    from evidencekb.checks.audit import run_audit
    from evidencekb.revision.audit import space_findings

    extra = None if args.no_space else space_findings()
    text, exit_code = run_audit(args.format, strict=args.strict, extra=extra)
    print(text)
    return exit_code


def _build(args: argparse.Namespace) -> int:
    from evidencekb.pipeline import run_main_job
    from evidencekb.site.outdir import check_out

    if args.out is not None:
        check_out(args.out)  # refuse a folder evidencekb may not replace before validating anything
    return run_main_job(args.out)
