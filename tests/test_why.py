"""`evidencekb why`: every council rule answers with its justification, sources, evidence and trigger."""

from __future__ import annotations

import json

import pytest
from rdflib import Graph
from rdflib.namespace import RDF

from evidencekb.cli import main
from evidencekb.namespaces import EKB, KB


def _council_rules(kb: Graph) -> set[str]:
    rules = set()
    for cls in (EKB.StartCriterion, EKB.StopCriterion):
        issued = {r for r in kb.subjects(RDF.type, cls) if (r, EKB.issuedBy, KB.addendum) in kb}
        rules |= {str(r).removeprefix(str(KB)) for r in issued}
    return rules


def _json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict:
    assert main(["why", *argv, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_list_prints_one_identifier_per_line(kb: Graph, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["why", "--list"]) == 0
    lines = capsys.readouterr().out.split()
    assert set(lines) == _council_rules(kb) and len(lines) == len(set(lines))


def test_every_rule_answers_with_justification_and_evidence(kb: Graph, capsys: pytest.CaptureFixture[str]) -> None:
    for rule in sorted(_council_rules(kb)):
        chain = _json(capsys, rule)
        assert chain["rule"] == str(KB[rule]) and chain["label"] and chain["section"]
        assert chain["justification"], rule
        for statement in chain["justification"]:
            assert statement["text"] and statement["section"] and statement["kind"]
        assert chain["evidence"] or chain["sources"] or chain["assessments"], rule
        assert chain["revision_trigger"], rule


def test_json_contract(capsys: pytest.CaptureFixture[str]) -> None:
    chain = _json(capsys, "council-start-within-six-months")
    assert {"rule", "label", "section", "justification", "sources", "evidence", "revision_trigger"} <= set(chain)
    sources = {source["reference_number"]: source for source in chain["sources"]}
    assert sources and all(source["agree_rating"] for source in sources.values())
    studies = [item for item in chain["evidence"] if "certainty" in item]
    assert studies and {item["certainty"] for item in studies} == {"very-low"}
    for item in chain["evidence"]:
        assert {"publication", "reference_number", "statement"} <= set(item)
        assert not ("certainty" in item and "agree_rating" in item)


def test_full_iri_is_accepted(capsys: pytest.CaptureFixture[str]) -> None:
    by_name = _json(capsys, "council-stop-at-six-months")
    by_iri = _json(capsys, str(KB["council-stop-at-six-months"]))
    assert by_name == by_iri


def test_the_six_month_stop_says_why_six_months(capsys: pytest.CaptureFixture[str]) -> None:
    texts = " ".join(s["text"] for s in _json(capsys, "council-stop-at-six-months")["justification"])
    assert "adskiller sig fra det gældende seponeringskriterie på 6-12 måneder" in texts
    trigger = " ".join(s["text"] for s in _json(capsys, "council-stop-at-six-months")["revision_trigger"])
    assert "revideres, når ny solid evidens bliver tilgængelig" in trigger


def test_danish_text_has_danish_headers(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["why", "council-start-within-six-months", "--lang", "da"]) == 0
    out = capsys.readouterr().out
    assert "Begrundelse:" in out and "Revideres når:" in out and "Medicinrådets vurdering: meget lav kvalitet" in out
    assert "Justification" not in out


def test_english_marks_translations(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["why", "council-start-within-six-months"]) == 0
    assert "curators' translation of the printed Danish" in capsys.readouterr().out


def test_unknown_rule_is_exit_2_naming_the_choices(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["why", "council-start-someday"]) == 2
    err = capsys.readouterr().err
    assert "unknown rule 'council-start-someday'" in err and "council-start-within-six-months" in err
    assert "Traceback" not in err


def test_recommend_gives_one_line_of_why_per_cited_rule(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    patient = tmp_path / "p.json"
    patient.write_text(json.dumps({
        "age": 62, "therapy": "car-t", "therapy_start": "2026-01-15", "assessment_date": "2026-03-01",
        "igg": {"value": 3.2, "unit": "g/L"}, "severe_or_recurrent_bacterial_infections": False,
        "immunoglobulin": {"status": "none"}}), encoding="utf-8")
    assert main(["recommend", str(patient), "--format", "json"]) == 0
    why_lines = [s for s in json.loads(capsys.readouterr().out)["explanation"] if s.startswith("Why: ")]
    assert len(why_lines) == 2  # the start rule and the stop rule it implies
    assert all("kb:reasoning-" in s or str(KB) + "reasoning-" in s for s in why_lines)
    assert main(["recommend", str(patient), "--lang", "da"]) == 0
    assert "Hvorfor: " in capsys.readouterr().out
