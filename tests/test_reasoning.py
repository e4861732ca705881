"""Why the council decided: the addendum's reasoning as data (data/reasoning.ttl) and the queries a
`why` command reads (queries/why/*.rq), checked on rdflib directly with the rule bound as a term.

* the reasoning of 3.3.2, 3.4, 4 (introduction) and 4.3 is in the graph verbatim, every sentence;
* every council rule lists in rules.rq and answers chain.rq with justification, evidence, sources
  and revision trigger; pyoxigraph gives the same rows;
* the data fixes of issue 13 §4 stay fixed.
"""

from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "tests" / "data" / "addendum-source.txt"
WHY = ROOT / "queries" / "why"
EKB = "https://w3id.org/evidencekb/ontology#"
KB = "https://w3id.org/evidencekb/id/"
PROV_DERIVED = URIRef("http://www.w3.org/ns/prov#wasDerivedFrom")


def ekb(name: str) -> URIRef:
    return URIRef(EKB + name)


def kb(name: str) -> URIRef:
    return URIRef(KB + name)


@cache
def graph() -> Graph:
    g = Graph()
    for path in sorted((ROOT / "ontology").glob("*.ttl")) + sorted((ROOT / "data").rglob("*.ttl")):
        g.parse(path, format="turtle")
    return g


def _normalise(text: str) -> str:
    """As tests/test_data_fidelity.py: whitespace, bullets and hyphens ignored."""
    return re.sub(r"[\s•\-–‐]", "", text.replace("\u00ad", ""))


@cache
def source_lines() -> list[str]:
    return SOURCE.read_text(encoding="utf-8").splitlines()


def region(start: str, end: str) -> str:
    lines = source_lines()
    first = next(i for i, line in enumerate(lines) if line.strip().startswith(start))
    last = next(i for i, line in enumerate(lines) if i > first and line.strip().startswith(end))
    return " ".join(lines[first + 1 : last])


def sentences(text: str) -> list[str]:
    text = re.sub(r"https?://\S+", "", text)
    parts = re.split(r"(?<=[.:])\s+(?=[A-ZÆØÅ<>•])", re.sub(r"\s+", " ", text).strip())
    return [p for p in parts if len(_normalise(p)) > 3]


def statements() -> set[URIRef]:
    return set(graph().subjects(RDF.type, ekb("ReasoningStatement")))


@cache
def reasoning_texts() -> tuple[str, ...]:
    return tuple(_normalise(str(graph().value(s, ekb("verbatim")))) for s in sorted(statements()))


def covered(sentence: str) -> bool:
    """The sentence is (part of) one statement, or statements printed one after the other make it up."""
    rest = _normalise(sentence)
    if any(rest in text for text in reasoning_texts()):
        return True
    for text in sorted(reasoning_texts(), key=len, reverse=True):
        rest = rest.replace(text, "")
    return re.sub(r"[,.;:]", "", rest) == ""


def council_rules() -> set[URIRef]:
    g = graph()
    return {r for cls in ("StartCriterion", "StopCriterion") for r in g.subjects(RDF.type, ekb(cls))
            if (r, ekb("issuedBy"), kb("addendum")) in g}


@cache
def chain(rule: URIRef) -> list[dict[str, object]]:
    """chain.rq on rdflib with ?rule bound as a term (initBindings); cached, do not mutate the rows."""
    result = graph().query((WHY / "chain.rq").read_text(encoding="utf-8"), initBindings={"rule": rule})
    return [{str(var): row[var] for var in result.vars} for row in result]


# --- the reasoning is in the graph, verbatim ------------------------------------------------------

# Sentences of the covered sections that are not reasoning: a cross-reference, and the paragraph of
# 3.1 with the search dates (data/background.ttl, claim-3-1-search-*).
NOT_REASONING = ("Uddybende kriterier for anvendelse, herunder start/stopkriterier, se afsnit 4.",
                 "Kriterier for anvendelse.",
                 "Litteratursøgningen er foretaget i databaserne Embase", "Der er søgt litteratur fra 2015")


@pytest.mark.parametrize(
    ("section", "start", "end"),
    [
        ("3.1", "3.1 Metode", "3.2 Primær litteratur"),
        ("3.3.2", "3.3.2 Opsummering af sekundær litteraturen", "3.4 Konklusion"),
        ("3.4", "3.4 Konklusion og vurdering af evidensen", "4. Kriterier for anvendelse"),
        ("4", "4. Kriterier for anvendelse", "4.1 Opstartskriterier"),
        ("4.3", "4.3 Baggrund for Medicinrådets", "8. Bilag"),
        ("3.2.1", "3.2.1 Resultater fra primær litteraturen", "3.3 Sekundær litteratur"),
    ],
)
def test_every_sentence_of_the_reasoning_is_a_statement(section: str, start: str, end: str) -> None:
    found = [s for s in sentences(region(start, end))
             if not s.rstrip(":").endswith(("CAR-T", "antistoffer")) and not s.startswith(NOT_REASONING)]
    assert found, f"no sentences read from section {section}"
    missing = [s for s in found if not covered(s)]
    assert not missing, f"section {section}: printed but not an ekb:ReasoningStatement:\n" + "\n".join(missing)


def test_quality_paragraphs_of_3_2_and_3_3_are_statements() -> None:
    for start, end in [("Evidensens kvalitet:", "3.2.1 Resultater"), ("Evidensens kvalitet:", "3.3.1 Resultater")]:
        lines = source_lines()
        first = next(i for i, line in enumerate(lines) if line.startswith(start) and
                     any(end in later for later in lines[i : i + 12]))
        last = next(i for i, line in enumerate(lines) if i > first and end in line)
        for sentence in sentences(" ".join(lines[first + 1 : last])):
            assert covered(sentence), sentence


def test_statements_carry_text_translation_kind_section_and_order() -> None:
    g = graph()
    positions = Counter()
    for s in statements():
        assert len([v for v in g.objects(s, ekb("verbatim")) if v.language == "da"]) == 1, s
        assert len([v for v in g.objects(s, ekb("curatorTranslation")) if v.language == "en"]) == 1, s
        kind = g.value(s, ekb("statementKind"))
        assert (kind, SKOS.inScheme, ekb("StatementKindScheme")) in g, s
        section = g.value(s, PROV_DERIVED)
        assert (section, RDF.type, ekb("Section")) in g, s
        positions[int(g.value(s, ekb("position")))] += 1
    assert max(positions.values()) == 1, "two statements share an ekb:position"


def test_counts_by_section_and_kind() -> None:
    g = graph()
    by_section = Counter(str(g.value(g.value(s, PROV_DERIVED), ekb("notation"))) for s in statements())
    by_kind = Counter(str(g.value(g.value(s, ekb("statementKind")), SKOS.notation)) for s in statements())
    assert by_section == {"3.1": 6, "3.2": 3, "3.2.1": 7, "3.3": 4, "3.3.2": 4, "3.4": 11, "4": 3, "4.1": 1,
                          "4.2": 1, "4.3": 15}
    assert set(by_kind) == {"method", "evidence-summary", "judgement", "rationale", "practical-consideration",
                            "research-need", "revision-trigger"}
    assert sum(by_kind.values()) == 55


def test_result_statements_cite_the_studies_of_bilag_b() -> None:
    g = graph()
    cited = {p for s in statements() if str(g.value(s, PROV_DERIVED)) == KB + "section-3.2.1"
             for p in g.objects(s, ekb("citesReference"))}
    assert cited == set(g.subjects(RDF.type, ekb("PrimaryStudy")))


# --- the why queries ------------------------------------------------------------------------------


def test_rules_query_lists_every_council_rule_with_both_labels() -> None:
    rows = list(graph().query((WHY / "rules.rq").read_text(encoding="utf-8")))
    assert {row.rule for row in rows} == council_rules()
    assert len(rows) == len(council_rules()) == 9  # 8 printed rules + 4.3's do-not-start (issue 13 §4)
    for row in rows:
        assert str(row.rule) == KB + str(row.localName)
        assert row.labelDa.language == "da" and row.labelEn.language == "en"
        assert row.kind in (Literal("start"), Literal("stop")) and row.sectionNotation is not None
        assert row.justification is not None
    kinds = [str(row.kind) for row in rows]
    assert kinds == sorted(kinds, key=lambda k: k != "start"), "start rules first"


@pytest.mark.parametrize("name", sorted(str(r)[len(KB):] for r in council_rules()))
def test_every_rule_answers_why(name: str) -> None:
    rows = chain(kb(name))
    parts = Counter(str(r["part"]) for r in rows)
    assert parts["rule"] >= 1 and parts["justification"] >= 1 and parts["revision"] >= 1, parts
    assert parts["evidence"] + parts["assessment"] >= 1, parts
    rule = next(r for r in rows if str(r["part"]) == "rule")
    assert rule["labelDa"] is not None and rule["labelEn"] is not None and rule["sectionNotation"] is not None
    for row in rows:
        if str(row["part"]) in ("justification", "revision", "evidence"):
            assert _normalise(str(row["text"])) in _normalise(SOURCE.read_text(encoding="utf-8")), row["item"]
            assert row["translation"].language == "en" and row["kind"] and row["sectionNotation"]
    revision = " ".join(str(r["text"]) for r in rows if str(r["part"]) == "revision")
    assert "Retningslinjerne bør revideres, når ny solid evidens bliver tilgængelig." in revision
    assert "to igangværende randomiserede studier" in revision
    orders = [int(r["order"]) for r in rows]
    assert orders == sorted(orders)


def test_start_within_six_months_follows_consensus_reports_and_rests_on_very_low_evidence() -> None:
    rows = chain(kb("council-start-within-six-months"))
    sources = {str(r["publication"])[len(KB):]: str(r["rating"]) for r in rows if str(r["part"]) == "source"}
    assert sources == {"ludwig-2023": "high", "mohan-2023": "high", "raje-2023": "high",
                       "rodriguez-otero-2024": "high"}
    followed = {str(r["criterion"])[len(KB):] for r in rows if str(r["part"]) == "source" and r["criterion"]}
    assert followed == {"ludwig-2023-start-1", "raje-2023-start-1", "rodriguez-otero-2024-start-1"}
    evidence = [r for r in rows if str(r["part"]) == "evidence" and r["publication"] is not None]
    assert {int(r["referenceNumber"]) for r in evidence} == {3, 9, 19, 20, 21, 22, 23, 24, 25, 26}
    assert {str(r["certainty"]) for r in evidence} == {"very-low"}
    assert {str(r["certaintyEn"]) for r in evidence} == {"Very low"}
    kinds = {str(r["kind"]) for r in rows if str(r["part"]) == "justification"}
    assert {"rationale", "judgement"} <= kinds
    texts = " ".join(str(r["text"]) for r in rows if str(r["part"]) == "justification")
    assert "med udgangspunkt i anvisninger fra inkluderede konsensusrapporter" in texts
    assert "bedst afspejler konsensus fra internationale faglige selskaber" in texts


def test_children_rules_depart_from_routine_substitution() -> None:
    for name in ("council-start-children", "council-stop-children"):
        rows = chain(kb(name))
        departs = {str(r["publication"])[len(KB):]: str(r["rating"]) for r in rows if str(r["part"]) == "departs-from"}
        assert departs == {"shahid-2024": "moderate-high", "hayden-2022": "high"}
        assert not [r for r in rows if str(r["part"]) == "source"]
        texts = " ".join(str(r["text"]) for r in rows if str(r["part"]) == "justification")
        assert "pragmatisk og fagligt forsvarlig" in texts


def test_general_rules_follow_the_base_guideline() -> None:
    for name in ("council-start-after-six-months", "council-start-igg-below-6", "council-stop-general"):
        rows = chain(kb(name))
        sources = [r for r in rows if str(r["part"]) == "source"]
        assert [str(r["publication"]) for r in sources] == [KB + "sid-guideline"]
        assert sources[0]["rating"] is None


def test_stop_at_six_months_says_why_six_months() -> None:
    rows = chain(kb("council-stop-at-six-months"))
    texts = " ".join(str(r["text"]) for r in rows if str(r["part"]) == "justification")
    assert "adskiller sig fra det gældende seponeringskriterie på 6-12 måneder" in texts
    assert "Ved tilkomst af infektioner efter seponering kan antibiotikaprofylakse afprøves." in texts
    assessments = {str(r["item"])[len(KB):]: r for r in rows if str(r["part"]) == "assessment"}
    assert str(assessments["assessment-primary-studies"]["certainty"]) == "very-low"
    assert str(assessments["assessment-secondary-publications"]["lowestRating"]) == "moderate"
    assert str(assessments["assessment-secondary-publications"]["highestRating"]) == "high"


def test_chain_is_empty_for_a_rule_that_is_not_the_councils() -> None:
    assert chain(kb("shahid-2024-start-3")) == []


def test_pyoxigraph_gives_the_same_rows() -> None:
    ox = pytest.importorskip("pyoxigraph")
    store = ox.Store()
    for path in sorted((ROOT / "ontology").glob("*.ttl")) + sorted((ROOT / "data").rglob("*.ttl")):
        store.load(path=str(path), format=ox.RdfFormat.TURTLE)
    query = (WHY / "chain.rq").read_text(encoding="utf-8")
    for rule in sorted(council_rules()):
        solutions = store.query(query, substitutions={ox.Variable("rule"): ox.NamedNode(str(rule))})
        names = [v.value for v in solutions.variables]
        ox_rows = Counter(tuple((n, s[n].value if s[n] is not None else None) for n in names) for s in solutions)
        rdflib_rows = Counter(tuple((n, str(r[n]) if r[n] is not None else None) for n in names) for r in chain(rule))
        assert ox_rows == rdflib_rows, rule


# --- data fixes of issue 13 §4 --------------------------------------------------------------------


def test_josyula_26_percent_has_no_day_0_28_window() -> None:
    g = graph()
    estimate = kb("josyula-2022-r06")
    assert g.value(estimate, ekb("timeWindow")) is None and g.value(estimate, ekb("timeWindowText")) is None
    assert "alle infektioner" in str(g.value(estimate, ekb("outcome")))


def test_hill_100_mg_dl_is_a_mean_change() -> None:
    g = graph()
    estimate = kb("hill-2019-cohort-r03")
    assert g.value(estimate, ekb("measure")) == ekb("measure-mean-absolute-change")
    assert Decimal(str(g.value(estimate, ekb("value")))) == Decimal("-100")
    assert Decimal(str(g.value(estimate, ekb("normalisedValue")))) == Decimal("-1.0")


def test_mg_dl_between_conditions_normalise_both_bounds() -> None:
    g = graph()
    between = [c for c in g.subjects(ekb("comparator"), Literal("between"))
               if g.value(c, ekb("unit")) == URIRef("http://qudt.org/vocab/unit/MilliGM-PER-DeciL")]
    assert len(between) == 4
    for condition in between:
        upper = Decimal(str(g.value(condition, ekb("upperThreshold"))))
        assert Decimal(str(g.value(condition, ekb("normalisedUpperThreshold")))) == upper / 100, condition


def test_stop_rules_name_the_window_not_the_start_rule() -> None:
    g = graph()
    general = kb("council-stop-general")
    assert g.value(general, ekb("appliesTo")) is None
    assert g.value(general, ekb("igStartWindow")) == kb("council-window-first-six-months")
    assert g.value(kb("council-stop-at-six-months"), ekb("igStartWindow")) == kb("council-window-first-six-months")


def test_both_readings_of_a_start_within_six_months_because_of_infections() -> None:
    g = graph()
    note = kb("annotation-council-stop-infections-within-window")
    assert g.value(note, ekb("closestRule")) == kb("council-stop-general")
    assert g.value(note, ekb("alternativeRule")) == kb("council-stop-at-six-months")
    readings = sorted(str(r) for r in g.objects(note, ekb("reading")))
    assert len(readings) == 2 and readings[0].startswith("Reading of 4.1") and readings[1].startswith("Reading of 4.2")
    assert {kb("section-4.1"), kb("section-4.2")} <= set(g.objects(note, ekb("location")))


def test_the_six_month_boundary_is_annotated_once() -> None:
    g = graph()
    heading = "> 6 måneder efter CAR-T infusion eller opstart af bispecifikke antistoffer"
    notes = {s for s, text in g.subject_objects(ekb("printedText")) if str(text).startswith(heading)}
    assert notes == {kb("annotation-council-six-month-boundary")}


def test_unprinted_text_is_flagged_or_replaced() -> None:
    g = graph()
    assert (kb("addendum"), ekb("curatorSuppliedProperty"), DCTERMS.title) in g
    assert str(g.value(kb("org-jacie"), RDFS.label)) == "Joint Accreditation Committee of ISCT JACIE"
    english = [t for t in g.objects(kb("table-8-4"), DCTERMS.title) if t.language == "en"]
    assert [str(t) for t in english] == ["Overview of studies of immunoglobulin substitution with bispecific "
                                         "antibodies (alphabetical order)"]
