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

HTTP is `evidencekb.sparql.transport` (one POST with the credentials of `use_credentials`, the CLI's
`--user`: basic and digest; failures classified as `RequestTooLarge`, `BlankNodesRefused`, `Retryable`
or final). This module retries `Retryable` failures a bounded number of times (`RETRY_DELAYS`).
"""

from __future__ import annotations

import json
import re
import time
import urllib.parse
from collections.abc import Callable
from typing import TypeVar

import pyoxigraph as ox

from evidencekb.errors import EndpointError, InputError
from evidencekb.namespaces import DEFAULT_GRAPH
from evidencekb.sparql.core import Answer, Bindings, QueryResult, Triples, ValuesQuery, query_text
from evidencekb.sparql.transport import (  # noqa: F401 (Credentials, use_credentials, the errors: this module's API)
    BlankNodesRefused,
    Credentials,
    RequestTooLarge,
    Retryable,
    check_url,
    use_credentials,
)
from evidencekb.sparql.transport import post as _post

DEFAULT_TIMEOUT = 30.0
#: Pauses before the 2nd and 3rd attempt (3 attempts in all). Only connection errors, 5xx and incomplete
#: answers are retried.
RETRY_DELAYS: tuple[float, ...] = (0.5, 1.5)

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9, text/turtle;q=0.8"
ACCEPT_TRIPLES = "application/n-triples, text/turtle;q=0.9, application/sparql-results+json;q=0.1"
_FROM = re.compile(r"\bFROM\b", re.IGNORECASE)
_GRAPH_FORM = re.compile(r"\b(?:CONSTRUCT|DESCRIBE)\b", re.IGNORECASE)

T = TypeVar("T")


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
    except Retryable as failure:
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
        try:
            return self._run(query, bindings)
        except EndpointError as error:
            # Virtuoso 7.2 cannot compile some queries with a VALUES block of several rows (recommend's
            # batches: `37000 Error SQ156: Internal Optimized compiler error : subq ot was supposed to be
            # found`) that it runs with one row: ask row by row. Batch queries group by a row key (?patient),
            # so the rows of the parts together are the rows of the whole.
            parts = _values_rows(query) if _COMPILE_ERROR.search(str(error)) else None
            if not parts:
                raise
        answers = [self._run(part, bindings) for part in parts]
        results = [answer for answer in answers if isinstance(answer, QueryResult)]
        if len(results) != len(answers):
            raise EndpointError(f"{self.endpoint}: expected SELECT results for a batch query")
        return QueryResult(results[0].variables, [row for result in results for row in result.rows])

    def _run(self, query: str, bindings: Bindings | None = None) -> Answer:
        from evidencekb.sparql.bind import bind_terms, query_facts

        text, projected = query, []
        if bindings:  # both parse the query text, not the bound text: the parses are cached per query
            unprojected, projected = _unproject(query, bindings)
            text = bind_terms(unprojected, bindings)
        fields = [("query", text)]
        template = getattr(query, "template", query)  # a batch's VALUES rows hold terms only, never FROM
        if not (_FROM.search(template) and query_facts(template).has_dataset):
            fields.append(("default-graph-uri", self.graph))
        body = urllib.parse.urlencode(fields).encode("ascii")
        # Ask for triples where the query makes triples: Virtuoso answers a CONSTRUCT asked with the
        # SELECT-first ACCEPT as a SPARQL JSON table of ?s ?p ?o.
        makes_triples = _GRAPH_FORM.search(template) and query_facts(template).form in ("CONSTRUCT", "DESCRIBE")
        accept = ACCEPT_TRIPLES if makes_triples else ACCEPT
        kind, raw = with_retry(
            lambda: _post(self.endpoint, body, "application/x-www-form-urlencoded", self.timeout, accept)
        )
        answer = self._answer(kind, raw)
        if projected and isinstance(answer, QueryResult):
            answer = _reproject(answer, projected, bindings or {})
        return answer

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


_COMPILE_ERROR = re.compile(r"\b37000 Error SQ\d+")
_VALUES_AFTER_WHERE = re.compile(r"\bWHERE\s*\{\nVALUES \(([^)]*)\) \{\n", re.IGNORECASE)


def _values_rows(query: str) -> list[str] | None:
    """A batch query (`evidencekb.sparql.core.inline_values`: a VALUES block opening the WHERE group, one
    row a line) as one query per row; None for any other query or a block of one row."""
    template = getattr(query, "template", None)
    if template is None:
        return None
    match = _VALUES_AFTER_WHERE.search(query)
    end = query.find("\n}\n", match.end()) if match else -1
    if match is None or end < 0:
        return None
    rows = query[match.end() : end].split("\n")
    if len(rows) < 2:
        return None
    head, tail = query[: match.end()], query[end:]
    parts = []
    for row in rows:
        part = ValuesQuery(head + row + tail)
        part.template = template
        parts.append(part)
    return parts


_SELECT = re.compile(r"\bSELECT\b(?:\s+(?:DISTINCT|REDUCED)\b)?", re.IGNORECASE)


def _unproject(query: str, bindings: Bindings) -> tuple[str, list[tuple[int, str]]]:
    """`query` without the bound variables that the outer SELECT clause projects as plain `?v` items, and
    [(index in the projection, name)] of those taken out: the engine puts their values into the rows itself.

    The server would otherwise project a constant from the query's VALUES block; Virtuoso cannot sort such a
    column when it holds a decimal (`22003 Error SR128: Numeric value out of range for <temporary space
    column>` for `SELECT ?rule ?igg … ORDER BY ?rule` with `?igg` bound to 2.5). A bound variable inside a
    projected expression, or a query that would project nothing else, is left as it is.
    """
    from evidencekb.sparql.bind import query_facts

    facts = query_facts(query)
    if facts.form != "SELECT" or facts.where is None:
        return query, []
    clause = _projection(facts.text, facts.where)
    if clause is None:
        return query, []
    start, end = clause
    items: list[tuple[int, int, str | None]] = []  # (start, end, plain variable name or None) per item
    depth, position = 0, start
    text = facts.text
    while position < end:
        char = text[position]
        if char == "(":
            if depth == 0:
                items.append((position, position, None))
            depth += 1
        elif char == ")":
            depth -= 1
        elif char in "?$" and depth == 0:
            match = re.compile(r"[?$](\w+)").match(text, position)
            if match:
                items.append((position, match.end(), match.group(1)))
                position = match.end()
                continue
        elif char == "*" and depth == 0:
            return query, []
        position += 1
    drop = [(index, item) for index, item in enumerate(items) if item[2] in bindings]
    if not drop or len(drop) == len(items):
        return query, []
    for _, (begin, finish, _name) in sorted(drop, key=lambda entry: -entry[1][0]):
        text = text[:begin] + text[finish:]
    return text, [(index, str(item[2])) for index, item in drop]


def _projection(text: str, where: int) -> tuple[int, int] | None:
    """(start, end) of the outer SELECT clause's items: after the last SELECT keyword before the outer WHERE."""
    found = None
    for match in _SELECT.finditer(text, 0, where):
        line_start = text.rfind("\n", 0, match.start()) + 1
        if "#" not in text[line_start : match.start()]:
            found = match
    if found is None:
        return None
    end = where
    tail = re.compile(r"\s*(?:WHERE\s*)?$", re.IGNORECASE).search(text, found.end(), where)
    if tail:
        end = tail.start()
    from_clause = re.compile(r"\bFROM\b", re.IGNORECASE).search(text, found.end(), end)
    return found.end(), from_clause.start() if from_clause else end


def _reproject(result: QueryResult, projected: list[tuple[int, str]], bindings: Bindings) -> QueryResult:
    """Put the bound values taken out of the projection back, each at its place, into every row."""
    variables = list(result.variables)
    for index, name in sorted(projected):
        variables.insert(index, name)
    values = {name: bindings[name] for _, name in projected}
    rows = [{name: values[name] if name in values else row.get(name) for name in variables} for row in result.rows]
    return QueryResult(variables, rows)


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
        except Retryable as failure:
            if not delays:
                raise failure.error from None
            time.sleep(delays.pop(0))


def check_graph_iri(iri: str) -> str:
    """A graph IRI safe to write between < > in a query: absolute, no spaces or delimiters."""
    if ":" not in iri or any(c in iri for c in ' \t\n<>"{}|\\^`'):
        raise InputError(f"--graph: {iri!r} is not an absolute IRI (e.g. {DEFAULT_GRAPH})")
    return iri
