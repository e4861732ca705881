"""The phase codes `recommend` prints are data, checked against the numbers (issue 18 §2).

"within-6-months" / "after-6-months" stay the JSON contract, but they are the skos:notation of the
council's windows (data/council.ttl, read by queries/recommend/phase-codes.rq), so the code follows the
data and `validate` (queries/qc/stated-numbers-match-data.rq) fails when a window's offset changes
while its code keeps the old number.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rdflib import Graph, Literal
from rdflib.namespace import SKOS

from evidencekb.cli import main
from evidencekb.namespaces import KB
from evidencekb.recommend.evaluate import Recommender
from evidencekb.recommend.patient import parse_patient
from evidencekb.sparql.engines import local_engine

ROOT = Path(__file__).resolve().parents[1]
FIRST, FROM = KB["council-window-first-six-months"], KB["council-window-from-six-months"]
PATIENT = {
    "age": 60, "therapy": "car-t", "therapy_start": "2026-01-01", "assessment_date": "2026-03-01",
    "igg": {"value": 3.2, "unit": "g/L", "during_ig_substitution": False},
    "severe_or_recurrent_bacterial_infections": False, "immunoglobulin": {"status": "none"},
}


def _phase(graph: Graph, **changes: object) -> str:
    rec = Recommender(local_engine(graph))
    return rec.facts(parse_patient({**PATIENT, **changes})).phase


def test_shipped_codes(kb: Graph) -> None:
    assert (FIRST, SKOS.notation, Literal("within-6-months")) in kb
    assert _phase(kb) == "within-6-months"
    assert _phase(kb, assessment_date="2026-07-01") == "after-6-months"


def test_codes_come_from_the_data(kb: Graph) -> None:
    graph = Graph()
    graph += kb
    graph.set((FIRST, SKOS.notation, Literal("within-first-window")))
    graph.set((FROM, SKOS.notation, Literal("after-first-window")))
    assert _phase(graph) == "within-first-window"
    assert _phase(graph, assessment_date="2026-07-01") == "after-first-window"
    rec = Recommender(local_engine(graph))
    assert rec.facts(parse_patient(PATIENT)).within_first_window
    assert not rec.facts(parse_patient({**PATIENT, "assessment_date": "2026-07-01"})).within_first_window


def test_missing_code_is_bad_input(kb: Graph) -> None:
    from evidencekb.errors import InputError

    graph = Graph()
    graph += kb
    graph.remove((FROM, SKOS.notation, None))
    with pytest.raises(InputError, match="skos:notation"):
        _phase(graph)


@pytest.fixture(scope="module")
def nine_months(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copied project whose first window ends at 9 months, its phase code still saying 6."""
    copy = tmp_path_factory.mktemp("phase") / "project"
    for folder in ("data", "ontology", "queries", "validators"):
        shutil.copytree(ROOT / folder, copy / folder)
    council = copy / "data" / "council.ttl"
    text = council.read_text(encoding="utf-8")
    original = "ekb:untilOffset 6 ; ekb:untilUnit unit:MO ; ekb:untilInclusive false ;"
    assert text.count(original) == 1, "council.ttl changed: update this test's edit"
    council.write_text(text.replace(original, original.replace("6", "9")), encoding="utf-8")
    return copy


def test_window_changed_code_kept_fails_validation(nine_months: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["validate", "--project", str(nine_months)])
    out, err = capsys.readouterr()
    assert code == 1, out + err
    found = out + err
    assert "stated-numbers-match-data" in found and "council-window-first-six-months" in found, found
    assert "within-6-months" in found


def test_shipped_project_validates(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--project", str(ROOT)]) == 0, capsys.readouterr()
