"""Result literals as Python values by meaning, whatever form the store returned them in."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from rdflib import Literal, URIRef, namespace

from evidencekb.sparql.values import declared_datatypes, python_value, row_values

EKB = "https://w3id.org/evidencekb/ontology#"


def test_decimal_keeps_the_data_form_and_equals_the_normalised_one() -> None:
    local = python_value(Literal("2.70", datatype=namespace.XSD.decimal))
    virtuoso = python_value(Literal("2.7", datatype=namespace.XSD.decimal))
    assert isinstance(local, Decimal) and str(local) == "2.70"
    assert local == virtuoso
    # a whole decimal that a store returns as an integer: the declared datatype decides
    as_integer = python_value(Literal("4", datatype=namespace.XSD.integer), str(namespace.XSD.decimal))
    assert isinstance(as_integer, Decimal) and as_integer == python_value(Literal("4.0", datatype=namespace.XSD.decimal))


def test_boolean_stays_boolean_in_every_form() -> None:
    for term, expected in (
        (Literal("true", datatype=namespace.XSD.boolean), True), (Literal("1", datatype=namespace.XSD.boolean), True),
        (Literal("0", datatype=namespace.XSD.boolean), False), (Literal("false", datatype=namespace.XSD.boolean), False),
    ):
        assert python_value(term) is expected
    assert python_value(Literal("1", datatype=namespace.XSD.integer), str(namespace.XSD.boolean)) is True


def test_other_terms() -> None:
    assert python_value(Literal("2026-01-15", datatype=namespace.XSD.date)) == date(2026, 1, 15)
    assert python_value(Literal("7", datatype=namespace.XSD.integer)) == 7
    assert python_value(Literal("x")) == "x"
    tagged = Literal("hej", lang="da")
    assert python_value(tagged) is tagged
    assert python_value(URIRef("https://e/x")) == URIRef("https://e/x")
    assert python_value(None) is None
    assert row_values([{"a": Literal("2.50", datatype=namespace.XSD.decimal)}]) == [{"a": Decimal("2.5")}]


def test_the_ontology_declares_the_datatypes() -> None:
    declared = declared_datatypes()
    assert declared[EKB + "threshold"] == str(namespace.XSD.decimal)
    assert any(datatype == str(namespace.XSD.boolean) for datatype in declared.values())
