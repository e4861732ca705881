"""Generate the site's Markdown pages from the graph (theme-independent: plain Markdown + front matter).

`generate_pages(model, intro)` returns {docs-relative path: Markdown}. Only `intro` (site/docs/intro.md)
is hand-written; every other word on the pages comes from the graph or from the UI strings below.
"""

from __future__ import annotations

import html
import json
import posixpath
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, SKOS

from evidencekb.namespaces import EKB, KB
from evidencekb.site import jsonld as jsonld
from evidencekb.site.criteria import (
    action_text,
    conditions,
    criterion_window,
    igg_text,
    unit_symbol,
    window_text,
)
from evidencekb.site.model import SiteModel, curie
from evidencekb.site.tables import TableSource
from evidencekb.site.text import (
    attr,
    bullet_list,
    chip,
    find_section,
    link,
    md,
    number,
    number_da,
    section_groups,
    table,
)

KIND_TITLES = {
    "study": "Primærstudier",
    "report": "Sekundær litteratur",
    "product": "Lægemidler",
    "therapy-class": "Behandlingstyper",
    "antigen": "Målantigener",
    "disease": "Sygdomsområder",
    "organisation": "Organisationer",
}


def rel(from_path: str, to_path: str) -> str:
    """A Markdown link target from one docs page to another docs file."""
    return posixpath.relpath(to_path, posixpath.dirname(from_path) or ".")


def html_rel(from_path: str, to_path: str) -> str:
    """A URL for raw HTML (not rewritten by MkDocs): relative to the page's built directory URL.

    With `use_directory_urls`, `query.md` is served at `query/` and `a/index.md` at `a/`.
    """
    page_dir = posixpath.dirname(from_path) if posixpath.basename(from_path) == "index.md" else from_path[:-3]
    return posixpath.relpath(to_path, page_dir or ".")


def front_matter(title: str, data: dict[str, Any] | None = None, **flags: Any) -> str:
    """YAML front matter (JSON scalars are valid YAML). The title is HTML-escaped: themes print it raw."""
    lines = ["---", f"title: {json.dumps(html.escape(title))}"]
    if data is not None:
        lines.append(f"jsonld: {json.dumps(jsonld.dumps(data))}")
    for key, value in flags.items():
        lines.append(f"{key}: {json.dumps(value)}")
    lines.append("---")
    return "\n".join(lines) + "\n\n"


class Pages:
    """Builds every page; `self.here` is the page being written (links are relative to it)."""

    def __init__(self, model: SiteModel, tables: TableSource, audit: Callable[[], list[Any]] | None) -> None:
        self.m = model
        self.tables = tables
        self.audit = audit
        self.here = "index.md"
        self.out: dict[str, str] = {}

    # ---------------------------------------------------------------- helpers
    def to(self, path: str) -> str:
        return rel(self.here, path)

    def ref(self, iri: object, label: str | None = None) -> str:
        """A link to the entity's page, or its escaped name when it has none."""
        if iri is None:
            return ""
        text = label if label is not None else self.m.label(iri)
        page = self.m.pages.get(str(iri))
        if page is not None:
            return link(text, self.to(page.path))
        table_page = self.m.table_pages.get(str(iri))
        if table_page is not None:
            return link(text, self.to(table_page))
        return md(text)

    def refs(self, iris: list[Any], sep: str = ", ") -> str:
        return sep.join(self.ref(i) for i in iris)

    def labels(self, iris: list[Any]) -> str:
        return ", ".join(md(self.m.label(i)) for i in iris)

    def dual(self, da: str | None, en: str | None) -> str:
        """Danish text with the English variant beside it when the data has one."""
        if not da:
            return md(en) if en else ""
        text = md(da)
        if en and en != da:
            text += f' <span class="ekb-en" lang="en">{md(en)}</span>'
        return text

    def provenance(self, iri: object, compact: bool = False) -> str:
        """Where a fact comes from; `compact` moves the fine locator into a tooltip (for tables)."""
        parts = [self.ref(p) for p in self.m.values(iri, PROV.wasDerivedFrom)]
        locator = self.m.text(iri, EKB.sourceLocator)
        text = ", ".join(parts)
        if locator and compact:
            return f'<span class="ekb-locator" title="{attr(locator)}">{text}</span>'
        if locator:
            text += f" ({md(locator)})"
        return text

    def facts(self, rows: list[tuple[str, str]]) -> str:
        kept = [(name, value) for name, value in rows if value]
        return table(["Felt", "Værdi"], ([md(n), v] for n, v in kept)) if kept else ""

    def write(self, path: str, text: str) -> None:
        self.out[path] = text

    def annotations(self, iri: object) -> str:
        rows = self.m.rows_about("annotations", "entity", iri)
        if not rows:
            return ""
        items = []
        for row in rows:
            note = row["annotation"]
            kind = self.m.label(self.m.value(note, EKB.annotationKind))
            printed = self.m.text(note, EKB.printedText)
            expected = self.m.text(note, EKB.expectedText)
            comment = self.m.text(note, EKB.comment) or self.m.text_en(note, EKB.comment)
            text = f"**{md(kind)}**"
            if printed:
                text += f": trykt «{md(printed)}»"
            if expected:
                text += f", forventet «{md(expected)}»"
            if comment:
                text += f" — {md(comment)}"
            where = self.refs(self.m.values(note, EKB.location))
            if where:
                text += f" ({where})"
            items.append(text)
        return "## Kildeannotationer · source notes\n\n" + bullet_list(items) + "\n"

    def citation(self, iri: object) -> str:
        m = self.m
        parts = []
        number_ = m.value(iri, EKB.referenceNumber)
        if number_ is not None:
            parts.append(f"Reference \\[{md(number_)}\\] i tillægget.")
        bits = [m.value(iri, EKB.firstAuthor), m.value(iri, DCTERMS.title), m.value(iri, EKB.journal),
                m.value(iri, EKB.publicationYear), m.value(iri, EKB.volumePages)]
        text = ". ".join(md(b) for b in bits if b is not None)
        if text:
            parts.append(text + ".")
        doi = m.value(iri, EKB.doi)
        status = m.value(iri, EKB.bibliographicStatus)
        if doi is not None and status == EKB["bib-verified"]:
            url = "https://doi.org/" + str(doi)
            parts.append(f'DOI: <a href="{html.escape(url, quote=True)}">{html.escape(str(doi))}</a>')
        elif doi is not None:
            parts.append(f"DOI (ikke verificeret): {md(doi)}")
        pmid = m.value(iri, EKB.pmid)
        if pmid is not None:
            parts.append(f"PMID: {md(pmid)}")
        if status is not None:
            parts.append(f"Bibliografisk status: {md(m.label(status))}.")
        note = m.text(iri, EKB.bibliographicNote)
        if note:
            parts.append(md(note))
        return "## Citation\n\n" + "\n\n".join(parts) + "\n\n" if parts else ""

    # ------------------------------------------------------------------ pages
    def build(self, intro: str) -> dict[str, str]:
        self.home(intro)
        self.table_pages()
        self.studies()
        self.reports()
        self.therapies()
        self.simple_index("disease", "diseases/index.md", "Sygdomsområder",
                          "Sygdomsområder i studierne og rapporterne.")
        self.simple_index("organisation", "organisations/index.md", "Organisationer",
                          "Organisationer, der udsender rapporter og vejledninger.")
        for kind in ("product", "therapy-class", "antigen", "disease", "organisation"):
            for page in self.m.of_kind(kind):
                self.entity_page(page.iri, page.path, kind)
        self.search_strategy()
        self.query_page()
        self.downloads()
        self.audit_page()
        return self.out

    # Home ----------------------------------------------------------------
    def council_criteria(self) -> list[tuple[Any, str]]:
        return [(r["criterion"], str(r["kind"])) for r in self.m.select("criteria", issuer=KB.addendum).rows]

    def criteria_table(self, criteria: list[tuple[Any, str]], kind: str) -> str:
        rows = []
        for criterion, k in criteria:
            if k != kind:
                continue
            priority = self.m.value(criterion, EKB.priority)
            rows.append([
                self.dual(self.m.label(criterion), self.m.english_label(criterion)),
                " · ".join(md(c) for c in conditions(self.m, criterion, kind)),
                md(action_text(self.m, criterion)),
                md(number(priority)) if priority is not None else "",
                self.provenance(criterion),
            ])
        if not rows:
            return "_Ingen kriterier i data._\n"
        return table(["Kriterium", "Betingelser", "Handling", "Prioritet", "Kilde"], rows)

    def verbatim_list(self, criteria: list[tuple[Any, str]]) -> str:
        items = []
        for criterion, _ in criteria:
            verbatim = self.m.text(criterion, EKB.verbatim)
            if verbatim:
                items.append(f"**{md(self.m.label(criterion))}**: «{md(verbatim)}»")
            for extra in self.m.texts(criterion, EKB.additionalCondition):
                items.append(f"{md(self.m.label(criterion))} — yderligere betingelse: {md(extra)}")
        return bullet_list(items)

    def home(self, intro: str) -> None:
        from evidencekb.site.home import home  # noqa: PLC0415 – site_home imports this module

        self.here = "index.md"
        self.write("index.md", home(self, intro))

    def assessments(self) -> str:
        rows = []
        quotes = []
        for row in self.m.select("evidence-assessments").rows:
            a = row["assessment"]
            if row["certainty"] is not None:
                judgement = f"GRADE: **{md(self.m.label(row['certainty']))}**"
            elif row["lowest"] is not None or row["highest"] is not None:
                judgement = (f"AGREE II: **{md(self.m.label(row['lowest']))}** – "
                             f"**{md(self.m.label(row['highest']))}**")
            else:
                judgement = ""
            assesses = row["assesses"]
            target = ""
            if assesses is not None:
                target = {str(EKB.PrimaryStudy): link(self.m.label(assesses), self.to("studies/index.md")),
                          str(EKB.SecondaryPublication): link(self.m.label(assesses), self.to("reports/index.md"))
                          }.get(str(assesses), self.ref(assesses))
            rows.append([self.dual(self.m.label(a), self.m.english_label(a)), target, judgement, self.provenance(a)])
            verbatim = self.m.text(a, EKB.verbatim)
            if verbatim:
                quotes.append(f"> {md(verbatim)}\n")
        if not rows:
            return "_Ingen evidensvurdering i data._\n"
        return table(["Vurdering", "Vurderer", "Sikkerhed", "Kilde"], rows) + "\n" + "\n".join(quotes)

    # Tables --------------------------------------------------------------
    def table_pages(self) -> None:
        self.here = "tables/index.md"
        items = []
        for table_id in self.tables.ids():
            page = f"tables/{table_id}.md"
            title = self.tables.title(table_id)
            items.append(link(f"Tabel {table_id}", self.to(page)) + (f": {md(title)}" if title else ""))
        note = "" if self.tables.available else self.tables.missing_note()
        self.write("tables/index.md", front_matter("Tabeller") + "# Tabeller · tables\n\n"
                   "Alle tabeller er regenereret fra grafen med de samme forespørgsler som "
                   "`evidencekb table`, og kan hentes som CSV.\n\n" + note + bullet_list(items))
        for table_id in self.tables.ids():
            self.here = f"tables/{table_id}.md"
            title = self.tables.title(table_id)
            body = [front_matter(f"Tabel {table_id}", hide=["toc"]), f"# Tabel {table_id}\n\n"]
            if title:
                body.append(f"_{md(title)}_\n\n")
            body.append(self.tables.markdown(table_id))
            if self.tables.ok(table_id):
                body.append("\n" + link(f"Hent Tabel {table_id} som CSV", self.to(f"downloads/table-{table_id}.csv"))
                            + "\n")
            table_iri = next((iri for iri, p in self.m.table_pages.items() if p == self.here), None)
            if table_iri:
                derived = self.derived_from(table_iri)
                if derived:
                    body.append("\n## Kilder i denne tabel · publications in this table\n\n" + derived)
            self.write(self.here, "".join(body))

    def derived_from(self, table_iri: str) -> str:
        pubs = [p for p in self.m.pages.values() if p.kind in ("study", "report")
                and URIRef(table_iri) in self.m.values(p.iri, PROV.wasDerivedFrom)]
        return bullet_list(self.ref(p.iri) for p in pubs)

    # Studies -------------------------------------------------------------
    def studies(self) -> None:
        m = self.m
        self.here = "studies/index.md"
        rows = []
        for page in m.of_kind("study"):
            s = page.iri
            population = m.value(s, EKB.population)
            size = m.value(population, EKB.sampleSize)
            rows.append([self.ref(s), md(m.value(s, EKB.referenceNumber) or ""),
                         self.labels(m.values(s, EKB.studyDesign)), self.refs(m.values(s, EKB.therapyClass)),
                         self.refs(m.values(s, EKB.studiedTherapy)), self.refs(m.values(s, EKB.diseaseArea)),
                         md(size) if size is not None else "", self.refs(m.values(s, PROV.wasDerivedFrom))])
        columns = ["Studie", "Ref.", "Design", "Behandlingstype", "Behandling", "Sygdom", "Patienter", "Kilde"]
        self.write(self.here, front_matter("Primærstudier", hide=["toc"])
                   + "# Primærstudier · primary studies (Bilag B)\n\n" + table(columns, rows))
        for page in m.of_kind("study"):
            self.here = page.path
            self.write(page.path, self.study_page(page.iri))

    def quantity(self, q: object) -> str:
        if q is None:
            return ""
        m = self.m
        value = m.value(q, EKB.value)
        stat = m.value(q, EKB.statistic)
        text = " ".join(x for x in [m.label(stat) if stat is not None else "",
                                    number(value) if value is not None else "",
                                    unit_symbol(m.value(q, EKB.unit))] if x)
        low, high = m.value(q, EKB.rangeMin), m.value(q, EKB.rangeMax)
        if low is not None or high is not None:
            text += f" (interval {number(low) if low is not None else ''}–{number(high) if high is not None else ''})"
        label = m.text(q, RDF.value) or (m.label(q) if m._labels.get(str(q)) else "")
        return md(text or label)

    def population(self, p: object) -> str:
        if p is None:
            return ""
        m = self.m
        bits = [md(m.label(p))] if m._labels.get(str(p)) else []
        size = m.value(p, EKB.sampleSize)
        if size is not None:
            bits.append(f"n = {md(size)}")
        bits += [md(m.label(a)) for a in m.values(p, EKB.ageGroup)]
        age = m.value(p, EKB.medianAgeYears)
        if age is not None:
            bits.append(f"medianalder {md(number(age))} år")
        low, high = m.value(p, EKB.ageRangeMinYears), m.value(p, EKB.ageRangeMaxYears)
        if low is not None or high is not None:
            low_text = number(low) if low is not None else ""
            high_text = number(high) if high is not None else ""
            bits.append(f"alder {md(low_text)}–{md(high_text)} år")
        return "; ".join(bits)

    def arms(self, study: object) -> str:
        arms = set(self.m.values(study, EKB.arm))
        for result in self.m.values(study, EKB.hasResult):
            arms.update(self.m.values(result, EKB.group) + self.m.values(result, EKB.comparedWith))
        items = []
        for arm in sorted(arms, key=str):
            size = self.m.value(arm, EKB.sampleSize)
            items.append(self.dual(self.m.label(arm), self.m.english_label(arm))
                         + (f" (n = {md(size)})" if size is not None else ""))
        return "<br>".join(items)

    def study_summary(self, s: str) -> str:
        """One line under the title: design · n · therapy (class) · follow-up."""
        m = self.m
        bits = [chip(md(m.label(d)), "design") for d in m.values(s, EKB.studyDesign)]
        for p in m.values(s, EKB.population):
            size = m.value(p, EKB.sampleSize)
            if size is not None:
                bits.append(chip(f"n = {md(size)}", "n"))
        therapy = self.refs(m.values(s, EKB.studiedTherapy)) or self.refs(m.values(s, EKB.therapyClass))
        classes = self.labels(m.values(s, EKB.therapyClass))
        if therapy:
            bits.append(chip(therapy + (f" ({classes})" if m.values(s, EKB.studiedTherapy) and classes else ""),
                             "therapy"))
        diseases = self.refs(m.values(s, EKB.diseaseArea))
        if diseases:
            bits.append(chip(diseases, "disease"))
        follow = ", ".join(self.quantity(q) for q in m.values(s, EKB.followUp))
        if follow:
            bits.append(chip(f"opfølgning {follow}", "time"))
        return f'<p class="ekb-summary" markdown>{" ".join(bits)}</p>\n\n' if bits else ""

    def study_page(self, s: str) -> str:
        m = self.m
        label = m.label(s)
        parts = [front_matter(label, jsonld.study(m, s), hide=["toc"]), f"# {md(label)}\n\n"]
        english = m.english_label(s)
        if english and english != label:
            parts.append(f'<span class="ekb-en" lang="en">{md(english)}</span>\n\n')
        parts.append(self.study_summary(s))
        parts.append('<div class="ekb-facts" markdown>\n\n' + self.facts([
            ("Type", md(m.label(EKB.PrimaryStudy))),
            ("Referencenummer", md(m.value(s, EKB.referenceNumber) or "")),
            ("Studiedesign", self.dual(", ".join(m.label(d) for d in m.values(s, EKB.studyDesign)),
                                       ", ".join(m.label(d, "en") for d in m.values(s, EKB.studyDesign)))),
            ("Design som trykt", md(m.text(s, EKB.designText) or "")),
            ("Sygdomsområde", self.refs(m.values(s, EKB.diseaseArea))),
            ("Sygdom som trykt", md(m.text(s, EKB.diseaseText) or "")),
            ("Behandlingstype", self.refs(m.values(s, EKB.therapyClass))),
            ("Behandling", self.refs(m.values(s, EKB.studiedTherapy))),
            ("Behandling som trykt", md(m.text(s, EKB.therapyText) or "")),
            ("Målantigen", self.refs(m.values(s, EKB.targetAntigen))),
            ("Population", "<br>".join(self.population(p) for p in m.values(s, EKB.population))),
            ("Population som trykt", md(m.text(s, EKB.populationText) or "")),
            ("Studiegrupper", self.arms(s)),
            ("Opfølgning", ", ".join(self.quantity(q) for q in m.values(s, EKB.followUp))),
            ("Behandlingsvarighed", ", ".join(self.quantity(q) for q in m.values(s, EKB.treatmentDuration))),
            ("Immunglobulinbrug", "<br>".join(md(t) for t in m.texts(s, EKB.immunoglobulinUse))),
            ("Kilde", self.provenance(s)),
        ]) + "\n</div>\n\n")
        parts.append("\n## Resultater · results\n\n" + self.results(s) + "\n")
        limitations = m.texts(s, EKB.limitation)
        parts.append("## Begrænsninger · limitations\n\n")
        parts.append(bullet_list(md(x) for x in limitations) if limitations else "_Ingen angivet._\n")
        printed = m.text(s, EKB.limitationsText)
        if printed:
            parts.append(f"\nSom trykt: «{md(printed)}»\n")
        parts.append("\n" + self.annotations(s))
        parts.append(self.citation(s))
        return "".join(parts)

    def estimate_text(self, r: object) -> str:
        """A result as read aloud, Danish style: "0,12 (95% CI 0,014–0,42); p = 0,001"."""
        m = self.m
        value = m.value(r, EKB.value)
        unit = unit_symbol(m.value(r, EKB.unit))
        text = f"**{md(f'{number_da(value)} {unit}'.strip())}**" if value is not None else ""
        normalised = m.value(r, EKB.normalisedValue)
        if normalised is not None:
            text += f" (= {md(number_da(normalised))} {md(unit_symbol(m.value(r, EKB.normalisedUnit)))})"
        low, high = m.value(r, EKB.ciLower), m.value(r, EKB.ciUpper)
        extras = []
        if low is not None:
            upper = "NR" if str(m.value(r, EKB.ciUpperNotReached) or "").lower() == "true" else (
                number_da(high) if high is not None else "")
            level = m.value(r, EKB.ciLevel)
            pct = f"{number_da(float(level) * 100)}% " if level is not None else ""
            extras.append(f"{pct}CI {number_da(low)}–{upper}")
        rmin, rmax = m.value(r, EKB.rangeMin), m.value(r, EKB.rangeMax)
        if rmin is not None or rmax is not None:
            extras.append(f"interval {number_da(rmin) if rmin is not None else ''}–"
                          f"{number_da(rmax) if rmax is not None else ''}")
        if extras:
            text += f" ({md('; '.join(extras))})"
        p = m.value(r, EKB.pValue)
        if p is not None:
            p_text = f"p {m.value(r, EKB.pValueComparator) or '='} {number_da(p)}"
            text += ("; " if text else "") + f'<span class="ekb-p">{md(p_text)}</span>'
        return text

    def result_groups(self, s: str, results: list[Any]) -> list[tuple[str | None, list[Any]]]:
        """Results under the headings printed in their table cell ("Immunstatus", …), in printed order.

        A result whose cell has no heading above it falls under the cell's column heading; a study whose
        results have no printed cell gives one group without a heading.
        """
        m = self.m
        cells: dict[str, list[Any]] = defaultdict(list)
        for row in m.select("result-cells", study=URIRef(s)).rows:
            cells[str(row["result"])].append(row)
        groups: dict[str | None, list[Any]] = {}  # insertion order = order of the first result
        for r in results:
            heading: str | None = None
            verbatim = m.text(r, EKB.verbatim) or ""
            for row in cells.get(str(r), []):
                sections = section_groups(str(row["cellText"]))
                index = find_section(sections, verbatim) if verbatim else None
                if index is not None and sections[index][0]:
                    heading = sections[index][0]
                    break
                heading = heading or m.text(m.value(row["cell"], EKB.column), EKB.heading)
            groups.setdefault(heading, []).append(r)
        return list(groups.items())

    def results(self, s: str) -> str:
        m = self.m
        results = [row["result"] for row in m.select("study-results", study=URIRef(s)).rows]
        if not results:
            return "_Ingen resultater i data._\n"
        number_of = {str(r): i for i, r in enumerate(results, 1)}
        groups = self.result_groups(s, results)
        text, quotes = "", []
        for heading, members in groups:
            rows = []
            for r in members:
                i = number_of[str(r)]
                groups_text = self.labels(m.values(r, EKB.group))
                compared = self.labels(m.values(r, EKB.comparedWith))
                if compared:
                    groups_text = f"{groups_text} vs. {compared}" if groups_text else f"vs. {compared}"
                measure = m.value(r, EKB.measure)
                rows.append([str(i), self.dual(m.text(r, EKB.outcome), m.text_en(r, EKB.outcome)),
                             md(m.short(measure)) if measure is not None else "", self.estimate_text(r),
                             md(m.text(r, EKB.timeWindowText) or ""), groups_text, self.provenance(r, compact=True)])
                verbatim = m.text(r, EKB.verbatim)
                if verbatim:
                    quotes.append(f"{i}. «{md(verbatim)}»")
            if heading and len(groups) > 1:
                text += f"### {md(heading)}\n\n"
            text += ('<div class="ekb-results-table" markdown>\n\n'
                     + table(["#", "Effektmål", "Mål", "Resultat", "Tidsvindue", "Grupper", "Kilde"], rows)
                     + "\n</div>\n\n")
        if quotes:
            text += '??? quote "Ordret fra tabellen (verbatim)"\n\n' + "".join(f"    {q}\n" for q in quotes) + "\n"
        return text

    # Reports -------------------------------------------------------------
    def reports(self) -> None:
        m = self.m
        self.here = "reports/index.md"
        rows = []
        for page in m.of_kind("report"):
            r = page.iri
            appraisal = m.value(r, EKB.appraisal)
            rating = m.value(appraisal, EKB.overallRating)
            types = [t for t in m.values(r, RDF.type) if t != EKB.SecondaryPublication]
            rows.append([self.ref(r), md(m.value(r, EKB.referenceNumber) or ""), self.labels(types),
                         self.refs(m.values(r, EKB.issuingBody)), self.refs(m.values(r, EKB.therapyClass)),
                         md(m.label(rating)) if rating is not None else "",
                         self.refs(m.values(r, PROV.wasDerivedFrom))])
        self.write(self.here, front_matter("Sekundær litteratur", hide=["toc"])
                   + "# Sekundær litteratur · consensus reports and reviews (Bilag C)\n\n"
                   + table(["Publikation", "Ref.", "Type", "Afsender", "Behandlingstype", "AGREE II", "Kilde"], rows))
        for page in m.of_kind("report"):
            self.here = page.path
            self.write(page.path, self.report_page(page.iri))

    def report_summary(self, r: str, types: list[Any]) -> str:
        """One line under the title: type · issuing body · therapy classes · AGREE II rating."""
        m = self.m
        bits = [chip(md(m.label(t)), "design") for t in types]
        bits += [chip(self.ref(b), "who") for b in m.values(r, EKB.issuingBody)]
        year = m.value(r, EKB.publicationYear)
        if year is not None:
            bits.append(chip(md(year), "time"))
        bits += [chip(self.ref(t), "therapy") for t in m.values(r, EKB.therapyClass)]
        appraisal = m.value(r, EKB.appraisal)
        rating = m.value(appraisal, EKB.overallRating)
        if rating is not None:
            bits.append(chip("AGREE II: " + md(m.label(rating)), "agree"))
        return f'<p class="ekb-summary" markdown>{" ".join(bits)}</p>\n\n' if bits else ""

    def report_page(self, r: str) -> str:
        m = self.m
        label = m.label(r)
        parts = [front_matter(label, jsonld.article(m, r)), f"# {md(label)}\n\n"]
        types = [t for t in m.values(r, RDF.type) if t != EKB.SecondaryPublication]
        parts.append(self.report_summary(r, types))
        parts.append(self.facts([
            ("Type", self.labels(types)),
            ("Referencenummer", md(m.value(r, EKB.referenceNumber) or "")),
            ("Udgivelsesår", md(m.value(r, EKB.publicationYear) or "")),
            ("Afsender", self.refs(m.values(r, EKB.issuingBody))),
            ("Behandlingstype", self.refs(m.values(r, EKB.therapyClass))),
            ("Sygdomsområde", self.refs(m.values(r, EKB.diseaseArea))),
            ("Kilde", self.provenance(r)),
        ]))
        for heading, prop in (("Formål · purpose", EKB.purpose), ("Metode · method", EKB.method)):
            text = m.text(r, prop)
            if text:
                parts.append(f"\n## {heading}\n\n{md(text)}\n")
        parts.append("\n## AGREE II-vurdering · appraisal\n\n" + self.appraisal(r))
        items = m.rows_about("report-criteria", "publication", r)
        by_kind: dict[str, list[Any]] = defaultdict(list)
        for row in items:
            if row["item"] not in by_kind[str(row["kind"])]:
                by_kind[str(row["kind"])].append(row["item"])
        for kind, heading in (("start", "Opstartskriterier · start criteria"),
                              ("stop", "Seponeringskriterier · stop criteria")):
            parts.append(f"\n## {heading}\n\n" + self.criteria_blocks(by_kind.get(kind, []), kind))
        parts.append("\n## Administration\n\n" + self.recommendation_blocks(by_kind.get("administration", [])))
        others = by_kind.get("other", [])
        children = [o for o in others if EKB["population-child"] in m.values(o, EKB.population)]
        rest = [o for o in others if o not in children]
        parts.append("\n## Risikogrupper og øvrige anbefalinger · risk groups and other recommendations\n\n"
                     + self.recommendation_blocks(rest))
        parts.append("\n## Børn · children\n\n" + self.recommendation_blocks(children))
        parts.append("\n" + self.annotations(r))
        parts.append(self.citation(r))
        return "".join(parts)

    def appraisal(self, r: str) -> str:
        m = self.m
        rows = m.select("appraisal-findings", publication=URIRef(r)).rows
        if not rows:
            return "_Ingen AGREE II-vurdering i data._\n"
        appraisal = rows[0]["appraisal"]
        parts = []
        rating = m.value(appraisal, EKB.overallRating)
        if rating is not None:
            parts.append(f"Overordnet vurdering: {chip(md(m.label(rating)), 'agree')} "
                         f'<span class="ekb-en" lang="en">{md(m.label(rating, "en"))}</span>\n\n')
        text = m.text(appraisal, EKB.ratingText)
        if text:
            parts.append(f"«{md(text)}»\n\n")
        domains: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        domain_iri: dict[str, Any] = {}
        for row in rows:
            if row["finding"] is None:
                continue
            key = str(row["domainNotation"] or "~")
            domain_iri[key] = row["domain"]
            domains[key][str(row["type"])].append(md(m.text(row["finding"], EKB.text) or m.label(row["finding"])))
        cards = []
        for key in sorted(domains, key=lambda k: (not k.isdigit(), k)):
            domain = domain_iri[key]
            name = m.label(domain) if domain is not None else "Uden domæne"
            english = m.label(domain, "en") if domain is not None else ""
            heading = f"Domæne {key}" if key.isdigit() else "AGREE II"
            body = [f'<p class="ekb-card__title" markdown><span class="ekb-card__kicker">{md(heading)}</span> '
                    f"{md(name)}</p>\n"]
            if english and english != name:
                body.append(f'<p class="ekb-en" lang="en" markdown>{md(english)}</p>\n')
            for kind, word, css in (("strength", "Styrker", "plus"), ("weakness", "Svagheder", "minus"),
                                    ("finding", "Fund", "note")):
                if domains[key].get(kind):
                    body.append(f'<p class="ekb-card__sub" markdown>{word}</p>\n'
                                f'<ul class="ekb-findings ekb-findings--{css}" markdown>\n'
                                + "".join(f"<li markdown>{item}</li>\n" for item in domains[key][kind]) + "</ul>\n")
            cards.append('<div class="ekb-card ekb-card--agree" markdown>\n' + "".join(body) + "</div>\n")
        if cards:
            parts.append('<div class="ekb-cards ekb-cards--agree" markdown>\n\n' + "\n".join(cards) + "\n</div>\n\n")
        parts.append(f"Kilde: {self.provenance(appraisal)}\n")
        return "".join(parts)

    def criteria_blocks(self, criteria: list[Any], kind: str) -> str:
        if not criteria:
            return "_Ingen i data._\n"
        items = []
        for c in sorted(criteria, key=str):
            text = f"**{md(action_text(self.m, c))}** — " + " · ".join(md(x) for x in conditions(self.m, c, kind))
            for extra in self.m.texts(c, EKB.additionalCondition):
                text += f" · {md(extra)}"
            verbatim = self.m.text(c, EKB.verbatim)
            if verbatim:
                text += f"<br>«{md(verbatim)}»"
            text += f" ({self.provenance(c)})"
            items.append(text)
        return bullet_list(items)

    def recommendation_blocks(self, items: list[Any]) -> str:
        if not items:
            return "_Ingen i data._\n"
        m = self.m
        lines = []
        for item in sorted(items, key=str):
            bits = [f"**{self.dual(m.label(item), m.english_label(item))}**"]
            route = m.value(item, EKB.route)
            if route is not None:
                bits.append(md(m.label(route)))
            low, high = m.value(item, EKB.doseMinGPerKg), m.value(item, EKB.doseMaxGPerKg)
            if low is not None or high is not None:
                dose = number(low) if high is None or low == high else f"{number(low)}–{number(high)}"
                bits.append(f"dosis {md(dose)} g/kg")
            low, high = m.value(item, EKB.intervalMinWeeks), m.value(item, EKB.intervalMaxWeeks)
            if low is not None or high is not None:
                interval = number(low) if high is None or low == high else f"{number(low)}–{number(high)}"
                bits.append(f"hver {md(interval)}. uge")
            trough = m.value(item, EKB.troughTarget)
            if trough is not None:
                bits.append(f"mål: {md(igg_text(m, trough) or '')}")
            for extra in m.texts(item, EKB.additionalCondition):
                bits.append(md(extra))
            window = window_text(m, criterion_window(m, item))
            if window:
                bits.append(md(window))
            text = " · ".join(bits)
            body = m.text(item, EKB.verbatim) or m.text(item, EKB.text)
            if body:
                text += f"<br>«{md(body)}»"
            text += f" ({self.provenance(item)})"
            lines.append(text)
        return bullet_list(lines)

    # Therapies, diseases, organisations -----------------------------------
    def therapies(self) -> None:
        m = self.m
        self.here = "therapies/index.md"
        parts = [front_matter("Behandlinger"), "# Behandlinger · therapies\n\n",
                 "## Behandlingstyper · therapy classes\n\n"]
        for page in m.of_kind("therapy-class"):
            products = [p for p in m.linked("therapy-class", page.iri) if m.pages.get(p, None)
                        and m.pages[p].kind == "product"]
            parts.append(f"### {self.ref(page.iri)}\n\n" + (bullet_list(self.ref(p) for p in products) or
                                                             "_Ingen lægemidler i data._\n") + "\n")
        parts.append("## Målantigener · target antigens\n\n")
        rows = []
        for page in m.of_kind("antigen"):
            users = m.linked("antigen", page.iri)
            rows.append([self.ref(page.iri), self.refs([u for u in users if m.pages.get(u) and
                                                         m.pages[u].kind == "product"]),
                         self.refs([u for u in users if m.pages.get(u) and m.pages[u].kind == "study"])])
        parts.append(table(["Antigen", "Lægemidler", "Studier"], rows) if rows else "_Ingen i data._\n")
        parts.append("\n## Lægemidler · products\n\n")
        rows = []
        for page in m.of_kind("product"):
            p = page.iri
            rows.append([self.ref(p), self.labels(m.values(p, SKOS.altLabel)),
                         self.refs(m.values(p, EKB.therapyClass)), self.refs(m.values(p, EKB.targetAntigen)),
                         self.refs(m.linked("product", p))])
        parts.append(table(["Lægemiddel", "Kort navn", "Behandlingstype", "Målantigen", "Studier"], rows)
                     if rows else "_Ingen i data._\n")
        self.write(self.here, "".join(parts))

    def simple_index(self, kind: str, path: str, title: str, lead: str) -> None:
        self.here = path
        pages = self.m.of_kind(kind)
        items = []
        for page in pages:
            related = self.related(page.iri, kind)
            count = sum(len(v) for v in related.values())
            items.append(f"{self.ref(page.iri)} ({count})")
        self.write(path, front_matter(title) + f"# {title}\n\n{lead}\n\n" + (bullet_list(items) or "_Ingen i data._\n"))

    def related(self, iri: str, kind: str) -> dict[str, list[str]]:
        """Pages linked to the entity, grouped by page kind."""
        relation = {"product": "product", "therapy-class": "therapy-class", "antigen": "antigen",
                    "disease": "disease", "organisation": "issuing-body"}[kind]
        groups: dict[str, list[str]] = defaultdict(list)
        for source in self.m.linked(relation, iri):
            page = self.m.pages.get(source)
            if page is not None:
                groups[page.kind].append(source)
        if kind == "organisation":
            for member in self.m.linked("member-of", iri):
                groups["organisation"].append(member)
        return groups

    def entity_page(self, iri: str, path: str, kind: str) -> None:
        m = self.m
        self.here = path
        label = m.label(iri)
        schema_type = {"product": "Drug", "organisation": "Organization", "disease": "MedicalCondition"}.get(
            kind, "DefinedTerm")
        parts = [front_matter(label, jsonld.simple(m, iri, schema_type), hide=["toc"]), f"# {md(label)}\n\n"]
        english = m.english_label(iri)
        if english and english != label:
            parts.append(f'<span class="ekb-en" lang="en">{md(english)}</span>\n\n')
        parts.append(self.facts([
            ("Type", md(KIND_TITLES[kind])),
            ("Andre navne", self.labels(m.values(iri, SKOS.altLabel))),
            ("Forkortelse", md(m.value(iri, EKB.acronym) or "")),
            ("Behandlingstype", self.refs(m.values(iri, EKB.therapyClass))),
            ("Målantigen", self.refs(m.values(iri, EKB.targetAntigen))),
            ("Del af", self.refs(m.values(iri, EKB.memberOf))),
            ("Definition", md(m.text(iri, SKOS.definition) or "")),
            ("Note", md(m.text(iri, EKB.comment) or m.text_en(iri, EKB.comment) or "")),
            ("Kilde", self.provenance(iri)),
        ]))
        related = self.related(iri, kind)
        if kind == "therapy-class":
            related["product"] = [p for p in related.get("product", [])]
        if kind == "antigen":
            pass
        for group in ("product", "study", "report", "organisation"):
            if related.get(group):
                parts.append(f"\n## {KIND_TITLES[group]}\n\n" + bullet_list(self.ref(x) for x in related[group]))
        if kind == "organisation":
            parents = m.values(iri, EKB.memberOf)
            if parents:
                parts.append("\n## Del af · part of\n\n" + bullet_list(self.ref(x) for x in parents))
        self.write(path, "".join(parts))

    # Search strategy -----------------------------------------------------
    def search_strategy(self) -> None:
        m = self.m
        self.here = "search-strategy.md"
        searches: dict[str, list[Any]] = {}
        for row in m.select("search-lines").rows:
            searches.setdefault(str(row["search"]), [])
            if row["line"] is not None:
                searches[str(row["search"])].append(row)
        parts = [front_matter("Søgestrategi"), "# Søgestrategi · search strategy (Bilag A)\n\n"]
        if not searches:
            parts.append("_Ingen litteratursøgning i data._\n")
        for search, lines in searches.items():
            parts.append(f"## {md(m.label(search))}\n\n")
            parts.append(self.facts([
                ("Database", self.labels(m.values(search, EKB.database))),
                ("Dato", md(m.value(search, EKB.searchDate) or "")),
                ("Formål", md(m.text(search, EKB.searchScope) or "")),
                ("Kilde", self.provenance(search)),
            ]) + "\n")
            rows = []
            for row in sorted(lines, key=lambda r: int(r["lineNumber"]) if r["lineNumber"] is not None else 0):
                hits = row["hitsAsPrinted"] if row["hitsAsPrinted"] is not None else row["hits"]
                rows.append([md(row["lineNumber"] or ""), f"<code>{html.escape(str(row['query'] or ''))}</code>",
                             md(hits if hits is not None else "")])
            if rows:
                parts.append(table(["#", "Søgning", "Hits"], rows) + "\n")
        self.write(self.here, "".join(parts))

    # Query ---------------------------------------------------------------
    def query_page(self) -> None:
        from evidencekb.site.query import examples, query_widget

        self.here = "query.md"
        parts = [front_matter("SPARQL", hide=["toc"]), "# SPARQL i browseren · query the graph\n\n",
                 "Forespørgslerne kører i din browser (Oxigraph, WebAssembly) mod grafen, som den er "
                 "publiceret under Downloads — intet sendes til en server. "
                 "Queries run in your browser on the published graph; nothing is sent anywhere.\n\n"]
        from evidencekb.site.build import PAGE_MAP  # noqa: PLC0415 – site imports this module

        root = html_rel(self.here, "index.md")
        root = root[: -len("index.md")] if root.endswith("index.md") else ""
        parts.append(query_widget(html_rel(self.here, "downloads/evidencekb.ttl"),
                                  html_rel(self.here, "assets/ekb-query.js"), examples(),
                                  pages_url=html_rel(self.here, PAGE_MAP), root_url=root or "./"))
        self.write(self.here, "".join(parts))

    # Downloads -----------------------------------------------------------
    def downloads(self) -> None:
        self.here = "downloads/index.md"
        items = [link("Grafen som Turtle (evidencekb.ttl)", "evidencekb.ttl"),
                 link("Grafen som JSON-LD (evidencekb.jsonld)", "evidencekb.jsonld")]
        tables = [link(f"Tabel {t} (CSV)", f"table-{t}.csv") for t in self.tables.ids() if self.tables.ok(t)]
        self.write(self.here, front_matter("Downloads") + "# Downloads\n\n"
                   "Grafen er ontologien og alle data i `data/`, samlet · the graph is the ontology plus all data.\n\n"
                   + bullet_list(items) + "\n## Tabeller som CSV\n\n"
                   + (bullet_list(tables) or self.tables.missing_note()))

    # Audit ---------------------------------------------------------------
    def audit_page(self) -> None:
        self.here = "audit.md"
        parts = [front_matter("Audit"), "# Audit · the addendum checked against itself\n\n"]
        if self.audit is None:
            parts.append('!!! warning "Audit not available"\n\n'
                         "    audit not available: `evidencekb.audit.collect_findings()` is not installed yet.\n")
            self.write(self.here, "".join(parts))
            return
        findings = self.audit()
        if not findings:
            parts.append("Ingen fund · no findings.\n")
        rows = []
        for f in findings:
            rows.append([md(getattr(f, "severity", "")), md(getattr(f, "check", "")),
                         f"**{md(getattr(f, 'title', ''))}**<br>{md(getattr(f, 'message', ''))}",
                         ", ".join(self.iri_ref(x) for x in getattr(f, "locations", []) or []),
                         ", ".join(self.iri_ref(x) for x in getattr(f, "entities", []) or [])])
        if rows:
            parts.append(f"{len(rows)} fund · findings.\n\n"
                         + table(["Alvor", "Tjek", "Fund", "Placering", "Entiteter"], rows))
        self.write(self.here, "".join(parts))

    def iri_ref(self, iri: object) -> str:
        iri = str(iri)
        if iri in self.m.pages or iri in self.m.table_pages:
            return self.ref(URIRef(iri))
        labels = self.m._labels.get(iri)
        return md(self.m.label(URIRef(iri)) if labels else curie(iri))


def literal_text(value: object) -> str:
    return str(value) if isinstance(value, Literal) else ""
