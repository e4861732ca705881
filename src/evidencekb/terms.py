"""Small RDF terms of our own: what the fast commands bind and read, without loading rdflib.

`URIRef`, `Literal`, `BNode` and `Namespace` behave like rdflib's for what the library does with a
query's values and answers — `str(term)` is the IRI or lexical form, `.language` / `.datatype`,
`.n3()` writes the term into query text exactly as rdflib does, equality is type-strict (an IRI never
equals a literal with the same text) — so an engine takes either kind as a bound value and a result
gives either kind (`QueryResult.terms` / `.rows`). Converting them to and from rdflib's and
pyoxigraph's terms is `evidencekb.rdf.terms`. Importing rdflib costs ~0.14 s of a command's start:
`evidencekb table` and `evidencekb recommend` use these terms and never import it.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

XSD = "http://www.w3.org/2001/XMLSchema#"
XSD_STRING = XSD + "string"
XSD_BOOLEAN = XSD + "boolean"
XSD_INTEGER = XSD + "integer"
XSD_DECIMAL = XSD + "decimal"
XSD_DATE = XSD + "date"
XSD_DATETIME = XSD + "dateTime"


class _Identifier(str):
    """A term that is its text: equal only to a term of the same kind with the same text."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and str.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    __hash__ = str.__hash__

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str.__repr__(self)})"


class URIRef(_Identifier):
    """An IRI; `str()` is the IRI itself."""

    __slots__ = ()

    def n3(self) -> str:
        return f"<{self}>"


class BNode(_Identifier):
    """A blank node (its label); it can be read from an answer but never bound into a query."""

    __slots__ = ()

    def n3(self) -> str:
        return f"_:{self}"


class Literal(str):
    """A literal: `str()` is its lexical form; `language` or `datatype` (None for a plain string).

    Made from a str (plain, or with `lang` / `datatype`) or from a bool, int, Decimal, date or
    datetime, which get rdflib's lexical form and XSD datatype."""

    language: str | None
    datatype: URIRef | None

    def __new__(cls, value: object, lang: str | None = None, datatype: str | None = None) -> Literal:
        if isinstance(value, str):
            lexical, implied = value, None
        elif isinstance(value, bool):
            lexical, implied = ("true" if value else "false"), XSD_BOOLEAN
        elif isinstance(value, int):
            lexical, implied = str(value), XSD_INTEGER
        elif isinstance(value, Decimal):
            lexical, implied = format(value, "f"), XSD_DECIMAL
        elif isinstance(value, datetime):
            lexical, implied = value.isoformat(), XSD_DATETIME
        elif isinstance(value, date):
            lexical, implied = value.isoformat(), XSD_DATE
        else:
            raise TypeError(f"cannot make a literal of {value!r}")
        if lang and datatype:
            raise TypeError("a literal has a language or a datatype, not both")
        self = str.__new__(cls, lexical)
        self.language = lang or None
        chosen = None if lang else (datatype or implied)
        self.datatype = URIRef(chosen) if chosen else None
        return self

    def n3(self) -> str:
        """The literal as SPARQL/Turtle text: one-line quoted, backslash, quote and line breaks escaped."""
        text = str.__str__(self).replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"').replace("\r", "\\r")
        quoted = f'"{text}"'
        if self.language:
            return f"{quoted}@{self.language}"
        if self.datatype is not None:
            return f"{quoted}^^{self.datatype.n3()}"
        return quoted

    def __eq__(self, other: object) -> bool:
        return (
            type(other) is type(self)
            and str.__eq__(self, other)
            and self.language == other.language  # type: ignore[attr-defined]
            and self.datatype == other.datatype  # type: ignore[attr-defined]
        )

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return hash((str.__str__(self), self.language, self.datatype))

    def __reduce__(self) -> tuple:
        return (Literal, (str.__str__(self), self.language, self.datatype))

    def __repr__(self) -> str:
        extra = f", lang={self.language!r}" if self.language else ""
        extra += f", datatype={str(self.datatype)!r}" if self.datatype is not None else ""
        return f"Literal({str.__repr__(self)}{extra})"


class Namespace:
    """`EKB["x"]` or `EKB.x` → `URIRef(namespace IRI + "x")`; `str()` is the namespace IRI."""

    __slots__ = ("iri",)

    def __init__(self, iri: str) -> None:
        self.iri = iri

    def __getitem__(self, name: str) -> URIRef:
        return URIRef(self.iri + name)

    def __getattr__(self, name: str) -> URIRef:
        if name.startswith("__"):
            raise AttributeError(name)
        return URIRef(self.iri + name)

    def __str__(self) -> str:
        return self.iri

    def __repr__(self) -> str:
        return f"Namespace({self.iri!r})"
