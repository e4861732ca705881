"""The project's `.rq`/`.ru` files, the binding contract and the answers every engine gives.

ONE binding contract on every engine: `engine.select(text, {"var": term})` (or `engine.run` for any
query form), where a term is a `URIRef`/`Literal` of `evidencekb.terms` (no rdflib needed) or of
rdflib; blank nodes cannot be bound. Each engine honours it its own way
with the same answers: pyoxigraph (the default, `substitutions`), rdflib (the reference,
`initBindings`) and a remote endpoint (`evidencekb.sparql.remote`: terms written into the query by
`evidencekb.sparql.bind`, which uses a real SPARQL parser). A `QueryResult` gives the same
solutions as rdflib terms (`rows`) or as light terms (`terms`) whichever engine ran; pyoxigraph's
are converted only into the view that is read, so rdflib is imported only if `rows` is.

The engines themselves are `evidencekb.sparql.local` (pyoxigraph, rdflib) and
`evidencekb.sparql.remote`; `evidencekb.sparql.engines` chooses one. Local engines never reach the
network: a query that calls SERVICE is refused (exit 2, `refuse_service`) unless the engine was made
with `allow_service=True` (the CLI's `--allow-service`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import pyoxigraph as ox

from evidencekb import messages, project
from evidencekb.errors import InputError
from evidencekb.rdf.terms import from_oxigraph, light, light_rows
from evidencekb.sparql.bind import check_term, query_facts
from evidencekb.terms import BNode, Literal, URIRef

if TYPE_CHECKING:
    from rdflib.term import Node
else:
    Node = Any

Term = URIRef | Literal | BNode
_LIGHT_TYPES = (URIRef, Literal)  # hashable by value, type-strict equality: safe to remember their text
Bindings = Mapping[str, "Node | Term"]
_SERVICE = re.compile(r"\bSERVICE\b", re.IGNORECASE)


class QueryResult:
    """Rows of a SELECT query: variable names in projection order, one dict per solution.

    Two views of the same solutions, each made on first use: `rows` / `column()` give rdflib terms
    (graph code, pyshacl), `terms` / `term_column()` the light terms of `evidencekb.terms` (no rdflib:
    what `table` and `recommend` read). An engine gives the rows it has — rdflib terms, or pyoxigraph
    solutions (`oxigraph=`) that either view converts from (`evidencekb.rdf.terms`).
    """

    __slots__ = ("variables", "_rows", "_terms", "_oxigraph")

    def __init__(
        self,
        variables: list[str],
        rows: list[dict[str, Node | None]] | None = None,
        *,
        oxigraph: list[Any] | None = None,
    ) -> None:
        self.variables = variables
        self._rows = rows if rows is not None or oxigraph is not None else []
        self._oxigraph = oxigraph
        self._terms: list[dict[str, Term | None]] | None = None

    @property
    def rows(self) -> list[dict[str, Node | None]]:
        """The solutions as rdflib terms."""
        if self._rows is None:
            self._rows = [{name: from_oxigraph(s[name]) for name in self.variables} for s in self._oxigraph or []]
        return self._rows

    @property
    def terms(self) -> list[dict[str, Term | None]]:
        """The solutions as light terms (`evidencekb.terms`), never loading rdflib for pyoxigraph's."""
        if self._terms is None:
            if self._oxigraph is not None:
                self._terms = light_rows(self.variables, self._oxigraph)
            else:
                self._terms = [{name: light(value) for name, value in row.items()} for row in self.rows]
        return self._terms

    def column(self, name: str) -> list[Node | None]:
        return [row.get(name) for row in self.rows]

    def term_column(self, name: str) -> list[Term | None]:
        return [row.get(name) for row in self.terms]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, QueryResult):
            return NotImplemented
        return self.variables == other.variables and self.rows == other.rows

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"QueryResult(variables={self.variables!r}, rows={self.rows!r})"


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
    try:
        calls = query_facts(query).has_service
    except InputError:
        calls = True  # unparsable and mentions SERVICE: refuse rather than risk a request
    if calls:
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
    """A `VALUES (?a ?b) { … }` block of the rows (a missing value is UNDEF), ending with a newline.

    A batch repeats a few terms many times: each distinct light term is checked and written once."""
    names = sorted({name for row in rows for name in row})
    written: dict[Term, str] = {}  # light term → its text (checked)
    lines = []
    for row in rows:
        cells = []
        for name in names:
            term = row.get(name)
            if term is None:
                cells.append("UNDEF")
                continue
            light = type(term) in _LIGHT_TYPES
            cell = written.get(term) if light else None  # type: ignore[arg-type]
            if cell is None:
                check_term(name, term)
                if type(term).__name__ == "BNode":
                    raise InputError("blank nodes cannot be bound into a query")
                cell = term.n3()
                if light:
                    written[term] = cell  # type: ignore[index]
            cells.append(cell)
        lines.append("(" + " ".join(cells) + ")")
    return "VALUES (" + " ".join("?" + name for name in names) + ") {\n" + "\n".join(lines) + "\n}\n"
