"""The home page: the council's recommendation on one screen, then the details.

Order: two summary cards (Opstart, Seponering) built from the council's structured criteria, the
decision diagram generated from the same criteria, the evidence certainty as a badge line, links
onward; below that the full criteria tables, verbatim texts and the other recommendations, folded.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from evidencekb.namespaces import EKB, KB
from evidencekb.site import jsonld as jsonld
from evidencekb.site.criteria import WORDS, action_text, criterion_window, flowchart, igg_text, window_text
from evidencekb.site.text import bullet_list, chip, indent, md

if TYPE_CHECKING:
    from evidencekb.site.pages import Pages

CARD_TITLES = {"start": "Opstart · start", "stop": "Seponering · stop"}
CHILD = EKB["population-child"]
NO_INFECTION = EKB["infection-none"]


def _bounds(pages: Pages, window: Any) -> str:
    """A window's bounds without its index event ("< 6 måneder", "6 – ≤ 12 måneder")."""
    m = pages.m
    full = window_text(m, window) or ""
    event = m.value(window, EKB.indexEvent)
    suffix = f" {WORDS['da']['after']} {m.label(event)}" if event is not None else ""
    return full[: -len(suffix)].strip() if suffix and full.endswith(suffix) else full


def _common(values: list[list[Any]]) -> list[Any]:
    """Values present in every list (in the order of the first list)."""
    if not values:
        return []
    return [v for v in values[0] if all(v in other for other in values[1:])]


def _order(pages: Pages, criterion: Any) -> tuple[int, float, str]:
    """Cards list adults first, by the start of their time window (no window last), children last."""
    m = pages.m
    window = criterion_window(m, criterion)
    start = m.value(window, EKB.fromOffset)
    child = CHILD in m.values(criterion, EKB.population)
    return (1 if child else 0, float(start) if start is not None else 1e9, str(criterion))


def summary_card(pages: Pages, criteria: list[Any], kind: str) -> str:
    """One card: the criteria of `kind` as condition chips → action, with the section they come from."""
    m = pages.m
    if not criteria:
        return ""
    windows = [criterion_window(m, c) for c in criteria]
    events = Counter(str(m.value(w, EKB.indexEvent)) for w in windows if w is not None and
                     m.value(w, EKB.indexEvent) is not None)
    common_event = events.most_common(1)[0][0] if events else None
    therapies = _common([m.values(c, EKB.therapyClass) for c in criteria])
    lead = []
    if therapies:
        lead.append(" + ".join(md(m.label(t)) for t in therapies))
    if common_event:
        lead.append(f"tid regnet fra {md(m.label(common_event))}")
    items = []
    for criterion in sorted(criteria, key=lambda c: _order(pages, c)):
        chips = []
        populations = m.values(criterion, EKB.population)
        if CHILD in populations:
            chips.append(chip(md(m.label(CHILD)), "who"))
        for therapy in m.values(criterion, EKB.therapyClass):
            if therapy not in therapies:
                chips.append(chip(md(m.label(therapy)), "who"))
        for timing in m.values(criterion, EKB.igStartTiming) + m.values(criterion, EKB.igStartBasis):
            chips.append(chip(md(m.label(timing)), "basis"))
        window = criterion_window(m, criterion)
        igg = igg_text(m, m.value(criterion, EKB.iggCondition))
        if window is not None:
            event = m.value(window, EKB.indexEvent)
            text = _bounds(pages, window)
            if event is not None and str(event) != common_event:
                text += f" {WORDS['da']['after']} {m.label(event)}"
            chips.append(chip(md(text), "time"))
        elif igg and kind == "start":
            chips.append(chip(md(WORDS["da"]["any_time"]), "time"))
        if igg:
            chips.append(chip(md(igg), "igg"))
        infection = m.value(criterion, EKB.infectionRequirement)
        if infection is not None and infection != NO_INFECTION:
            chips.append(chip(md(m.label(infection)), "infection"))
        elif infection == NO_INFECTION and igg and kind == "start":
            chips.append(chip(md(m.label(infection)), "infection"))
        action = chip("→ " + md(action_text(m, criterion)), f"action-{kind}")
        where = pages.provenance(criterion)
        items.append(f'<li markdown><span class="ekb-card__label">{md(m.label(criterion))}</span><br>'
                     f'{" ".join(chips)} {action} <span class="ekb-card__source">{where}</span></li>')
    return (f'<div class="ekb-card ekb-card--{kind}" markdown>\n\n'
            f'<p class="ekb-card__title" markdown>{md(CARD_TITLES[kind])}</p>\n\n'
            + (f'<p class="ekb-card__lead" markdown>{" · ".join(lead)}</p>\n\n' if lead else "")
            + '<ul class="ekb-card__items" markdown>\n' + "\n".join(items) + "\n</ul>\n\n</div>\n\n")


def _range(low: str, high: str) -> str:
    """"Moderat kvalitet" + "Høj kvalitet" → "Moderat–høj kvalitet" (shared last word once)."""
    a, b = low.split(), high.split()
    if len(a) > 1 and len(b) > 1 and a[-1] == b[-1]:
        return f"{' '.join(a[:-1])}–{' '.join(b[:-1]).lower()} {a[-1]}"
    return f"{low} – {high}"


def certainty_badges(pages: Pages) -> str:
    """The council's evidence certainty as one line of badges (GRADE and AGREE II)."""
    m = pages.m
    badges = []
    for row in m.select("evidence-assessments").rows:
        assesses = row["assesses"]
        target = {str(EKB.PrimaryStudy): ("primærstudier", "studies/index.md"),
                  str(EKB.SecondaryPublication): ("sekundær litteratur", "reports/index.md")}.get(str(assesses))
        if row["certainty"] is not None:
            text, kind = f"GRADE: {m.label(row['certainty'])}", "grade"
        elif row["lowest"] is not None or row["highest"] is not None:
            text = "AGREE II: " + _range(m.label(row["lowest"]), m.label(row["highest"]))
            kind = "agree"
        else:
            continue
        what = pages.ref(assesses) if target is None else f"[{md(target[0])}]({pages.to(target[1])})"
        badges.append(f"{chip(md(text), kind)} {what}")
    if not badges:
        return ""
    return '<p class="ekb-badges" markdown>**Evidensens sikkerhed:** ' + " &nbsp; ".join(badges) + "</p>\n\n"


def onward_links(pages: Pages) -> str:
    m = pages.m
    links = [
        ("Tabeller", "3-1, 3-2, 8-1 … 8-7", "tables/index.md"),
        ("Primærstudier", f"{len(m.of_kind('study'))} studier (Bilag B)", "studies/index.md"),
        ("Sekundær litteratur", f"{len(m.of_kind('report'))} rapporter (Bilag C)", "reports/index.md"),
        ("Behandlinger", "lægemidler og målantigener", "therapies/index.md"),
        ("Sygdomsområder", "", "diseases/index.md"),
        ("Organisationer", "", "organisations/index.md"),
        ("Søgestrategi", "Bilag A", "search-strategy.md"),
        ("SPARQL i browseren", "forespørg grafen", "query.md"),
        ("Downloads", "Turtle, JSON-LD, CSV", "downloads/index.md"),
        ("Audit", "tillægget tjekket mod sig selv", "audit.md"),
    ]
    items = []
    for title, note, path in links:
        sub = f' <span class="ekb-tile__note">{md(note)}</span>' if note else ""
        items.append(f"<li markdown>[{md(title)}]({pages.to(path)}){sub}</li>")
    return '<ul class="ekb-tiles" markdown>\n' + "\n".join(items) + "\n</ul>\n\n"


def home(pages: Pages, intro: str) -> str:
    """The Markdown of index.md."""
    from evidencekb.site.pages import front_matter  # noqa: PLC0415 – site_pages imports this module

    m = pages.m
    criteria = pages.council_criteria()
    title = m.label(KB.addendum) if m.node(KB.addendum) else "Evidensbase"
    parts = [front_matter(title, jsonld.guideline(m, KB.addendum, [c for c, _ in criteria]),
                                mermaid=True, hide=["toc"])]
    parts.append(f"# {md(title)}\n\n")
    if m.title(KB.addendum):
        parts.append(f'<p class="ekb-subtitle" markdown>{md(m.title(KB.addendum))}</p>\n\n')
    parts.append("## Medicinrådets anbefaling · what the council recommends\n\n")
    if criteria:
        parts.append('<div class="ekb-cards" markdown>\n\n')
        for kind in ("start", "stop"):
            parts.append(summary_card(pages, [c for c, k in criteria if k == kind], kind))
        parts.append("</div>\n\n")
        parts.append("### Beslutningsdiagram · decision diagram\n\n")
        parts.append('<p class="ekb-caption" markdown>Genereret fra de strukturerede kriterier · generated from the '
                     "structured criteria; the same rules <code>evidencekb recommend</code> evaluates.</p>\n\n")
        parts.append("```mermaid\n" + flowchart(m, criteria) + "```\n\n")
    else:
        parts.append("_Ingen kriterier i data._\n\n")
    parts.append(certainty_badges(pages))
    parts.append(onward_links(pages))
    parts.append("## Detaljer · details\n\n")
    if criteria:
        tables = ("#### Opstartskriterier · start criteria\n\n" + pages.criteria_table(criteria, "start")
                  + "\n#### Seponeringskriterier · stop criteria\n\n" + pages.criteria_table(criteria, "stop"))
        parts.append('??? abstract "Kriterierne i detaljer: betingelser, handling, prioritet, kilde"\n\n'
                     + indent(tables) + "\n")
        verbatim = pages.verbatim_list(criteria)
        if verbatim:
            parts.append('??? quote "Ordret tekst fra tillægget (verbatim)"\n\n' + indent(verbatim) + "\n")
    recommendations = m.select("council-recommendations").rows
    if recommendations:
        items = [f"**{pages.dual(m.label(r['item']), m.english_label(r['item']))}**: "
                 f"{md(m.text(r['item'], EKB.text) or '')} ({pages.provenance(r['item'])})"
                 for r in recommendations]
        parts.append('??? note "Øvrige anbefalinger · other recommendations"\n\n'
                     + indent(bullet_list(items)) + "\n")
    parts.append('??? info "Evidensens sikkerhed i detaljer · certainty of the evidence"\n\n'
                 + indent(pages.assessments()) + "\n")
    if intro.strip():
        parts.append("## Om siden · about\n\n" + intro.strip() + "\n")
    return "".join(parts)

