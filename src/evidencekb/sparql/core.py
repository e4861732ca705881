"""Run the project's `.rq` files on a local graph, with values bound safely (never pasted as text).

Two local engines give the same answers: rdflib (the reference, `initBindings`) and pyoxigraph
(fast, `substitutions`). A remote SPARQL endpoint engine lives in `evidencekb.sparql.remote`.
Results are always rdflib terms, so callers never care which engine ran.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Protocol

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef, Variable
from rdflib.term import Node

from evidencekb import project
from evidencekb.errors import InputError

Bindings = Mapping[str, Node]


@dataclass(frozen=True)
class QueryResult:
    """Rows of a SELECT query: variable names in projection order, one dict per solution."""

    variables: list[str]
    rows: list[dict[str, Node | None]]

    def column(self, name: str) -> list[Node | None]:
        return [row.get(name) for row in self.rows]


class Engine(Protocol):
    """Anything that can answer a SELECT query with bound values."""

    def select(self, query: str, bindings: Bindings | None = None) -> QueryResult: ...


def query_text(name: str) -> str:
    """The text of `queries/<name>.rq` of the current project (name may contain folders, e.g. 'tables/table-3-1')."""
    return _query_file(project.current().queries / f"{name}.rq", name)


@cache
def _query_file(path: Path, name: str) -> str:
    if not path.is_file():
        raise InputError(f"no query named {name!r} (expected {path})")
    return path.read_text(encoding="utf-8")


def query_header(text: str) -> str:
    """The leading comment block of a query, without '#' marks: what question it answers."""
    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped.startswith("#"):
            break
        lines.append(stripped.lstrip("#").strip())
    return "\n".join(lines).strip()


def read_query_file(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:
        raise InputError(f"{path}: cannot read query ({error.strerror})") from None


_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)


def inline_values(query: str, rows: Sequence[Bindings]) -> str:
    """Return `query` with a VALUES block of the given rows as the first element of its WHERE group.

    Every value is serialised as an RDF term (`Node.n3()`, which escapes quotes, backslashes and
    newlines), so a bound string can never change the query's structure. Used for remote
    endpoints and for multi-row (batch) bindings.
    """
    if not rows:
        return query
    match = _WHERE.search(query)
    if match is None:
        raise InputError("cannot bind values: the query has no WHERE clause")
    return query[: match.end()] + "\n" + values_block(rows) + query[match.end() :]


def values_block(rows: Sequence[Bindings]) -> str:
    """A `VALUES (?a ?b) { … }` block of the rows (a missing value is UNDEF), ending with a newline."""
    names = sorted({name for row in rows for name in row})
    lines = []
    for row in rows:
        cells = [_term_text(row[name]) if row.get(name) is not None else "UNDEF" for name in names]
        lines.append("(" + " ".join(cells) + ")")
    return "VALUES (" + " ".join("?" + name for name in names) + ") {\n" + "\n".join(lines) + "\n}\n"


def _term_text(term: Node) -> str:
    if isinstance(term, URIRef) and re.search(r'[\s<>"{}|\\^`]', str(term)):
        raise InputError(f"refusing to bind an invalid IRI: {str(term)[:80]!r}")
    if isinstance(term, BNode):
        raise InputError("blank nodes cannot be bound into a query")
    return term.n3()


class RdflibEngine:
    """The reference engine: rdflib's SPARQL over an in-memory graph, values via `initBindings`."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph

    def select(self, query: str, bindings: Bindings | None = None) -> QueryResult:
        init = {Variable(k): v for k, v in (bindings or {}).items()}
        result = self.graph.query(query, initBindings=init)
        variables = [str(v) for v in result.vars or []]
        rows = [{name: row[i] for i, name in enumerate(variables)} for row in result]
        return QueryResult(variables, rows)


class OxigraphEngine:
    """pyoxigraph's in-memory store: ~100× faster per query than rdflib, values via `substitutions`."""

    def __init__(self, graph: Graph) -> None:
        self.store = ox.Store()
        data = graph.serialize(format="nt", encoding="utf-8")
        self.store.load(data, format=ox.RdfFormat.N_TRIPLES)

    def select(self, query: str, bindings: Bindings | None = None) -> QueryResult:
        substitutions = {ox.Variable(k): to_oxigraph(v) for k, v in (bindings or {}).items()}
        solutions = self.store.query(query, substitutions=substitutions)
        variables = [v.value for v in solutions.variables]
        rows = [{name: from_oxigraph(solution[name]) for name in variables} for solution in solutions]
        return QueryResult(variables, rows)


def to_oxigraph(term: Node) -> ox.NamedNode | ox.Literal | ox.BlankNode:
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"cannot convert {term!r}")


def from_oxigraph(term: object) -> Node | None:
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        if datatype == "http://www.w3.org/2001/XMLSchema#string":
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(datatype))
    raise TypeError(f"cannot convert {term!r}")


def local_engine(graph: Graph, kind: str = "oxigraph") -> Engine:
    """An engine over `graph`: 'oxigraph' (default, fast) or 'rdflib' (reference)."""
    if kind == "rdflib":
        return RdflibEngine(graph)
    if kind == "oxigraph":
        return OxigraphEngine(graph)
    raise InputError(f"unknown engine {kind!r} (use 'oxigraph' or 'rdflib')")
