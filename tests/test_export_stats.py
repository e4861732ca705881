"""`evidencekb export` round-trips in every format; `evidencekb stats` counts the classes."""

from __future__ import annotations

import json

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL

from evidencekb import __version__
from evidencekb.cli import main
from evidencekb.export import DATASET as DATASET_IRI

DATASET = URIRef(DATASET_IRI)

PARSERS = {"turtle": "turtle", "jsonld": "json-ld", "ntriples": "nt"}


@pytest.mark.parametrize("format_name", sorted(PARSERS))
def test_export_round_trips(format_name: str, kb: Graph, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "--format", format_name]) == 0
    exported = Graph().parse(data=capsys.readouterr().out, format=PARSERS[format_name])
    assert exported.value(DATASET, OWL.versionInfo) == Literal(__version__)  # which evidencekb made it
    exported.remove((DATASET, None, None))
    assert len(exported) == len(kb)
    assert _canonical(exported) == _canonical(kb)


def _canonical(graph: Graph) -> set[tuple[object, object, object]]:
    """Triples with typed literals compared by value ("43"^^xsd:decimal == 43.0); no blank nodes expected."""

    def term(node: object) -> object:
        assert not isinstance(node, BNode), "the knowledge base uses IRIs for every node"
        if isinstance(node, Literal) and node.datatype is not None:
            return (node.datatype, node.toPython())
        return node

    return {(term(s), term(p), term(o)) for s, p, o in graph}


def test_stats_counts_classes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stats", "--format", "json"]) == 0
    counts = json.loads(capsys.readouterr().out)
    assert counts["PrimaryStudy"] == 10
    assert counts["ConsensusReport"] == 6 and counts["NarrativeReview"] == 2
    assert counts["AgreeAppraisal"] == 8
    assert main(["stats"]) == 0
    assert "PrimaryStudy" in capsys.readouterr().out


@pytest.mark.parametrize("format_name", sorted(PARSERS))
def test_blank_nodes_get_canonical_labels(format_name: str) -> None:
    """The same graph with differently labelled blank nodes, given in another order, is written identically."""
    import pyoxigraph as ox

    from evidencekb.export import serialize

    ekb, label = "https://w3id.org/evidencekb/ontology#", ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")

    def graph(first: str, second: str) -> list[ox.Triple]:
        a, b = ox.BlankNode(first), ox.BlankNode(second)
        node = ox.NamedNode("https://w3id.org/evidencekb/id/x")
        return [ox.Triple(node, ox.NamedNode(ekb + "part"), a), ox.Triple(a, label, ox.Literal("one")),
                ox.Triple(a, ox.NamedNode(ekb + "next"), b), ox.Triple(b, label, ox.Literal("two", language="en"))]

    written = serialize(graph("p", "q"), format_name)
    assert written == serialize(list(reversed(graph("zz", "aa"))), format_name)
    assert "_:p" not in written and "_:zz" not in written
    assert len(Graph().parse(data=written, format=PARSERS[format_name])) == 4
