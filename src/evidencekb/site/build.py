"""`evidencekb site build`: generate the pages from the graph, then build them with MkDocs-Material.

The site is built in two languages: Danish at the root and English under `en/`, each a full parallel
site (same page paths, its own MkDocs build with `theme.language`, navigation titles from
messages/site.toml). Steps per language (progress on stderr): query the graph and write Markdown into a
temporary docs folder (`evidencekb.site.pages`), copy the browser assets (Oxigraph WebAssembly and
Mermaid from site/node_modules, our JS and CSS from site/assets), write the downloads (graph as Turtle
and JSON-LD, the FHIR R5 Bundle, tables as CSV), run `mkdocs build` in strict mode. Only then is the new
site swapped into place (`evidencekb.site.outdir`): a failure at any step leaves the previous site untouched.

Everything the languages share — the audit, the decision space's cells, the serialised graph — is
computed once, before the languages are built side by side (`evidencekb.parallel`: forked processes
that inherit it). The pages and the downloads read the graph through the process's one pyoxigraph
store, as light terms: the site never parses with rdflib.
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
from typing import TYPE_CHECKING, Any

from evidencekb import messages, parallel, project
from evidencekb.checks.audit import collect_findings
from evidencekb.errors import EvidenceKBError, InputError
from evidencekb.export import serialize, serialize_formats
from evidencekb.revision.space import build_space, decided_cells
from evidencekb.site.context import PageContext
from evidencekb.site.model import SiteModel
from evidencekb.site.outdir import check_out, mark, prepare_parent, swap
from evidencekb.site.pages import build_pages, calculator, changes
from evidencekb.site.pages.other import PAGE_MAP, fhir_bundle_of
from evidencekb.site.tables import TableSource
from evidencekb.sparql.core import Engine
from evidencekb.sparql.engines import get_engine, local_engine
from evidencekb.tables import TABLE_IDS

if TYPE_CHECKING:
    from rdflib import Graph

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


def generate_docs(docs: Path, graph: Graph | None = None, lang: str = "da", *, engine: Engine | None = None,
                  audit: Callable[[], list[Any]] | None = None, since: dict[str, Any] | None = None,
                  space: Callable[[str], Any] | None = None,
                  serialised: Callable[[str], str] | None = None) -> dict[str, str]:
    """Write every generated page, asset and download of one language into `docs`; return {path: Markdown}
    (and the FHIR Bundle download, JSON, which the Downloads page generates with its link). The graph is
    `engine`'s, else `graph` (an rdflib graph, for tests), else the project's knowledge base. `since`: an
    `evidencekb diff` result, for the "What changed" page. `audit`, `space` and `serialised` (the graph in
    an RDF format) are computed once per build and shared by its languages."""
    engine = engine or _engine(graph)
    if audit is None:
        audit = functools.cache(functools.partial(collect_findings, engine=engine))
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
        _write_downloads(docs / "downloads", serialised or functools.partial(serialize, _store(engine)), ctx.tables)
    return pages


def _engine(graph: Graph | None) -> Engine:
    """The project's one engine, or one over `graph`."""
    return local_engine(graph) if graph is not None else get_engine()


def _store(engine: Engine) -> Any:
    """The pyoxigraph store a local engine reads (what the downloads serialise)."""
    return engine.store  # type: ignore[attr-defined]


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


def build_site(out: Path | None = None, *, graph: Graph | None = None, since: dict[str, Any] | None = None,
               gate: Callable[[], None] | None = None) -> Path:
    """Build the site into `out` (default build/site) atomically; return the folder.

    `graph` (an rdflib graph) replaces the project's knowledge base (tests use small fixture graphs);
    `since` (an `evidencekb diff` result) adds the page "What changed"; `gate` is called when the site
    is built, before it replaces `out`: if it raises, `out` is left as it was (`build` waits there for
    its validation).
    """
    out = check_out(Path(out) if out is not None else project.current().build / "site")
    prepare_parent(out)
    started = time.perf_counter()
    with _step("loading the knowledge base"):
        engine = _engine(graph)
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}-build-", dir=out.parent))
    try:
        with _graph_out_of_gc():
            shared = _shared(engine)
            parallel.run_all([(f"site ({lang})", functools.partial(_build_language, work, lang, engine, shared, since))
                              for lang in LANGUAGES])
        built = work / f"site-{LANGUAGES[0]}"
        for lang in LANGUAGES[1:]:
            (work / f"site-{lang}").rename(built / lang)
        if gate is not None:
            gate()
        mark(built)
        swap(built, out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    _progress(f"built {out} in {time.perf_counter() - started:.1f} s")
    return out


def _warm_calculator_maps() -> None:
    """Parse the calculator's query files into the binding-map cache (build/cache) if it is cold."""
    calculator.binding_maps(calculator.query_files())


def _warm_mkdocs() -> None:
    """Import MkDocs, the theme with its plugins and the Markdown extensions here, so that the forked
    languages inherit them instead of each importing them again (done while the decision space's job
    runs). A configuration that does not load is left for the languages' builds to report."""
    import markdown
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    with tempfile.TemporaryDirectory() as folder:
        docs = Path(folder) / "docs"
        docs.mkdir()
        try:
            config = load_config(config_file=str(language_config(LANGUAGES[0], Path(folder))), docs_dir=str(docs),
                                 site_dir=str(Path(folder) / "site"))
            markdown.Markdown(extensions=config["markdown_extensions"], extension_configs=config["mdx_configs"])
            config.theme.get_env()
        except (MkDocsException, SystemExit):
            pass


def _shared(engine: Engine) -> dict[str, Any]:
    """What every language reads, computed once before the languages are built side by side: the
    decision space's cells and (when its cache is cold) the calculator's query maps in jobs of their
    own, beside the audit, the FHIR Bundle and the serialised graph."""
    with _step("auditing the graph and computing the decision space"):
        jobs = [parallel.start(decided_cells, "decision space"),
                parallel.start(_warm_calculator_maps, "calculator's query maps")]
        try:
            audit = collect_findings(engine=engine)
            try:
                fhir_bundle_of(engine)  # remembered for the languages' Downloads pages
            except Exception:  # noqa: BLE001 - a graph without one: each Downloads page says so (pages.other)
                pass
            serialised = serialize_formats(_store(engine), ("turtle", "jsonld"))
            _warm_mkdocs()
            cells = jobs[0].result()
            jobs[1].result()
        finally:
            for job in jobs:
                job.stop()
        return {"audit": audit, "serialised": serialised,
                "space": {lang: build_space(lang=lang, decided=cells) for lang in LANGUAGES}}


def _build_language(work: Path, lang: str, engine: Engine, shared: dict[str, Any],
                    since: dict[str, Any] | None) -> None:
    """Pages, assets and downloads of `lang` in work/docs-<lang>, built by MkDocs into work/site-<lang>."""
    docs = work / f"docs-{lang}"
    generate_docs(docs, lang=lang, engine=engine, audit=lambda: shared["audit"], since=since,
                  space=shared["space"].__getitem__, serialised=shared["serialised"].__getitem__)
    with _step(f"running mkdocs build (strict, {lang})"):
        run_mkdocs(docs, work / f"site-{lang}", lang)
