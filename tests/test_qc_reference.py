"""QC queries rewritten to run faster give exactly the rows of the query as first written.

`tests/qc_reference/<rule>.rq` is the rule before it was made faster (the oracle). The shipped
`queries/qc/<rule>.rq` must give the same rows, in the same order, on the shipped data, on every QC
fixture, and on seeded random knowledge bases built to make the rule fire often: labels and codes
mixing numbers ("4.5", "4,5", "4x5", "-3", "6–12"), number words, units, comparison signs and
punctuation, beside random thresholds and offsets.
"""

from __future__ import annotations

import random
from pathlib import Path

import pyoxigraph as ox
import pytest

from evidencekb import project
from evidencekb.checks.dataset import load_dataset, turtle_files

TESTS = Path(__file__).parent
REFERENCES = sorted((TESTS / "qc_reference").glob("*.rq"))
RULES = [path.stem for path in REFERENCES]
Rows = list[tuple[str | None, ...]]


def rows(store: ox.Store, text: str, **options: object) -> Rows:
    solutions = store.query(text, **options)
    names = [v.value for v in solutions.variables]
    return [tuple(None if s[n] is None else str(s[n]) for n in names) for s in solutions]


def both(rule: str, store: ox.Store, **options: object) -> tuple[Rows, Rows]:
    shipped = (project.current().queries / "qc" / f"{rule}.rq").read_text(encoding="utf-8")
    reference = (TESTS / "qc_reference" / f"{rule}.rq").read_text(encoding="utf-8")
    return rows(store, shipped, **options), rows(store, reference, **options)


def dataset_store(*data: Path) -> ox.Store:
    current = project.current()
    files = turtle_files([*data]).turtle if data else turtle_files([current.data]).turtle
    return load_dataset(turtle_files([current.ontology]).turtle, files).store


def test_there_is_a_reference() -> None:
    assert "stated-numbers-match-data" in RULES


@pytest.mark.parametrize("rule", RULES)
def test_same_rows_on_shipped_data_and_fixtures(rule: str) -> None:
    valid = TESTS / "shapes" / "valid-minimal.ttl"
    cases = [(), *((valid, path) for path in sorted((TESTS / "qc").glob("*.ttl")))]
    fired = 0
    for case in cases:
        shipped, reference = both(rule, dataset_store(*case), use_default_graph_as_union=True)
        assert shipped == reference, f"{rule} on {[p.name for p in case] or 'data/'}"
        fired += bool(reference)
    assert fired, f"{rule} fires on none of the cases: the comparison would prove nothing"


NUMBERS = ["1", "2", "3", "4", "4.5", "4,5", "4x5", "-3", "6", "10", "12", "10-12", "6–12", "0.5", "0,5", "90",
           "365", "180", "2.25", "1.0", "7", "40", "400", "100"]
WORDS = ["seks", "six", "et", "to", "tre", "ti", "ni", "one", "ten", "elleve", "behandlet", "stop", "igg", "IgG",
         "dag", "day", "dage", "days", "måned", "måneder", "mdr.", "mdr", "month", "months", "år", "year", "uge",
         "weeks", "g/l", "g/L", "mg/dl", "within", "efter", "fra", "Seponer", "-", "–", "<", "≤", "≥", "=", ">",
         "(", ")", "|", ".", ",", "\n", "x", "a", "ø"]
VALUES = ["1", "2", "3", "4", "4.5", "6", "10", "12", "-3", "0.5", "90", "2.25", "180", "365", "7", "1.0"]


def random_knowledge_base(seed: int, size: int) -> str:
    rnd = random.Random(seed)

    def text() -> str:
        parts = []
        for _ in range(rnd.randint(1, 7)):
            parts.append(rnd.choice(NUMBERS) if rnd.random() < 0.4 else rnd.choice(WORDS))
            parts.append(rnd.choice([" ", "", "  ", "-", ".", ",", "/"]))
        quoted = "".join(parts).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        return f'"{quoted}"' + rnd.choice(["", "", "@da", "@en", "^^xsd:string"])

    def number() -> str:
        return rnd.choice(VALUES)

    lines = [
        "@prefix ekb: <https://w3id.org/evidencekb/ontology#> .",
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .",
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .",
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .",
        "@prefix kb: <https://w3id.org/evidencekb/id/> .",
    ]
    for i in range(size):
        lines += [
            f"kb:w{i} a ekb:TimeWindow ; rdfs:label {text()} ; ekb:timeWindowText {text()} ;"
            f" skos:notation {text()} ; ekb:fromOffset {number()} ; ekb:untilOffset {number()} .",
            f"kb:c{i} a ekb:IggCondition ; rdfs:label {text()} ; ekb:threshold {number()} ;"
            f' ekb:upperThreshold {number()} ; ekb:normalisedThreshold "{number()}"^^xsd:decimal .',
            f"kb:s{i} a ekb:StopCriterion ; rdfs:label {text()} ; ekb:iggCondition kb:c{i} ;"
            f" ekb:timeWindow kb:w{i} ; ekb:reevaluationIntervalMonths {number()} .",
            f"kb:r{i} a ekb:StartCriterion ; rdfs:label {text()} ; ekb:decision kb:d{i} ; ekb:stopTiming kb:w{i} .",
            f"kb:d{i} skos:inScheme ekb:DecisionScheme ; skos:prefLabel {text()} ; skos:notation {text()} .",
        ]
    return "\n".join(lines)


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("rule", RULES)
def test_same_rows_on_random_knowledge_bases(rule: str, seed: int) -> None:
    store = ox.Store()
    store.load(random_knowledge_base(seed, 40).encode("utf-8"), format=ox.RdfFormat.TURTLE)
    shipped, reference = both(rule, store)
    assert len(reference) > 10, "the random knowledge base should make the rule fire often"
    assert shipped == reference
