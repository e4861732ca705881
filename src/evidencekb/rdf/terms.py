"""RDF terms between the libraries, in one place: pyoxigraph (queries, loading), rdflib (pyshacl,
graph code) and the library's own light terms (`evidencekb.terms`, what the fast commands use).

* `from_oxigraph` — the rdflib term the rdflib engine would give (a plain string literal has no
  datatype; repeated IRIs are made once); `to_rdflib` the same from a light term.
* `light` — a pyoxigraph or rdflib term as a light term (same rule for plain strings);
  `light_rows` — pyoxigraph's query solutions as rows of light terms, each distinct term converted once.
* `to_oxigraph` — a light or rdflib term as a pyoxigraph term (bound values, copies into a store).

Used by the local engines (results and bound values), `QueryResult` (its two views), `checks.dataset`
(the rdflib graph pyshacl validates) and the QC queries. rdflib is imported on the first conversion to
it, not with this module (it costs ~0.14 s of a command's start).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from evidencekb import terms
from evidencekb.errors import InputError

if TYPE_CHECKING:
    from rdflib.term import Node
else:
    Node = Any

XSD_STRING = terms.XSD_STRING


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


def to_rdflib(term: Node | terms.URIRef | terms.Literal | terms.BNode | None) -> Node | None:
    """A light term as the rdflib term (an rdflib term or None unchanged)."""
    kind = type(term)
    if kind is terms.URIRef:
        return _iri(str.__str__(term))
    if kind is terms.Literal:
        literal = _rdflib()[1]
        if term.language:
            return literal(str.__str__(term), lang=term.language)
        datatype = term.datatype
        return literal(str.__str__(term), datatype=None if datatype is None else _iri(str.__str__(datatype)))
    if kind is terms.BNode:
        return _rdflib()[0](str.__str__(term))
    return term


@lru_cache(maxsize=1 << 16)
def _light_iri(value: str) -> terms.URIRef:
    return terms.URIRef(value)


def light(term: object) -> terms.URIRef | terms.Literal | terms.BNode | None:
    """A pyoxigraph or rdflib term as a light term (None stays None; a light term unchanged)."""
    if term is None or type(term) in (terms.URIRef, terms.Literal, terms.BNode):
        return term  # type: ignore[return-value]
    if isinstance(term, ox.NamedNode):
        return _light_iri(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return terms.Literal(term.value, lang=term.language)
        datatype = term.datatype.value
        return terms.Literal(term.value, datatype=None if datatype == XSD_STRING else _light_iri(datatype))
    if isinstance(term, ox.BlankNode):
        return terms.BNode(term.value)
    kind = type(term).__name__
    if kind == "URIRef":
        return _light_iri(str(term))
    if kind == "Literal":
        datatype = term.datatype  # type: ignore[attr-defined]
        if term.language:  # type: ignore[attr-defined]
            return terms.Literal(str(term), lang=term.language)  # type: ignore[attr-defined]
        return terms.Literal(str(term), datatype=None if datatype is None else _light_iri(str(datatype)))
    if kind == "BNode":
        return terms.BNode(str(term))
    raise InputError(f"unsupported RDF term {term!r} (RDF-star triples are not supported)")


#: pyoxigraph term → its light term. Terms are immutable and a term's light form depends only on the term
#: (equal pyoxigraph terms: same kind, value, language and datatype), so the rows of every answer share
#: them; cleared when it grows past `_LIGHT_MEMO_SIZE` (checked once per answer).
_light_memo: dict[Any, Any] = {}
_LIGHT_MEMO_SIZE = 1 << 16


def light_rows(variables: list[str], solutions: Iterable[Any]) -> list[dict[str, Any]]:
    """pyoxigraph solutions (each iterates its values in `variables` order, None where unbound) as rows
    {variable: light term or None}. A large answer repeats a few terms many times: each distinct term is
    converted once (`_light_memo`), ~10× faster than `light` per value."""
    memo = _light_memo
    if len(memo) > _LIGHT_MEMO_SIZE:
        memo.clear()
    get = memo.get
    rows = []
    for solution in solutions:
        row = {}
        for name, value in zip(variables, solution, strict=True):
            if value is None:
                row[name] = None
                continue
            term = get(value)
            if term is None:
                term = memo[value] = light(value)
            row[name] = term
        rows.append(row)
    return rows


def to_oxigraph(term: Node) -> ox.NamedNode | ox.Literal | ox.BlankNode:
    """An rdflib or light term as a pyoxigraph term (a TypeError for anything else)."""
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
