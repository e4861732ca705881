"""Any SPARQL 1.1 endpoint: send updates and query the knowledge base's named graph.

Loading (validate, then replace the graph atomically) is `evidencekb.store.load`; this module is what
it and the queries use: `post_update`, `RemoteEngine`, the error messages and the bounded retry.

`RemoteEngine` runs the project's `.rq` files unchanged in meaning on the endpoint, over the SPARQL
1.1 Protocol (plain HTTP POST, no client library):

* The graph is chosen with the protocol's `default-graph-uri` parameter, so the query text is not
  touched for it; a query that names its own dataset (FROM) keeps it.
* Bound values are written into the query as RDF terms by `evidencekb.sparql.bind` (a real SPARQL
  parser finds where), with the same answers as local pre-binding.
* Every query form is answered: SELECT → `QueryResult` of the same rdflib terms the local engines
  give, ASK → bool, CONSTRUCT/DESCRIBE → `Triples` (asked for as N-Triples).
"""

from __future__ import annotations

import http.client
import json
import re
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import TypeVar

import pyoxigraph as ox

from evidencekb.errors import EndpointError, InputError
from evidencekb.namespaces import DEFAULT_GRAPH
from evidencekb.sparql.core import Answer, Bindings, QueryResult, Triples, query_text

DEFAULT_TIMEOUT = 30.0
#: Pauses before the 2nd and 3rd attempt (3 attempts in all). Only connection errors and 5xx are retried.
RETRY_DELAYS: tuple[float, ...] = (0.5, 1.5)

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9, text/turtle;q=0.8"
_FROM = re.compile(r"\bFROM\b", re.IGNORECASE)

T = TypeVar("T")


class _Retryable(Exception):
    """Internal: a failure worth another attempt (connection problem or 5xx)."""

    def __init__(self, error: EndpointError) -> None:
        super().__init__(str(error))
        self.error = error


def _post(url: str, body: bytes, content_type: str, timeout: float, accept: str | None = None) -> tuple[str, bytes]:
    """One POST; returns (content type, body). HTTP errors and connection problems become EndpointErrors."""
    headers = {"Content-Type": content_type}
    if accept:
        headers["Accept"] = accept
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as error:
        raise _http_error(url, error.code, error.read()) from None
    except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
        raise _connection_error(url, error, timeout) from None


# --------------------------------------------------------------------------------------------
# Updates
# --------------------------------------------------------------------------------------------


def post_update(update_url: str, update: str, timeout: float = DEFAULT_TIMEOUT, retry: bool = True) -> None:
    """POST a SPARQL Update (application/sparql-update), with timeout and bounded retry.

    `retry=False` for an update that must not run twice (its first attempt may have succeeded).
    """
    body = update.encode("utf-8")

    def attempt() -> None:
        _post(update_url, body, "application/sparql-update; charset=utf-8", timeout)

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
    result = engine.select(query_text("store/count-triples"))
    return int(result.rows[0]["n"]) if result.rows else 0


# --------------------------------------------------------------------------------------------
# Querying
# --------------------------------------------------------------------------------------------


class RemoteEngine:
    """Answer queries on a SPARQL 1.1 endpoint, over the knowledge base's named graph."""

    def __init__(self, endpoint: str, graph: str | None = None, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.endpoint = check_url(endpoint, "--endpoint")
        self.graph = check_graph_iri(graph or DEFAULT_GRAPH)
        self.timeout = timeout

    def select(self, query: str, bindings: Bindings | None = None) -> QueryResult:
        answer = self.run(query, bindings)
        if not isinstance(answer, QueryResult):
            raise EndpointError(f"{self.endpoint}: expected SELECT results")
        return answer

    def run(self, query: str, bindings: Bindings | None = None) -> Answer:
        from evidencekb.sparql.bind import bind_terms, query_facts

        text = bind_terms(query, bindings) if bindings else query
        fields = [("query", text)]
        template = getattr(query, "template", query)  # a batch's VALUES rows hold terms only, never FROM
        if not (_FROM.search(template) and query_facts(template).has_dataset):
            fields.append(("default-graph-uri", self.graph))
        body = urllib.parse.urlencode(fields).encode("ascii")
        kind, raw = with_retry(
            lambda: _post(self.endpoint, body, "application/x-www-form-urlencoded", self.timeout, ACCEPT)
        )
        return self._answer(kind, raw)

    def _answer(self, kind: str, raw: bytes) -> Answer:
        media = kind.split(";")[0].strip().lower()
        if media in ("application/n-triples", "text/turtle", "text/plain"):
            fmt = ox.RdfFormat.TURTLE if media == "text/turtle" else ox.RdfFormat.N_TRIPLES
            try:
                return Triples([quad.triple for quad in ox.parse(raw, format=fmt)])
            except SyntaxError as error:
                raise EndpointError(f"{self.endpoint}: unreadable {media} answer ({error})") from None
        try:
            data = json.loads(raw)
        except ValueError:
            lines = raw.decode("utf-8", "replace").strip().splitlines()
            first = lines[0][:120] if lines else "empty"
            raise EndpointError(f"{self.endpoint}: answer is not SPARQL JSON results ({first!r})") from None
        if isinstance(data, dict) and isinstance(data.get("boolean"), bool):
            return data["boolean"]
        return convert_results(data)


def convert_results(data: dict) -> QueryResult:
    """SPARQL 1.1 JSON results → QueryResult with rdflib terms, exactly as the local engines give them."""
    variables = list(data.get("head", {}).get("vars", []))
    rows = [
        {name: json_term(binding[name]) if name in binding else None for name in variables}
        for binding in data.get("results", {}).get("bindings", [])
    ]
    return QueryResult(variables, rows)


def json_term(value: dict):
    """One term of SPARQL JSON results as an rdflib term (plain strings as untyped literals)."""
    from rdflib import BNode, Literal, URIRef

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


# --------------------------------------------------------------------------------------------
# Errors and retry
# --------------------------------------------------------------------------------------------


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


def check_url(url: str, option: str) -> str:
    if not url.startswith(("http://", "https://")):
        raise InputError(f"{option}: {url!r} is not an http(s) URL (e.g. http://127.0.0.1:7878/query)")
    return url


def check_graph_iri(iri: str) -> str:
    """A graph IRI safe to write between < > in a query: absolute, no spaces or delimiters."""
    if ":" not in iri or any(c in iri for c in ' \t\n<>"{}|\\^`'):
        raise InputError(f"--graph: {iri!r} is not an absolute IRI (e.g. {DEFAULT_GRAPH})")
    return iri
