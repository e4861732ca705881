"""The local engines: one implementation of the binding contract over two stores.

`LocalEngine` does what every local engine does — refuse SERVICE unless allowed, answer each query
form as `QueryResult` / bool / `Triples`, check that `select` got a SELECT — and a backend only runs
the query with the values pre-bound:

* `OxigraphEngine` — pyoxigraph's in-memory store (the default; ~100× faster per query than rdflib),
  values via `substitutions`;
* `RdflibEngine` — rdflib's SPARQL over an in-memory graph (the reference), values via `initBindings`.

Both take light or rdflib terms as values; a SELECT's `QueryResult` converts pyoxigraph's solutions
into the view the caller reads (`rows`: rdflib, `terms`: light; `evidencekb.rdf.terms`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyoxigraph as ox

from evidencekb.errors import InputError
from evidencekb.rdf.terms import to_oxigraph, to_rdflib
from evidencekb.sparql.core import Answer, Bindings, QueryResult, Triples, refuse_service

if TYPE_CHECKING:
    from rdflib import Graph


class LocalEngine:
    """What both local engines share; a backend implements `_answer` (values already checked)."""

    def __init__(self, allow_service: bool = False) -> None:
        self.allow_service = allow_service

    def select(self, query: str, bindings: Bindings | None = None) -> QueryResult:
        answer = self.run(query, bindings)
        if not isinstance(answer, QueryResult):
            raise InputError("expected a SELECT query")
        return answer

    def run(self, query: str, bindings: Bindings | None = None) -> Answer:
        if not self.allow_service:
            refuse_service(query)
        return self._answer(query, bindings or {})

    def _answer(self, query: str, bindings: Bindings) -> Answer:
        raise NotImplementedError


class OxigraphEngine(LocalEngine):
    """pyoxigraph's store; an rdflib graph given instead is copied into one (through N-Triples)."""

    def __init__(self, source: ox.Store | Graph, allow_service: bool = False) -> None:
        super().__init__(allow_service)
        if isinstance(source, ox.Store):
            self.store = source
        else:
            self.store = ox.Store()
            self.store.load(source.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)

    def _answer(self, query: str, bindings: Bindings) -> Answer:
        substitutions = {ox.Variable(k): to_oxigraph(v) for k, v in bindings.items()}
        answer = self.store.query(query, substitutions=substitutions)
        if isinstance(answer, ox.QuerySolutions):
            return QueryResult([v.value for v in answer.variables], oxigraph=list(answer))
        if isinstance(answer, ox.QueryBoolean):
            return bool(answer)
        return Triples(list(answer))

    def __len__(self) -> int:
        return len(self.store)


class RdflibEngine(LocalEngine):
    """rdflib's SPARQL over `graph` (the reference engine)."""

    def __init__(self, graph: Graph, allow_service: bool = False) -> None:
        super().__init__(allow_service)
        self.graph = graph

    def _answer(self, query: str, bindings: Bindings) -> Answer:
        from rdflib import Variable  # this engine is only made over an rdflib graph: rdflib is loaded

        result = self.graph.query(query, initBindings={Variable(k): to_rdflib(v) for k, v in bindings.items()})
        if result.type == "ASK":
            return bool(result.askAnswer)
        if result.type in ("CONSTRUCT", "DESCRIBE"):
            return Triples([ox.Triple(*(to_oxigraph(t) for t in triple)) for triple in result])
        variables = [str(v) for v in result.vars or []]
        return QueryResult(variables, [{name: row[i] for i, name in enumerate(variables)} for row in result])

    def __len__(self) -> int:
        return len(self.graph)
