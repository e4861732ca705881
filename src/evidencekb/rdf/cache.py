"""The project's ontology, data and their merge, parsed once per process and project (do not modify)."""

from __future__ import annotations

from functools import cache

from rdflib import Graph

from evidencekb import project
from evidencekb.namespaces import bind_prefixes
from evidencekb.project import Project
from evidencekb.rdf.turtle import load_graph


@cache
def _ontology(of: Project) -> Graph:
    return load_graph([of.ontology])


@cache
def _data(of: Project) -> Graph:
    return load_graph([of.data])


@cache
def _merged(of: Project) -> Graph:
    graph = Graph()
    bind_prefixes(graph)
    graph += _ontology(of)
    graph += _data(of)
    return graph


def project_ontology() -> Graph:
    """The current project's ontology and code lists."""
    return _ontology(project.current())


def project_data() -> Graph:
    """The current project's `data/`."""
    return _data(project.current())


def knowledge_base() -> Graph:
    """The current project's ontology + data merged: what tables, pages and answers read."""
    return _merged(project.current())
