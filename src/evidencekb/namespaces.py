"""Namespaces shared by the library (the same prefixes as the Turtle files).

* `PREFIXES` — prefix → namespace IRI (plain strings), e.g. for `curie` and serialisations.
* `ekb`, `kb`, `unit` — the namespaces as light terms, named like their Turtle prefixes
  (`ekb["timing-within-window"]` is the `evidencekb.terms.URIRef` of `ekb:timing-within-window`): for
  values bound into queries and compared with `QueryResult.terms`, without loading rdflib.
* `EKB`, `KB`, `UNIT`, `SCHEMA`, `FABIO`, `CITO`, `QUDT`, `SH` — the same as rdflib `Namespace`s, for
  code that works on rdflib graphs or compares with `QueryResult.rows`. Made on first access (PEP 562),
  so importing one of them imports rdflib (~0.14 s): modules on the fast path use the light ones.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from evidencekb.terms import Namespace

#: The named graph that `evidencekb load` fills and `--endpoint` queries read by default.
DEFAULT_GRAPH = "https://w3id.org/evidencekb/graph"

PREFIXES: dict[str, str] = {
    "ekb": "https://w3id.org/evidencekb/ontology#",
    "kb": "https://w3id.org/evidencekb/id/",
    "unit": "http://qudt.org/vocab/unit/",
    "schema": "https://schema.org/",
    "fabio": "http://purl.org/spar/fabio/",
    "cito": "http://purl.org/spar/cito/",
    "qudt": "http://qudt.org/schema/qudt/",
    "dcterms": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "sh": "http://www.w3.org/ns/shacl#",
}

ekb = Namespace(PREFIXES["ekb"])
kb = Namespace(PREFIXES["kb"])
unit = Namespace(PREFIXES["unit"])

_RDFLIB_NAMES = ("ekb", "kb", "unit", "schema", "fabio", "cito", "qudt", "sh")


def __getattr__(name: str) -> Any:
    """`EKB`, `KB`, … as rdflib `Namespace`s, made on first access (rdflib is imported then)."""
    if name.lower() in _RDFLIB_NAMES and name.isupper():
        return _rdflib_namespace(name.lower())
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@cache
def _rdflib_namespace(prefix: str) -> Any:
    from rdflib import Namespace as RdflibNamespace

    return RdflibNamespace(PREFIXES[prefix])


def bind_prefixes(graph) -> None:
    """Bind the project's prefixes on an rdflib graph (for readable serialisations)."""
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True)


def curie(iri: str) -> str:
    """A short name for an IRI with the project's prefixes ("kb:dima-2025"); other IRIs unchanged."""
    text = str(iri)
    best, name = "", ""
    for prefix, namespace in PREFIXES.items():  # the longest matching namespace wins
        if text.startswith(namespace) and len(namespace) > len(best):
            best, name = namespace, prefix
    return f"{name}:{text[len(best):]}" if best else text
