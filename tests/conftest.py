"""Shared fixtures: the knowledge base is parsed once per test session."""

from __future__ import annotations

import pytest
from rdflib import Graph

from evidencekb import project
from evidencekb.rdf.cache import knowledge_base


@pytest.fixture(scope="session")
def kb() -> Graph:
    """The project's ontology + data (read-only: copy before mutating)."""
    return knowledge_base()


@pytest.fixture(autouse=True)
def _discovered_project() -> None:
    """Each test starts on the project of the current directory, whatever `--project` a test used."""
    project.use(None)


# The Oxigraph server fixtures (`sparql_server`, `loaded_endpoint`) for the endpoint tests.
from conftest_endpoint import loaded_endpoint, sparql_server  # noqa: E402, F401
