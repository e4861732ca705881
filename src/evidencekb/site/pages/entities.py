"""Therapies, target antigens, diseases and organisations: therapies/index.md, diseases/index.md,
organisations/index.md and one page each. Queries: entity.rq (acronym, therapy class, antigen, parent
organisation, definition, note), links.rq (who points at the entity), labels.rq, provenance.rq."""

from __future__ import annotations

from collections import defaultdict

from evidencekb.site import jsonld
from evidencekb.site.context import PageContext, front_matter
from evidencekb.site.text import bullet_list, md, table

KINDS = ("product", "therapy-class", "antigen", "disease", "organisation")
SCHEMA_TYPES = {"product": "Drug", "organisation": "Organization", "disease": "MedicalCondition"}
RELATIONS = {"product": "product", "therapy-class": "therapy-class", "antigen": "antigen",
             "disease": "disease", "organisation": "issuing-body"}


def _of(ctx: PageContext, iris: list[str], kind: str) -> list[str]:
    pages = ctx.model.pages
    return [i for i in iris if i in pages and pages[i].kind == kind]


def therapies(ctx: PageContext) -> str:
    ctx, m = ctx.at("therapies/index.md"), ctx.model
    facts = ctx.facts("entity")
    parts = [front_matter(ctx.t("entities.therapies.title")), f"# {ctx.t('entities.therapies.title')}\n\n",
             f"## {ctx.t('kinds.therapy-class')}\n\n"]
    for page in m.of_kind("therapy-class"):
        products = _of(ctx, m.linked("therapy-class", page.iri), "product")
        parts.append(f"### {ctx.ref(page.iri)}\n\n" + (bullet_list(ctx.ref(p) for p in products) or ctx.none()) + "\n")
    rows = []
    for page in m.of_kind("antigen"):
        users = m.linked("antigen", page.iri)
        rows.append([ctx.ref(page.iri), ctx.refs(_of(ctx, users, "product")), ctx.refs(_of(ctx, users, "study"))])
    columns = [ctx.t(f"entities.columns.{c}") for c in ("antigen", "products", "studies")]
    parts.append(f"## {ctx.t('kinds.antigen')}\n\n" + (table(columns, rows) if rows else ctx.none()))
    rows = []
    for page in m.of_kind("product"):
        p = page.iri
        rows.append([ctx.ref(p), ", ".join(md(n) for n in m.other_names(p)),
                     ctx.refs(facts.values(p, "therapyClass")), ctx.refs(facts.values(p, "targetAntigen")),
                     ctx.refs(m.linked("product", p))])
    columns = [ctx.t(f"entities.columns.{c}")
               for c in ("product", "short_name", "therapy_class", "antigen", "studies")]
    body = '<div class="ekb-scroll" markdown>\n\n' + table(columns, rows) + "\n</div>\n" if rows else ctx.none()
    parts.append(f"\n## {ctx.t('kinds.product')}\n\n" + body)
    return "".join(parts)


def related(ctx: PageContext, iri: str, kind: str) -> dict[str, list[str]]:
    """Pages linked to the entity, grouped by page kind."""
    groups: dict[str, list[str]] = defaultdict(list)
    for source in ctx.model.linked(RELATIONS[kind], iri):
        page = ctx.model.pages.get(source)
        if page is not None:
            groups[page.kind].append(source)
    if kind == "organisation":
        groups["organisation"] += ctx.model.linked("member-of", iri)
    return groups


def simple_index(ctx: PageContext, kind: str, path: str) -> str:
    ctx = ctx.at(path)
    key = {"disease": "diseases", "organisation": "organisations"}[kind]
    items = []
    for page in ctx.model.of_kind(kind):
        count = sum(len(v) for v in related(ctx, page.iri, kind).values())
        items.append(f"{ctx.ref(page.iri)} ({count})")
    title = ctx.t(f"entities.{key}.title")
    return (front_matter(title) + f"# {title}\n\n{ctx.t(f'entities.{key}.lead')}\n\n"
            + (bullet_list(items) or ctx.none()))


def entity_page(ctx: PageContext, iri: str, path: str, kind: str) -> str:
    ctx, m = ctx.at(path), ctx.model
    facts, label = ctx.facts("entity"), m.label(iri)
    data = jsonld.simple(m, iri, SCHEMA_TYPES.get(kind, "DefinedTerm"))
    parts = [front_matter(label, data, hide=["toc"]), f"# {md(label)}\n\n"]
    parts.append(ctx.fact_table([
        ("type", md(ctx.t(f"kinds.{kind}"))),
        ("other_names", ", ".join(md(n) for n in m.other_names(iri))),
        ("acronym", md(facts.value(iri, "acronym") or "")),
        ("therapy_class", ctx.refs(facts.values(iri, "therapyClass"))),
        ("antigen", ctx.refs(facts.values(iri, "targetAntigen"))),
        ("part_of", ctx.refs(facts.values(iri, "memberOf"))),
        ("definition", md(facts.text(iri, "definition", ctx.lang) or "")),
        ("note", md(facts.text(iri, "comment", ctx.lang) or "")),
        ("source", ctx.provenance(iri)),
    ]))
    groups = related(ctx, iri, kind)
    for group in ("product", "study", "report", "organisation"):
        if groups.get(group):
            parts.append(f"\n## {ctx.t(f'kinds.{group}')}\n\n" + bullet_list(ctx.ref(x) for x in groups[group]))
    if kind == "organisation":
        parents = facts.values(iri, "memberOf")
        if parents:
            parts.append(f"\n## {ctx.t('fields.part_of')}\n\n" + bullet_list(ctx.ref(x) for x in parents))
    return "".join(parts)


def pages(ctx: PageContext) -> dict[str, str]:
    out = {"therapies/index.md": therapies(ctx),
           "diseases/index.md": simple_index(ctx, "disease", "diseases/index.md"),
           "organisations/index.md": simple_index(ctx, "organisation", "organisations/index.md")}
    for kind in KINDS:
        for page in ctx.model.of_kind(kind):
            out[page.path] = entity_page(ctx, page.iri, page.path, kind)
    return out
