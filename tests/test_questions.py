"""Named competency questions: headers, answers on a small known graph, engines agree, output formats."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from evidencekb.cli import main
from evidencekb.namespaces import KB
from evidencekb.questions import format_result, list_questions, questions, run_question
from evidencekb.rdf.turtle import load_ontology
from evidencekb.sparql.core import QueryResult, query_text
from evidencekb.sparql.local import OxigraphEngine, RdflibEngine

NAMES = [q.name for q in questions()]
REQUIRED = {
    "high-quality-routine-bispecific",
    "ci-excludes-one",
    "igg-cutoff-not-4",
    "criteria-for-children",
    "citations-without-verified-doi",
    "estimates-in-mg-dl",
    "criteria-by-time-window",
    "studies-by-therapy-and-design",
}

# A tiny knowledge base written to the modelling contract, with one case for and one against each question.
FIXTURE = """
@prefix ekb: <https://w3id.org/evidencekb/ontology#> .
@prefix kb: <https://w3id.org/evidencekb/id/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix unit: <http://qudt.org/vocab/unit/> .

kb:study-a a ekb:PrimaryStudy ; ekb:therapyClass ekb:therapy-car-t ;
    ekb:studyDesign ekb:design-retrospective-cohort ;
    ekb:population kb:study-a-pop ; ekb:hasResult kb:a-irr , kb:a-hr , kb:a-mg , kb:a-cut .
kb:study-a-pop a ekb:StudyPopulation ; ekb:sampleSize 100 ; ekb:iggCondition kb:study-a-hgg .
kb:study-a-hgg a ekb:IggCondition ; ekb:comparator "<" ; ekb:threshold 600 ; ekb:unit unit:MilliGM-PER-DeciL ;
    ekb:normalisedThreshold 6.0 .
kb:a-irr a ekb:EffectEstimate ; ekb:measure ekb:measure-irr ; ekb:value 2.1 ; ekb:unit unit:UNITLESS ;
    ekb:ciLower 1.2 ; ekb:ciUpper 3.4 ; ekb:ciLevel 0.95 ; ekb:outcome "Infektioner"@da , "Infections"@en .
kb:a-hr a ekb:EffectEstimate ; ekb:measure ekb:measure-hr ; ekb:value 0.9 ; ekb:unit unit:UNITLESS ;
    ekb:ciLower 0.5 ; ekb:ciUpper 1.3 .
kb:a-mg a ekb:EffectEstimate ; ekb:measure ekb:measure-median ; ekb:value 590 ; ekb:unit unit:MilliGM-PER-DeciL ;
    ekb:normalisedValue 5.90 ; ekb:normalisedUnit unit:GM-PER-L ; ekb:timeWindowText "baseline"@da .
kb:a-cut a ekb:EffectEstimate ; ekb:measure ekb:measure-cut-point ; ekb:value 433 ; ekb:unit unit:MilliGM-PER-DeciL .

kb:study-b a ekb:PrimaryStudy ; ekb:therapyClass ekb:therapy-bispecific ;
    ekb:studyDesign ekb:design-retrospective-cohort ;
    ekb:population kb:study-b-pop ; ekb:hasResult kb:b-hr , kb:b-nr .
kb:study-b-pop a ekb:StudyPopulation ; ekb:sampleSize 40 ; ekb:iggCondition kb:study-b-hgg .
kb:study-b-hgg a ekb:IggCondition ; ekb:comparator "<" ; ekb:threshold 4 ; ekb:unit unit:GM-PER-L .
kb:b-hr a ekb:EffectEstimate ; ekb:measure ekb:measure-hr ; ekb:value 0.4 ; ekb:unit unit:UNITLESS ;
    ekb:ciLower 0.3 ; ekb:ciUpper 0.8 .
kb:b-nr a ekb:EffectEstimate ; ekb:measure ekb:measure-irr ; ekb:value 3.0 ; ekb:unit unit:UNITLESS ;
    ekb:ciLower 1.5 ; ekb:ciUpperNotReached true .

kb:report-high a ekb:ConsensusReport ; rdfs:label "Høj"@da ; ekb:appraisal kb:report-high-agree ;
    ekb:startCriterion kb:high-routine , kb:high-igg .
kb:report-high-agree a ekb:AgreeAppraisal ; ekb:overallRating ekb:rating-high .
kb:high-routine a ekb:StartCriterion ; ekb:issuedBy kb:report-high ; ekb:action ekb:action-start ;
    ekb:population ekb:population-adult , ekb:population-child ; ekb:therapyClass ekb:therapy-bispecific ;
    ekb:infectionRequirement ekb:infection-none ; ekb:timeWindow kb:high-routine-window .
kb:high-routine-window a ekb:TimeWindow ; ekb:indexEvent ekb:event-therapy-start ;
    ekb:fromOffset 30 ; ekb:fromUnit unit:DAY ; ekb:timeWindowText "fra dag 30"@da .
kb:high-igg a ekb:StartCriterion ; ekb:issuedBy kb:report-high ; ekb:action ekb:action-start ;
    ekb:population ekb:population-adult ; ekb:therapyClass ekb:therapy-bispecific ;
    ekb:infectionRequirement ekb:infection-none ; ekb:iggCondition kb:high-igg-condition .
kb:high-igg-condition a ekb:IggCondition ; ekb:comparator "<" ; ekb:threshold 4 ; ekb:unit unit:GM-PER-L .

kb:report-moderate a ekb:ConsensusReport ; ekb:appraisal kb:report-moderate-agree ;
    ekb:startCriterion kb:moderate-routine .
kb:report-moderate-agree a ekb:AgreeAppraisal ; ekb:overallRating ekb:rating-moderate .
kb:moderate-routine a ekb:StartCriterion ; ekb:issuedBy kb:report-moderate ; ekb:action ekb:action-start ;
    ekb:population ekb:population-adult ; ekb:therapyClass ekb:therapy-bispecific ;
    ekb:infectionRequirement ekb:infection-none .

kb:ref-1 ekb:referenceNumber 1 ; ekb:bibliographicStatus ekb:bib-verified ; ekb:doi "10.1/x" .
kb:ref-2 ekb:referenceNumber 2 ; ekb:bibliographicStatus ekb:bib-unverified .
kb:ref-3 ekb:referenceNumber 3 ; ekb:bibliographicStatus ekb:bib-partial ; ekb:doi "10.1/y" .
kb:cite-1 a ekb:CitationOccurrence ; ekb:citesReference kb:ref-1 , kb:ref-2 ; ekb:citedIn kb:section-1 .
kb:cite-2 a ekb:CitationOccurrence ; ekb:citesReference kb:ref-3 ; ekb:citedIn kb:section-2 .
"""


@pytest.fixture(scope="module")
def fixture_graph() -> Graph:
    graph = load_ontology()
    graph.parse(data=FIXTURE, format="turtle")
    return graph


@pytest.fixture(scope="module", params=["rdflib", "oxigraph"])
def engine(request: pytest.FixtureRequest, fixture_graph: Graph) -> RdflibEngine | OxigraphEngine:
    return RdflibEngine(fixture_graph) if request.param == "rdflib" else OxigraphEngine(fixture_graph)


def _ask(engine: RdflibEngine | OxigraphEngine, name: str) -> QueryResult:
    return engine.select(query_text(f"questions/{name}"))


def _column(result: QueryResult, name: str) -> list[Node | None]:
    return result.column(name)


# ---------------------------------------------------------------------------------------------
# The library of questions
# ---------------------------------------------------------------------------------------------


def test_the_required_questions_exist() -> None:
    assert REQUIRED <= set(NAMES), f"missing: {REQUIRED - set(NAMES)}"


@pytest.mark.parametrize("name", NAMES)
def test_every_question_states_itself_in_plain_words(name: str) -> None:
    text = query_text(f"questions/{name}")
    lines = text.splitlines()
    assert lines[0].startswith("# # "), "first line must be '# # Title'"
    assert "**Question:**" in lines[1] and lines[1].rstrip().endswith("?"), "second line: '# **Question:** …?'"
    assert "SELECT" in text


def test_list_shows_every_question(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["query", "--list"]) == 0
    out = capsys.readouterr().out
    for question in questions():
        assert question.name in out and question.question in out
    assert list_questions().splitlines()[0].split()[0] == NAMES[0]


@pytest.mark.parametrize("name", NAMES)
def test_rdflib_and_oxigraph_agree_on_the_project_graph(kb: Graph, name: str) -> None:
    text = query_text(f"questions/{name}")
    assert _normalised(RdflibEngine(kb).select(text)) == _normalised(OxigraphEngine(kb).select(text))


def _normalised(result: QueryResult) -> tuple:
    """Rows with numbers compared by value (engines may print 5.9 or 5.90)."""

    def value(term: Node | None) -> object:
        if isinstance(term, Literal) and isinstance(term.toPython(), int | float | Decimal) and not isinstance(
            term.toPython(), bool
        ):
            return Decimal(str(term.toPython()))
        return term

    return tuple(result.variables), [tuple(value(row.get(v)) for v in result.variables) for row in result.rows]


# ---------------------------------------------------------------------------------------------
# Answers on the known graph (both local engines)
# ---------------------------------------------------------------------------------------------


def test_high_quality_routine_bispecific(engine: RdflibEngine | OxigraphEngine) -> None:
    result = _ask(engine, "high-quality-routine-bispecific")
    assert set(_column(result, "criterion")) == {KB["high-routine"]}  # not the IgG one, not the moderate report
    assert sorted(map(str, _column(result, "population"))) == ["adult", "child"]
    assert set(_column(result, "rating")) == {Literal("high")}
    assert set(_column(result, "window")) == {Literal("fra dag 30", lang="da")}


def test_ci_excludes_one(engine: RdflibEngine | OxigraphEngine) -> None:
    result = _ask(engine, "ci-excludes-one")
    assert _column(result, "estimate") == [KB["a-irr"], KB["b-hr"], KB["b-nr"]]
    assert _column(result, "outcome")[0] == Literal("Infections", lang="en")
    assert _column(result, "ciUpper")[2] is None


def test_igg_cutoff_not_4(engine: RdflibEngine | OxigraphEngine) -> None:
    result = _ask(engine, "igg-cutoff-not-4")
    assert set(_column(result, "cutoff")) == {KB["a-cut"], KB["study-a-hgg"]}
    assert set(_column(result, "study")) == {KB["study-a"]}
    by_cutoff = {row["cutoff"]: Decimal(str(row["gPerL"].toPython())) for row in result.rows}
    assert by_cutoff == {KB["a-cut"]: Decimal("4.33"), KB["study-a-hgg"]: Decimal("6")}


def test_criteria_for_children(engine: RdflibEngine | OxigraphEngine) -> None:
    result = _ask(engine, "criteria-for-children")
    assert _column(result, "criterion") == [KB["high-routine"]]
    assert _column(result, "issuer") == [KB["report-high"]]
    assert _column(result, "kind") == [Literal("Start criterion", lang="en")]


def test_citations_without_verified_doi(engine: RdflibEngine | OxigraphEngine) -> None:
    result = _ask(engine, "citations-without-verified-doi")
    assert [(int(r["reference"]), r["citation"], r["place"]) for r in result.rows] == [
        (2, KB["cite-1"], KB["section-1"]),
        (3, KB["cite-2"], KB["section-2"]),
    ]


def test_estimates_in_mg_dl(engine: RdflibEngine | OxigraphEngine) -> None:
    result = _ask(engine, "estimates-in-mg-dl")
    assert _column(result, "estimate") == [KB["a-cut"], KB["a-mg"]]
    assert _column(result, "gPerL")[0] is None
    assert Decimal(str(_column(result, "gPerL")[1].toPython())) == Decimal("5.9")


def test_criteria_by_time_window(engine: RdflibEngine | OxigraphEngine) -> None:
    result = _ask(engine, "criteria-by-time-window")
    assert _column(result, "criterion") == [KB["high-routine"]]
    assert _column(result, "indexEvent") == [Literal("therapy-start")]
    assert _column(result, "fromUnit") == [URIRef("http://qudt.org/vocab/unit/DAY")]


def test_studies_by_therapy_and_design(engine: RdflibEngine | OxigraphEngine) -> None:
    result = _ask(engine, "studies-by-therapy-and-design")
    rows = [(str(r["therapy"]), str(r["design"]), int(r["studies"]), int(r["patients"])) for r in result.rows]
    design = "Retrospective observational study"
    assert rows == [("bispecific", design, 1, 40), ("car-t", design, 1, 100)]


# ---------------------------------------------------------------------------------------------
# Output formats and the command
# ---------------------------------------------------------------------------------------------

SAMPLE = QueryResult(
    ["s", "text", "n"],
    [
        {"s": KB["dima-2025"], "text": Literal('said "hi", then\nleft', lang="da"), "n": Literal(3)},
        {"s": URIRef("http://other.example/x"), "text": None, "n": Literal("5.90", datatype=URIRef(
            "http://www.w3.org/2001/XMLSchema#decimal"))},
    ],
)


def test_csv_is_rfc4180() -> None:
    text = format_result(SAMPLE, "csv")
    assert text.startswith("s,text,n\r\n")
    assert '"said ""hi"", then\nleft"' in text
    assert list(csv.reader(io.StringIO(text, newline=""))) == [
        ["s", "text", "n"],
        ["https://w3id.org/evidencekb/id/dima-2025", 'said "hi", then\nleft', "3"],
        ["http://other.example/x", "", "5.90"],
    ]


def test_json_has_variables_and_rows() -> None:
    data = json.loads(format_result(SAMPLE, "json"))
    assert data == {
        "variables": ["s", "text", "n"],
        "rows": [
            {"s": "https://w3id.org/evidencekb/id/dima-2025", "text": 'said "hi", then\nleft', "n": "3"},
            {"s": "http://other.example/x", "text": None, "n": "5.90"},
        ],
    }


def test_table_is_aligned() -> None:
    lines = format_result(SAMPLE, "table").splitlines()
    assert lines[0].split() == ["s", "text", "n"]
    assert lines[2].startswith("kb:dima-2025 ")
    assert lines[3].startswith("<http://other.example/x>")
    assert lines[2].index('said "hi"') == lines[0].index("text")
    assert lines[-1] == "(2 rows)"


def test_query_runs_any_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "mine.rq"
    path.write_text(
        "PREFIX ekb: <https://w3id.org/evidencekb/ontology#>\n"
        "SELECT ?c WHERE { ?c a <http://www.w3.org/2004/02/skos/core#ConceptScheme> } ORDER BY ?c\n",
        encoding="utf-8",
    )
    assert main(["query", str(path), "--format", "csv"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out, newline="")))
    assert rows[0] == ["c"] and ["https://w3id.org/evidencekb/ontology#TherapyClassScheme"] in rows


def test_unknown_question_and_bad_query_are_one_line_errors(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["query", "no-such-question"]) == 2
    err = capsys.readouterr().err
    assert "no question named 'no-such-question'" in err and "ci-excludes-one" in err
    bad = tmp_path / "bad.rq"
    bad.write_text("SELECT ?x WHERE { ?x ", encoding="utf-8")
    assert main(["query", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "bad.rq" in err and "Traceback" not in err


def test_run_question_matches_engine_rows(kb: Graph) -> None:
    data = json.loads(run_question("criteria-for-children", "json"))
    expected = RdflibEngine(kb).select(query_text("questions/criteria-for-children"))
    assert data["variables"] == expected.variables
    assert len(data["rows"]) == len(expected.rows)
