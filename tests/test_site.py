"""The site generated from the graph: builds strictly, links resolve, one page per study and report,
data text escaped, decision diagram follows the criteria, and a failed build keeps the old site."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef

import evidencekb.site.build as site_module
from evidencekb import project
from evidencekb.errors import EvidenceKBError
from evidencekb.namespaces import EKB, KB
from evidencekb.rdf.turtle import load_ontology
from evidencekb.site.build import build_site, generate_docs
from evidencekb.site.model import SiteModel
from evidencekb.site.query import examples
from evidencekb.site.text import md, slug
from evidencekb.sparql.engines import local_engine

PRIMARY_STUDIES = 10
SECONDARY_PUBLICATIONS = 8
TABLES = ("3-1", "3-2", "8-1", "8-2", "8-3", "8-4", "8-5", "8-6", "8-7")


@pytest.fixture(scope="module")
def built(built_site: Path) -> Path:
    return built_site  # conftest.py: built once a session, also served to the browser tests


class _Links(HTMLParser):
    """href/src/data-graph attributes and element ids of one HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name in ("href", "src", "data-graph"):
                self.links.append(value)
            elif name == "id":
                self.ids.add(value)


def _parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def _target(root: Path, page: Path, href: str) -> tuple[Path, str]:
    """The file a link points at; root-absolute paths (404.html uses them) resolve from the site root."""
    parts = urlsplit(href)
    path = unquote(parts.path)
    if path.startswith("/"):
        target = (root / path.lstrip("/")).resolve()
    else:
        target = (page.parent / path).resolve() if path else page
    if target.is_dir():
        target = target / "index.html"
    return target, unquote(parts.fragment)


def test_every_internal_link_resolves(built: Path) -> None:
    pages = sorted(built.rglob("*.html"))
    assert len(pages) > 50
    ids: dict[Path, set[str]] = {}
    broken: list[str] = []
    for page in pages:
        for href in _parse(page).links:
            if re.match(r"^[a-z][a-z0-9+.-]*:", href, re.IGNORECASE) or href.startswith("//"):
                continue  # external (https:, mailto:, data:) – not ours to check
            target, fragment = _target(built, page, href)
            if not target.is_file():
                broken.append(f"{page.relative_to(built)} → {href}")
                continue
            if fragment and target.suffix == ".html":
                if target not in ids:
                    ids[target] = _parse(target).ids
                if fragment not in ids[target]:
                    broken.append(f"{page.relative_to(built)} → {href} (no id {fragment!r})")
    assert broken == [], "broken internal links:\n" + "\n".join(broken[:40])


def test_one_page_per_primary_study_and_secondary_publication(built: Path, kb: Graph) -> None:
    model = SiteModel(local_engine(kb))
    studies, reports = model.of_kind("study"), model.of_kind("report")
    assert len(studies) == PRIMARY_STUDIES, [p.iri for p in studies]
    assert len(reports) == SECONDARY_PUBLICATIONS, [p.iri for p in reports]
    missing = [p.iri for p in studies + reports if not (built / p.path[:-3] / "index.html").is_file()]
    assert missing == []
    study_index = (built / "studies" / "index.html").read_text(encoding="utf-8")
    report_index = (built / "reports" / "index.html").read_text(encoding="utf-8")
    for page in studies:
        assert f'href="{slug(page.iri)}/"' in study_index, f"{page.iri} not listed on studies/index"
    for page in reports:
        assert f'href="{slug(page.iri)}/"' in report_index, f"{page.iri} not listed on reports/index"


def test_entity_pages_stay_out_of_the_navigation(built: Path) -> None:
    home = (built / "index.html").read_text(encoding="utf-8")
    nav = home[home.index('class="md-nav md-nav--primary"'):]
    assert "studies/dima-2025/" not in nav
    assert "studies/" in nav


def _jsonld(page: Path) -> dict:
    text = page.read_text(encoding="utf-8")
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', text, re.DOTALL)
    assert match, f"{page} has no JSON-LD"
    return json.loads(match.group(1))


def test_pages_embed_schema_org_json_ld(built: Path) -> None:
    assert _jsonld(built / "index.html")["@type"] == "MedicalGuideline"
    recommendations = _jsonld(built / "index.html")["hasPart"]
    assert recommendations and all(r["@type"] == "MedicalGuidelineRecommendation" for r in recommendations)
    study = _jsonld(built / "studies" / "dima-2025" / "index.html")
    assert "MedicalObservationalStudy" in study["@type"] and study["@id"] == str(KB["dima-2025"])
    assert _jsonld(built / "reports" / "shahid-2024" / "index.html")["@type"] == "ScholarlyArticle"


def test_study_page_shows_results_with_ci_and_verified_doi_only(built: Path, kb: Graph) -> None:
    model = SiteModel(local_engine(kb))
    for page in model.of_kind("study"):
        html = (built / page.path[:-3] / "index.html").read_text(encoding="utf-8")
        doi = kb.value(URIRef(page.iri), EKB.doi)
        verified = kb.value(URIRef(page.iri), EKB.bibliographicStatus) == EKB["bib-verified"]
        link = f'href="https://doi.org/{doi}"'
        assert (link in html) == bool(doi is not None and verified), page.iri
        results = list(kb.objects(URIRef(page.iri), EKB.hasResult))
        assert html.count('<tr>') >= len(results), f"{page.iri}: fewer table rows than results"
        for result in results:
            low = kb.value(result, EKB.ciLower)
            if low is not None:
                assert "CI " in html, f"{page.iri}: confidence interval of {result} not shown"


def test_tables_are_rendered_and_downloadable(built: Path) -> None:
    try:
        from evidencekb.tables import render_table, table_data  # noqa: F401
    except ImportError as error:
        pytest.fail(f"evidencekb.tables is missing ({error}): the table pages cannot show the tables")
    for table_id in TABLES:
        assert (built / "tables" / table_id / "index.html").is_file(), table_id
        csv = built / "downloads" / f"table-{table_id}.csv"
        assert csv.is_file() and csv.stat().st_size > 0, f"no CSV for table {table_id}"
        html = (built / "tables" / table_id / "index.html").read_text(encoding="utf-8")
        assert "<table>" in html and "Tabellen kunne ikke genereres" not in html, table_id
    assert (built / "tables" / "3-1" / "index.html").read_text(encoding="utf-8").count('class="ekb-mark"') >= 3


def test_downloads_hold_the_graph(built: Path, kb: Graph) -> None:
    turtle = Graph().parse(built / "downloads" / "evidencekb.ttl", format="turtle")
    assert len(turtle) == len(kb)
    store = ox.Store()
    store.load(path=str(built / "downloads" / "evidencekb.jsonld"), format=ox.RdfFormat.JSON_LD)
    assert len(store) == len(kb)


def test_query_page_is_self_contained(built: Path) -> None:
    for asset in ("assets/vendor/oxigraph/web.js", "assets/vendor/oxigraph/web_bg.wasm",
                  "assets/vendor/mermaid/mermaid.min.js", "assets/ekb-query.js"):
        assert (built / asset).is_file(), asset
    html = (built / "query" / "index.html").read_text(encoding="utf-8")
    assert "unpkg.com" not in html and "cdn." not in html
    home = (built / "index.html").read_text(encoding="utf-8")
    assert "assets/vendor/mermaid/mermaid.min.js" in home


def test_example_queries_run_on_the_published_graph(built: Path) -> None:
    store = ox.Store()
    store.load(path=str(built / "downloads" / "evidencekb.ttl"), format=ox.RdfFormat.TURTLE)
    found = examples()
    assert len(found) >= 3
    counts = {e.name: len(list(store.query(e.query))) for e in found}
    assert counts["primary-studies"] == PRIMARY_STUDIES, counts
    assert "high-quality-routine-bispecific" in counts


def test_home_diagram_is_generated_from_the_criteria(tmp_path: Path, kb: Graph) -> None:
    pages = generate_docs(tmp_path / "a", kb)
    assert "```mermaid\nflowchart" in pages["index.md"]
    assert "IgG #60; 4 g/L" in pages["index.md"]
    changed = Graph()
    changed += kb
    changed.set((KB["council-igg-below-4"], EKB.threshold, Literal(5)))
    pages = generate_docs(tmp_path / "b", changed)
    diagram = pages["index.md"].split("```mermaid", 1)[1].split("```", 1)[0]
    assert "IgG #60; 5 g/L" in diagram and "IgG #60; 4 g/L" not in diagram


ESCAPE_FIXTURE = """
@prefix ekb: <https://w3id.org/evidencekb/ontology#> .
@prefix kb: <https://w3id.org/evidencekb/id/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix unit: <http://qudt.org/vocab/unit/> .
kb:evil-2025 a ekb:PrimaryStudy ;
    rdfs:label "<script>alert('x')</script> *bold* [link](https://evil.example) `code`"@da ;
    ekb:limitation "# not a heading | not a cell | <img src=x onerror=alert(1)>"@da ;
    ekb:therapyClass ekb:therapy-car-t ;
    ekb:hasResult kb:evil-2025-r01 .
kb:evil-2025-r01 a ekb:EffectEstimate ; ekb:measure ekb:measure-percentage ;
    ekb:outcome "_under_ & <b>bold</b>"@da ; ekb:value 12.5 ; ekb:unit unit:PERCENT .
kb:evil-report a ekb:ConsensusReport ;
    rdfs:label "Report <script>x</script>"@da ;
    ekb:purpose "**not strong** <iframe src=x>"@da .
"""


def test_text_from_the_data_renders_literally(tmp_path: Path) -> None:
    graph = load_ontology()
    graph.parse(data=ESCAPE_FIXTURE, format="turtle")
    out = build_site(tmp_path / "site", graph=graph)
    study = (out / "studies" / "evil-2025" / "index.html").read_text(encoding="utf-8")
    report = (out / "reports" / "evil-report" / "index.html").read_text(encoding="utf-8")
    for html in (study, report):
        assert "<script>alert" not in html and "<script>x" not in html
        assert "<iframe" not in html and "<img src=x" not in html and "<b>bold" not in html
    assert "&lt;script&gt;alert" in study
    assert "*bold*" in study and "<strong>bold" not in study
    assert 'href="https://evil.example"' not in study
    assert "# not a heading | not a cell" in study
    assert "_under_ &amp; &lt;b&gt;bold&lt;/b&gt;" in study
    assert "**not strong**" in report
    title = re.search(r"<title>(.*?)</title>", study, re.DOTALL)
    assert title and "<script" not in title.group(1)


def test_markdown_escaping_keeps_markup_literal() -> None:
    assert md("a*b_c") == "a\\*b\\_c"
    assert md("line one\n  line two") == "line one<br>line two"
    assert md("<x> & y") == "&lt;x&gt; &amp; y"
    assert md("{: .cls } `c` [l](u) a|b") == "\\{: .cls \\} \\`c\\` \\[l\\](u) a\\|b"
    assert md("!!! note") == "\\!!! note" and md("# h") == "\\# h"


def test_a_failed_build_keeps_the_previous_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               kb: Graph) -> None:
    out = tmp_path / "site"
    out.mkdir()
    (out / "index.html").write_text("previous site", encoding="utf-8")
    (out / ".evidencekb-site").write_text("", encoding="utf-8")  # built by evidencekb: may be replaced

    def fail(docs: Path, site_dir: Path, lang: str = "da") -> None:
        raise EvidenceKBError("mkdocs build failed: forced by the test")

    monkeypatch.setattr(site_module, "run_mkdocs", fail)
    with pytest.raises(EvidenceKBError, match="forced by the test"):
        build_site(out, graph=kb)
    assert (out / "index.html").read_text(encoding="utf-8") == "previous site"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"], "temporary build folders left behind"

    def succeed(docs: Path, site_dir: Path, lang: str = "da") -> None:
        site_dir.mkdir(parents=True)
        (site_dir / "index.html").write_text("new site", encoding="utf-8")

    monkeypatch.setattr(site_module, "run_mkdocs", succeed)
    build_site(out, graph=kb)
    assert (out / "index.html").read_text(encoding="utf-8") == "new site"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_a_broken_generated_link_fails_the_strict_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       kb: Graph) -> None:
    original = site_module.build_pages

    def with_broken_link(ctx: object, intro: str) -> dict[str, str]:
        pages = original(ctx, intro)
        pages["broken.md"] = "# Broken\n\n[nowhere](nowhere.md)\n"
        return pages

    monkeypatch.setattr(site_module, "build_pages", with_broken_link)
    with pytest.raises(EvidenceKBError, match="nowhere.md"):
        build_site(tmp_path / "site", graph=kb)
    assert not (tmp_path / "site").exists()


def test_audit_page_lists_findings_or_says_it_is_unavailable(built: Path) -> None:
    html = (built / "audit" / "index.html").read_text(encoding="utf-8")
    try:
        from evidencekb.checks.audit import collect_findings
    except ImportError:
        assert "audit not available" in html
        return
    findings = collect_findings()
    assert f"{len(findings)} fund" in html if findings else "Ingen fund" in html


def test_every_council_criterion_is_on_the_home_page(built: Path, kb: Graph) -> None:
    model = SiteModel(local_engine(kb))
    home = (built / "index.html").read_text(encoding="utf-8")
    criteria = model.select("criteria", issuer=KB.addendum).rows
    assert criteria, "no council criteria (ekb:issuedBy kb:addendum) in the graph"
    for row in criteria:
        label = model.label(row["criterion"])
        rendered = label.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        assert rendered in home, f"{row['criterion']} ({label}) missing from the home page"
    assert '<pre class="mermaid">' in home


def test_unknown_entities_fall_back_to_a_curie(kb: Graph) -> None:
    model = SiteModel(local_engine(kb))
    assert model.label(URIRef("https://w3id.org/evidencekb/id/nothing-here")) == "kb:nothing-here"


@pytest.mark.parametrize(("name", "key"), [("annotations", "entity"), ("report-criteria", "publication")])
def test_rows_queried_once_per_build_equal_the_rows_of_one_entity(kb: Graph, name: str, key: str) -> None:
    """Page queries run once over the graph and are grouped (one query per page grew quadratically);
    each page must still get exactly the rows, in the order, of the query bound to its entity."""
    model = SiteModel(local_engine(kb))
    found = 0
    for iri in model.pages:
        rows = model.rows_about(name, key, iri)
        assert rows == model.select(name, **{key: URIRef(iri)}).terms, iri
        found += len(rows)
    assert found, f"no entity page has {name} rows: the test checks nothing"


def test_numbers_and_printed_sections_for_readers() -> None:
    from evidencekb.site.text import find_section, number_da, section_groups

    assert number_da("0.120") == "0,12" and number_da(4) == "4" and number_da("-1.50") == "-1,5"
    cell = ("Follow-up: 6 måneder\nImmunstatus\n- median IgG 590 mg/dL (p = 0.2).\n"
            "Infektionshyppighed\n- 49 % fik infektioner.")
    sections = section_groups(cell)
    assert [h for h, _ in sections] == [None, "Immunstatus", "Infektionshyppighed"]
    assert find_section(sections, "49 % fik infektioner.") == 2
    assert find_section(sections, "nothing like this anywhere") is None


def test_home_puts_the_summary_cards_before_the_diagram_and_the_details(built: Path) -> None:
    home = (built / "index.html").read_text(encoding="utf-8")
    start, stop = home.index('class="ekb-card ekb-card--start"'), home.index('class="ekb-card ekb-card--stop"')
    diagram, badges = home.index('<pre class="mermaid">'), home.index('class="ekb-badges"')
    details = home.index("Kriterierne i detaljer")
    assert start < stop < diagram < badges < details
    assert home.count('<pre class="mermaid">') == 1
    # the council's words (issue 18 §6), not a formal GRADE rating or an AGREE II category
    assert "meget lav kvalitet" in home and "AGREE II: moderat til høj kvalitet" in home
    assert "GRADE: Meget lav" not in home and "Moderat–høj" not in home
    assert "IgG &lt; 4 g/L" in home[start:diagram]  # thresholds in the cards come from the criteria


def test_study_page_groups_results_under_the_printed_headings(built: Path) -> None:
    html = (built / "studies" / "sutherland-2025" / "index.html").read_text(encoding="utf-8")
    headings = re.findall(r'<h3 id="[^"]*">([^<]*)', html)
    for heading in ("Immunstatus", "Infektionshyppighed", "Dødelighed"):
        assert heading in headings, headings
    mohan = (built / "studies" / "mohan-2025" / "index.html").read_text(encoding="utf-8")
    assert re.search(r"\(95% CI 0,33–1,03\); <span class=\"ekb-p\">p = 0,064</span>", mohan), \
        "Danish CI and p format missing"


def test_report_page_shows_agree_domains_as_cards(built: Path) -> None:
    html = (built / "reports" / "shahid-2024" / "index.html").read_text(encoding="utf-8")
    assert html.count('class="ekb-card ekb-card--agree"') >= 3
    assert 'class="ekb-findings ekb-findings--minus"' in html and 'class="ekb-findings ekb-findings--plus"' in html


def test_query_page_links_result_iris_through_the_page_map(built: Path) -> None:
    pages = json.loads((built / "assets" / "ekb-pages.json").read_text(encoding="utf-8"))
    assert pages[str(KB["dima-2025"])] == "studies/dima-2025/"
    assert pages[str(KB["table-3-1"])] == "tables/3-1/"
    for iri, path in pages.items():
        assert (built / path / "index.html").is_file(), iri
    html = (built / "query" / "index.html").read_text(encoding="utf-8")
    assert 'data-pages="../assets/ekb-pages.json"' in html and 'data-root="../"' in html


def test_the_site_example_and_the_question_define_high_quality_the_same_way(built: Path) -> None:
    """One definition of "high quality": the site shows the competency question itself."""
    question = project.current().queries / "questions" / "high-quality-routine-bispecific.rq"
    shown = {e.name: e.query for e in examples()}
    assert shown["high-quality-routine-bispecific"] == question.read_text(encoding="utf-8")
    assert not (project.current().queries / "site" / "example-high-quality-routine-bispecific.rq").exists()


def test_every_site_query_is_named_in_the_page_code_and_has_a_header() -> None:
    """Facts reach pages through named queries (no generic node look-up): each file in queries/site/ is
    loaded by name somewhere in evidencekb.site and says in its header what it answers."""
    source = "\n".join(p.read_text(encoding="utf-8") for p in Path(site_module.__file__).parent.rglob("*.py"))
    for path in sorted((project.current().queries / "site").glob("*.rq")):
        if path.stem.startswith("example-"):
            continue  # shown on the SPARQL page
        assert f'"{path.stem}"' in source, f"queries/site/{path.name} is not used by the site"
        assert path.read_text(encoding="utf-8").startswith("# # "), f"{path.name} has no header"
    assert not (project.current().queries / "site" / "node.rq").exists()


def _headings(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", h).strip() for h in re.findall(r"<h[1-4][^>]*>(.*?)</h[1-4]>", html, re.S)]


def test_both_languages_are_full_parallel_sites(built: Path) -> None:
    danish = sorted(p.relative_to(built) for p in built.rglob("index.html") if p.parts[len(built.parts)] != "en")
    english = sorted(p.relative_to(built / "en") for p in (built / "en").rglob("index.html"))
    assert danish == english and len(danish) > 50
    for path in danish:
        da = (built / path).read_text(encoding="utf-8")
        en = (built / "en" / path).read_text(encoding="utf-8")
        assert '<html lang="da"' in da and '<html lang="en"' in en, path
        for html in (da, en):
            mixed = [h for h in _headings(html) if " · " in h]
            assert mixed == [], f"{path}: mixed-language headings {mixed}"
    home_da, home_en = (built / "index.html").read_text(encoding="utf-8"), (built / "en" / "index.html").read_text(
        encoding="utf-8")
    assert "Medicinrådets anbefaling" in home_da and "What the council recommends" in home_en
    assert "What the council recommends" not in home_da and "Medicinrådets anbefaling" not in home_en


def test_the_language_switch_keeps_the_reader_on_the_same_page(built: Path) -> None:
    for page in (Path("index.html"), Path("studies/dima-2025/index.html"), Path("tables/3-1/index.html")):
        for here, lang, there in ((built / page, "en", built / "en" / page), (built / "en" / page, "da", built / page)):
            html = here.read_text(encoding="utf-8")
            match = re.search(rf'class="ekb-lang-switch__link" href="([^"]+)" hreflang="{lang}"', html)
            assert match, f"{here}: no switch to {lang}"
            target, _ = _target(built, here, match.group(1))
            assert target == there.resolve(), f"{here} → {match.group(1)}"


def test_every_council_rule_has_a_page_linked_from_the_home_page(built: Path, kb: Graph) -> None:
    from evidencekb.why import council_rules

    rules = council_rules(local_engine(kb))
    assert rules, "no council rules"
    for root in (built, built / "en"):
        home = _parse(root / "index.html")
        for rule in rules:
            page = root / "rules" / rule["localName"] / "index.html"
            assert page.is_file(), f"no page for {rule['localName']} in {root}"
            text = page.read_text(encoding="utf-8")
            for heading in ("Rationale", "Begrundelse"):
                if heading in text:
                    break
            else:
                raise AssertionError(f"{page}: no rationale section")
            assert any(href.rstrip("/").endswith(f"rules/{rule['localName']}") for href in home.links), \
                f"the home page of {root} does not link to the page of {rule['localName']}"
    english = (built / "en" / "rules" / rules[0]["localName"] / "index.html").read_text(encoding="utf-8")
    assert 'lang="da"' in english and "translation" in english


def test_the_agreement_page_exists_in_both_languages(built: Path) -> None:
    assert "Hvor er kilderne enige?" in (built / "agreement" / "index.html").read_text(encoding="utf-8")
    english = (built / "en" / "agreement" / "index.html").read_text(encoding="utf-8")
    assert "Where do the sources agree?" in english and "ekb-verdict-" in english
    assert any(href.rstrip("/").endswith("agreement") for href in _parse(built / "index.html").links)  # navigation


def test_the_fhir_bundle_is_a_download(built: Path) -> None:
    bundle = json.loads((built / "downloads" / "evidencekb.fhir.json").read_text(encoding="utf-8"))
    assert bundle["resourceType"] == "Bundle" and bundle["entry"]
    assert "evidencekb.fhir.json" in (built / "downloads" / "index.html").read_text(encoding="utf-8")


# --- issue 18 §4 and §6: how to cite; say what the source says --------------------------------------

@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory, kb: Graph) -> dict[str, dict[str, str]]:
    """The generated Markdown of both languages (before MkDocs): {lang: {path: text}}."""
    folder = tmp_path_factory.mktemp("docs")
    return {lang: generate_docs(folder / lang, kb, lang) for lang in site_module.LANGUAGES}


GRADE_CHIP = re.compile(r"GRADE\\?:\s*\**\s*(Meget lav|Very low|Lav|Low|Moderat|Moderate|Høj|High)", re.I)
MARK_LINK = r'\[<span class="ekb-mark"[^>]*>X</span>\]\(\.\./reports/([a-z0-9-]+)\.md#([a-z0-9-]+)\)'
PRIORITY = re.compile(r"(prioritet|priority)\s*\d|\|\s*(prioritet|priority)\s*\|", re.I)


def test_no_formal_grade_chip_anywhere(generated: dict[str, dict[str, str]]) -> None:
    """The addendum applies no formal GRADE: no page shows a 'GRADE: Meget lav' chip or label."""
    for lang, pages in generated.items():
        for path, text in pages.items():
            assert not GRADE_CHIP.search(text), f"{lang}/{path}: {GRADE_CHIP.search(text).group(0)!r}"
            assert "ekb-chip--grade" not in text, f"{lang}/{path}"


def test_the_councils_assessment_is_shown_as_worded(generated: dict[str, dict[str, str]]) -> None:
    da, en = generated["da"]["index.md"], generated["en"]["index.md"]
    badges = {lang: re.search(r'<p class="ekb-badges".*?</p>', generated[lang]["index.md"], re.S).group(0)
              for lang in ("da", "en")}
    assert "meget lav kvalitet" in badges["da"] and "very low quality" in badges["en"]
    assert "AGREE II: moderat til høj kvalitet" in badges["da"]
    assert "AGREE II: moderate to high quality" in badges["en"]
    assert "formel GRADE-profil" in badges["da"]
    assert "formal GRADE profile" in badges["en"]
    for text in (da, en):
        assert "Moderat–høj" not in text and "Moderate–high" not in text and "Moderat-høj" not in text


def test_the_wording_comes_from_the_data(tmp_path: Path, kb: Graph) -> None:
    changed = Graph()
    changed += kb
    node = KB["assessment-secondary-publications"]
    changed.remove((node, EKB.ratingText, None))
    changed.add((node, EKB.ratingText, Literal("middel kvalitet", lang="da")))
    model = SiteModel(local_engine(changed, "oxigraph"), "da")
    from evidencekb.site.context import PageContext
    from evidencekb.site.pages.home import certainty_badges
    from evidencekb.site.tables import TableSource

    badges = certainty_badges(PageContext(model, TableSource(model.engine, "da")))
    assert "AGREE II: middel kvalitet" in badges and "moderat til høj" not in badges


def test_no_internal_priorities_on_any_page(generated: dict[str, dict[str, str]]) -> None:
    """Rule priorities are internal: pages show the order of the rules by position ("nr. 1 i rækkefølgen")."""
    for lang, pages in generated.items():
        for path, text in pages.items():
            found = PRIORITY.search(text.replace("?priority", ""))
            assert not found, f"{lang}/{path}: {found.group(0)!r}"
    assert "nr. 1 i rækkefølgen" in generated["da"]["index.md"]
    assert "no. 1 in order" in generated["en"]["index.md"]
    assert "| Rækkefølge |" in generated["da"]["index.md"]


def _site_marks(kb: Graph) -> dict[str, set[tuple[int, int]]]:
    rows = local_engine(kb, "oxigraph").select(
        (project.current().queries / "site" / "table-marks.rq").read_text(encoding="utf-8")).rows
    marks: dict[str, set[tuple[int, int]]] = {"3-1": set(), "3-2": set()}
    for row in rows:
        if row["criterion"] is not None or row["classification"] is not None:
            marks[str(row["table"]).rsplit("table-", 1)[1]].add((int(row["rowPos"]), int(row["colPos"])))
    return marks


def test_the_site_finds_a_source_for_every_mark_of_the_table_queries(kb: Graph) -> None:
    """queries/site/table-marks.rq derives the marks as queries/tables/table-3-x.rq do: same cells."""
    from evidencekb.tables import table_data

    engine = local_engine(kb, "oxigraph")
    for table_id, found in _site_marks(kb).items():
        data = table_data(table_id, "da", engine=engine)
        printed = {(i + 1, j + 1) for i, row in enumerate(data["rows"]) for j, value in enumerate(row)
                   if value.strip() == "X"}
        assert printed and found == printed, (table_id, sorted(found ^ printed))


def test_table_marks_link_to_their_criteria(generated: dict[str, dict[str, str]]) -> None:
    for lang, pages in generated.items():
        for table_id in ("3-1", "3-2"):
            text = pages[f"tables/{table_id}.md"]
            marks = text.count('class="ekb-mark"')
            links = re.findall(MARK_LINK, text)
            footnoted = re.findall(r'<span class="ekb-mark"[^>]*>X</span><sup>\[1\]\(#ekb-council-1', text)
            assert marks >= 5 and len(links) + len(footnoted) == marks, (lang, table_id, marks, links, footnoted)
            for report, anchor in links:
                assert f'<span id="{anchor}"></span>' in pages[f"reports/{report}.md"], (lang, report, anchor)


def test_the_councils_own_mark_carries_a_footnote_from_the_data(kb: Graph) -> None:
    from evidencekb.site.context import PageContext
    from evidencekb.site.pages.tables import table_page
    from evidencekb.site.tables import TableSource

    def page(graph: Graph, lang: str = "da") -> str:
        model = SiteModel(local_engine(graph, "oxigraph"), lang)
        return table_page(PageContext(model, TableSource(model.engine, lang)), "3-2")

    shipped = page(kb)
    assert '<a id="ekb-council-1"></a>' in shipped and "Medicinrådets egen klassifikation" in shipped
    assert "afsnit 3.3.1" in shipped and "I COMMIT anbefales" in shipped
    assert "the council's own classification" in page(kb, "en")
    moved = Graph()
    moved += kb
    node = KB["table-3-2-commit-igg"]
    moved.remove((node, URIRef("http://www.w3.org/ns/prov#wasDerivedFrom"), KB["section-3.3.1"]))
    moved.add((node, URIRef("http://www.w3.org/ns/prov#wasDerivedFrom"), KB["section-3.4"]))
    assert "afsnit 3.4" in page(moved) and "afsnit 3.3.1" not in page(moved).split("ekb-council-1")[-1]
    without = Graph()
    without += kb
    without.remove((node, None, None))
    assert "ekb-council" not in page(without)


def test_the_cite_page(generated: dict[str, dict[str, str]], kb: Graph) -> None:
    import subprocess

    import evidencekb

    da, en = generated["da"]["cite.md"], generated["en"]["cite.md"]
    assert "# Sådan citerer du" in da and "# How to cite" in en
    assert f"Version**: {md(evidencekb.__version__)}" in en
    assert "Licence**: MIT" in en and "Licens**: MIT" in da
    head = subprocess.run(["git", "-C", str(project.current().root), "rev-parse", "HEAD"], capture_output=True,
                          text=True, check=False)
    if head.returncode == 0:
        assert f"`{head.stdout.strip()}`" in en
    else:
        assert "not built in a git checkout" in en
    assert re.search(r"Build date\*\*: \d{4}-\d{2}-\d{2} \(", en)
    title = str(kb.value(KB.addendum, URIRef("http://purl.org/dc/terms/title")))
    assert md(title) in da and "Medicinrådet" in da
    assert "```yaml\ncff-version: 1.2.0" in en
    assert "cite.md" in generated["da"]["index.md"]
    assert any("cite.md" in json.dumps(entry) for entry in site_module.nav("da"))


def test_build_date_and_commit_outside_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from evidencekb.site.pages.cite import build_info

    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "x.ttl").write_text("", encoding="utf-8")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    build_info.cache_clear()
    info = build_info(tmp_path)
    assert info.date == "2023-11-14" and info.date_source == "source-date-epoch" and info.commit is None
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    build_info.cache_clear()
    info = build_info(tmp_path)
    assert info.date_source == "data" and info.commit is None
    build_info.cache_clear()
