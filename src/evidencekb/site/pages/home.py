"""The home page (index.md): the council's recommendation on one screen, then the details.

Order: two summary cards (start, stop) built from the council's structured criteria, the decision
diagram generated from the same criteria, the evidence certainty as a badge line, links onward; below
that the full criteria tables, verbatim texts and the other recommendations, folded.
Queries: criteria.rq (which criteria), criterion.rq (what they say), evidence-assessments.rq and
guideline.rq (certainty, the addendum), council-recommendations.rq, provenance.rq, labels.rq.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from evidencekb import messages
from evidencekb.namespaces import ekb, kb
from evidencekb.site import jsonld
from evidencekb.site.context import PageContext, front_matter
from evidencekb.site.criteria import (
    action_text,
    conditions,
    criterion_window,
    flowchart,
    igg_text,
    rule_order,
    window_text,
)
from evidencekb.site.pages.common import rule_iris, rule_path
from evidencekb.site.text import bullet_list, chip, indent, link, md, table

CHILD = ekb["population-child"]
NO_INFECTION = ekb["infection-none"]
ONWARD = (  # (messages key under home.links, page)
    ("tables", "tables/index.md"), ("studies", "studies/index.md"), ("reports", "reports/index.md"),
    ("therapies", "therapies/index.md"), ("diseases", "diseases/index.md"),
    ("organisations", "organisations/index.md"), ("search", "search-strategy.md"), ("query", "query.md"),
    ("downloads", "downloads/index.md"), ("audit", "audit.md"), ("cite", "cite.md"),
)


def council_criteria(ctx: PageContext) -> list[tuple[Any, str]]:
    return [(r["criterion"], str(r["kind"])) for r in ctx.model.select("criteria", issuer=kb.addendum).terms]


def _bounds(ctx: PageContext, window: Any) -> str:
    """A window's bounds without its index event ("< 6 måneder", "6 – ≤ 12 måneder")."""
    full = window_text(ctx.model, window) or ""
    event = ctx.facts("criterion").value(window, "indexEvent")
    suffix = " " + ctx.t("criteria.after", event=ctx.label(event)) if event is not None else ""
    return full[: -len(suffix)].strip() if suffix and full.endswith(suffix) else full


def _common(values: list[list[Any]]) -> list[Any]:
    """Values present in every list (in the order of the first list)."""
    if not values:
        return []
    return [v for v in values[0] if all(v in other for other in values[1:])]


def _order(ctx: PageContext, criterion: Any) -> tuple[int, float, str]:
    """Cards list adults first, by the start of their time window (no window last), children last."""
    facts = ctx.facts("criterion")
    start = facts.value(criterion_window(ctx.model, criterion), "fromOffset")
    child = CHILD in facts.values(criterion, "population")
    return (1 if child else 0, float(start) if start is not None else 1e9, str(criterion))


def summary_card(ctx: PageContext, criteria: list[Any], kind: str) -> str:
    """One card: the criteria of `kind` as condition chips → action, with the section they come from."""
    if not criteria:
        return ""
    m, facts = ctx.model, ctx.facts("criterion")
    windows = [criterion_window(m, c) for c in criteria]
    events = Counter(str(facts.value(w, "indexEvent")) for w in windows if facts.value(w, "indexEvent") is not None)
    common_event = events.most_common(1)[0][0] if events else None
    therapies = _common([facts.values(c, "therapyClass") for c in criteria])
    lead = []
    if therapies:
        lead.append(" + ".join(md(m.label(t)) for t in therapies))
    if common_event:
        lead.append(md(ctx.t("home.time_from", event=m.label(common_event))))
    items, rules = [], rule_iris(ctx)
    for criterion in sorted(criteria, key=lambda c: _order(ctx, c)):
        chips = []
        if CHILD in facts.values(criterion, "population"):
            chips.append(chip(md(m.label(CHILD)), "who"))
        chips += [chip(md(m.label(t)), "who") for t in facts.values(criterion, "therapyClass") if t not in therapies]
        for timing in facts.values(criterion, "igStartTiming") + facts.values(criterion, "igStartBasis"):
            chips.append(chip(md(m.label(timing)), "basis"))
        window = criterion_window(m, criterion)
        igg = igg_text(m, facts.value(criterion, "iggCondition"))
        if window is not None:
            event = facts.value(window, "indexEvent")
            text = _bounds(ctx, window)
            if event is not None and str(event) != common_event:
                text += " " + ctx.t("criteria.after", event=m.label(event))
            chips.append(chip(md(text), "time"))
        elif igg and kind == "start":
            chips.append(chip(md(ctx.t("criteria.any_time")), "time"))
        if igg:
            chips.append(chip(md(igg), "igg"))
        infection = facts.value(criterion, "infectionRequirement")
        if infection is not None and (infection != NO_INFECTION or (igg and kind == "start")):
            chips.append(chip(md(m.label(infection)), "infection"))
        action = chip("→ " + md(action_text(m, criterion)), f"action-{kind}")
        source = f'<span class="ekb-card__source">{ctx.provenance(criterion)}</span>'
        label = md(m.label(criterion))
        if str(criterion) in rules:  # the rule's page: rationale, evidence, revision trigger
            label = link(m.label(criterion), ctx.to(rule_path(criterion)))
        items.append(f'<li markdown><span class="ekb-card__label" markdown>{label}</span><br>'
                     f'{" ".join(chips)} {action} {source}</li>')
    return (f'<div class="ekb-card ekb-card--{kind}" markdown>\n\n'
            f'<p class="ekb-card__title" markdown>{md(ctx.t(f"criteria.{kind}"))}</p>\n\n'
            + (f'<p class="ekb-card__lead" markdown>{" · ".join(lead)}</p>\n\n' if lead else "")
            + '<ul class="ekb-card__items" markdown>\n' + "\n".join(items) + "\n</ul>\n\n</div>\n\n")


def _t(ctx: PageContext, key: str, **values: object) -> str:
    """An interface string of messages/site_method.toml in the page's language."""
    return messages.text(f"site_method.{key}", ctx.lang, **values)


def _assessed(ctx: PageContext, assesses: Any) -> str:
    """What an assessment is about: the studies or reports index for the classes, else the entity."""
    target = {str(ekb.PrimaryStudy): ("studies", "studies/index.md"),
              str(ekb.SecondaryPublication): ("reports", "reports/index.md")}.get(str(assesses))
    if target is None:
        return ctx.ref(assesses)
    return f"[{md(ctx.t(f'home.assessed.{target[0]}'))}]({ctx.to(target[1])})"


def judgement(ctx: PageContext, row: dict[str, Any]) -> tuple[str, str] | None:
    """(Markdown, chip kind) of one assessment as the council worded it (issue 18 §6): its ekb:ratingText
    ("meget lav kvalitet", "moderat til høj kvalitet"), AGREE II named only where the council used it.
    Without a worded rating the coded values are shown as they are, never as a formal GRADE rating."""
    worded = ctx.say("guideline", row["assessment"], "ratingText")
    if row["certainty"] is not None:
        return (worded or md(ctx.label(row["certainty"]))), "certainty"
    if row["lowest"] is not None or row["highest"] is not None:
        coded = " – ".join(md(ctx.label(r)) for r in (row["lowest"], row["highest"]) if r is not None)
        return f"AGREE II: {worded or coded}", "agree"
    return None


def certainty_badges(ctx: PageContext) -> str:
    """The council's assessment of the evidence as one line of badges, in the council's words."""
    badges = []
    for row in ctx.model.select("evidence-assessments").terms:
        shown = judgement(ctx, row)
        if shown is None:
            continue
        text, kind = shown
        note = ctx.say("guideline", row["assessment"], "comment")
        note = f' <small class="ekb-badges__note">({note})</small>' if note else ""
        badges.append(f"{chip(text, kind)} {_assessed(ctx, row['assesses'])}{note}")
    if not badges:
        return ""
    return (f'<p class="ekb-badges" markdown>**{md(_t(ctx, "home.assessment"))}:** '
            + " &nbsp; ".join(badges) + "</p>\n\n")


def assessments(ctx: PageContext) -> str:
    """The council's assessment of the evidence in detail: one row per assessment, then its words."""
    rows, quotes = [], []
    for row in ctx.model.select("evidence-assessments").terms:
        a = row["assessment"]
        shown = judgement(ctx, row)
        text = f"**{shown[0]}**" if shown else ""
        note = ctx.say("guideline", a, "comment")
        if note:
            text += f" ({note})"
        target = _assessed(ctx, row["assesses"]) if row["assesses"] is not None else ""
        rows.append([md(ctx.label(a)), target, text, ctx.provenance(a)])
        if ctx.facts("guideline").text(a, "verbatim", ctx.lang):
            quotes.append(f"> {ctx.say('guideline', a, 'verbatim')}\n")
    if not rows:
        return ctx.none()
    columns = [ctx.t(f"home.columns.{c}") for c in ("assessment", "assesses")]
    columns += [_t(ctx, "home.judgement"), ctx.t("home.columns.source")]
    return table(columns, rows) + "\n" + "\n".join(quotes)


def criteria_table(ctx: PageContext, criteria: list[tuple[Any, str]], kind: str) -> str:
    """The criteria of `kind` in the order they are applied (position 1 decides first); the rules'
    internal priorities are not shown (issue 18 §6)."""
    selected = [c for c, k in criteria if k == kind]
    order = rule_order(ctx.model, selected)
    rows = []
    for criterion in selected:
        rows.append([md(ctx.label(criterion)), " · ".join(md(c) for c in conditions(ctx.model, criterion, kind)),
                     md(action_text(ctx.model, criterion)), order.get(str(criterion), ""),
                     ctx.provenance(criterion)])
    if not rows:
        return ctx.none()
    columns = [ctx.t(f"home.columns.{c}") for c in ("criterion", "conditions", "action")]
    columns += [_t(ctx, "home.order"), ctx.t("home.columns.source")]
    return table(columns, rows) + f"\n<small>{md(_t(ctx, 'home.order_note'))}</small>\n"


def verbatim_list(ctx: PageContext, criteria: list[tuple[Any, str]]) -> str:
    facts, items = ctx.facts("criterion"), []
    for criterion, _ in criteria:
        if facts.text(criterion, "verbatim", ctx.lang):
            items.append(f"**{md(ctx.label(criterion))}**: «{ctx.say('criterion', criterion, 'verbatim')}»")
        for extra in facts.texts(criterion, "additionalCondition", ctx.lang):
            items.append(f"{md(ctx.label(criterion))} — {md(ctx.t('home.additional_condition'))}: {md(extra)}")
    return bullet_list(items)


def onward_links(ctx: PageContext) -> str:
    counts = {"studies": len(ctx.model.of_kind("study")), "reports": len(ctx.model.of_kind("report"))}
    items = []
    for key, path in ONWARD:
        note = ctx.t(f"home.links.{key}.note", **counts)
        sub = f' <span class="ekb-tile__note">{md(note)}</span>' if note else ""
        items.append(f"<li markdown>[{md(ctx.t(f'home.links.{key}.title'))}]({ctx.to(path)}){sub}</li>")
    return '<ul class="ekb-tiles" markdown>\n' + "\n".join(items) + "\n</ul>\n\n"


def home(ctx: PageContext, intro: str) -> str:
    """The Markdown of index.md."""
    ctx = ctx.at("index.md")
    m, criteria = ctx.model, council_criteria(ctx)
    title = m.label(kb.addendum) if m.has_label(kb.addendum) else ctx.t("home.fallback_title")
    data = jsonld.guideline(m, kb.addendum, [c for c, _ in criteria])
    parts = [front_matter(title, data, mermaid=True, hide=["toc"]), f"# {md(title)}\n\n"]
    if m.title(kb.addendum):
        parts.append(f'<p class="ekb-subtitle" markdown>{md(m.title(kb.addendum))}</p>\n\n')
    parts.append(f"## {ctx.t('home.recommendation')}\n\n")
    if criteria:
        parts.append('<div class="ekb-cards" markdown>\n\n')
        for kind in ("start", "stop"):
            parts.append(summary_card(ctx, [c for c, k in criteria if k == kind], kind))
        parts.append("</div>\n\n")
        parts.append(f"### {ctx.t('home.diagram')}\n\n")
        parts.append(f'<p class="ekb-caption" markdown>{ctx.t("home.diagram_caption")} '
                     f'{md(_t(ctx, "home.diagram_order"))}</p>\n\n')
        parts.append("```mermaid\n" + flowchart(m, criteria) + "```\n\n")
    else:
        parts.append(ctx.none() + "\n")
    parts.append(certainty_badges(ctx))
    parts.append(onward_links(ctx))
    parts.append(f"## {ctx.t('home.details')}\n\n")
    if criteria:
        tables = (f"#### {ctx.t('home.start_criteria')}\n\n" + criteria_table(ctx, criteria, "start")
                  + f"\n#### {ctx.t('home.stop_criteria')}\n\n" + criteria_table(ctx, criteria, "stop"))
        parts.append(f'??? abstract "{_t(ctx, "home.criteria_details")}"\n\n' + indent(tables) + "\n")
        verbatim = verbatim_list(ctx, criteria)
        if verbatim:
            parts.append(f'??? quote "{ctx.t("home.verbatim")}"\n\n' + indent(verbatim) + "\n")
    recommendations = m.select("council-recommendations").terms
    if recommendations:
        items = [f"**{md(m.label(r['item']))}**: {ctx.say('criterion', r['item'], 'text')} "
                 f"({ctx.provenance(r['item'])})" for r in recommendations]
        parts.append(f'??? note "{ctx.t("home.other_recommendations")}"\n\n' + indent(bullet_list(items)) + "\n")
    parts.append(f'??? info "{_t(ctx, "home.assessment_details")}"\n\n' + indent(assessments(ctx)) + "\n")
    if intro.strip():
        parts.append(f"## {ctx.t('home.about')}\n\n" + intro.strip() + "\n")
    return "".join(parts)
