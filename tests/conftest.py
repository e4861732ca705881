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


@pytest.fixture
def stub_build(monkeypatch: pytest.MonkeyPatch) -> None:
    """A site build that writes one page per language: no graph, no MkDocs (the jobs around it run)."""
    import evidencekb.site.build as site_module

    def docs(folder: Path, graph: object = None, lang: str = "da", **options: object) -> dict[str, str]:
        folder.mkdir(parents=True, exist_ok=True)
        return {}

    def mkdocs(folder: Path, site_dir: Path, lang: str = "da") -> None:
        site_dir.mkdir(parents=True)
        (site_dir / "index.html").write_text("new site", encoding="utf-8")

    monkeypatch.setattr(site_module, "generate_docs", docs)
    monkeypatch.setattr(site_module, "run_mkdocs", mkdocs)
    monkeypatch.setattr(site_module, "_shared", lambda engine: {"audit": [], "space": {}, "serialised": {}})


@pytest.fixture(autouse=True)
def _discovered_project() -> None:
    """Each test starts on the project of the current directory, whatever `--project` a test used."""
    project.use(None)


# The Oxigraph server fixtures (`sparql_server`, `loaded_endpoint`) for the endpoint tests.
from conftest_endpoint import loaded_endpoint, sparql_server  # noqa: E402, F401

# --- parallel runs (`make test`: pytest-xdist, `-n 2 --dist loadfile`) ----------------------------------
#: Test files that share a server or an expensive session fixture run in one worker, one after the other:
#: the endpoint tests load the servers' default graphs; the site is built once. Every other file is a unit
#: of its own (as `--dist loadfile` does), so its module-scoped fixtures are built once too. (pytest-xdist's
#: own `--dist loadgroup` cannot be used: on pytest 9 its `xdist_group` markers are silently ignored.)
SHARED_FIXTURES = {"sparql_server": "endpoint", "built_site": "site"}
SHARED_FILES = {
    "endpoint": ("tests/test_endpoint.py", "tests/test_endpoint_stores.py", "tests/test_load.py",
                 "tests/test_query_forms.py", "tests/test_space_endpoint.py"),
    "site": ("tests/test_site.py", "tests/test_browser.py", "tests/test_calculator_browser.py"),
}
GROUP_OF_FILE = {path: group for group, paths in SHARED_FILES.items() for path in paths}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test file that uses a shared fixture must be in that fixture's group (else two workers would
    share one server's graphs, or build the site twice)."""
    missing = sorted({f"{item.nodeid.split('::', 1)[0]} (uses {fixture}: add it to SHARED_FILES[{group!r}])"
                      for item in items for fixture, group in SHARED_FIXTURES.items()
                      if fixture in item.fixturenames and GROUP_OF_FILE.get(item.nodeid.split("::", 1)[0]) != group})
    if missing:
        raise pytest.UsageError("tests/conftest.py: " + "; ".join(missing))


@pytest.hookimpl(tryfirst=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object | None:
    """`--dist loadfile`, with each group of SHARED_FILES one unit of work."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class SharedFileScheduling(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            return GROUP_OF_FILE.get(path, path)

    return SharedFileScheduling(config, log)
