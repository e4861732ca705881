"""Serialise the merged knowledge base, byte-identical across runs on unchanged data.

Blank nodes get canonical labels (rdflib.compare), N-Triples lines are sorted, and the export says
which version of evidencekb made it (a `dcat:Dataset` node with `owl:versionInfo`). `serialize` is the
one Turtle/JSON-LD/N-Triples writer; the site's downloads use it too.

rdflib is needed here (and `export` parses the Turtle with it): blank-node canonicalisation, the Turtle
layout and the compacted JSON-LD of the published files are rdflib's, and they must stay byte-identical.
"""

from __future__ import annotations

import json

from rdflib import Graph, Literal, URIRef
from rdflib.compare import to_canonical_graph
from rdflib.namespace import DCAT, DCTERMS, OWL, RDF

from evidencekb import __version__
from evidencekb.namespaces import KB, PREFIXES, bind_prefixes
from evidencekb.rdf.cache import knowledge_base

FORMATS = {"turtle": "turtle", "jsonld": "json-ld", "ntriples": "nt"}
DATASET = KB["knowledge-base"]


def export_graph(format_name: str) -> str:
    """The ontology + data graph as Turtle, JSON-LD (compacted with the project's prefixes) or N-Triples."""
    graph = Graph()
    graph += knowledge_base()
    graph.add((DATASET, RDF.type, DCAT.Dataset))
    graph.add((DATASET, OWL.versionInfo, Literal(__version__)))
    graph.add((DATASET, DCTERMS.source, URIRef(KB["addendum"])))
    return serialize(graph, format_name)


def serialize(source: Graph, format_name: str) -> str:
    """`source` as `format_name` (a key of FORMATS), canonical blank nodes, in a fixed order."""
    graph = Graph()
    bind_prefixes(graph)
    graph += to_canonical_graph(source)
    if format_name == "ntriples":
        lines = sorted(set(graph.serialize(format="nt").splitlines()) - {""})
        return "\n".join(lines) + "\n"
    if format_name == "jsonld":
        context = {prefix: str(ns) for prefix, ns in PREFIXES.items()}
        return _sorted_jsonld(graph.serialize(format="json-ld", context=context, auto_compact=True))
    text = graph.serialize(format=FORMATS[format_name])
    return text if text.endswith("\n") else text + "\n"


def _sorted_jsonld(text: str) -> str:
    """JSON-LD with nodes ordered by @id and every list of values in a fixed order (rdflib follows set order)."""

    def order(value: object) -> object:
        if isinstance(value, dict):
            return {key: order(item) for key, item in sorted(value.items())}
        if isinstance(value, list):
            items = [order(item) for item in value]
            return sorted(items, key=lambda item: json.dumps(item, ensure_ascii=False, sort_keys=True))
        return value

    return json.dumps(order(json.loads(text)), ensure_ascii=False, indent=2) + "\n"
