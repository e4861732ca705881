"""Argument types and options shared by several commands."""

from __future__ import annotations

import argparse
import math
import os
import sys
from pathlib import Path

#: Where `--user` takes its password from (never from the command line, where `ps` would show it).
PASSWORD_VARIABLE = "EVIDENCEKB_PASSWORD"


def positive_float(text: str) -> float:
    """A finite number greater than 0 (refuses 'inf', 'nan', 0 and negatives)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value) or not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be a finite number greater than 0")
    return value


def bounded_float(low: float, high: float):
    """A number in [low, high]: for options whose useful range is known."""

    def parse(text: str) -> float:
        value = positive_float(text)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{text!r} must be between {low:g} and {high:g}")
        return value

    return parse


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be 1 or more")
    return value


def add_global_options(parser: argparse.ArgumentParser, top_level: bool = False) -> None:
    """--project and --debug, accepted before or after the command name."""
    default = None if top_level else argparse.SUPPRESS
    parser.add_argument(
        "--project",
        type=Path,
        metavar="DIR",
        default=default,
        help="work on the project in DIR (default: the nearest folder at or above the current one "
        "that holds data/ and ontology/)",
    )
    parser.add_argument(
        "--debug",
        action="store_true",
        default=False if top_level else argparse.SUPPRESS,
        help="print the traceback of an internal error (exit 3)",
    )


def add_endpoint_options(parser: argparse.ArgumentParser) -> None:
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
    add_timeout_option(parser)
    add_auth_option(parser)


def add_auth_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--user",
        metavar="NAME",
        help=f"user name for an endpoint that asks for one (HTTP basic or digest, e.g. Virtuoso's /sparql-auth); "
        f"the password is read from ${PASSWORD_VARIABLE} or, when that is unset, asked for on the terminal — "
        "never given on the command line",
    )


def use_endpoint_credentials(args: argparse.Namespace) -> None:
    """Authenticate this run's endpoint requests as `--user` (or anonymously when it is not given)."""
    user = getattr(args, "user", None)
    if not user:
        remote = sys.modules.get("evidencekb.sparql.remote")  # not imported: no credentials to forget
        if remote is not None:
            remote.use_credentials(None)
        return
    from evidencekb.errors import InputError
    from evidencekb.sparql.remote import Credentials, use_credentials

    password = os.environ.get(PASSWORD_VARIABLE)
    if password is None:
        if not sys.stdin.isatty():
            raise InputError(f"--user {user}: set ${PASSWORD_VARIABLE} to the password (no terminal to ask on)")
        import getpass

        password = getpass.getpass(f"Password for {user}: ")
    use_credentials(Credentials(user, password))


def add_timeout_option(parser: argparse.ArgumentParser, default: float = 30.0) -> None:
    parser.add_argument(
        "--timeout",
        type=bounded_float(0.1, 86400),
        default=default,
        metavar="SECONDS",
        help=f"seconds to wait for each request to the endpoint (default {default:g}, at most 86400)",
    )


def command_adder(commands: argparse._SubParsersAction):
    """A function that adds a subcommand with a description, examples and the global options."""

    def command(name: str, help_text: str, epilog: str = "") -> argparse.ArgumentParser:
        parser = commands.add_parser(
            name,
            help=help_text,
            description=help_text,
            epilog=epilog,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        add_global_options(parser)
        return parser

    return command
