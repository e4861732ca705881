"""The findings of the decision space as RDF: one space:Finding node per finding (in kb:) with
prov:wasDerivedFrom to the rules it rests on, and the cells it names as space:Cell nodes with their
representative patient and the council's decision. The vocabulary is declared in ontology/space.ttl;
`evidencekb space --format turtle` prints it and `evidencekb audit` reads it (queries/audit/space-findings.rq).

The one place of `revision/` that builds an rdflib Graph (nothing is parsed), from the triples of
`findings_triples`: for its Turtle serialisation. Import it only where that is wanted (`space --format
turtle`); `audit` adds the same triples to its store as pyoxigraph quads and never loads rdflib.
"""

from __future__ import annotations

from rdflib import Graph, Namespace, URIRef

from evidencekb.namespaces import bind_prefixes
from evidencekb.rdf.terms import to_rdflib
from evidencekb.revision.findings_triples import SPACE_IRI, cell_iri, findings_triples
from evidencekb.revision.model import Space

#: terms of the generated findings (declared in ontology/space.ttl; the nodes are produced, not in data/)
SPACE = Namespace(SPACE_IRI)


def cell_node(cell_id: str) -> URIRef:
    return URIRef(str(cell_iri(cell_id)))


def findings_graph(space: Space, lang: str = "en") -> Graph:
    """The findings (and the cells they name) as RDF, each finding derived from the rules it cites
    (`findings_triples.findings_triples` in an rdflib Graph)."""
    graph = Graph()
    bind_prefixes(graph)
    graph.bind("space", SPACE)
    for triple in findings_triples(space, lang):
        graph.add(tuple(to_rdflib(term) for term in triple))  # type: ignore[arg-type]
    return graph
