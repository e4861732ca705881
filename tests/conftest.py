"""Shared fixtures: the knowledge base is parsed once per test session."""

from __future__ import annotations

import pytest
from rdflib import Graph

from evidencekb.rdf.cache import knowledge_base


@pytest.fixture(scope="session")
def kb() -> Graph:
    """The project's ontology + data (read-only: copy before mutating)."""
    return knowledge_base()


# The Oxigraph server fixtures (`sparql_server`, `loaded_endpoint`) for the endpoint tests.
from conftest_endpoint import loaded_endpoint, sparql_server  # noqa: E402, F401
