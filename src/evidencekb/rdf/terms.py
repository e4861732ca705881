"""RDF terms between the two libraries, in one place: pyoxigraph (queries, loading) ↔ rdflib (pyshacl).

`from_oxigraph` gives the rdflib term the rdflib engine would give (a plain string literal has no
datatype; repeated IRIs are made once), `to_oxigraph` the reverse. Used by the local engines
(results and bound values), by `checks.dataset` (the rdflib graph pyshacl validates) and by the
QC queries. rdflib is imported on the first conversion, not with this module (it costs ~0.14 s).
"""

from __future__ import annotations

from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from evidencekb.errors import InputError

if TYPE_CHECKING:
    from rdflib.term import Node
else:
    Node = Any

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


@cache
def _rdflib() -> tuple[Any, Any, Any]:
    from rdflib import BNode, Literal, URIRef

    return BNode, Literal, URIRef


@lru_cache(maxsize=1 << 16)
def _iri(value: str) -> Node:
    return _rdflib()[2](value)  # most IRIs are repeated many times: make each once


def from_oxigraph(term: object) -> Node | None:
    """A pyoxigraph term as an rdflib term (None stays None); an RDF-star triple is an InputError."""
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return _iri(term.value)
    blank_node, literal, _ = _rdflib()
    if isinstance(term, ox.BlankNode):
        return blank_node(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return literal(term.value, lang=term.language)
        datatype = term.datatype.value
        return literal(term.value, datatype=None if datatype == XSD_STRING else _iri(datatype))
    raise InputError(f"unsupported RDF term {term!r} (RDF-star triples are not supported)")


def to_oxigraph(term: Node) -> ox.NamedNode | ox.Literal | ox.BlankNode:
    """An rdflib term as a pyoxigraph term (a TypeError for anything else)."""
    kind = type(term).__name__
    if kind == "URIRef":
        return ox.NamedNode(str(term))
    if kind == "BNode":
        return ox.BlankNode(str(term))
    if kind == "Literal":
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise TypeError(f"cannot convert {term!r}")
