"""The project's knowledge base, loaded once per process and project (do not modify).

`knowledge_store()` — ontology + data in one pyoxigraph store, straight from the Turtle files: what
every query engine of the process reads. The rdflib graphs (`project_ontology`, `project_data`,
`knowledge_base`) are parsed only when something asks for them (pyshacl, the rdflib reference engine).
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from evidencekb import project
from evidencekb.project import Project
from evidencekb.rdf.turtle import load_graph, load_store

if TYPE_CHECKING:
    import pyoxigraph
    from rdflib import Graph


@cache
def _store(of: Project) -> pyoxigraph.Store:
    return load_store([of.ontology, of.data])


@cache
def _ontology(of: Project) -> Graph:
    return load_graph([of.ontology])


@cache
def _data(of: Project) -> Graph:
    return load_graph([of.data])


_merged_graphs: dict[Project, Graph] = {}


def _merged(of: Project) -> Graph:
    if of not in _merged_graphs:
        from rdflib import Graph

        from evidencekb.namespaces import bind_prefixes

        graph = Graph()
        bind_prefixes(graph)
        graph += _ontology(of)
        graph += _data(of)
        _merged_graphs[of] = graph
    return _merged_graphs[of]


def knowledge_store() -> pyoxigraph.Store:
    """The current project's ontology + data in one pyoxigraph store (parsed by pyoxigraph, not rdflib)."""
    return _store(project.current())


def project_ontology() -> Graph:
    """The current project's ontology and code lists (rdflib)."""
    return _ontology(project.current())


def project_data() -> Graph:
    """The current project's `data/` (rdflib)."""
    return _data(project.current())


def knowledge_base() -> Graph:
    """The current project's ontology + data merged as an rdflib graph (for the rdflib reference engine)."""
    return _merged(project.current())


def is_knowledge_base(graph: object) -> bool:
    """True when `graph` is this project's cached rdflib knowledge base (already parsed)."""
    return graph is _merged_graphs.get(project.current())
