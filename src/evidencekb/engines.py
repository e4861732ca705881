"""Choose where queries run: the local graph (default) or a remote SPARQL endpoint."""

from __future__ import annotations

from functools import cache

from rdflib import Graph

from evidencekb.graph import load_data, load_ontology
from evidencekb.namespaces import bind_prefixes
from evidencekb.sparql import Engine, local_engine


@cache
def project_ontology() -> Graph:
    """The project's ontology and code lists, parsed once per process (do not modify)."""
    return load_ontology()


@cache
def project_data() -> Graph:
    """The project's `data/`, parsed once per process (do not modify)."""
    return load_data()


@cache
def knowledge_base() -> Graph:
    """The project's ontology + data merged: what tables, pages and answers read."""
    graph = Graph()
    bind_prefixes(graph)
    graph += project_ontology()
    graph += project_data()
    return graph


@cache
def _local(kind: str) -> Engine:
    return local_engine(knowledge_base(), kind)


def get_engine(endpoint: str | None = None, graph: str | None = None, local: str = "oxigraph") -> Engine:
    """A query engine: remote when `endpoint` is given, else the local knowledge base."""
    if endpoint:
        from evidencekb.endpoint import RemoteEngine

        return RemoteEngine(endpoint, graph)
    return _local(local)
