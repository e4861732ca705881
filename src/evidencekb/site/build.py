"""`evidencekb site build`: generate the pages from the graph, then build them with MkDocs-Material.

The site is built in two languages: Danish at the root and English under `en/`, each a full parallel
site (same page paths, its own MkDocs build with `theme.language`, navigation titles from
messages/site.toml). Steps per language (progress on stderr): query the graph and write Markdown into a
temporary docs folder (`evidencekb.site.pages`), copy the browser assets (Oxigraph WebAssembly and
Mermaid from site/node_modules, our JS and CSS from site/assets), write the downloads (graph as Turtle
and JSON-LD, the FHIR R5 Bundle, tables as CSV), run `mkdocs build` in strict mode. Only then is the new
site swapped into place (`evidencekb.site.outdir`): a failure at any step leaves the previous site untouched.

The pages read the graph through the one pyoxigraph engine, as light terms. The rdflib graph of the
knowledge base is still parsed, for one job only: the Turtle and JSON-LD downloads (`evidencekb.export`,
rdflib's canonical serialisation); `build` parses it anyway for pyshacl and shares it.
"""

from __future__ import annotations

import functools
import gc
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

from evidencekb import messages, project
from evidencekb.checks.audit import collect_findings
from evidencekb.errors import EvidenceKBError, InputError
from evidencekb.export import serialize
from evidencekb.rdf.cache import knowledge_base
from evidencekb.revision.space import build_space, decided_cells
from evidencekb.site.context import PageContext
from evidencekb.site.model import SiteModel
from evidencekb.site.outdir import check_out, mark, prepare_parent, swap
from evidencekb.site.pages import build_pages, changes
from evidencekb.site.pages.other import PAGE_MAP
from evidencekb.site.tables import TableSource
from evidencekb.sparql.core import Engine
from evidencekb.sparql.engines import local_engine
from evidencekb.tables import TABLE_IDS

LANGUAGES = ("da", "en")  # the first is the default language, at the site root; the others in <lang>/
# (source under site/node_modules, destination under the docs folder)
VENDORED = [
    ("oxigraph/web.js", "assets/vendor/oxigraph/web.js"),
    ("oxigraph/web_bg.wasm", "assets/vendor/oxigraph/web_bg.wasm"),
    ("oxigraph/package.json", "assets/vendor/oxigraph/package.json"),
    ("mermaid/dist/mermaid.min.js", "assets/vendor/mermaid/mermaid.min.js"),
]
NAV = (  # (messages key under site.nav, page); "tables" expands to the index and one entry per table
    ("home", "index.md"), ("tables", "tables/index.md"), ("studies", "studies/index.md"),
    ("reports", "reports/index.md"), ("therapies", "therapies/index.md"), ("diseases", "diseases/index.md"),
    ("organisations", "organisations/index.md"), ("search", "search-strategy.md"), ("query", "query.md"),
    ("calculator", "calculator.md"),
    ("agreement", "agreement.md"), ("downloads", "downloads/index.md"), ("audit", "audit.md"),
    ("cite", "cite.md"),
)


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


def _intro(lang: str) -> str:
    """The hand-written introduction: site/docs/intro.md (Danish) or intro.<lang>.md."""
    folder = project.current().site / "docs"
    path = folder / ("intro.md" if lang == LANGUAGES[0] else f"intro.{lang}.md")
    return path.read_text(encoding="utf-8") if path.is_file() else ""


def generate_docs(docs: Path, graph: Graph, lang: str = "da", *, engine: Engine | None = None,
                  audit: Callable[[], list[Any]] | None = None, since: dict[str, Any] | None = None,
                  space: Callable[[str], Any] | None = None,
                  serialised: Callable[[str], str] | None = None) -> dict[str, str]:
    """Write every generated page, asset and download of one language into `docs`; return {path: Markdown}
    (and the FHIR Bundle download, JSON, which the Downloads page generates with its link). `since`: an
    `evidencekb diff` result, for the "What changed" page. `audit`, `space` and `serialised` (the graph in
    an RDF format) are computed once per build and shared by its languages."""
    engine = engine or local_engine(graph, "oxigraph")
    if audit is None:
        audit = functools.cache(functools.partial(collect_findings, graph=graph, engine=engine))
    model = SiteModel(engine, lang)
    ctx = PageContext(model, TableSource(engine, lang), audit, space)
    with _step(f"generating pages from the graph ({lang})"):
        pages = build_pages(ctx, _intro(lang))
        pages.update(changes.pages(ctx, since))
        for path, text in pages.items():
            target = docs / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        _progress(f"{len(pages)} pages ({len(model.of_kind('study'))} studies, "
                  f"{len(model.of_kind('report'))} secondary publications)")
    with _step(f"copying browser assets and writing downloads ({lang})"):
        _copy_assets(docs)
        _write_page_map(docs / PAGE_MAP, model)
        _write_downloads(docs / "downloads", serialised or functools.partial(serialize, graph), ctx.tables)
    return pages


def page_map(model: SiteModel) -> dict[str, str]:
    """IRI → the URL of its page relative to the site root ("studies/dima-2025/"), for the Query page."""
    paths = {iri: page.path for iri, page in model.pages.items()}
    paths.update(model.table_pages)
    return {iri: path[: -len(".md")] + "/" for iri, path in sorted(paths.items())}


def _write_page_map(target: Path, model: SiteModel) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(page_map(model), ensure_ascii=False, indent=0), encoding="utf-8")


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


def _write_downloads(folder: Path, serialised: Callable[[str], str], tables: TableSource) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "evidencekb.ttl").write_text(serialised("turtle"), encoding="utf-8")
    (folder / "evidencekb.jsonld").write_text(serialised("jsonld"), encoding="utf-8")
    for table_id in tables.ids():
        if tables.ok(table_id):
            (folder / f"table-{table_id}.csv").write_text(tables.csv(table_id), encoding="utf-8")


class _Collect(logging.Handler):
    """Collects MkDocs warnings so a strict-mode failure can name them."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def nav(lang: str, since: bool = False) -> list[Any]:
    """The navigation of one language, titles from messages/site.toml [nav] (`since`: with "What changed")."""
    entries: list[Any] = []
    for key, path in NAV:
        title = messages.text(f"site.nav.{key}", lang)
        if key == "tables":
            name = [{messages.text("site.tables.name", lang, id=t): f"tables/{t}.md"} for t in TABLE_IDS]
            entries.append({title: [path, *name]})
        else:
            entries.append({title: path})
    if since:
        entries.append({changes.title(lang): changes.PATH})
    return entries


def language_config(lang: str, folder: Path, since: bool = False) -> Path:
    """A MkDocs configuration for `lang` that inherits site/mkdocs.yml (written into `folder`)."""
    site = project.current().site
    others = [other for other in LANGUAGES if other != lang]
    up = "" if lang == LANGUAGES[0] else "../"
    switch = [{"lang": o, "name": messages.text("site.language.name", o),
               "link": up + ("" if o == LANGUAGES[0] else f"{o}/")} for o in others]
    config = {
        "INHERIT": str(site / "mkdocs.yml"),
        "site_name": messages.text("site.site.name", lang),
        "site_description": messages.text("site.site.description", lang),
        "theme": {"name": "material", "custom_dir": str(site / "overrides"), "language": lang},
        "nav": nav(lang, since),
        "extra": {"ekb_languages": switch, "ekb_switch_label": messages.text("site.language.switch", lang)},
    }
    path = folder / f"mkdocs-{lang}.yml"
    path.write_text(json.dumps(config, ensure_ascii=False, indent=1), encoding="utf-8")  # JSON is YAML
    return path


def run_mkdocs(docs: Path, site_dir: Path, lang: str = "da") -> None:
    """`mkdocs build --strict` of `docs` into `site_dir` with site/mkdocs.yml and the language's settings."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    config_file = language_config(lang, docs.parent, (docs / changes.PATH).is_file())
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


def build_site(out: Path | None = None, *, graph: Graph | None = None, since: dict[str, Any] | None = None) -> Path:
    """Build the site into `out` (default build/site) atomically; return the folder.

    `graph` replaces the project's knowledge base (tests use small fixture graphs); `since` (an
    `evidencekb diff` result) adds the page "What changed".
    """
    out = check_out(Path(out) if out is not None else project.current().build / "site")
    prepare_parent(out)
    started = time.perf_counter()
    if graph is None:
        with _step("loading the knowledge base"):
            graph = knowledge_base()
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}-build-", dir=out.parent))
    try:
        built = work / "site"
        with _graph_out_of_gc():
            engine = local_engine(graph, "oxigraph")
            audit = functools.cache(functools.partial(collect_findings, graph=graph, engine=engine))
            decided = functools.cache(decided_cells)
            space = functools.cache(lambda lang: build_space(lang=lang, decided=decided()))
            serialised = functools.cache(functools.partial(serialize, graph))
            for lang in LANGUAGES:
                docs = work / f"docs-{lang}"
                generate_docs(docs, graph, lang, engine=engine, audit=audit, since=since, space=space,
                              serialised=serialised)
                with _step(f"running mkdocs build (strict, {lang})"):
                    run_mkdocs(docs, built if lang == LANGUAGES[0] else built / lang, lang)
        mark(built)
        swap(built, out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    _progress(f"built {out} in {time.perf_counter() - started:.1f} s")
    return out
