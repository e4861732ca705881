"""HTTP for the SPARQL endpoint modules: one POST with credentials (basic, digest), and its failures
classified so callers can act on them.

`RequestTooLarge` (HTTP 413, Virtuoso's SP030 "memory exhausted" / SP031 "exceeded … lines":
`evidencekb.store.load` splits the request), `BlankNodesRefused` (Virtuoso refuses blank nodes in INSERT
DATA), `Retryable` (a connection error or a 5xx that may pass another time; `evidencekb.sparql.remote`
retries it a bounded number of times), and errors that will fail the same way again (a 4xx, or a 5xx whose
body names a compile/semantic error such as Virtuoso's SQL states 37000/42xxx/22xxx).
"""

from __future__ import annotations

import http.client
import re
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from email.message import Message

from evidencekb.errors import EndpointError, InputError


class RequestTooLarge(EndpointError):
    """The store refused a request as too large or too complex to compile (HTTP 413, Virtuoso SP030/SP031)."""


class BlankNodesRefused(EndpointError):
    """The store refused blank nodes in INSERT DATA (Virtuoso: "not allowed in a constant clause")."""


_TOO_LARGE = re.compile(
    r"\bSP030\b|memory exhausted|has exceeded \d+ lines|too (?:large|long|big|complex)|request entity"
    r"|longer than \d+ ?[KMG]b\b",
    re.IGNORECASE,
)
_BLANK_REFUSED = re.compile(r"blank node .* not allowed in a constant clause", re.IGNORECASE)
#: A 5xx whose body names an SQL state of a compile, access or data error fails the same way again.
_DETERMINISTIC = re.compile(r"\b(?:37000|42\d\d\d|22\d\d\d) Error\b")


@dataclass(frozen=True)
class Credentials:
    """A user name and password for HTTP basic or digest authentication (never taken from the command line)."""

    user: str
    password: str = field(repr=False)


_credentials: Credentials | None = None


def use_credentials(credentials: Credentials | None) -> None:
    """Authenticate every later request of this process with these credentials (None: anonymous)."""
    global _credentials
    _credentials = credentials


def _opener(url: str) -> urllib.request.OpenerDirector | None:
    if _credentials is None:
        return None
    passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
    passwords.add_password(None, url, _credentials.user, _credentials.password)
    # Digest first (handler_order 490 < 500): it passes a Basic challenge on to the basic handler.
    return urllib.request.build_opener(
        urllib.request.HTTPDigestAuthHandler(passwords), urllib.request.HTTPBasicAuthHandler(passwords)
    )


class Retryable(Exception):
    """Internal: a failure worth another attempt (connection problem or 5xx)."""

    def __init__(self, error: EndpointError) -> None:
        super().__init__(str(error))
        self.error = error


def post(url: str, body: bytes, content_type: str, timeout: float, accept: str | None = None) -> tuple[str, bytes]:
    """One POST; returns (content type, body). HTTP errors and connection problems become EndpointErrors."""
    headers = {"Content-Type": content_type}
    if accept:
        headers["Accept"] = accept
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    opener = _opener(url)
    try:
        with (opener.open if opener else urllib.request.urlopen)(request, timeout=timeout) as response:
            body = response.read()
            _refuse_incomplete(url, response.status, response.headers)
            return response.headers.get("Content-Type", ""), body
    except urllib.error.HTTPError as error:
        raise _http_error(url, error.code, error.read()) from None
    except ValueError as error:  # urllib: a challenge of a scheme it cannot answer
        raise EndpointError(f"{url}: cannot authenticate ({error})") from None
    except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
        raise _connection_error(url, error, timeout) from None


def _refuse_incomplete(url: str, status: int, headers: Message) -> None:
    """A store that stops a query at its time limit may still answer 200 or 206 with the rows it had
    (Virtuoso's "anytime" queries: `[SPARQL] MaxQueryExecutionTime`, stock 60 s; it says so in the
    `X-SQL-State`/`X-SQL-Message` headers). Such an answer is never used: it is retried (the store's
    caches are warm the second time), then reported."""
    state = headers.get("X-SQL-State")
    if status != 206 and not state:
        return
    why = " ".join(f"{state or ''} {headers.get('X-SQL-Message') or ''}".split())[:200] or f"HTTP {status}"
    raise Retryable(EndpointError(
        f"{url} sent an incomplete answer ({why}): the store stopped the query at its time limit — "
        "raise it (Virtuoso: [SPARQL] MaxQueryExecutionTime in virtuoso.ini) or try when the store is less busy"
    ))


def _http_error(url: str, status: int, body: bytes | None) -> Exception:
    text = (body or b"").decode("utf-8", "replace").strip()
    if text[:20].lower().startswith(("<!doctype", "<html")):  # an HTML error page: its text, not its markup
        parts = [" ".join(part.split()) for part in re.sub(r"<[^>]*>", "\n", text).splitlines() if part.strip()]
        text = " ".join(dict.fromkeys(parts))  # one line: the title repeats in the heading
    first = text.splitlines()[0][:200] if text else "(empty body)"
    label = f"HTTP {status}" if status else "an error"
    message = f"{url} answered {label}: {first}"
    if status == 401:
        who = f"as {_credentials.user!r} " if _credentials else ""
        hint = "check the user and password" if _credentials else "give --user NAME (password: $EVIDENCEKB_PASSWORD)"
        return EndpointError(f"{message} — not authorised {who}({hint})")
    if status == 413 or _TOO_LARGE.search(text):
        return RequestTooLarge(message)
    if _BLANK_REFUSED.search(text):
        return BlankNodesRefused(message)
    error = EndpointError(message)
    if status >= 500 and _DETERMINISTIC.search(text):
        return error
    return Retryable(error) if status == 0 or status >= 500 else error


def _connection_error(url: str, error: BaseException, timeout: float) -> Retryable:
    reason = getattr(error, "reason", error)
    if isinstance(reason, ConnectionRefusedError):
        why = "connection refused — is the server running?"
    elif isinstance(reason, socket.timeout | TimeoutError):
        why = f"no answer within {timeout:g} s (raise --timeout or check the server)"
    elif isinstance(reason, socket.gaierror):
        why = "unknown host name"
    else:
        why = " ".join(str(reason).split())[:160] or type(reason).__name__
    return Retryable(EndpointError(f"cannot reach {url}: {why}"))


def check_url(url: str, option: str) -> str:
    if not url.startswith(("http://", "https://")):
        raise InputError(f"{option}: {url!r} is not an http(s) URL (e.g. http://127.0.0.1:7878/query)")
    return url
