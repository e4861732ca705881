"""The graph holds what the addendum says: counts of studies and reports, AGREE II ratings as
published, and every number of Tables 8-2 and 8-4 as a typed literal with a unit."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SKOS

from evidencekb.namespaces import EKB, KB

SOURCE = Path(__file__).parent / "data" / "addendum-source.txt"
CAR_T, BISPECIFIC = EKB["therapy-car-t"], EKB["therapy-bispecific"]

# Bilag C as published: publication → (class, therapy classes, overall AGREE II rating)
SECONDARY = {
    "shahid-2024": (EKB.ConsensusReport, {CAR_T}, "moderate-high"),
    "hayden-2022": (EKB.ConsensusReport, {CAR_T}, "high"),
    "hill-2019-review": (EKB.NarrativeReview, {CAR_T}, "moderate"),
    "banerjee-2025": (EKB.NarrativeReview, {BISPECIFIC}, "moderate"),
    "rodriguez-otero-2024": (EKB.ConsensusReport, {BISPECIFIC}, "high"),
    "raje-2023": (EKB.ConsensusReport, {BISPECIFIC}, "high"),
    "mohan-2023": (EKB.ConsensusReport, {CAR_T, BISPECIFIC}, "high"),
    "ludwig-2023": (EKB.ConsensusReport, {CAR_T, BISPECIFIC}, "high"),
}
PRIMARY = {
    "dima-2025": CAR_T, "hill-2019-cohort": CAR_T, "josyula-2022": CAR_T, "mokhtari-2025": CAR_T,
    "sutherland-2025": CAR_T, "thiruvengadam-2022": CAR_T, "uy-2020": CAR_T,
    "frerichs-2023": BISPECIFIC, "lancman-2023": BISPECIFIC, "mohan-2025": BISPECIFIC,
}
REFERENCE_NUMBERS = {
    "frerichs-2023": 3, "thiruvengadam-2022": 9, "shahid-2024": 15, "mohan-2023": 17, "uy-2020": 19,
    "hill-2019-cohort": 20, "dima-2025": 21, "mokhtari-2025": 22, "josyula-2022": 23, "sutherland-2025": 24,
    "mohan-2025": 25, "lancman-2023": 26, "hill-2019-review": 27, "banerjee-2025": 28, "hayden-2022": 29,
    "rodriguez-otero-2024": 31, "ludwig-2023": 32, "raje-2023": 33,
}


def test_primary_studies(kb: Graph) -> None:
    studies = set(kb.subjects(RDF.type, EKB.PrimaryStudy))
    assert studies == {KB[slug] for slug in PRIMARY}
    for slug, therapy in PRIMARY.items():
        assert set(kb.objects(KB[slug], EKB.therapyClass)) == {therapy}, slug
    assert sum(t == CAR_T for t in PRIMARY.values()) == 7


def test_secondary_publications(kb: Graph) -> None:
    consensus = set(kb.subjects(RDF.type, EKB.ConsensusReport))
    reviews = set(kb.subjects(RDF.type, EKB.NarrativeReview))
    assert len(consensus) == 6 and len(reviews) == 2
    for slug, (cls, therapies, rating) in SECONDARY.items():
        node = KB[slug]
        assert (node, RDF.type, cls) in kb, slug
        assert set(kb.objects(node, EKB.therapyClass)) == therapies, slug
        ratings = [
            kb.value(rating, SKOS.notation)
            for appraisal in kb.objects(node, EKB.appraisal)
            for rating in kb.objects(appraisal, EKB.overallRating)
        ]
        assert [str(r) for r in ratings] == [rating], slug


def test_two_hill_2019_papers_stay_distinct(kb: Graph) -> None:
    for slug, number in REFERENCE_NUMBERS.items():
        assert kb.value(KB[slug], EKB.referenceNumber) == Literal(number), slug
    cohort, review = KB["hill-2019-cohort"], KB["hill-2019-review"]
    assert (cohort, RDF.type, EKB.PrimaryStudy) in kb and (review, RDF.type, EKB.NarrativeReview) in kb


def _region(start: str, end: str) -> str:
    lines = SOURCE.read_text(encoding="utf-8").splitlines()
    first = next(i for i, line in enumerate(lines) if start in line)
    last = next(i for i, line in enumerate(lines) if i > first and end in line)
    return "\n".join(lines[first + 1 : last])


def _typed_numbers(kb: Graph) -> set[Decimal]:
    numbers = set()
    for study in PRIMARY:
        for node in _reachable(kb, KB[study]):
            for value in kb.objects(node, None):
                if isinstance(value, Literal) and type(value.toPython()) in (int, Decimal):
                    numbers.add(abs(Decimal(str(value))))
    return numbers


def _reachable(kb: Graph, start: URIRef) -> set[URIRef]:
    seen, todo = {start}, [start]
    while todo:
        for value in kb.objects(todo.pop(), None):
            if isinstance(value, URIRef) and str(value).startswith(str(KB)) and value not in seen:
                if "table-" not in str(value) and "section-" not in str(value):
                    seen.add(value)
                    todo.append(value)
    return seen


@pytest.mark.parametrize(
    ("table", "start", "end"),
    [("8-2", "Tabel 8-2. Resultater", "Tabel 8-3."), ("8-4", "Tabel 8-4. Oversigt", "8.3 Bilag C")],
)
def test_every_number_of_the_results_tables_is_typed(kb: Graph, table: str, start: str, end: str) -> None:
    text = _region(start, end)
    text = re.sub(r"[A-ZÆØÅ][a-zæøå]+ \(?(19|20)\d\d\)? ?\[\d+\]", "", text)  # reference cells "Dima 2025 [21]"
    text = re.sub(r"95 ?% CI", "CI", text)  # the confidence level is ekb:ciLevel 0.95
    printed = {Decimal(n.replace(",", ".")) for n in re.findall(r"(?<![\w.,])(\d+(?:[.,]\d+)?)", text)}
    missing = printed - _typed_numbers(kb)
    assert not missing, f"Table {table}: printed but not in the graph as typed literals: {sorted(missing)}"


def test_every_quantity_has_a_unit(kb: Graph) -> None:
    quantities = set(kb.subjects(RDF.type, EKB.EffectEstimate)) | set(kb.subjects(RDF.type, EKB.Quantity))
    assert quantities
    assert [q for q in quantities if kb.value(q, EKB.unit) is None] == []
