"""Outcomes as codes (issue 18 §7): every estimate coded, and a question that lists them by category."""

from __future__ import annotations

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from evidencekb.namespaces import EKB, KB
from evidencekb.sparql.core import query_text
from evidencekb.sparql.engines import local_engine


@pytest.fixture(scope="module")
def rows(kb: Graph) -> list[dict]:
    return local_engine(kb).select(query_text("questions/estimates-by-outcome")).rows


def test_every_estimate_has_one_category(kb: Graph) -> None:
    for estimate in set(kb.subjects(RDF.type, EKB.EffectEstimate)):
        assert len(list(kb.objects(estimate, EKB.outcomeCategory))) == 1, estimate


def test_severe_infection_outcomes_come_with_their_ci(rows: list[dict]) -> None:
    severe = {str(row["estimate"]): row for row in rows if str(row["categoryLabel"]) == "Severe infection"}
    irr = severe[str(KB["lancman-2023-r09"])]  # IRR for grade ≥ 3 infections, on vs. off IVIG
    assert irr["ciLower"] is not None and irr["ciUpper"] is not None
    assert str(irr["severity"]) == "Grade ≥ 3"


def test_not_reached_upper_bounds_are_explicit(rows: list[dict], kb: Graph) -> None:
    not_reached = {str(row["estimate"]) for row in rows if row.get("ciUpperNotReached") is not None}
    expected = {str(s) for s in kb.subjects(EKB.ciUpperNotReached, None)
                if (None, EKB.hasResult, s) in kb and (s, EKB.outcomeCategory, None) in kb}
    assert not_reached == expected and expected
    for row in rows:
        if row.get("ciUpperNotReached") is not None:
            assert row.get("ciUpper") is None


def test_categories_are_not_text_matches(rows: list[dict]) -> None:
    # "Risk factor for infections: severe HGG" is about infections, not severe infections
    row = next(r for r in rows if r["estimate"] == URIRef(KB["sutherland-2025-r11"]))
    assert str(row["categoryLabel"]) == "Any infection" and row.get("severity") is None
