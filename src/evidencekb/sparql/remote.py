"""Any SPARQL 1.1 endpoint: send updates and query the knowledge base's named graph.

Loading (validate, then replace the graph atomically) is `evidencekb.store.load`; this module is what
it and the queries use: `post_update`, `RemoteEngine`, the error messages and the bounded retry.

`RemoteEngine` runs the project's `.rq` files unchanged on the endpoint: the graph is chosen by
adding `FROM <g>` to the query, bound values are written into it as RDF terms (`bind_values`, the
same answers as local pre-binding), and JSON results are converted to the same rdflib terms the
local engines return, so tables and answers are identical to local runs.
"""

from __future__ import annotations

import ast
import http.client
import json
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from typing import TypeVar

from rdflib import BNode, Literal, URIRef
from rdflib.term import Node
from SPARQLWrapper import JSON, POST, SELECT, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import (
    EndPointInternalError,
    EndPointNotFound,
    QueryBadFormed,
    SPARQLWrapperException,
    Unauthorized,
    URITooLong,
)

from evidencekb.errors import EndpointError, InputError
from evidencekb.namespaces import DEFAULT_GRAPH
from evidencekb.sparql.core import Bindings, QueryResult, inline_values, values_block

DEFAULT_TIMEOUT = 30.0
#: Pauses before the 2nd and 3rd attempt (3 attempts in all). Only connection errors and 5xx are retried.
RETRY_DELAYS: tuple[float, ...] = (0.5, 1.5)

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

T = TypeVar("T")


class _Retryable(Exception):
    """Internal: a failure worth another attempt (connection problem or 5xx)."""

    def __init__(self, error: EndpointError) -> None:
        super().__init__(str(error))
        self.error = error


# --------------------------------------------------------------------------------------------
# Updates
# --------------------------------------------------------------------------------------------


def post_update(update_url: str, update: str, timeout: float = DEFAULT_TIMEOUT, retry: bool = True) -> None:
    """POST a SPARQL Update (application/sparql-update), with timeout and bounded retry.

    `retry=False` for an update that must not run twice (its first attempt may have succeeded).
    """
    body = update.encode("utf-8")

    def attempt() -> None:
        request = urllib.request.Request(
            update_url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/sparql-update; charset=utf-8"},
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                response.read()
        except urllib.error.HTTPError as error:
            raise _http_error(update_url, error.code, error.read()) from None
        except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
            raise _connection_error(update_url, error, timeout) from None

    if retry:
        with_retry(attempt)
        return
    try:
        attempt()
    except _Retryable as failure:
        raise failure.error from None


def count_triples(query_url: str, graph_iri: str, timeout: float = DEFAULT_TIMEOUT) -> int:
    """How many triples the named graph holds on the endpoint."""
    engine = RemoteEngine(query_url, graph_iri, timeout=timeout)
    result = engine.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    return int(result.rows[0]["n"]) if result.rows else 0


# --------------------------------------------------------------------------------------------
# Querying
# --------------------------------------------------------------------------------------------


class RemoteEngine:
    """Answer SELECT queries on a SPARQL 1.1 endpoint, over the knowledge base's named graph."""

    def __init__(self, endpoint: str, graph: str | None = None, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.endpoint = check_url(endpoint, "--endpoint")
        self.graph = check_graph_iri(graph or DEFAULT_GRAPH)
        self.timeout = timeout

    def select(self, query: str, bindings: Bindings | None = None) -> QueryResult:
        text = bind_values(query, bindings) if bindings else query
        text = add_from(text, self.graph)
        data = with_retry(lambda: self._post(text))
        return convert_results(data)

    def _post(self, query: str) -> dict:
        client = SPARQLWrapper(self.endpoint)
        client.setQuery(query)
        # SPARQLWrapper guesses the query form with a regex and can take a SELECT for an update
        # (e.g. "ADD" in a word) and send it as `update=`; select() only ever sends SELECT queries.
        client.queryType = SELECT
        client.setMethod(POST)
        client.setReturnFormat(JSON)
        client.setTimeout(max(1, round(self.timeout)))
        try:
            response = client.query().response
            raw = response.read()
        except urllib.error.HTTPError as error:
            raise _http_error(self.endpoint, error.code, error.read()) from None
        except SPARQLWrapperException as error:
            raise _http_error(self.endpoint, _STATUS.get(type(error), 0), _wrapped_body(error)) from None
        except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
            raise _connection_error(self.endpoint, error, self.timeout) from None
        try:
            return json.loads(raw)
        except ValueError:
            lines = raw.decode("utf-8", "replace").strip().splitlines()
            first = lines[0][:120] if lines else "empty"
            raise EndpointError(f"{self.endpoint}: answer is not SPARQL JSON results ({first!r})") from None


def convert_results(data: dict) -> QueryResult:
    """SPARQL 1.1 JSON results → QueryResult with rdflib terms, exactly as the local engines give them."""
    variables = list(data.get("head", {}).get("vars", []))
    rows = [
        {name: json_term(binding[name]) if name in binding else None for name in variables}
        for binding in data.get("results", {}).get("bindings", [])
    ]
    return QueryResult(variables, rows)


def json_term(value: dict) -> Node:
    """One term of SPARQL JSON results as an rdflib term (plain strings as untyped literals)."""
    kind = value.get("type")
    text = value.get("value", "")
    if kind == "uri":
        return URIRef(text)
    if kind == "bnode":
        return BNode(text)
    if kind in ("literal", "typed-literal"):
        lang = value.get("xml:lang")
        if lang:
            return Literal(text, lang=lang)
        datatype = value.get("datatype")
        if datatype and datatype not in (XSD_STRING, RDF_LANG_STRING):
            return Literal(text, datatype=URIRef(datatype))
        return Literal(text)
    raise EndpointError(f"unexpected term in SPARQL JSON results: {value!r:.120}")


def add_from(query: str, graph_iri: str) -> str:
    """Insert `FROM <graph_iri>` before the outer query's WHERE (or its first `{`).

    Comments, strings and IRIs are skipped, so a '{' or 'WHERE' inside them is never mistaken
    for the query's structure. A query that already names its dataset (FROM) is left as it is.
    """
    position = _dataset_position(query)
    if position is None:
        raise InputError("cannot choose the graph: the query has no WHERE clause")
    if position < 0:
        return query
    return query[:position] + f"FROM <{check_graph_iri(graph_iri)}>\n" + query[position:]


def bind_values(query: str, bindings: Bindings) -> str:
    """`query` with the bound values in it, answering exactly as the local engines' pre-binding does.

    Local engines pre-bind (rdflib `initBindings`, pyoxigraph `substitutions`): the value is seen
    everywhere, also by a FILTER inside a UNION branch, OPTIONAL or EXISTS. The same is done here by
    writing each bound term in place of its variable (`substitute_terms`), plus a one-row VALUES
    block at the top so the variable keeps its value where it is projected or sorted on. Terms are
    serialised with `.n3()` by `sparql.values_block`, so a quote or brace cannot escape.

    Where a variable cannot be replaced by a term (a `… AS ?v` target, a VALUES header) or the value
    is a blank node, the VALUES block goes into EVERY group instead (`values_in_every_group`):
    equivalent, but Oxigraph then joins each OPTIONAL and EXISTS group with its own block, 3–4×
    slower on the tables (benchmarks/RESULTS.md).
    """
    substituted = substitute_terms(query, bindings)
    if substituted is None:
        return values_in_every_group(query, bindings)
    return inline_values(substituted, [bindings])


def substitute_terms(query: str, bindings: Bindings) -> str | None:
    """Each bound variable replaced by its term, except in the outer query's SELECT clause and
    solution modifiers (GROUP BY, ORDER BY, HAVING), where the top VALUES block binds it.

    None where a term cannot stand in for the variable: a blank-node value, a `… AS ?v` target, a
    VALUES header, or a sub-SELECT's projection or modifiers (the top block does not reach those).
    """
    if any(isinstance(term, BNode) for term in bindings.values()):
        return None
    out: list[str] = []
    last = 0
    depth = 0
    keep_variables = False  # in a SELECT clause or after GROUP/ORDER/HAVING, until the next brace
    in_values_header = False
    previous_word = ""
    for kind, start, end in _tokens(query):
        if kind == "word":
            previous_word = query[start:end].upper()
            if previous_word in ("SELECT", "GROUP", "ORDER", "HAVING"):
                keep_variables = True
            elif previous_word == "WHERE":
                keep_variables = False
            elif previous_word == "VALUES":
                in_values_header = True
            continue
        if kind in "{}":
            depth += 1 if kind == "{" else -1
            keep_variables = in_values_header = False
        elif kind == "var" and query[start + 1 : end] in bindings:
            if previous_word == "AS" or in_values_header or (keep_variables and depth > 0):
                return None
            if not keep_variables:
                out.append(query[last:start])
                out.append(bindings[query[start + 1 : end]].n3())
                last = end
        previous_word = ""
    out.append(query[last:])
    return "".join(out)


def values_in_every_group(query: str, bindings: Bindings) -> str:
    """`query` with the bound values as a one-row VALUES block at the start of EVERY group.

    One VALUES block at the top (`sparql.inline_values`) would leave a FILTER inside a UNION branch
    or nested group unbound and change the answer, so the block goes into each group (not into a
    sub-SELECT's braces or a VALUES data block).
    """
    block = values_block([bindings]).strip()
    out: list[str] = []
    last = 0
    for position in _group_openings(query):
        out.append(query[last : position + 1])
        out.append("\n" + block + "\n")
        last = position + 1
    out.append(query[last:])
    return "".join(out)


def _group_openings(query: str) -> list[int]:
    """Positions of '{' that open a group graph pattern (skipping VALUES data and sub-SELECT braces)."""
    openings: list[int] = []
    in_values = False
    for kind, start, end in _tokens(query):
        if kind == "word" and query[start:end].upper() == "VALUES":
            in_values = True
        elif kind == "{":
            if in_values:
                in_values = False
                continue
            following = next(((k, s, e) for k, s, e in _tokens(query, end)), None)
            if following and following[0] == "word" and query[following[1] : following[2]].upper() == "SELECT":
                continue
            openings.append(start)
    return openings


def _tokens(query: str, i: int = 0) -> Iterator[tuple[str, int, int]]:
    """Significant tokens: ('word' | 'var' | '{' | '}' | 'other', start, end); comments, strings, IRIs skipped."""
    n = len(query)
    while i < n:
        ch = query[i]
        if ch == "#":
            end = query.find("\n", i)
            i = n if end < 0 else end + 1
            continue
        if ch in "\"'":
            quote = query[i : i + 3] if query[i : i + 3] in ('"""', "'''") else ch
            i += len(quote)
            while i < n and not query.startswith(quote, i):
                i += 2 if query[i] == "\\" else 1
            i += len(quote)
            continue
        if ch == "<":
            end = query.find(">", i)
            if end > 0 and not any(c in query[i + 1 : end] for c in ' \t\n<"{}'):
                i = end + 1
                continue
        if ch in "{}":
            yield ch, i, i + 1
            i += 1
            continue
        if ch in "?$" and i + 1 < n and (query[i + 1].isalnum() or query[i + 1] == "_"):
            j = i + 1
            while j < n and (query[j].isalnum() or query[j] == "_"):
                j += 1
            yield "var", i, j
            i = j
            continue
        if ch.isalpha() and (i == 0 or not (query[i - 1].isalnum() or query[i - 1] in "_?$:")):
            j = i
            while j < n and (query[j].isalnum() or query[j] in "_-"):
                j += 1
            yield "word", i, j
            i = j
            continue
        if not ch.isspace():
            yield "other", i, i + 1
        i += 1


def _dataset_position(query: str) -> int | None:
    """Index where a dataset clause goes; -1 if the query already has FROM; None if no WHERE."""
    for kind, start, end in _tokens(query):
        if kind == "{":
            return start
        if kind == "word":
            word = query[start:end].upper()
            if word == "FROM":
                return -1
            if word == "WHERE":
                return start
    return None


# --------------------------------------------------------------------------------------------
# Errors and retry
# --------------------------------------------------------------------------------------------

_STATUS = {
    QueryBadFormed: 400,
    Unauthorized: 401,
    EndPointNotFound: 404,
    URITooLong: 414,
    EndPointInternalError: 500,
}


def with_retry(attempt: Callable[[], T]) -> T:
    """Run `attempt`; on a connection error or 5xx try again after each of RETRY_DELAYS."""
    delays = list(RETRY_DELAYS)
    while True:
        try:
            return attempt()
        except _Retryable as failure:
            if not delays:
                raise failure.error from None
            time.sleep(delays.pop(0))


def _http_error(url: str, status: int, body: bytes | None) -> Exception:
    text = (body or b"").decode("utf-8", "replace").strip()
    first = text.splitlines()[0][:200] if text else "(empty body)"
    label = f"HTTP {status}" if status else "an error"
    error = EndpointError(f"{url} answered {label}: {first}")
    return _Retryable(error) if status == 0 or status >= 500 else error


def _connection_error(url: str, error: BaseException, timeout: float) -> _Retryable:
    reason = getattr(error, "reason", error)
    if isinstance(reason, ConnectionRefusedError):
        why = "connection refused — is the server running?"
    elif isinstance(reason, socket.timeout | TimeoutError):
        why = f"no answer within {timeout:g} s (raise --timeout or check the server)"
    elif isinstance(reason, socket.gaierror):
        why = "unknown host name"
    else:
        why = " ".join(str(reason).split())[:160] or type(reason).__name__
    return _Retryable(EndpointError(f"cannot reach {url}: {why}"))


def _wrapped_body(error: SPARQLWrapperException) -> bytes:
    """The server's answer that SPARQLWrapper folded into its exception message."""
    message = str(error.args[0]) if error.args else ""
    marker = "Response:\n"
    if marker in message:
        try:
            body = ast.literal_eval(message.split(marker, 1)[1])
            return body if isinstance(body, bytes) else str(body).encode()
        except (ValueError, SyntaxError):
            return message.split(marker, 1)[1].encode()
    return b""


def check_url(url: str, option: str) -> str:
    if not url.startswith(("http://", "https://")):
        raise InputError(f"{option}: {url!r} is not an http(s) URL (e.g. http://127.0.0.1:7878/query)")
    return url


def check_graph_iri(iri: str) -> str:
    """A graph IRI safe to write between < > in a query: absolute, no spaces or delimiters."""
    if ":" not in iri or any(c in iri for c in ' \t\n<>"{}|\\^`'):
        raise InputError(f"--graph: {iri!r} is not an absolute IRI (e.g. {DEFAULT_GRAPH})")
    return iri
