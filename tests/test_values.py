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
