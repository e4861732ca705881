"""The secondary-publication pages: reports/index.md and reports/<slug>.md.

Queries: report.rq (type, issuer, therapy classes, purpose, method, AGREE II appraisal and findings),
appraisal-findings.rq (findings by AGREE II domain), report-criteria.rq (which criteria and
recommendations a publication states) with criterion.rq (what they say), citation.rq, provenance.rq,
annotations.rq/annotation.rq, labels.rq.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from evidencekb.namespaces import ekb
from evidencekb.site import jsonld
from evidencekb.site.context import PageContext, front_matter
from evidencekb.site.criteria import (
    action_text,
    conditions,
    criterion_anchor,
    criterion_window,
    igg_text,
    window_text,
)
from evidencekb.site.pages.common import annotations, citation
from evidencekb.site.text import attr, bullet_list, chip, md, number, table

FINDING_KINDS = (("strength", "plus"), ("weakness", "minus"), ("finding", "note"))


def _types(ctx: PageContext, r: object) -> list[Any]:
    return [t for t in ctx.facts("report").values(r, "type") if t != ekb.SecondaryPublication]


def _rating(ctx: PageContext, r: object) -> Any:
    facts = ctx.facts("report")
    return facts.value(facts.value(r, "appraisal"), "overallRating")


def index(ctx: PageContext) -> str:
    ctx = ctx.at("reports/index.md")
    facts, rows = ctx.facts("report"), []
    for page in ctx.model.of_kind("report"):
        r, rating = page.iri, _rating(ctx, page.iri)
        rows.append([ctx.ref(r), md(ctx.facts("citation").value(r, "referenceNumber") or ""),
                     ctx.labels(_types(ctx, r)), ctx.refs(facts.values(r, "issuingBody")),
                     ctx.refs(facts.values(r, "therapyClass")), md(ctx.label(rating)) if rating is not None else "",
                     ctx.refs(ctx.facts("provenance").values(r, "wasDerivedFrom"))])
    columns = [ctx.t(f"reports.columns.{c}") for c in
               ("publication", "ref", "type", "issuer", "therapy_class", "agree", "source")]
    return (front_matter(ctx.t("reports.title"), hide=["toc"]) + f"# {ctx.t('reports.heading')}\n\n"
            + '<div class="ekb-scroll" markdown>\n\n' + table(columns, rows) + "\n</div>\n")


def summary(ctx: PageContext, r: str) -> str:
    """One line under the title: type · issuing body · year · therapy classes · AGREE II rating."""
    facts = ctx.facts("report")
    bits = [chip(md(ctx.label(t)), "design") for t in _types(ctx, r)]
    bits += [chip(ctx.ref(b), "who") for b in facts.values(r, "issuingBody")]
    year = ctx.facts("citation").value(r, "publicationYear")
    if year is not None:
        bits.append(chip(md(year), "time"))
    bits += [chip(ctx.ref(t), "therapy") for t in facts.values(r, "therapyClass")]
    rating = _rating(ctx, r)
    if rating is not None:
        bits.append(chip("AGREE II: " + md(ctx.label(rating)), "agree"))
    return f'<p class="ekb-summary" markdown>{" ".join(bits)}</p>\n\n' if bits else ""


def report_page(ctx: PageContext, r: str, path: str) -> str:
    ctx = ctx.at(path)
    facts, label = ctx.facts("report"), ctx.label(r)
    parts = [front_matter(label, jsonld.article(ctx.model, r)), f"# {md(label)}\n\n", summary(ctx, r)]
    parts.append('<div class="ekb-scroll" markdown>\n\n' + ctx.fact_table([
        ("type", ctx.labels(_types(ctx, r))),
        ("reference_number", md(ctx.facts("citation").value(r, "referenceNumber") or "")),
        ("year", md(ctx.facts("citation").value(r, "publicationYear") or "")),
        ("issuer", ctx.refs(facts.values(r, "issuingBody"))),
        ("therapy_class", ctx.refs(facts.values(r, "therapyClass"))),
        ("disease", ctx.refs(facts.values(r, "diseaseArea"))),
        ("source", ctx.provenance(r)),
    ]) + "\n</div>\n")
    for key in ("purpose", "method"):
        if facts.text(r, key, ctx.lang):
            parts.append(f"\n## {ctx.t(f'reports.{key}')}\n\n{ctx.say('report', r, key)}\n")
    parts.append(f"\n## {ctx.t('reports.appraisal')}\n\n" + appraisal(ctx, r))
    by_kind: dict[str, list[Any]] = defaultdict(list)
    for row in ctx.model.rows_about("report-criteria", "publication", r):
        if row["item"] not in by_kind[str(row["kind"])]:
            by_kind[str(row["kind"])].append(row["item"])
    for kind in ("start", "stop"):
        blocks = criteria_blocks(ctx, by_kind.get(kind, []), kind)
        parts.append(f"\n## {ctx.t(f'reports.{kind}_criteria')}\n\n" + blocks)
    parts.append(f"\n## {ctx.t('reports.administration')}\n\n"
                 + recommendation_blocks(ctx, by_kind.get("administration", [])))
    others = by_kind.get("other", [])
    children = [o for o in others if ekb["population-child"] in ctx.facts("criterion").values(o, "population")]
    rest = [o for o in others if o not in children]
    parts.append(f"\n## {ctx.t('reports.other')}\n\n" + recommendation_blocks(ctx, rest))
    parts.append(f"\n## {ctx.t('reports.children')}\n\n" + recommendation_blocks(ctx, children))
    parts.append("\n" + annotations(ctx, r))
    parts.append(citation(ctx, r))
    return "".join(parts)


def appraisal(ctx: PageContext, r: str) -> str:
    """The AGREE II appraisal: overall rating, the council's words, one card per domain."""
    rows = ctx.model.rows_about("appraisal-findings", "publication", r)
    if not rows:
        return f"_{ctx.t('reports.no_appraisal')}_\n"
    facts, node = ctx.facts("report"), rows[0]["appraisal"]
    parts = []
    rating = facts.value(node, "overallRating")
    if rating is not None:
        parts.append(f"{ctx.t('reports.overall')}: {chip(md(ctx.label(rating)), 'agree')}\n\n")
    if facts.text(node, "ratingText", ctx.lang):
        parts.append(f"«{ctx.say('report', node, 'ratingText')}»\n\n")
    domains: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    domain_iri: dict[str, Any] = {}
    for row in rows:
        if row["finding"] is None:
            continue
        key = str(row["domainNotation"] or "~")
        domain_iri[key] = row["domain"]
        finding = row["finding"]
        domains[key][str(row["type"])].append(ctx.say("report", finding, "text") or md(ctx.label(finding)))
    cards = []
    for key in sorted(domains, key=lambda k: (not k.isdigit(), k)):
        domain = domain_iri[key]
        name = ctx.label(domain) if domain is not None else ctx.t("reports.no_domain")
        heading = ctx.t("reports.domain", number=key) if key.isdigit() else "AGREE II"
        body = [f'<p class="ekb-card__title" markdown><span class="ekb-card__kicker">{md(heading)}</span> '
                f"{md(name)}</p>\n"]
        for kind, css in FINDING_KINDS:
            if domains[key].get(kind):
                body.append(f'<p class="ekb-card__sub" markdown>{md(ctx.t(f"reports.findings.{kind}"))}</p>\n'
                            f'<ul class="ekb-findings ekb-findings--{css}" markdown>\n'
                            + "".join(f"<li markdown>{item}</li>\n" for item in domains[key][kind]) + "</ul>\n")
        cards.append('<div class="ekb-card ekb-card--agree" markdown>\n' + "".join(body) + "</div>\n")
    if cards:
        parts.append('<div class="ekb-cards ekb-cards--agree" markdown>\n\n' + "\n".join(cards) + "\n</div>\n\n")
    parts.append(f"{ctx.t('fields.source')}: {ctx.provenance(node)}\n")
    return "".join(parts)


def criteria_blocks(ctx: PageContext, criteria: list[Any], kind: str) -> str:
    if not criteria:
        return ctx.none()
    facts, items = ctx.facts("criterion"), []
    for c in sorted(criteria, key=str):
        text = (f'<span id="{attr(criterion_anchor(c))}"></span>**{md(action_text(ctx.model, c))}** — '
                + " · ".join(md(x) for x in conditions(ctx.model, c, kind)))
        for extra in facts.texts(c, "additionalCondition", ctx.lang):
            text += f" · {md(extra)}"
        if facts.text(c, "verbatim", ctx.lang):
            text += f"<br>«{ctx.say('criterion', c, 'verbatim')}»"
        items.append(text + f" ({ctx.provenance(c)})")
    return bullet_list(items)


def _span(low: object, high: object) -> str:
    return number(low) if high is None or low == high else f"{number(low)}–{number(high)}"


def recommendation_blocks(ctx: PageContext, items: list[Any]) -> str:
    if not items:
        return ctx.none()
    facts, lines = ctx.facts("criterion"), []
    for item in sorted(items, key=str):
        bits = [f"**{md(ctx.label(item))}**"]
        route = facts.value(item, "route")
        if route is not None:
            bits.append(md(ctx.label(route)))
        low, high = facts.value(item, "doseMinGPerKg"), facts.value(item, "doseMaxGPerKg")
        if low is not None or high is not None:
            bits.append(md(ctx.t("reports.dose", dose=_span(low, high))))
        low, high = facts.value(item, "intervalMinWeeks"), facts.value(item, "intervalMaxWeeks")
        if low is not None or high is not None:
            bits.append(md(ctx.t("reports.interval", weeks=_span(low, high))))
        trough = facts.value(item, "troughTarget")
        if trough is not None:
            bits.append(md(ctx.t("reports.target", target=igg_text(ctx.model, trough) or "")))
        bits += [md(extra) for extra in facts.texts(item, "additionalCondition", ctx.lang)]
        window = window_text(ctx.model, criterion_window(ctx.model, item))
        if window:
            bits.append(md(window))
        text = " · ".join(bits)
        body = ctx.say("criterion", item, "verbatim") or ctx.say("criterion", item, "text")
        if body:
            text += f"<br>«{body}»"
        lines.append(text + f" ({ctx.provenance(item)})")
    return bullet_list(lines)


def pages(ctx: PageContext) -> dict[str, str]:
    out = {"reports/index.md": index(ctx)}
    for page in ctx.model.of_kind("report"):
        out[page.path] = report_page(ctx, page.iri, page.path)
    return out
