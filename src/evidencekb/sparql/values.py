"""Result literals as Python values by what they mean — the one place where that conversion happens.

Stores normalise literals differently: Virtuoso returns a whole `xsd:decimal` as `xsd:integer` ("4"),
drops trailing zeros ("2.70" → "2.7"), and returns booleans as `1`/`0` (computed ones as `xsd:integer`).
Answers must not depend on that, so a literal is turned into a Python value by the datatype the
ontology DECLARES for it (`rdfs:range xsd:…` of the property; the literal's own datatype when nothing
is declared): `xsd:decimal` → `Decimal` (equal by value: `Decimal("2.70") == Decimal("2.7")`, and the local
engines keep the data's lexical form, so `Decimal("2.70")` prints as the data has it), `xsd:boolean` →
`bool` ("true"/"1"), integers → `int`, `xsd:double`/`xsd:float` → `float`, `xsd:date` → `date`; strings stay
`str`, a language-tagged string stays a `Literal` (its tag is part of its meaning), IRIs stay `URIRef`.

The data itself mixes forms the ontology treats alike (`ekb:threshold 4`, an xsd:integer in Turtle, beside
`"4"^^xsd:decimal`), so a term-by-term comparison of answers from two stores is wrong both ways; compare
`python_value`s (`row_values`, `triple_values`). The readers of `recommend` and `fhir` read flags and
numbers through `boolean_of` and `decimal_of`. Nothing here imports rdflib until `declared_datatypes` is asked.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from evidencekb import project
from evidencekb.project import Project

XSD = "http://www.w3.org/2001/XMLSchema#"
DECIMAL, BOOLEAN, DATE = XSD + "decimal", XSD + "boolean", XSD + "date"
INTEGERS = {XSD + name for name in (
    "integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger", "nonPositiveInteger",
    "negativeInteger", "unsignedInt", "unsignedLong", "unsignedShort", "unsignedByte",
)}
FLOATS = {XSD + "double", XSD + "float"}
NUMERIC = INTEGERS | FLOATS | {DECIMAL}
_TRUE, _FALSE = ("true", "1"), ("false", "0")


def declared_datatypes(of: Project | None = None) -> Mapping[str, str]:
    """{property IRI: XSD datatype IRI} from the ontology's `rdfs:range xsd:…` declarations."""
    return _declared(of or project.current())


@cache
def _declared(of: Project) -> dict[str, str]:
    from rdflib.namespace import RDFS

    from evidencekb.rdf.cache import project_ontology

    return {
        str(prop): str(rng)
        for prop, rng in project_ontology().subject_objects(RDFS.range)
        if str(rng).startswith(XSD)
    }


def python_value(term: Any, datatype: str | None = None) -> Any:
    """The Python value of a result term; `datatype` (the declared one) wins over the literal's own."""
    if term is None or type(term).__name__ != "Literal":
        return term
    if term.language:
        return term
    kind = datatype or (str(term.datatype) if term.datatype else None)
    lexical = str(term).strip()
    try:
        if kind == BOOLEAN:
            if lexical.lower() in _TRUE:
                return True
            if lexical.lower() in _FALSE:
                return False
            return str(term)
        if kind == DECIMAL:
            return Decimal(lexical)
        if kind in INTEGERS:
            number = Decimal(lexical)
            return int(number) if number == number.to_integral_value() else number
        if kind in FLOATS:
            return float(lexical)
        if kind == DATE:
            return date.fromisoformat(lexical)
    except (InvalidOperation, ValueError):
        return str(term)
    return str(term)


def decimal_of(term: Any) -> Decimal | None:
    """A number the ontology declares `xsd:decimal`, by value (`2.7` and `2.70`, `4` and `4.0` alike); None kept.
    Text that is no number raises `decimal.InvalidOperation`, as `Decimal()` does."""
    return None if term is None else Decimal(str(python_value(term, DECIMAL)))


def boolean_of(term: Any, default: bool) -> bool:
    """A flag the ontology declares `xsd:boolean`: "true"/"1" (Virtuoso returns booleans as 1/0) is True;
    `default` when the data leaves it out (None)."""
    if term is None:
        return default
    value = python_value(term, BOOLEAN)
    return value if isinstance(value, bool) else str(value).strip().lower() in _TRUE


def row_values(rows: list[dict[str, Any]], declared: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """Rows of terms as rows of Python values (`declared`: {variable: datatype IRI} where it is known)."""
    declared = declared or {}
    return [{name: python_value(term, declared.get(name)) for name, term in row.items()} for row in rows]


def triple_values(triples: Any) -> set[tuple[Any, Any, Any]]:
    """Triples (rdflib or pyoxigraph terms) as a set of (subject, predicate, object value) by meaning."""
    from evidencekb.sparql.core import from_oxigraph

    declared = declared_datatypes()
    out = set()
    for triple in triples:
        parts = (triple.subject, triple.predicate, triple.object) if hasattr(triple, "subject") else tuple(triple)
        s, p, o = (from_oxigraph(t) if type(t).__module__.startswith("pyoxigraph") else t for t in parts)
        out.add((s, p, python_value(o, declared.get(str(p)))))
    return out
