"""Result literals as Python values by meaning, whatever form the store returned them in."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from rdflib import Literal, URIRef

from evidencekb.sparql.values import declared_datatypes, python_value, row_values

EKB = "https://w3id.org/evidencekb/ontology#"
X = "http://www.w3.org/2001/XMLSchema#"


def test_decimal_keeps_the_data_form_and_equals_the_normalised_one() -> None:
    local = python_value(Literal("2.70", datatype=URIRef(X + "decimal")))
    virtuoso = python_value(Literal("2.7", datatype=URIRef(X + "decimal")))
    assert isinstance(local, Decimal) and str(local) == "2.70"
    assert local == virtuoso
    # a whole decimal that a store returns as an integer: the declared datatype decides
    as_integer = python_value(Literal("4", datatype=URIRef(X + "integer")), X + "decimal")
    assert isinstance(as_integer, Decimal)
    assert as_integer == python_value(Literal("4.0", datatype=URIRef(X + "decimal")))


def test_boolean_stays_boolean_in_every_form() -> None:
    for lexical, expected in (("true", True), ("1", True), ("0", False), ("false", False)):
        assert python_value(Literal(lexical, datatype=URIRef(X + "boolean"))) is expected
    assert python_value(Literal("1", datatype=URIRef(X + "integer")), X + "boolean") is True


def test_other_terms() -> None:
    assert python_value(Literal("2026-01-15", datatype=URIRef(X + "date"))) == date(2026, 1, 15)
    assert python_value(Literal("7", datatype=URIRef(X + "integer"))) == 7
    assert python_value(Literal("x")) == "x"
    tagged = Literal("hej", lang="da")
    assert python_value(tagged) is tagged
    assert python_value(URIRef("https://e/x")) == URIRef("https://e/x")
    assert python_value(None) is None
    assert row_values([{"a": Literal("2.50", datatype=URIRef(X + "decimal"))}]) == [{"a": Decimal("2.5")}]


def test_the_ontology_declares_the_datatypes() -> None:
    declared = declared_datatypes()
    assert declared[EKB + "threshold"] == X + "decimal"
    assert any(datatype == X + "boolean" for datatype in declared.values())


def test_shipped_readers_read_flags_and_numbers_by_meaning() -> None:
    """recommend's and fhir's readers go through sparql.values: Virtuoso's 1/0 booleans, integers for whole
    decimals and dropped trailing zeros read as the data means them."""
    from evidencekb.fhir.bundle import flag
    from evidencekb.fhir.criteria import is_true
    from evidencekb.recommend.rules import _decimal, _true
    from evidencekb.sparql.values import boolean_of, decimal_of
    from evidencekb.terms import Literal as Light

    boolean, integer = "http://www.w3.org/2001/XMLSchema#boolean", "http://www.w3.org/2001/XMLSchema#integer"
    for read in (lambda t, d: boolean_of(t, d), _true, is_true, lambda t, d: flag(t) if t is not None else d):
        assert read(Light("1", datatype=boolean), False) is True
        assert read(Light("1", datatype=integer), False) is True  # a computed boolean on Virtuoso
        assert read(Light("true", datatype=boolean), False) is True
        assert read(Light("0", datatype=boolean), True) is False
        assert read(None, True) is True
    assert _decimal(Light("4", datatype=integer)) == decimal_of(Light("4.0")) == 4
    assert decimal_of(Light("2.7")) == decimal_of(Light("2.70", datatype="http://www.w3.org/2001/XMLSchema#decimal"))
    assert decimal_of(None) is None
