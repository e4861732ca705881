"""Choose where queries run: the local knowledge base (default) or a remote SPARQL endpoint.

One local engine per process and project: every command (and `build`'s validation QC, tables and
site, through `local_engine` on the cached knowledge base) queries the same pyoxigraph store, loaded
straight from the Turtle files (`evidencekb.rdf.cache.knowledge_store`), never parsed by rdflib.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from evidencekb import project
from evidencekb.errors import InputError
from evidencekb.project import Project
from evidencekb.rdf import cache as kb
from evidencekb.sparql.core import Engine, query_text
from evidencekb.sparql.local import OxigraphEngine, RdflibEngine

if TYPE_CHECKING:
    import pyoxigraph as ox
    from rdflib import Graph

_remote_timeout: float | None = None


def set_remote_timeout(seconds: float) -> None:
    """The timeout of every request this process sends to a remote endpoint (the CLI's --timeout)."""
    global _remote_timeout
    _remote_timeout = seconds


@cache
def _local(kind: str, of: Project, allow_service: bool) -> Engine:
    if kind == "oxigraph":
        return OxigraphEngine(kb.knowledge_store(), allow_service=allow_service)
    if kind == "rdflib":
        return RdflibEngine(kb.knowledge_base(), allow_service=allow_service)
    raise InputError(f"unknown engine {kind!r} (use 'oxigraph' or 'rdflib')")


def get_engine(
    endpoint: str | None = None, graph: str | None = None, local: str = "oxigraph", allow_service: bool = False
) -> Engine:
    """A query engine: remote when `endpoint` is given, else the current project's knowledge base.

    `allow_service` lets a LOCAL query call other endpoints with SERVICE (refused otherwise).
    """
    if endpoint:
        # Imported only for an endpoint: the HTTP modules cost ~15 ms of every command's start-up.
        from evidencekb.sparql.remote import RemoteEngine

        if _remote_timeout is None:
            return RemoteEngine(endpoint, graph)
        return RemoteEngine(endpoint, graph, _remote_timeout)
    return _local(local, project.current(), allow_service)


def local_engine(graph: Graph | ox.Store, kind: str = "oxigraph") -> Engine:
    """An engine over `graph`: 'oxigraph' (default, fast) or 'rdflib' (reference).

    The project's cached knowledge base gets the process's one shared store (no second copy).
    """
    if kind == "rdflib":
        return RdflibEngine(graph)
    if kind == "oxigraph":
        return get_engine() if kb.is_knowledge_base(graph) else OxigraphEngine(graph)
    raise InputError(f"unknown engine {kind!r} (use 'oxigraph' or 'rdflib')")


def is_empty(engine: Engine) -> bool:
    """True when the engine's graph holds no triples (nothing loaded on an endpoint yet)."""
    rows = engine.select(query_text("store/count-triples")).terms
    return not rows or int(rows[0]["n"]) == 0
