"""The findings of the decision space as RDF: one space:Finding node per finding (in kb:) with
prov:wasDerivedFrom to the rules it rests on, and the cells it names as space:Cell nodes with their
representative patient and the council's decision. The vocabulary is declared in ontology/space.ttl;
`evidencekb space --format turtle` prints it and `evidencekb audit` reads it (queries/audit/space-findings.rq).

The one place of `revision/` that builds an rdflib Graph (nothing is parsed): for its Turtle serialisation
and for the audit to copy into its store. Import it only where that is wanted (`space --format turtle`,
`audit`); the other outputs of `space` never load rdflib.
"""

from __future__ import annotations

import json

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import PROV, RDF, RDFS

from evidencekb.namespaces import KB, bind_prefixes
from evidencekb.revision.cells import node_key
from evidencekb.revision.model import Space

#: terms of the generated findings (declared in ontology/space.ttl; the nodes are produced, not in data/)
SPACE = Namespace("https://w3id.org/evidencekb/space#")


def cell_node(cell_id: str) -> URIRef:
    return KB[f"space-cell-{node_key(cell_id)}"]


def findings_graph(space: Space, lang: str = "en") -> Graph:
    """The findings (and the cells they name) as RDF, each finding derived from the rules it cites."""
    graph = Graph()
    bind_prefixes(graph)
    graph.bind("space", SPACE)
    cells = {cell.id: cell for cell in space.cells}
    named: set[str] = set()
    for finding in space.findings:
        node = KB[f"space-finding-{finding['id']}"]
        graph.add((node, RDF.type, SPACE.Finding))
        graph.add((node, SPACE.kind, Literal(finding["kind"])))
        graph.add((node, RDFS.comment, Literal(finding["text"], lang=lang)))
        for rule in finding["rules"]:
            graph.add((node, PROV.wasDerivedFrom, URIRef(rule)))
        for cell_id in finding["cells"]:
            graph.add((node, SPACE.cell, cell_node(cell_id)))
            named.add(cell_id)
        if finding.get("source"):
            graph.add((node, SPACE.source, URIRef(finding["source"])))
            graph.add((node, SPACE.direction, Literal(finding["direction"])))
        if finding.get("default"):
            graph.add((node, SPACE.defaultRule, URIRef(finding["default"])))
    for cell_id in sorted(named):
        cell = cells[cell_id]
        node = cell_node(cell_id)
        graph.add((node, RDF.type, SPACE.Cell))
        graph.add((node, RDFS.label, Literal(cell_id)))
        graph.add((node, SPACE.patient, Literal(json.dumps(cell.patient, sort_keys=True))))
        graph.add((node, SPACE.councilStart, Literal(cell.council["start"])))
        graph.add((node, SPACE.councilStop, Literal(cell.council["stop"])))
        graph.add((node, PROV.wasDerivedFrom, URIRef(cell.council["rule"])))
        graph.add((node, PROV.wasDerivedFrom, URIRef(cell.council["stop_rule"])))
    return graph
