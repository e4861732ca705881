"""Errors that the CLI turns into one clear line and exit code 2 (never a traceback)."""


class EvidenceKBError(Exception):
    """A problem with the user's input or environment. The message says what and how to fix it."""

    exit_code = 2


class InputError(EvidenceKBError):
    """Unreadable or invalid input: names the file (and line) or field concerned."""


class EndpointError(EvidenceKBError):
    """A SPARQL endpoint is unreachable or answered with an error."""
