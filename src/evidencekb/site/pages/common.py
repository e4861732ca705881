"""What several page kinds share: source annotations, the citation of a publication, and links to the
pages of council rules and entities."""

from __future__ import annotations

import html
from collections.abc import Callable

from evidencekb.namespaces import ekb
from evidencekb.site.context import PageContext
from evidencekb.site.text import bullet_list, md


def annotations(ctx: PageContext, iri: object) -> str:
    """Notes on ambiguous or misprinted source text about `iri` (annotations.rq, annotation.rq)."""
    rows = ctx.model.rows_about("annotations", "entity", iri)
    if not rows:
        return ""
    facts = ctx.facts("annotation")
    items = []
    for row in rows:
        note = row["annotation"]
        text = f"**{md(ctx.label(facts.value(note, 'annotationKind')))}**"
        printed = facts.text(note, "printedText", ctx.lang)
        expected = facts.text(note, "expectedText", ctx.lang)
        comment = facts.text(note, "comment", ctx.lang)
        if printed:
            text += ": " + ctx.t("annotations.printed", text=md(printed))
        if expected:
            text += ", " + ctx.t("annotations.expected", text=md(expected))
        if comment:
            text += f" — {md(comment)}"
        where = ctx.refs(facts.values(note, "location"))
        if where:
            text += f" ({where})"
        items.append(text)
    return f"## {ctx.t('annotations.heading')}\n\n" + bullet_list(items) + "\n"


def citation(ctx: PageContext, iri: object) -> str:
    """The bibliographic record of a study or report (citation.rq); a DOI links only when verified."""
    facts = ctx.facts("citation")
    parts = []
    number = facts.value(iri, "referenceNumber")
    if number is not None:
        parts.append(ctx.t("citation.reference", number=md(number)))
    bits = [facts.value(iri, name) for name in ("firstAuthor", "title", "journal", "publicationYear", "volumePages")]
    text = ". ".join(md(b) for b in bits if b is not None)
    if text:
        parts.append(text + ".")
    doi = facts.value(iri, "doi")
    status = facts.value(iri, "bibliographicStatus")
    if doi is not None and status == ekb["bib-verified"]:
        url = "https://doi.org/" + str(doi)
        parts.append(f'DOI: <a href="{html.escape(url, quote=True)}">{html.escape(str(doi))}</a>')
    elif doi is not None:
        parts.append(ctx.t("citation.doi_unverified", doi=md(doi)))
    pmid = facts.value(iri, "pmid")
    if pmid is not None:
        parts.append(f"PMID: {md(pmid)}")
    if status is not None:
        parts.append(ctx.t("citation.status", status=md(ctx.label(status))))
    note = facts.text(iri, "bibliographicNote", ctx.lang)
    if note:
        parts.append(md(note))
    return f"## {ctx.t('citation.heading')}\n\n" + "\n\n".join(parts) + "\n\n" if parts else ""


def title_block(ctx: PageContext, title: str) -> str:
    return f"# {md(title)}\n\n"


def rule_path(rule: object) -> str:
    """The docs path of a council rule's page."""
    return f"rules/{str(rule).rsplit('/', 1)[-1]}.md"


def rule_iris(ctx: PageContext) -> set[str]:
    return {str(r["rule"]) for r in ctx.model.council_rules}


def page_link(ctx: PageContext) -> Callable[[str], str | None]:
    """IRI → a link from `ctx`'s page to the rule's page if the IRI is a council rule, else to the entity's
    page; None when it has neither."""
    rules = rule_iris(ctx)

    def link(iri: str) -> str | None:
        if iri in rules:
            return ctx.to(rule_path(iri))
        page = ctx.model.pages.get(iri)
        return ctx.to(page.path) if page is not None else None

    return link
