"""One page per council rule (`rules/<id>.md`, MAGICapp's shape) and the page "Where do the sources agree?".

Rule pages: the rule, its rationale, the evidence behind it (studies with the council's certainty,
consensus reports with their AGREE II rating), practical information and the revision trigger, all from
`evidencekb.why.why` (queries/why/). Text the addendum prints only in Danish stays Danish; English pages
show the curators' translation, marked as one, with the printed Danish beside it in `<span lang="da">`.
The agreement page is `evidencekb.revision.page.agreement_page` on the decision space of the project.
"""

from __future__ import annotations

from typing import Any

from evidencekb import why
from evidencekb.revision.page import PAGE_CSS, agreement_page
from evidencekb.revision.space import build_space
from evidencekb.site.context import PageContext, front_matter
from evidencekb.site.pages.common import page_link, rule_path
from evidencekb.site.text import bullet_list, md
from evidencekb.terms import URIRef

AGREEMENT = "agreement.md"


def _printed(ctx: PageContext, text: str | None, translation: str | None) -> str:
    """Printed Danish text; on other pages the translation (marked) with the Danish quoted beside it."""
    if ctx.lang == "da":
        return md(text or "")
    if not translation:
        return f'<span lang="da">{md(text or "")}</span>'
    return (f"{md(translation)} <em>({md(ctx.t('rules.translation'))})</em><br>"
            f'<q lang="da">{md(text or "")}</q>')


def _statement(ctx: PageContext, s: dict[str, Any]) -> str:
    section = f" ({md(ctx.t('rules.section', section=s['section']))})" if s.get("section") else ""
    kind = f"**{md(s['kind_label'])}**: " if s.get("kind_label") else ""
    return kind + _printed(ctx, s.get("text"), s.get("translation")) + section


def _publication(ctx: PageContext, p: dict[str, Any]) -> str:
    ref = " " + md(f"[{p['reference_number']}]") if p.get("reference_number") is not None else ""
    rating = f" — AGREE II: {md(p['agree_rating_label'])}" if p.get("agree_rating_label") else ""
    criteria = "".join(f'<br><q lang="da">{md(c.get("text") or "")}</q>' for c in p.get("criteria", []))
    return ctx.ref(p["publication"], p.get("label") or p.get("short_name")) + ref + rating + criteria


def _evidence(ctx: PageContext, e: dict[str, Any]) -> str:
    who = ctx.ref(e["publication"], e.get("short_name")) if e.get("publication") else ""
    ref = " " + md(f"[{e['reference_number']}]") if e.get("reference_number") is not None else ""
    certainty = (f" — {md(ctx.t('rules.certainty'))}: **{md(e['certainty_label'])}**"
                 if e.get("certainty_label") else "")
    return f"{who}{ref}{certainty}: " + _printed(ctx, e.get("statement"), e.get("translation"))


def _section(ctx: PageContext, key: str, items: list[str]) -> str:
    return f"## {ctx.t(f'rules.{key}')}\n\n" + (bullet_list(items) if items else ctx.none()) + "\n"


def rule_page(ctx: PageContext, rule: dict[str, Any]) -> str:
    ctx = ctx.at(rule_path(rule["rule"]))
    chain = why.why(rule["localName"], ctx.lang, ctx.model.engine)
    label = chain.get("label") or rule["localName"]
    statements = chain["justification"]
    practical = [s for s in statements if s.get("kind") == "practical-consideration"]
    rationale = [s for s in statements if s.get("kind") != "practical-consideration"]
    studies = [e for e in chain["evidence"] if e.get("certainty_label")]
    others = [e for e in chain["evidence"] if not e.get("certainty_label")]
    kind = ctx.t(f"criteria.{rule.get('kind')}") if rule.get("kind") in ("start", "stop") else ""
    parts = [front_matter(label), f"# {md(label)}\n\n"]
    lead = [md(kind)] if kind else []
    if chain.get("section"):
        lead.append(md(ctx.t("rules.section", section=chain["section"])))
    if lead:
        parts.append(f'<p class="ekb-subtitle" markdown>{" · ".join(lead)}</p>\n\n')
    text = chain.get("text") or ""
    quote = f'<blockquote lang="da" markdown>\n{md(text)}\n</blockquote>\n\n' if text else ctx.none()
    parts.append(f"## {ctx.t('rules.rule')}\n\n" + quote + "\n")
    parts.append(_section(ctx, "rationale", [_statement(ctx, s) for s in rationale]))
    parts.append(f"## {ctx.t('rules.evidence')}\n\n")
    parts.append(f"### {ctx.t('rules.studies')}\n\n"
                 + (bullet_list([_evidence(ctx, e) for e in studies + others]) or ctx.none()) + "\n")
    parts.append(f"### {ctx.t('rules.reports')}\n\n"
                 + (bullet_list([_publication(ctx, p) for p in chain["sources"]]) or ctx.none()) + "\n")
    if chain.get("departs_from"):
        parts.append(f"### {ctx.t('rules.departs_from')}\n\n"
                     + bullet_list([_publication(ctx, p) for p in chain["departs_from"]]) + "\n")
    if chain.get("assessments"):
        certainty = md(ctx.t("rules.certainty"))
        items = [f"**{md(a.get('label') or '')}**: " + _printed(ctx, a.get("text"), None)
                 + (f" ({certainty}: {md(a['certainty_label'])})" if a.get("certainty_label") else "")
                 for a in chain["assessments"]]
        parts.append(f"### {ctx.t('rules.assessments')}\n\n" + bullet_list(items) + "\n")
    parts.append(_section(ctx, "practical", [_statement(ctx, s) for s in practical]))
    parts.append(_section(ctx, "revision", [_statement(ctx, s) for s in chain["revision_trigger"]]))
    return "".join(parts)


def agreement(ctx: PageContext) -> str:
    """The agreement page: the decision space of the current project (evidencekb.revision)."""
    ctx = ctx.at(AGREEMENT)
    space = ctx.space(ctx.lang) if ctx.space else build_space(lang=ctx.lang)
    link = page_link(ctx)

    def name(iri: str) -> str | None:
        return ctx.model.label(URIRef(iri)) if ctx.model.has_label(iri) else None

    text = agreement_page(space, ctx.lang, link, name)
    # the matrix (hundreds of rows) stays out of the search index: it would slow every search
    return front_matter(ctx.t("nav.agreement"), search={"exclude": True}) + text + f"\n<style>\n{PAGE_CSS}\n</style>\n"


def pages(ctx: PageContext) -> dict[str, str]:
    out = {rule_path(r["rule"]): rule_page(ctx, r) for r in ctx.model.council_rules}
    out[AGREEMENT] = agreement(ctx)
    return out
