"""Choose where queries run: the local graph (default) or a remote SPARQL endpoint."""

from __future__ import annotations

from functools import cache

from rdflib import Graph

from evidencekb.graph import load_knowledge_base
from evidencekb.sparql import Engine, local_engine


@cache
def knowledge_base() -> Graph:
    """The project's ontology + data, parsed once per process."""
    return load_knowledge_base()


@cache
def _local(kind: str) -> Engine:
    return local_engine(knowledge_base(), kind)


def get_engine(endpoint: str | None = None, graph: str | None = None, local: str = "oxigraph") -> Engine:
    """A query engine: remote when `endpoint` is given, else the local knowledge base."""
    if endpoint:
        from evidencekb.endpoint import RemoteEngine

        return RemoteEngine(endpoint, graph)
    return _local(local)
