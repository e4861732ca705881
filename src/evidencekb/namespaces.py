"""Namespaces shared by the library (the same prefixes as the Turtle files)."""

from rdflib import Namespace
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SKOS, XSD

EKB = Namespace("https://w3id.org/evidencekb/ontology#")
KB = Namespace("https://w3id.org/evidencekb/id/")
#: The named graph that `evidencekb load` fills and `--endpoint` queries read by default.
DEFAULT_GRAPH = "https://w3id.org/evidencekb/graph"
UNIT = Namespace("http://qudt.org/vocab/unit/")
SCHEMA = Namespace("https://schema.org/")
FABIO = Namespace("http://purl.org/spar/fabio/")
CITO = Namespace("http://purl.org/spar/cito/")
QUDT = Namespace("http://qudt.org/schema/qudt/")
SH = Namespace("http://www.w3.org/ns/shacl#")

PREFIXES = {
    "ekb": EKB,
    "kb": KB,
    "unit": UNIT,
    "schema": SCHEMA,
    "fabio": FABIO,
    "cito": CITO,
    "qudt": QUDT,
    "dcterms": DCTERMS,
    "prov": PROV,
    "skos": SKOS,
    "rdf": RDF,
    "rdfs": RDFS,
    "owl": OWL,
    "xsd": XSD,
    "sh": SH,
}


def bind_prefixes(graph) -> None:
    """Bind the project's prefixes on an rdflib graph (for readable serialisations)."""
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True)


def curie(iri: str) -> str:
    """A short name for an IRI with the project's prefixes ("kb:dima-2025"); other IRIs unchanged."""
    text = str(iri)
    best, name = "", ""
    for prefix, namespace in PREFIXES.items():  # the longest matching namespace wins
        if text.startswith(str(namespace)) and len(str(namespace)) > len(best):
            best, name = str(namespace), prefix
    return f"{name}:{text[len(best):]}" if best else text
