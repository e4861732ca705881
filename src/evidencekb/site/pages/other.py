"""The search strategy, the in-browser SPARQL page, downloads and the audit.

Queries: search.rq and search-lines.rq (search-strategy.md); queries/site/example-*.rq and
queries/questions/*.rq (query.md); the audit's own queries (audit.md, through evidencekb.checks.audit);
queries/fhir/ (the FHIR R5 Bundle on downloads/index.md, through evidencekb.fhir.export: `pages` returns it as
the file downloads/evidencekb.fhir.json beside the page, so the link and the file come from one export).
The Bundle does not depend on the language: it is exported once per engine (graph) and process
(`fhir_bundle_of`), for every language built in that process or in processes forked after it ran.
"""

from __future__ import annotations

import html
import sys
from typing import Any
from weakref import WeakKeyDictionary

from evidencekb.fhir.export import export_text
from evidencekb.namespaces import curie
from evidencekb.site.context import PageContext, front_matter
from evidencekb.site.query import examples, query_widget
from evidencekb.site.text import bullet_list, link, md, table
from evidencekb.terms import URIRef

PAGE_MAP = "assets/ekb-pages.json"  # docs-relative; read by assets/ekb-query.js
FHIR_BUNDLE = "evidencekb.fhir.json"  # in downloads/: `evidencekb export --format fhir`


def search_strategy(ctx: PageContext) -> str:
    ctx = ctx.at("search-strategy.md")
    facts = ctx.facts("search")
    searches: dict[str, list[Any]] = {}
    for row in ctx.model.select("search-lines").terms:
        searches.setdefault(str(row["search"]), [])
        if row["line"] is not None:
            searches[str(row["search"])].append(row)
    parts = [front_matter(ctx.t("search.title")), f"# {ctx.t('search.heading')}\n\n"]
    if not searches:
        parts.append(ctx.none())
    columns = [ctx.t(f"search.columns.{c}") for c in ("number", "query", "hits")]
    for search, lines in searches.items():
        parts.append(f"## {md(ctx.label(search))}\n\n")
        parts.append(ctx.fact_table([
            ("database", ctx.labels(facts.values(search, "database"))),
            ("date", md(facts.value(search, "searchDate") or "")),
            ("scope", md(facts.text(search, "searchScope", ctx.lang) or "")),
            ("source", ctx.provenance(search)),
        ]) + "\n")
        rows = []
        for row in sorted(lines, key=lambda r: int(r["lineNumber"]) if r["lineNumber"] is not None else 0):
            hits = row["hitsAsPrinted"] if row["hitsAsPrinted"] is not None else row["hits"]
            rows.append([md(row["lineNumber"] or ""), f"<code>{html.escape(str(row['query'] or ''))}</code>",
                         md(hits if hits is not None else "")])
        if rows:
            parts.append('<div class="ekb-scroll" markdown>\n\n' + table(columns, rows) + "\n</div>\n\n")
    return "".join(parts)


def query_page(ctx: PageContext) -> str:
    ctx = ctx.at("query.md")
    root = ctx.html_to("index.md")
    root = root[: -len("index.md")] if root.endswith("index.md") else ""
    words = {key: ctx.t(f"query.{key}")
             for key in ("examples", "run", "loading", "loaded", "rows", "triples", "error", "load_failed")}
    return (front_matter("SPARQL", hide=["toc"]) + f"# {ctx.t('query.heading')}\n\n{ctx.t('query.lead')}\n\n"
            + query_widget(ctx.html_to("downloads/evidencekb.ttl"), ctx.html_to("assets/ekb-query.js"), examples(),
                           pages_url=ctx.html_to(PAGE_MAP), root_url=root or "./", words=words))


#: engine → (its size, the Bundle's JSON) of the last export: the languages of a build share one engine
_bundles: WeakKeyDictionary[Any, tuple[int | None, str]] = WeakKeyDictionary()


def _size(engine: Any) -> int | None:
    try:
        return len(engine)
    except TypeError:
        return None


def fhir_bundle_of(engine: Any) -> str:
    """The FHIR R5 Bundle (JSON) of the engine's graph, exported once per engine and size (`_bundles`): a
    build that calls it before its languages fork gives them the Bundle made once. Raises what the export
    raises (not remembered)."""
    try:
        size, text = _bundles[engine]
        if size is not None and size == _size(engine):
            return text
    except (KeyError, TypeError):  # not exported yet, or an engine that cannot be remembered weakly
        pass
    text = export_text(engine)
    try:
        _bundles[engine] = (_size(engine), text)
    except TypeError:
        pass
    return text


def fhir_bundle(ctx: PageContext) -> str | None:
    """The addendum as a FHIR R5 Bundle (JSON), or None (with a warning) when the graph cannot give one."""
    try:
        return fhir_bundle_of(ctx.model.engine)
    except Exception as error:  # the rest of the site still builds; the Downloads page says so
        print(f"site: warning: the FHIR bundle could not be generated: {error!r}", file=sys.stderr)
        return None


def downloads(ctx: PageContext, fhir: bool = True) -> str:
    ctx = ctx.at("downloads/index.md")
    items = [link(ctx.t("downloads.turtle"), "evidencekb.ttl"), link(ctx.t("downloads.jsonld"), "evidencekb.jsonld"),
             link(ctx.t("downloads.fhir"), FHIR_BUNDLE) if fhir else md(ctx.t("downloads.fhir_failed"))]
    tables = [link(ctx.t("downloads.table", id=t), f"table-{t}.csv") for t in ctx.tables.ids() if ctx.tables.ok(t)]
    return (front_matter("Downloads") + "# Downloads\n\n" + f"{ctx.t('downloads.lead')}\n\n"
            + bullet_list(items) + f"\n## {ctx.t('downloads.fhir_heading')}\n\n{ctx.t('downloads.fhir_note')}\n"
            + f"\n## {ctx.t('downloads.tables')}\n\n"
            + (bullet_list(tables) or ctx.tables.missing_note()))


def audit_page(ctx: PageContext) -> str:
    ctx = ctx.at("audit.md")
    parts = [front_matter("Audit"), f"# {ctx.t('audit.heading')}\n\n"]
    if ctx.audit is None:
        warning = f'!!! warning "{ctx.t("audit.unavailable_title")}"\n\n    {ctx.t("audit.unavailable")}\n'
        return "".join(parts) + warning
    findings = ctx.audit()
    if not findings:
        parts.append(ctx.t("audit.none") + "\n")
    rows = []
    for f in findings:
        rows.append([md(getattr(f, "severity", "")), md(getattr(f, "check", "")),
                     f"**{md(getattr(f, 'title', ''))}**<br>{md(getattr(f, 'message', ''))}",
                     ", ".join(_iri_ref(ctx, x) for x in getattr(f, "locations", []) or []),
                     ", ".join(_iri_ref(ctx, x) for x in getattr(f, "entities", []) or [])])
    if rows:
        columns = [ctx.t(f"audit.columns.{c}") for c in ("severity", "check", "finding", "location", "entities")]
        parts.append(ctx.t("audit.count", count=len(rows)) + "\n\n"
                     + '<div class="ekb-scroll" markdown>\n\n' + table(columns, rows) + "\n</div>\n")
    return "".join(parts)


def _iri_ref(ctx: PageContext, iri: object) -> str:
    text = str(iri)
    if text in ctx.model.pages or text in ctx.model.table_pages:
        return ctx.ref(URIRef(text))
    return md(ctx.model.label(URIRef(text)) if ctx.model.has_label(text) else curie(text))


def pages(ctx: PageContext) -> dict[str, str]:
    bundle = fhir_bundle(ctx)
    out = {"search-strategy.md": search_strategy(ctx), "query.md": query_page(ctx),
           "downloads/index.md": downloads(ctx, fhir=bundle is not None), "audit.md": audit_page(ctx)}
    if bundle is not None:
        out[f"downloads/{FHIR_BUNDLE}"] = bundle
    return out
