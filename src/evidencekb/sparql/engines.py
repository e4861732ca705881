"""Choose where queries run: the local knowledge base (default) or a remote SPARQL endpoint."""

from __future__ import annotations

from functools import cache

from evidencekb import project
from evidencekb.project import Project
from evidencekb.rdf.cache import knowledge_base
from evidencekb.sparql.core import Engine, local_engine

_remote_timeout: float | None = None


def set_remote_timeout(seconds: float) -> None:
    """The timeout of every request this process sends to a remote endpoint (the CLI's --timeout)."""
    global _remote_timeout
    _remote_timeout = seconds


@cache
def _local(kind: str, of: Project) -> Engine:
    return local_engine(knowledge_base(), kind)


def get_engine(endpoint: str | None = None, graph: str | None = None, local: str = "oxigraph") -> Engine:
    """A query engine: remote when `endpoint` is given, else the current project's knowledge base."""
    if endpoint:
        from evidencekb.sparql.remote import RemoteEngine

        if _remote_timeout is None:
            return RemoteEngine(endpoint, graph)
        return RemoteEngine(endpoint, graph, _remote_timeout)
    return _local(local, project.current())
