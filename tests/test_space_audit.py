"""The findings of the decision space in `evidencekb audit` (read from the graph by queries/audit/space-findings.rq)
and their vocabulary in the ontology (ontology/space.ttl)."""

from __future__ import annotations

import json
import time

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, PROV, RDF, RDFS, SKOS

from evidencekb.checks.audit import collect_findings
from evidencekb.cli import main
from evidencekb.rdf.cache import project_ontology
from evidencekb.revision.audit import space_findings_graph
from evidencekb.revision.findings_rdf import SPACE, findings_graph
from evidencekb.revision.space import build_space

KB = "https://w3id.org/evidencekb/id/"
#: vocabularies the findings graph borrows (declared by their own ontologies, not ours)
STANDARD = (str(RDF), str(RDFS), str(PROV))
DECLARED_AS = {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty}


@pytest.fixture(scope="module")
def findings() -> Graph:
    return space_findings_graph()


def _terms(graph: Graph) -> set[URIRef]:
    used = {p for p in graph.predicates()} | {o for o in graph.objects(None, RDF.type)}
    return {t for t in used if isinstance(t, URIRef)}


def test_every_term_of_the_findings_graph_is_declared(findings: Graph) -> None:
    ontology = project_ontology()
    terms = _terms(findings)
    assert SPACE.Finding in terms and SPACE.cell in terms, "the findings graph is not empty"
    ours = sorted(t for t in terms if not str(t).startswith(STANDARD))
    assert ours, "the findings graph uses terms of its own"
    problems = []
    for term in ours:
        kinds = set(ontology.objects(term, RDF.type)) & DECLARED_AS
        labels = {lit.language for lit in ontology.objects(term, RDFS.label) if isinstance(lit, Literal)}
        definitions = {lit.language for lit in ontology.objects(term, SKOS.definition) if isinstance(lit, Literal)}
        if not kinds:
            problems.append(f"{term}: not declared (owl:Class / owl:ObjectProperty / owl:DatatypeProperty)")
        if not {"da", "en"} <= labels:
            problems.append(f"{term}: rdfs:label needs @da and @en")
        if not {"da", "en"} <= definitions:
            problems.append(f"{term}: skos:definition needs @da and @en")
    assert not problems, "declare them in ontology/space.ttl:\n" + "\n".join(problems)


def test_an_undeclared_term_is_caught() -> None:
    # the check above must be able to fail: a findings graph with a misspelt term
    graph = Graph()
    graph.add((URIRef(KB + "x"), SPACE.kinf, Literal("gap")))
    ontology = project_ontology()
    assert not set(ontology.objects(SPACE.kinf, RDF.type)) & DECLARED_AS
    assert SPACE.kinf in _terms(graph)


def test_audit_reports_every_finding_of_the_space(findings: Graph) -> None:
    space = build_space()
    reported = [f for f in collect_findings(extra=findings) if f.check == "space-findings"]
    assert {f.finding for f in reported} == {KB + "space-finding-" + f["id"] for f in space.findings}
    assert all(f.locations and not f.strict and not f.new for f in reported)
    # the rules each finding rests on are its locations (provenance, prov:wasDerivedFrom)
    by_id = {f["id"]: f for f in space.findings}
    for f in reported:
        assert f.locations == sorted(by_id[f.finding[len(KB + "space-finding-"):]]["rules"])


def test_audit_reads_the_same_findings_as_quads_and_as_a_graph(findings: Graph) -> None:
    """`evidencekb audit` adds the findings as pyoxigraph quads (no rdflib); the same triples as the graph."""
    import pyoxigraph as ox

    from evidencekb.revision.audit import space_findings

    quads = space_findings()
    store = ox.Store()
    store.load(findings.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES)
    assert sorted(map(str, quads)) == sorted(map(str, store)) and quads
    assert collect_findings(extra=quads) == collect_findings(extra=findings)


def test_audit_without_the_space_has_no_space_findings() -> None:
    assert not [f for f in collect_findings() if f.check == "space-findings"]


def test_cli_audit_shows_a_known_gap_and_disagreement(capsys: pytest.CaptureFixture[str]) -> None:
    started = time.perf_counter()
    assert main(["audit", "--format", "json", "--strict"]) == 0  # information only: --strict ignores them
    elapsed = time.perf_counter() - started
    report = json.loads(capsys.readouterr().out)
    space = [f for f in report["findings"] if f["check"] == "space-findings"]
    assert report["information"] == len(space) > 0 and report["new"] == 0
    gap = next(f for f in space if f["details"].get("kind") == "gap"
               and f["locations"] == [KB + "recommend-default-do-not-start"])
    assert "do-not-start" in gap["message"]
    banerjee = next(f for f in space if f["details"].get("kind") == "disagreement"
                    and f["entities"] == [KB + "banerjee-2025"])
    assert "looser" in banerjee["message"] and KB + "banerjee-2025-start-1" in banerjee["locations"]
    assert elapsed < 30, f"audit with the decision space took {elapsed:.1f} s"

    assert main(["audit"]) == 0
    text = capsys.readouterr().out
    assert "space-findings" in text and "[information]" in text and "for information only" in text
    assert main(["audit", "--no-space"]) == 0
    assert "space-findings" not in capsys.readouterr().out


def test_findings_graph_is_deterministic() -> None:
    space = build_space()
    first = findings_graph(space).serialize(format="nt")
    second = space_findings_graph().serialize(format="nt")
    assert sorted(first.splitlines()) == sorted(second.splitlines())
