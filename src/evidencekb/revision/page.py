"""The site page "Hvor er kilderne enige?" / "Where do the sources agree?" as Markdown, from a built `Space`.

Standalone: `agreement_page(space, lang, link, name)` returns the page text; the site decides where it goes.
`link(iri)` gives the page of a rule (or None: the IRI itself is linked); `name(iri)` the label of a code
(population, therapy class) in the page's language (or None: its notation is shown). Decisions are shown as
`<span class="ekb-verdict-<verdict>">`; `PAGE_CSS` holds their colours for the site's stylesheet.

The matrix lists the cells without an ongoing immunoglobulin course (where a start decision is made),
grouped by therapy class and phase (before / from the council's six-month boundary), one column for
the council and one per publication; then each publication's agreement figures and the findings. Each
matrix sits in its own horizontally scrolling region (role=region, an aria-label, tabindex=0), so the page
itself never scrolls sideways on a phone.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from html import escape

from evidencekb import messages
from evidencekb.revision.model import Space

#: text colours with a contrast of at least 4.5:1 on white (WCAG AA; the browser test runs axe-core)
COLOURS = {"start": "#1b7837", "consider": "#7a5c00", "general-criteria": "#7a5c00",
           "individual-assessment": "#7a5c00", "do-not-start": "#b2182b", "already-on-ig": "#4d4d4d",
           "out-of-scope": "#666666"}
TEXT = {
    "en": {"title": "Where do the sources agree?", "council": "Council", "agreement": "Agreement with the council",
           "findings": "Findings", "within": "before six months", "after": "from six months",
           "cell": "Patient", "cells": "cells compared", "agree": "agree", "stricter": "stricter",
           "looser": "looser", "source": "Source", "cells_short": "cells", "day": "day", "yes": "yes", "no": "no",
           "infections": "infections", "matrix": "Decisions: {group} (scroll sideways)",
           "intro": "Every kind of patient the encoded criteria can tell apart (IgG, time since therapy start, "
                    "infections, population, therapy class), decided by the council's start criteria and by "
                    "each secondary publication's. Only patients not yet on immunoglobulin are shown."},
    "da": {"title": "Hvor er kilderne enige?", "council": "Medicinrådet", "agreement": "Enighed med Medicinrådet",
           "findings": "Fund", "within": "før seks måneder", "after": "fra seks måneder",
           "cell": "Patient", "cells": "celler sammenlignet", "agree": "enige", "stricter": "strengere",
           "looser": "lempeligere", "source": "Kilde", "cells_short": "celler", "day": "dag", "yes": "ja",
           "no": "nej", "infections": "infektioner", "matrix": "Beslutninger: {group} (rul vandret)",
           "intro": "Alle de slags patienter, de kodede kriterier kan skelne mellem (IgG, tid siden behandlingsstart, "
                    "infektioner, population, behandlingsklasse), vurderet efter Medicinrådets opstartskriterier og "
                    "efter hver sekundær publikations. Kun patienter, der ikke allerede får immunglobulin, vises."},
}


#: the colours of the decisions, for the site's stylesheet (the page itself carries only the classes)
PAGE_CSS = "\n".join([
    *(f".ekb-verdict-{name} {{ color: {colour}; font-weight: 600; }}" for name, colour in COLOURS.items()),
    # the matrix scrolls in its own labelled region (.ekb-matrix), not in the theme's wrapper inside it
    ".ekb-matrix .md-typeset__scrollwrap { overflow-x: visible; }",
])


def _esc(text: str) -> str:
    return escape(text, quote=False)


def _badge(verdict: str | None) -> str:
    verdict = verdict or "–"
    return f'<span class="ekb-verdict-{_esc(verdict)}">{_esc(verdict)}</span>'


def _short(iri: str) -> str:
    return iri.rsplit("/", 1)[-1]


def _coordinates(space: Space, coordinates: dict[str, str], t: dict[str, str],
                 code_name: Callable[[str, str], str]) -> str:
    """A cell's row heading in words: population, day range, IgG range, infections."""
    return " · ".join([
        code_name("population", coordinates["population"]),
        f"{t['day']} {coordinates['days_since_therapy_start']}",
        f"IgG {coordinates['igg_g_per_l']} g/L",
        f"{t['infections']}: {t['yes'] if coordinates['infections'] == 'yes' else t['no']}",
    ])


def agreement_page(space: Space, lang: str = "da", link: Callable[[str], str | None] | None = None,
                   name: Callable[[str], str | None] | None = None) -> str:
    t = TEXT[lang]

    def code_name(dimension: str, value: str) -> str:
        code = (space.dimensions[dimension].values.get(value) or {}).get("code")
        return (name(code) if name and code else None) or value

    def ref(iri: str, text: str | None = None) -> str:
        target = (link(iri) if link else None) or iri
        return f"[{_esc(text or _short(iri))}]({target})"

    pubs = sorted(space.publications, key=lambda iri: space.publications[iri])
    six = next((v for v in space.dimensions["days_since_therapy_start"].cuts
                if any(d.get("offset") == 6 and d.get("unit") == "MO"
                       for d in space.dimensions["days_since_therapy_start"].cut_details[v])), None)
    lines = [f"# {t['title']}", "", t["intro"], ""]
    groups: dict[tuple[str, str], list] = {}
    for cell in space.cells:
        if cell.coordinates["immunoglobulin"] != "none":
            continue
        day = (date.fromisoformat(cell.patient["assessment_date"])
               - date.fromisoformat(cell.patient["therapy_start"])).days
        phase = "after" if six is not None and day >= six else "within"
        groups.setdefault((cell.coordinates["therapy_class"], phase), []).append(cell)
    header = [t["cell"], t["council"], *(_esc(space.publications[p]) for p in pubs)]
    for (therapy, phase), cells in sorted(groups.items(), key=lambda item: (item[0][0], item[0][1] != "within")):
        group = f"{code_name('therapy_class', therapy)} — {t[phase]}"
        label = escape(t["matrix"].format(group=group), quote=True)
        lines += [f"## {_esc(group)}", "",
                  f'<div class="ekb-scroll ekb-matrix" role="region" aria-label="{label}" tabindex="0" markdown>', ""]
        lines.append("| " + " | ".join(header) + " |")
        lines.append("|" + "|".join("---" for _ in header) + "|")
        for cell in cells:
            row = [_esc(_coordinates(space, cell.coordinates, t, code_name)), _badge(cell.council["start"]),
                   *(_badge((cell.sources.get(p) or {}).get("verdict")) for p in pubs)]
            lines.append("| " + " | ".join(row) + " |")
        lines += ["", "</div>", ""]
    lines += [f"## {t['agreement']}", "",
              f"| {t['source']} | {t['cells']} | {t['agree']} | {t['stricter']} | {t['looser']} |",
              "|---|---|---|---|---|"]
    for pub in pubs:
        counts = space.agreement.get(pub, {})
        lines.append(f"| {ref(pub, space.publications[pub])} | {counts.get('cells', 0)} | {counts.get('agree', 0)} | "
                     f"{counts.get('stricter', 0)} | {counts.get('looser', 0)} |")
    lines += ["", f"## {t['findings']}", ""]
    for finding in space.findings:
        rules = ", ".join(ref(r) for r in finding["rules"])
        count = messages.number(len(finding["cells"]), lang)
        lines.append(f"- **{finding['kind']}** — {_esc(finding['text'])} ({count} {t['cells_short']}; {rules})")
    return "\n".join(lines) + "\n"


CHANGES = {
    "en": {"title": "What changed", "since": "Changes from {old} to {new}.", "entities": "Entities",
           "tables": "Table cells", "decisions": "Decision-space cells whose council decision changes",
           "none": "Nothing changed.", "before": "before", "after": "after", "cell": "Cell"},
    "da": {"title": "Hvad er ændret", "since": "Ændringer fra {old} til {new}.", "entities": "Entiteter",
           "tables": "Tabelceller", "decisions": "Celler i beslutningsrummet, hvor Medicinrådets beslutning ændres",
           "none": "Intet er ændret.", "before": "før", "after": "efter", "cell": "Celle"},
}


def changes_page(result: dict, lang: str = "da", link: Callable[[str], str | None] | None = None) -> str:
    """The site page "What changed" from an `evidencekb.revision.diff.diff` result, as Markdown."""
    t = CHANGES[lang]
    lines = [f"# {t['title']}", "", t["since"].format(old=_esc(result["old"]), new=_esc(result["new"])), ""]
    if not result["changed"]:
        return "\n".join([*lines, t["none"]]) + "\n"
    if result["entities"]:
        lines += [f"## {t['entities']}", ""]
        for entity in result["entities"]:
            target = (link(entity["entity"]) if link else None) or entity["entity"]
            label = _esc(entity["label"] or _short(entity["entity"]))
            lines.append(f"- {entity['change']} `{entity['kind']}` [{label}]({target})")
            for prop in entity["properties"] if entity["change"] == "changed" else []:
                before = _esc(", ".join(prop["before"]) or "–")
                after = _esc(", ".join(prop["after"]) or "–")
                lines.append(f"    - `{prop['property']}`: {before} → {after}")
        lines.append("")
    if result["tables"]:
        lines += [f"## {t['tables']}", "", f"| Tabel | # | {t['before']} | {t['after']} |", "|---|---|---|---|"]
        for cell in result["tables"]:
            where = f"{cell['row']}/{cell['column']}" if cell["row"] is not None else cell["row_heading"]
            before, after = _esc(str(cell["before"])), _esc(str(cell["after"]))
            lines.append(f"| {cell['table']} | {where} | {before} | {after} |")
        lines.append("")
    if result["decisions"]:
        lines += [f"## {t['decisions']}", "", f"| {t['cell']} | {t['before']} | {t['after']} |", "|---|---|---|"]
        for change in result["decisions"]:
            before, after = change["before"] or {}, change["after"] or {}
            old = f"{_badge(before.get('start'))} / {_esc(str(before.get('stop')))}"
            new = f"{_badge(after.get('start'))} / {_esc(str(after.get('stop')))}"
            lines.append(f"| {_esc(change['cell'])} | {old} | {new} |")
    return "\n".join(lines) + "\n"
