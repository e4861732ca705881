"""Shared fixtures: the knowledge base is parsed, and the site built, once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph

from evidencekb import project
from evidencekb.rdf.cache import knowledge_base


@pytest.fixture(scope="session")
def kb() -> Graph:
    """The project's ontology + data (read-only: copy before mutating)."""
    return knowledge_base()


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's site built once a session by `build_site` (both languages, strict MkDocs), shared by
    test_site.py and the browser tests (read-only: build your own to change it)."""
    from evidencekb.site.build import build_site

    return build_site(tmp_path_factory.mktemp("site") / "site")


@pytest.fixture(autouse=True)
def _discovered_project() -> None:
    """Each test starts on the project of the current directory, whatever `--project` a test used."""
    project.use(None)


# The Oxigraph server fixtures (`sparql_server`, `loaded_endpoint`) for the endpoint tests.
from conftest_endpoint import loaded_endpoint, sparql_server  # noqa: E402, F401
