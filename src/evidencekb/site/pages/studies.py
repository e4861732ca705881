"""The primary-study pages: studies/index.md and studies/<slug>.md.

Queries: study.rq (every fact of a study, its populations, arms, results and follow-up), study-results.rq
(which results, in order), result-cells.rq (the printed headings the results are grouped under),
citation.rq, provenance.rq, annotations.rq/annotation.rq, labels.rq.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from evidencekb.namespaces import ekb
from evidencekb.site import jsonld
from evidencekb.site.context import PageContext, front_matter
from evidencekb.site.criteria import unit_symbol
from evidencekb.site.model import pick_literal
from evidencekb.site.pages.common import annotations, citation
from evidencekb.site.pages.forest import outcome_forests, study_forest
from evidencekb.site.text import bullet_list, chip, find_section, md, section_groups, table
from evidencekb.terms import Literal


def index(ctx: PageContext) -> str:
    ctx = ctx.at("studies/index.md")
    facts, rows = ctx.facts("study"), []
    for page in ctx.model.of_kind("study"):
        s = page.iri
        sizes = [facts.value(p, "sampleSize") for p in facts.values(s, "population")]
        rows.append([ctx.ref(s), md(ctx.facts("citation").value(s, "referenceNumber") or ""),
                     ctx.labels(facts.values(s, "studyDesign")), ctx.refs(facts.values(s, "therapyClass")),
                     ctx.refs(facts.values(s, "studiedTherapy")), ctx.refs(facts.values(s, "diseaseArea")),
                     md(sizes[0]) if sizes and sizes[0] is not None else "",
                     ctx.refs(ctx.facts("provenance").values(s, "wasDerivedFrom"))])
    columns = [ctx.t(f"studies.columns.{c}") for c in
               ("study", "ref", "design", "therapy_class", "therapy", "disease", "patients", "source")]
    return (front_matter(ctx.t("studies.title"), hide=["toc"]) + f"# {ctx.t('studies.heading')}\n\n"
            + '<div class="ekb-scroll" markdown>\n\n' + table(columns, rows) + "\n</div>\n\n" + outcome_forests(ctx))


def quantity(ctx: PageContext, q: object) -> str:
    """A follow-up or duration: statistic, value, unit and range ("median 6 mdr. (interval 1–12)")."""
    if q is None:
        return ""
    facts = ctx.facts("study")
    value, stat = facts.value(q, "value"), facts.value(q, "statistic")
    text = " ".join(x for x in [ctx.label(stat) if stat is not None else "",
                                ctx.num(value) if value is not None else "",
                                unit_symbol(facts.value(q, "unit"), ctx.lang)] if x)
    low, high = facts.value(q, "rangeMin"), facts.value(q, "rangeMax")
    if low is not None or high is not None:
        text += " (" + ctx.t("studies.range", low=ctx.num(low) if low is not None else "",
                             high=ctx.num(high) if high is not None else "") + ")"
    label = facts.text(q, "rdfValue", ctx.lang) or (ctx.label(q) if ctx.model.has_label(q) else "")
    return md(text or label)


def population(ctx: PageContext, p: object) -> str:
    facts = ctx.facts("study")
    bits = [md(ctx.label(p))] if ctx.model.has_label(p) else []
    size = facts.value(p, "sampleSize")
    if size is not None:
        bits.append(f"n = {md(size)}")
    bits += [md(ctx.label(a)) for a in facts.values(p, "ageGroup")]
    age = facts.value(p, "medianAgeYears")
    if age is not None:
        bits.append(md(ctx.t("studies.median_age", age=ctx.num(age))))
    low, high = facts.value(p, "ageRangeMinYears"), facts.value(p, "ageRangeMaxYears")
    if low is not None or high is not None:
        bits.append(md(ctx.t("studies.age_range", low=ctx.num(low) if low is not None else "",
                             high=ctx.num(high) if high is not None else "")))
    return "; ".join(bits)


def arms(ctx: PageContext, study: object) -> str:
    facts = ctx.facts("study")
    found = set(facts.values(study, "arm"))
    for result in facts.values(study, "hasResult"):
        found.update(facts.values(result, "group") + facts.values(result, "comparedWith"))
    items = []
    for arm in sorted(found, key=str):
        size = facts.value(arm, "sampleSize")
        items.append(md(ctx.label(arm)) + (f" (n = {md(size)})" if size is not None else ""))
    return "<br>".join(items)


def summary(ctx: PageContext, s: str) -> str:
    """One line under the title: design · n · therapy (class) · disease · follow-up."""
    facts = ctx.facts("study")
    bits = [chip(md(ctx.label(d)), "design") for d in facts.values(s, "studyDesign")]
    for p in facts.values(s, "population"):
        size = facts.value(p, "sampleSize")
        if size is not None:
            bits.append(chip(f"n = {md(size)}", "n"))
    products = facts.values(s, "studiedTherapy")
    therapy = ctx.refs(products) or ctx.refs(facts.values(s, "therapyClass"))
    classes = ctx.labels(facts.values(s, "therapyClass"))
    if therapy:
        bits.append(chip(therapy + (f" ({classes})" if products and classes else ""), "therapy"))
    diseases = ctx.refs(facts.values(s, "diseaseArea"))
    if diseases:
        bits.append(chip(diseases, "disease"))
    follow = ", ".join(quantity(ctx, q) for q in facts.values(s, "followUp"))
    if follow:
        bits.append(chip(f"{md(ctx.t('studies.follow_up_short'))} {follow}", "time"))
    return f'<p class="ekb-summary" markdown>{" ".join(bits)}</p>\n\n' if bits else ""


def study_page(ctx: PageContext, s: str, path: str) -> str:
    ctx = ctx.at(path)
    facts, label = ctx.facts("study"), ctx.label(s)
    text = (lambda name: ctx.say("study", s, name))  # noqa: E731 – a printed-text field
    parts = [front_matter(label, jsonld.study(ctx.model, s), hide=["toc"]), f"# {md(label)}\n\n", summary(ctx, s)]
    parts.append('<div class="ekb-facts ekb-scroll" markdown>\n\n' + ctx.fact_table([
        ("type", md(ctx.label(ekb.PrimaryStudy))),
        ("reference_number", md(ctx.facts("citation").value(s, "referenceNumber") or "")),
        ("design", ctx.labels(facts.values(s, "studyDesign"))),
        ("design_printed", text("designText")),
        ("disease", ctx.refs(facts.values(s, "diseaseArea"))),
        ("disease_printed", text("diseaseText")),
        ("therapy_class", ctx.refs(facts.values(s, "therapyClass"))),
        ("therapy", ctx.refs(facts.values(s, "studiedTherapy"))),
        ("therapy_printed", text("therapyText")),
        ("antigen", ctx.refs(facts.values(s, "targetAntigen"))),
        ("population", "<br>".join(population(ctx, p) for p in facts.values(s, "population"))),
        ("population_printed", text("populationText")),
        ("arms", arms(ctx, s)),
        ("follow_up", ", ".join(quantity(ctx, q) for q in facts.values(s, "followUp"))),
        ("treatment_duration", ", ".join(quantity(ctx, q) for q in facts.values(s, "treatmentDuration"))),
        ("immunoglobulin_use", text("immunoglobulinUse")),
        ("source", ctx.provenance(s)),
    ]) + "\n</div>\n\n")
    parts.append(f"\n## {ctx.t('studies.results')}\n\n" + results(ctx, s) + "\n")
    parts.append(study_forest(ctx, s))
    limitations = [v for v in facts.values(s, "limitation") if (getattr(v, "language", None) or "") in (ctx.lang, "")]
    limitations = limitations or facts.values(s, "limitation")
    parts.append(f"## {ctx.t('studies.limitations')}\n\n")
    parts.append(bullet_list(ctx.marked(x) for x in limitations) if limitations
                 else f"_{ctx.t('studies.none_stated')}_\n")
    if facts.text(s, "limitationsText", ctx.lang):
        parts.append(f"\n{md(ctx.t('studies.as_printed'))}: «{text('limitationsText')}»\n")
    parts.append("\n" + annotations(ctx, s))
    parts.append(citation(ctx, s))
    return "".join(parts)


def estimate_text(ctx: PageContext, r: object) -> str:
    """A result as read aloud: "0,12 (95% CI 0,014–0,42); p = 0,001" (decimal comma in Danish)."""
    facts = ctx.facts("study")
    value, unit = facts.value(r, "value"), unit_symbol(facts.value(r, "unit"), ctx.lang)
    text = f"**{md(f'{ctx.num(value)} {unit}'.strip())}**" if value is not None else ""
    normalised = facts.value(r, "normalisedValue")
    if normalised is not None:
        text += f" (= {md(ctx.num(normalised))} {md(unit_symbol(facts.value(r, 'normalisedUnit'), ctx.lang))})"
    low, high = facts.value(r, "ciLower"), facts.value(r, "ciUpper")
    extras = []
    if low is not None:
        upper = "NR" if facts.flag(r, "ciUpperNotReached") else (ctx.num(high) if high is not None else "")
        level = facts.value(r, "ciLevel")
        pct = f"{ctx.num(round(float(level) * 100, 6))}% " if level is not None else ""
        extras.append(f"{pct}CI {ctx.num(low)}–{upper}")
    rmin, rmax = facts.value(r, "rangeMin"), facts.value(r, "rangeMax")
    if rmin is not None or rmax is not None:
        extras.append(ctx.t("studies.range", low=ctx.num(rmin) if rmin is not None else "",
                            high=ctx.num(rmax) if rmax is not None else ""))
    if extras:
        text += f" ({md('; '.join(extras))})"
    p = facts.value(r, "pValue")
    if p is not None:
        p_text = f"p {facts.value(r, 'pValueComparator') or '='} {ctx.num(p)}"
        text += ("; " if text else "") + f'<span class="ekb-p">{md(p_text)}</span>'
    return text


def _results(ctx: PageContext, s: object) -> list[dict[str, Any]]:
    return ctx.model.rows_about("study-results", "study", s)


def result_groups(ctx: PageContext, s: str, results: list[Any]) -> list[tuple[Literal | None, list[Any]]]:
    """Results under the headings printed in their table cell ("Immunstatus", …), in printed order.

    A result whose cell has no heading above it falls under the cell's column heading; a study whose
    results have no printed cell gives one group without a heading.
    """
    facts = ctx.facts("study")
    cells: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    headings: dict[str, list[Any]] = defaultdict(list)
    for row in ctx.model.rows_about("result-cells", "study", s):
        cells[str(row["result"])].setdefault(str(row["cell"]), row)
        if row["columnHeading"] is not None:
            headings[str(row["cell"])].append(row["columnHeading"])
    groups: dict[Literal | None, list[Any]] = {}  # insertion order = order of the first result
    for r in results:
        heading: Literal | None = None
        verbatim = facts.text(r, "verbatim", ctx.lang) or ""
        for cell, row in cells.get(str(r), {}).items():
            sections = section_groups(str(row["cellText"]))
            index_ = find_section(sections, verbatim) if verbatim else None
            if index_ is not None and sections[index_][0]:  # a heading printed in the cell, in its language
                heading = Literal(sections[index_][0], lang=getattr(row["cellText"], "language", None) or "da")
                break
            heading = heading or pick_literal(headings.get(cell, []), ctx.lang)
        groups.setdefault(heading, []).append(r)
    return list(groups.items())


def results(ctx: PageContext, s: str) -> str:
    facts = ctx.facts("study")
    found = [row["result"] for row in _results(ctx, s)]
    if not found:
        return f"_{ctx.t('studies.no_results')}_\n"
    number_of = {str(r): i for i, r in enumerate(found, 1)}
    groups = result_groups(ctx, s, found)
    columns = [ctx.t(f"studies.result_columns.{c}") for c in
               ("number", "outcome", "measure", "result", "time_window", "groups", "source")]
    text, quotes = "", []
    for heading, members in groups:
        rows = []
        for r in members:
            i = number_of[str(r)]
            groups_text = ctx.labels(facts.values(r, "group"))
            compared = ctx.labels(facts.values(r, "comparedWith"))
            if compared:
                groups_text = f"{groups_text} vs. {compared}" if groups_text else f"vs. {compared}"
            measure = facts.value(r, "measure")
            rows.append([str(i), ctx.say("study", r, "outcome"),
                         md(ctx.model.short(measure)) if measure is not None else "", estimate_text(ctx, r),
                         ctx.say("study", r, "timeWindowText"), groups_text,
                         ctx.provenance(r, compact=True)])
            if facts.text(r, "verbatim", ctx.lang):
                quotes.append(f"{i}. «{ctx.say('study', r, 'verbatim')}»")
        if heading and len(groups) > 1:
            text += f"### {ctx.marked(heading)}\n\n"
        text += '<div class="ekb-results-table ekb-scroll" markdown>\n\n' + table(columns, rows) + "\n</div>\n\n"
    if quotes:
        text += f'??? quote "{ctx.t("studies.verbatim")}"\n\n' + "".join(f"    {q}\n" for q in quotes) + "\n"
    return text


def pages(ctx: PageContext) -> dict[str, str]:
    out = {"studies/index.md": index(ctx)}
    for page in ctx.model.of_kind("study"):
        out[page.path] = study_page(ctx, page.iri, page.path)
    return out

