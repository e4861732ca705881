"""The findings of the decision space as triples of light terms (`evidencekb.terms`), without rdflib: one
space:Finding node per finding (in kb:) with prov:wasDerivedFrom to the rules it rests on, and the cells it
names as space:Cell nodes with their representative patient and the council's decision. The vocabulary is
declared in ontology/space.ttl.

`evidencekb audit` copies them into its store (`findings_quads`: queries/audit/space-findings.rq reads them);
`evidencekb.revision.findings_rdf` puts the same triples in an rdflib Graph for `space --format turtle`.
"""

from __future__ import annotations

import json

import pyoxigraph as ox

from evidencekb.namespaces import PREFIXES, kb
from evidencekb.rdf.terms import to_oxigraph
from evidencekb.revision.cells import node_key
from evidencekb.revision.model import Space
from evidencekb.terms import Literal, Namespace, URIRef

#: terms of the generated findings (declared in ontology/space.ttl; the nodes are produced, not in data/)
SPACE_IRI = "https://w3id.org/evidencekb/space#"
_SPACE = Namespace(SPACE_IRI)
_TYPE = URIRef(PREFIXES["rdf"] + "type")
_LABEL = URIRef(PREFIXES["rdfs"] + "label")
_COMMENT = URIRef(PREFIXES["rdfs"] + "comment")
_DERIVED = URIRef(PREFIXES["prov"] + "wasDerivedFrom")

Triple = tuple[URIRef, URIRef, URIRef | Literal]


def cell_iri(cell_id: str) -> URIRef:
    return kb[f"space-cell-{node_key(cell_id)}"]


def findings_triples(space: Space, lang: str = "en") -> list[Triple]:
    """The findings (and the cells they name), each finding derived from the rules it cites."""
    triples: list[Triple] = []
    add = triples.append
    cells = {cell.id: cell for cell in space.cells}
    named: set[str] = set()
    for finding in space.findings:
        node = kb[f"space-finding-{finding['id']}"]
        add((node, _TYPE, _SPACE.Finding))
        add((node, _SPACE.kind, Literal(finding["kind"])))
        add((node, _COMMENT, Literal(finding["text"], lang=lang)))
        for rule in finding["rules"]:
            add((node, _DERIVED, URIRef(rule)))
        for cell_id in finding["cells"]:
            add((node, _SPACE.cell, cell_iri(cell_id)))
            named.add(cell_id)
        if finding.get("source"):
            add((node, _SPACE.source, URIRef(finding["source"])))
            add((node, _SPACE.direction, Literal(finding["direction"])))
        if finding.get("default"):
            add((node, _SPACE.defaultRule, URIRef(finding["default"])))
    for cell_id in sorted(named):
        cell = cells[cell_id]
        node = cell_iri(cell_id)
        add((node, _TYPE, _SPACE.Cell))
        add((node, _LABEL, Literal(cell_id)))
        add((node, _SPACE.patient, Literal(json.dumps(cell.patient, sort_keys=True))))
        add((node, _SPACE.councilStart, Literal(cell.council["start"])))
        add((node, _SPACE.councilStop, Literal(cell.council["stop"])))
        add((node, _DERIVED, URIRef(cell.council["rule"])))
        add((node, _DERIVED, URIRef(cell.council["stop_rule"])))
    return triples


def findings_quads(space: Space, lang: str = "en") -> list[ox.Quad]:
    """The same triples as pyoxigraph quads in the default graph (what `checks.audit.with_extra` adds)."""
    made: dict[object, object] = {}

    def term(value: URIRef | Literal) -> object:
        found = made.get(value)
        if found is None:
            found = made[value] = to_oxigraph(value)
        return found

    return [ox.Quad(term(s), term(p), term(o)) for s, p, o in findings_triples(space, lang)]
