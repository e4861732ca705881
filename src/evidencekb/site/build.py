"""`evidencekb site build|serve`: generate the pages from the graph, then build them with MkDocs-Material.

Steps (progress on stderr): query the graph and write Markdown into a temporary docs folder
(`site_pages`), copy the browser assets (Oxigraph WebAssembly and Mermaid from site/node_modules, our JS
and CSS from site/assets), write the downloads (graph as Turtle and JSON-LD, tables as CSV), run
`mkdocs build` in strict mode, and only then swap the new site into place. A failure at any step
leaves the previous site untouched.
"""

from __future__ import annotations

import functools
import gc
import http.server
import inspect
import json
import logging
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rdflib import Graph

from evidencekb import project
from evidencekb.errors import EvidenceKBError, InputError
from evidencekb.site.model import SiteModel
from evidencekb.site.outdir import check_out, mark, prepare_parent, swap
from evidencekb.site.pages import Pages
from evidencekb.site.tables import TableSource
from evidencekb.sparql.core import local_engine

PAGE_MAP = "assets/ekb-pages.json"  # docs-relative; read by assets/ekb-query.js
# (source under site/node_modules, destination under the docs folder)
VENDORED = [
    ("oxigraph/web.js", "assets/vendor/oxigraph/web.js"),
    ("oxigraph/web_bg.wasm", "assets/vendor/oxigraph/web_bg.wasm"),
    ("oxigraph/package.json", "assets/vendor/oxigraph/package.json"),
    ("mermaid/dist/mermaid.min.js", "assets/vendor/mermaid/mermaid.min.js"),
]


def _progress(message: str) -> None:
    print(f"site: {message}", file=sys.stderr, flush=True)


@contextmanager
def _step(message: str) -> Iterator[None]:
    started = time.perf_counter()
    _progress(f"{message} …")
    yield
    _progress(f"{message}: done in {time.perf_counter() - started:.1f} s")


@contextmanager
def _graph_out_of_gc() -> Iterator[None]:
    """Keep the objects alive before the build (the rdflib graph: tens of objects a triple) out of the
    cyclic garbage collector until the build ends. Otherwise every full collection, triggered by the
    build's own allocations, walks the whole graph again, and the build grows with pages × graph size."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _audit_source(graph: Graph, engine: Any) -> Callable[[], list[Any]] | None:
    """`collect_findings` of evidencekb.checks.audit on the site's graph, or None while it does not exist."""
    try:
        from evidencekb.checks.audit import collect_findings  # noqa: PLC0415 – optional until issue 7 lands
    except ImportError:
        return None
    parameters = inspect.signature(collect_findings).parameters
    if "graph" in parameters and "engine" in parameters:
        return functools.partial(collect_findings, graph=graph, engine=engine)
    return collect_findings


def generate_docs(docs: Path, graph: Graph, lang: str = "da") -> dict[str, str]:
    """Write every generated page, asset and download into `docs`; return {path: Markdown}."""
    engine = local_engine(graph, "oxigraph")
    model = SiteModel(engine, graph, lang)
    titles = {str(model.value(iri, _notation())): model.title(iri) for iri in model.table_pages}
    tables = TableSource(lambda table_id: titles.get(table_id), lang, engine)
    if not tables.available:
        _progress(f"warning: {tables.error}; table pages say so")
    audit = _audit_source(graph, engine)
    if audit is None:
        _progress("warning: evidencekb.audit.collect_findings is not available; the Audit page says so")
    intro_file = project.current().site / "docs" / "intro.md"
    intro = intro_file.read_text(encoding="utf-8") if intro_file.is_file() else ""
    with _step("generating pages from the graph"):
        pages = Pages(model, tables, audit).build(intro)
        for path, text in pages.items():
            target = docs / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        _progress(f"{len(pages)} pages ({len(model.of_kind('study'))} studies, "
                  f"{len(model.of_kind('report'))} secondary publications)")
    with _step("copying browser assets and writing downloads"):
        _copy_assets(docs)
        _write_page_map(docs / PAGE_MAP, model)
        _write_downloads(docs / "downloads", graph, tables)
    return pages


def page_map(model: SiteModel) -> dict[str, str]:
    """IRI → the URL of its page relative to the site root ("studies/dima-2025/"), for the Query page."""
    paths = {iri: page.path for iri, page in model.pages.items()}
    paths.update(model.table_pages)
    return {iri: path[: -len(".md")] + "/" for iri, path in sorted(paths.items())}


def _write_page_map(target: Path, model: SiteModel) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(page_map(model), ensure_ascii=False, indent=0), encoding="utf-8")


def _notation() -> Any:
    from evidencekb.namespaces import EKB

    return EKB.notation


def _copy_assets(docs: Path) -> None:
    shutil.copytree(project.current().site / "assets", docs / "assets", dirs_exist_ok=True)
    for source, destination in VENDORED:
        path = project.current().site / "node_modules" / source
        if not path.is_file():
            raise InputError(
                f"{path}: missing browser asset (run 'make install' or 'npm ci --prefix site' to install "
                "the npm packages listed in site/package.json)"
            )
        target = docs / destination
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)


def _write_downloads(folder: Path, graph: Graph, tables: TableSource) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "evidencekb.ttl").write_text(graph.serialize(format="turtle"), encoding="utf-8")
    (folder / "evidencekb.jsonld").write_text(graph.serialize(format="json-ld", indent=1), encoding="utf-8")
    for table_id in tables.ids():
        if tables.ok(table_id):
            try:
                text = tables.csv(table_id)
            except Exception as error:  # the table page reports it too
                _progress(f"warning: CSV of table {table_id} could not be generated: {error}")
                continue
            (folder / f"table-{table_id}.csv").write_text(text, encoding="utf-8")


class _Collect(logging.Handler):
    """Collects MkDocs warnings so a strict-mode failure can name them."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def run_mkdocs(docs: Path, site_dir: Path) -> None:
    """`mkdocs build --strict` of `docs` into `site_dir` with site/mkdocs.yml."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    config_file = project.current().site / "mkdocs.yml"
    collector = _Collect()
    logger = logging.getLogger("mkdocs")
    logger.addHandler(collector)
    try:
        config = load_config(config_file=str(config_file), docs_dir=str(docs), site_dir=str(site_dir), strict=True)
        build(config)
    except (MkDocsException, SystemExit) as error:
        detail = "; ".join(collector.messages[:3]) or str(error)
        raise EvidenceKBError(f"mkdocs build failed: {detail}") from None
    finally:
        logger.removeHandler(collector)


def build_site(out: Path | None = None, *, graph: Graph | None = None) -> Path:
    """Build the site into `out` (default build/site) atomically; return the folder.

    `graph` replaces the project's knowledge base (tests use small fixture graphs).
    """
    out = check_out(Path(out) if out is not None else project.current().build / "site")
    prepare_parent(out)
    started = time.perf_counter()
    if graph is None:
        from evidencekb.rdf.cache import knowledge_base

        with _step("loading the knowledge base"):
            graph = knowledge_base()
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}-build-", dir=out.parent))
    try:
        docs, built = work / "docs", work / "site"
        with _graph_out_of_gc():
            generate_docs(docs, graph)
            with _step("running mkdocs build (strict)"):
                run_mkdocs(docs, built)
        mark(built)
        swap(built, out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    _progress(f"built {out} in {time.perf_counter() - started:.1f} s")
    return out


class _Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, ".wasm": "application/wasm",
                      ".jsonld": "application/ld+json", ".ttl": "text/turtle", ".mjs": "text/javascript"}

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 – signature of the base class
        pass


def make_server(directory: Path, port: int = 8000, host: str = "127.0.0.1") -> http.server.ThreadingHTTPServer:
    """A static file server for the built site (serves .wasm as application/wasm)."""
    handler = functools.partial(_Handler, directory=str(directory))
    return http.server.ThreadingHTTPServer((host, port), handler)


def serve_site(port: int = 8000) -> int:
    """Build the site into build/site, then serve it on http://127.0.0.1:PORT until Ctrl-C."""
    folder = build_site()
    try:
        server = make_server(folder, port)
    except OSError as error:
        raise InputError(f"--port {port}: cannot listen on 127.0.0.1 ({error.strerror}); choose another port") from None
    print(f"Serving {folder} on http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C stops)", file=sys.stderr)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
