"""Explanations take every threshold and duration from the graph: change the data, the sentence follows.

Each test first checks the sentence on the shipped data (so it can fail), then on a copy of the graph
(or of the project) with thresholds and window offsets changed.
"""

from __future__ import annotations

import json
import re
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from rdflib import Graph, Literal

from evidencekb import project
from evidencekb.cli import main
from evidencekb.namespaces import EKB, KB
from evidencekb.recommend.evaluate import Recommender
from evidencekb.recommend.explain import render_text
from evidencekb.recommend.patient import parse_patient
from evidencekb.sparql.engines import local_engine

BASE: dict[str, Any] = {
    "age": 62, "therapy": "car-t", "therapy_start": "2026-01-15", "assessment_date": "2026-03-01",
    "igg": {"value": 3.2, "unit": "g/L", "during_ig_substitution": True},
    "severe_or_recurrent_bacterial_infections": False, "immunoglobulin": {"status": "none"},
}


def _set(graph: Graph, node: str, prop: str, value: Literal) -> None:
    subject = KB[node]
    assert (subject, EKB[prop], None) in graph, (node, prop)
    graph.set((subject, EKB[prop], value))


@pytest.fixture(scope="module")
def mutated(kb: Graph) -> Recommender:
    graph = Graph()
    graph += kb
    _set(graph, "council-igg-below-6", "threshold", Literal(Decimal("6.5")))
    _set(graph, "council-igg-above-4-off-substitution", "threshold", Literal(5))
    _set(graph, "council-window-first-six-months", "untilOffset", Literal(9))
    _set(graph, "council-window-from-six-months", "fromOffset", Literal(9))
    _set(graph, "council-stop-window-six-months", "fromOffset", Literal(9))
    _set(graph, "council-stop-window-general", "fromOffset", Literal(3))
    _set(graph, "council-stop-window-general", "untilOffset", Literal(8))
    return Recommender(local_engine(graph))


@pytest.fixture(scope="module")
def shipped(kb: Graph) -> Recommender:
    return Recommender(local_engine(kb))


def answer(rec: Recommender, lang: str = "en", **changes: Any) -> dict[str, Any]:
    data = {**BASE, **changes}
    return rec.evaluate([rec.facts(parse_patient(data))], lang)[0]


def text(rec: Recommender, lang: str = "en", **changes: Any) -> str:
    return " ".join(answer(rec, lang, **changes)["explanation"])


def unquoted(sentences: str) -> str:
    """The sentences without the quoted rule labels (data, whose words another check ties to its numbers)."""
    return re.sub("“[^”]*”", "“…”", sentences)


def test_igg_threshold_of_general_criteria_follows_the_graph(shipped: Recommender, mutated: Recommender) -> None:
    assert "general criteria for IgG < 6 g/L apply" in text(shipped, igg={"value": 5, "unit": "g/L"})
    changed = text(mutated, igg={"value": 6.2, "unit": "g/L"})
    assert "general criteria for IgG < 6.5 g/L apply" in changed and "< 6 g/L" not in unquoted(changed)
    assert "kriterier for IgG < 6,5 g/L gælder" in text(mutated, "da", igg={"value": 6.2, "unit": "g/L"})


def test_checked_conditions_follow_the_graph(shipped: Recommender, mutated: Recommender) -> None:
    assert "does not meet IgG < 6 g/L" in text(shipped, igg={"value": 7, "unit": "g/L"})
    assert "does not meet IgG < 6.5 g/L" in text(mutated, igg={"value": 7, "unit": "g/L"})


def test_recovery_threshold_follows_the_graph(shipped: Recommender, mutated: Recommender) -> None:
    assert "immune recovery (IgG > 4 g/L)" in text(shipped)
    assert "immune recovery (IgG > 5 g/L)" in text(mutated)
    assert "immunrestitution (IgG > 5 g/L)" in text(mutated, "da")


def test_phase_and_stop_durations_follow_the_graph(shipped: Recommender, mutated: Recommender) -> None:
    before = text(shipped)
    assert "within the first 6 months" in before and "2026-07-15, 6 months after CAR-T" in before
    after = answer(mutated)
    sentences = unquoted(" ".join(after["explanation"]))
    assert after["six_month_date"] == "2026-10-15" and after["stop"]["date"] == "2026-10-15"
    assert "within the first 9 months" in sentences and "the first 9 months end on 2026-10-15" in sentences
    assert "2026-10-15, 9 months after CAR-T" in sentences and "6 months" not in sentences
    danish = unquoted(text(mutated, "da"))
    assert "inden for de første 9 måneder" in danish and "6 måneder" not in danish


def test_general_stop_window_follows_the_graph(shipped: Recommender, mutated: Recommender) -> None:
    ongoing = {"status": "ongoing", "start_date": "2025-12-01", "started_before_therapy": True}
    assert "(6–12 months after start of immunoglobulin, started 2025-12-01)" in text(shipped, immunoglobulin=ongoing)
    changed = answer(mutated, immunoglobulin=ongoing)
    assert changed["stop"]["window"] == {"from": "2026-03-01", "to": "2026-08-01", "ig_start": "2025-12-01"}
    assert "(3–8 months after start of immunoglobulin, started 2025-12-01)" in " ".join(changed["explanation"])
    assert "(3–8 måneder efter opstart af immunglobulin" in text(mutated, "da", immunoglobulin=ongoing)


def test_no_clinical_number_is_written_in_the_wording() -> None:
    """The wording files state no threshold or duration: they come from the graph."""
    root = Path(__file__).resolve().parents[1]
    wording = (root / "src/evidencekb/messages/recommend.toml").read_text(encoding="utf-8")
    for module in ("explain.py", "evaluate.py", "compare.py"):
        wording += (root / "src/evidencekb/recommend" / module).read_text(encoding="utf-8")
    for number in ("< 6", "< 4", "> 4", "6–12", "6-12", "six months", "seks måneder", "12 months"):
        assert number not in wording, number


def test_copied_project_with_edited_threshold(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 18 §1 for the wording: a copy of the project with IgG < 6.5 says so, in Danish with a comma."""
    root = project.current().root
    copy = tmp_path / "project"
    for part in ("data", "ontology"):
        shutil.copytree(root / part, copy / part)
    council = copy / "data" / "council.ttl"
    source = council.read_text(encoding="utf-8")
    old = 'ekb:comparator "<" ; ekb:threshold 6 ; ekb:unit unit:GM-PER-L ;'
    assert source.count(old) == 1
    council.write_text(source.replace(old, old.replace("threshold 6 ", "threshold 6.5 ")), encoding="utf-8")
    patient = tmp_path / "patient.json"
    patient.write_text(json.dumps({**BASE, "igg": {"value": 6.2, "unit": "g/L"}}), encoding="utf-8")
    try:
        assert main(["recommend", str(patient), "--project", str(copy), "--lang", "da"]) == 0
        out = capsys.readouterr().out
        assert "IgG < 6,5 g/L" in out and "IgG 6,2 g/L" in out
        assert main(["recommend", str(patient), "--project", str(root), "--lang", "da"]) == 0
        assert "Opstart ikke" in capsys.readouterr().out  # the shipped rule: 6.2 is not below 6
    finally:
        project.use(root)


def test_text_shows_curies_and_json_keeps_iris(shipped: Recommender) -> None:
    result = answer(shipped, "da")
    assert all("https://w3id.org/evidencekb/id/" in s for s in result["explanation"])
    shown = render_text(result, "da")
    assert "https://w3id.org/" not in shown and "kb:council-start-within-six-months" in shown


def test_unit_words_and_symbols_come_from_the_graph(kb: Graph) -> None:
    from rdflib import URIRef
    from rdflib.namespace import RDFS

    graph = Graph()
    graph += kb
    months, grams = URIRef("http://qudt.org/vocab/unit/MO"), URIRef("http://qudt.org/vocab/unit/GM-PER-L")
    graph.remove((months, RDFS.label, Literal("months", lang="en")))
    graph.add((months, RDFS.label, Literal("calendar months", lang="en")))
    graph.set((grams, URIRef("http://qudt.org/schema/qudt/symbol"), Literal("g·L⁻¹")))
    sentences = text(Recommender(local_engine(graph)), igg={"value": 5, "unit": "g/L"})
    assert "within the first 6 calendar months" in sentences and "for IgG < 6 g·L⁻¹ apply" in sentences
