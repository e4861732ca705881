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

# --- parallel runs (`make test`: pytest-xdist, `-n 2 --dist loadgroup`) ----------------------------------
#: Tests that share a server or an expensive session fixture run in one worker: every test of a module
#: that uses one of these fixtures joins the fixture's group (the endpoint tests share the servers' default
#: graphs; the site is built once). Every other module is a group of its own, so its module-scoped fixtures
#: are built once too.
SHARED_GROUPS = {"sparql_server": "endpoint", "built_site": "site"}


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the markers
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.pluginmanager.hasplugin("xdist"):
        return
    groups: dict[str, str] = {}
    for item in items:
        module = item.nodeid.split("::", 1)[0]
        shared = next((group for fixture, group in SHARED_GROUPS.items() if fixture in item.fixturenames), None)
        if shared is not None:
            groups[module] = shared
        else:
            groups.setdefault(module, module)
    for item in items:
        item.add_marker(pytest.mark.xdist_group(groups[item.nodeid.split("::", 1)[0]]))
