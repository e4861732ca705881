"""Run the project's `.rq` files with values bound as RDF terms (never pasted as text).

ONE binding contract on every engine: `engine.select(text, {"var": term})` (or `engine.run` for any
query form), where a term is an rdflib `URIRef`/`Literal`/`BNode`. Each engine honours it its own way
with the same answers: pyoxigraph (the default, `substitutions`), rdflib (the reference,
`initBindings`) and a remote endpoint (`evidencekb.sparql.remote`: terms written into the query by
`evidencekb.sparql.bind`, which uses a real SPARQL parser). Results are rdflib terms whichever
engine ran (converted from pyoxigraph terms row by row; rdflib is imported on the first result).

Local engines never reach the network: a query that calls SERVICE is refused (exit 2) unless the
engine was made with `allow_service=True` (the CLI's `--allow-service`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import pyoxigraph as ox

from evidencekb import project
from evidencekb.errors import InputError

if TYPE_CHECKING:
    from rdflib import Graph
    from rdflib.term import Node
else:
    Node = Any

Bindings = Mapping[str, "Node"]
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_SERVICE = re.compile(r"\bSERVICE\b", re.IGNORECASE)


@dataclass(frozen=True)
class QueryResult:
    """Rows of a SELECT query: variable names in projection order, one dict per solution."""

    variables: list[str]
    rows: list[dict[str, Node | None]]

    def column(self, name: str) -> list[Node | None]:
        return [row.get(name) for row in self.rows]


@dataclass(frozen=True)
class Triples:
    """The answer of a CONSTRUCT or DESCRIBE query: pyoxigraph triples, printed as Turtle."""

    triples: list[ox.Triple]

    def turtle(self, prefixes: Mapping[str, str] | None = None) -> str:
        data = ox.serialize(sorted(self.triples, key=str), format=ox.RdfFormat.TURTLE, prefixes=dict(prefixes or {}))
        return data.decode("utf-8")

    def __len__(self) -> int:
        return len(self.triples)


Answer = QueryResult | bool | Triples


class Engine(Protocol):
    """Anything that answers queries with bound values (see the module docstring)."""

    def select(self, query: str, bindings: Bindings | None = None) -> QueryResult: ...

    def run(self, query: str, bindings: Bindings | None = None) -> Answer: ...


def query_text(name: str) -> str:
    """The text of `queries/<name>.rq` of the current project (name may contain folders, e.g. 'tables/table-3-1')."""
    return _query_file(project.current().queries / f"{name}.rq", name)


def update_text(name: str) -> str:
    """The text of `queries/<name>.ru` of the current project (a SPARQL Update, e.g. 'store/replace-graph')."""
    return _query_file(project.current().queries / f"{name}.ru", name)


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
    except UnicodeDecodeError as error:
        raise InputError(f"{path}: not UTF-8 text ({error.reason} at byte {error.start})") from None


def refuse_service(query: str) -> None:
    """InputError if the query calls SERVICE (checked with the SPARQL parser; a cheap scan first)."""
    if not _SERVICE.search(query):
        return
    from evidencekb.sparql.bind import query_facts

    try:
        calls = query_facts(query).has_service
    except InputError:
        calls = True  # unparsable and mentions SERVICE: refuse rather than risk a request
    if calls:
        from evidencekb import messages

        raise InputError(messages.text("sparql.query.service_refused", "en"))


# --------------------------------------------------------------------------------------------
# Multi-row bindings (batches): a VALUES block of terms
# --------------------------------------------------------------------------------------------

_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)


class ValuesQuery(str):
    """A query with a VALUES block of terms added: `template` is the query it was added to, so an engine
    that must parse the query (e.g. for its dataset clause) parses the short template, not 2,500 rows."""

    template: str


def inline_values(query: str, rows: Sequence[Bindings]) -> str:
    """Return `query` with a VALUES block of the given rows as the first element of its WHERE group.

    For many rows at once (recommend batches): every value is serialised as an RDF term
    (`Node.n3()`, which escapes quotes, backslashes and newlines), so a bound string can never
    change the query's structure.
    """
    if not rows:
        return query
    match = _WHERE.search(query)
    if match is None:
        raise InputError("cannot bind values: the query has no WHERE clause")
    bound = ValuesQuery(query[: match.end()] + "\n" + values_block(rows) + query[match.end() :])
    bound.template = getattr(query, "template", query)
    return bound


def values_block(rows: Sequence[Bindings]) -> str:
    """A `VALUES (?a ?b) { … }` block of the rows (a missing value is UNDEF), ending with a newline."""
    from evidencekb.sparql.bind import check_term

    names = sorted({name for row in rows for name in row})
    lines = []
    for row in rows:
        cells = []
        for name in names:
            term = row.get(name)
            if term is None:
                cells.append("UNDEF")
                continue
            check_term(name, term)
            if type(term).__name__ == "BNode":
                raise InputError("blank nodes cannot be bound into a query")
            cells.append(term.n3())
        lines.append("(" + " ".join(cells) + ")")
    return "VALUES (" + " ".join("?" + name for name in names) + ") {\n" + "\n".join(lines) + "\n}\n"


# --------------------------------------------------------------------------------------------
# Local engines
# --------------------------------------------------------------------------------------------


class OxigraphEngine:
    """pyoxigraph's in-memory store: ~100× faster per query than rdflib, values via `substitutions`."""

    def __init__(self, source: ox.Store | Graph, allow_service: bool = False) -> None:
        if isinstance(source, ox.Store):
            self.store = source
        else:
            self.store = ox.Store()
            self.store.load(source.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)
        self.allow_service = allow_service

    def select(self, query: str, bindings: Bindings | None = None) -> QueryResult:
        answer = self.run(query, bindings)
        if not isinstance(answer, QueryResult):
            raise InputError("expected a SELECT query")
        return answer

    def run(self, query: str, bindings: Bindings | None = None) -> Answer:
        if not self.allow_service:
            refuse_service(query)
        substitutions = {ox.Variable(k): to_oxigraph(v) for k, v in (bindings or {}).items()}
        answer = self.store.query(query, substitutions=substitutions)
        if isinstance(answer, ox.QuerySolutions):
            variables = [v.value for v in answer.variables]
            rows = [{name: from_oxigraph(solution[name]) for name in variables} for solution in answer]
            return QueryResult(variables, rows)
        if isinstance(answer, ox.QueryBoolean):
            return bool(answer)
        return Triples(list(answer))

    def __len__(self) -> int:
        return len(self.store)


class RdflibEngine:
    """The reference engine: rdflib's SPARQL over an in-memory graph, values via `initBindings`."""

    def __init__(self, graph: Graph, allow_service: bool = False) -> None:
        self.graph = graph
        self.allow_service = allow_service

    def select(self, query: str, bindings: Bindings | None = None) -> QueryResult:
        answer = self.run(query, bindings)
        if not isinstance(answer, QueryResult):
            raise InputError("expected a SELECT query")
        return answer

    def run(self, query: str, bindings: Bindings | None = None) -> Answer:
        from rdflib import Variable

        if not self.allow_service:
            refuse_service(query)
        init = {Variable(k): v for k, v in (bindings or {}).items()}
        result = self.graph.query(query, initBindings=init)
        if result.type == "ASK":
            return bool(result.askAnswer)
        if result.type in ("CONSTRUCT", "DESCRIBE"):
            return Triples([ox.Triple(*(to_oxigraph(t) for t in triple)) for triple in result])
        variables = [str(v) for v in result.vars or []]
        rows = [{name: row[i] for i, name in enumerate(variables)} for row in result]
        return QueryResult(variables, rows)

    def __len__(self) -> int:
        return len(self.graph)


def to_oxigraph(term: Node) -> ox.NamedNode | ox.Literal | ox.BlankNode:
    kind = type(term).__name__
    if kind == "URIRef":
        return ox.NamedNode(str(term))
    if kind == "BNode":
        return ox.BlankNode(str(term))
    if kind == "Literal":
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"cannot convert {term!r}")


def from_oxigraph(term: object) -> Node | None:
    """A pyoxigraph term as the rdflib term the rdflib engine would give (plain strings untyped)."""
    from rdflib import BNode, Literal, URIRef

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
        if datatype == XSD_STRING:
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(datatype))
    raise TypeError(f"cannot convert {term!r}")


def local_engine(graph: Graph | ox.Store, kind: str = "oxigraph") -> Engine:
    """An engine over `graph`: 'oxigraph' (default, fast) or 'rdflib' (reference).

    The project's cached knowledge base gets the process's one shared store (no second copy).
    """
    if kind == "rdflib":
        return RdflibEngine(graph)
    if kind == "oxigraph":
        from evidencekb.rdf.cache import is_knowledge_base

        if is_knowledge_base(graph):
            from evidencekb.sparql.engines import get_engine

            return get_engine()
        return OxigraphEngine(graph)
    raise InputError(f"unknown engine {kind!r} (use 'oxigraph' or 'rdflib')")
