"""Commands work on the project they are run in, or on --project DIR (issue 18 §1)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from evidencekb import project
from evidencekb.cli import main

ROOT = Path(__file__).resolve().parents[1]
# IgG 4.5 g/L two months after CAR-T, no infections: above the council's 4 g/L, so no start.
PATIENT = {
    "age": 60, "therapy": "car-t", "therapy_start": "2026-01-01", "assessment_date": "2026-03-01",
    "igg": {"value": 4.5, "unit": "g/L", "during_ig_substitution": False},
    "severe_or_recurrent_bacterial_infections": False, "immunoglobulin": {"status": "none"},
}


@pytest.fixture(scope="module")
def edited_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the project whose council starts below 5 g/L instead of 4 g/L within six months."""
    copy = tmp_path_factory.mktemp("copy") / "project"
    for folder in ("data", "ontology", "queries", "validators"):
        shutil.copytree(ROOT / folder, copy / folder)
    council = copy / "data" / "council.ttl"
    text = council.read_text(encoding="utf-8")
    original = 'rdfs:label "IgG < 4 g/L"@da , "IgG < 4 g/L"@en ;\n    ekb:comparator "<" ; ekb:threshold 4 ;'
    assert original in text, "council.ttl changed: update this test's edit"
    council.write_text(text.replace(original, original.replace("4", "5")), encoding="utf-8")
    (copy / "patient.json").write_text(json.dumps(PATIENT), encoding="utf-8")
    return copy


def _start_decision(output: str) -> str:
    return json.loads(output)["start"]["decision"]


def test_the_original_project_does_not_start(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    patient = tmp_path / "patient.json"
    patient.write_text(json.dumps(PATIENT), encoding="utf-8")
    assert main(["recommend", str(patient), "--format", "json"]) == 0
    assert _start_decision(capsys.readouterr().out) != "start"


def test_project_option_reads_the_copy(edited_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["recommend", str(edited_copy / "patient.json"), "--format", "json", "--project", str(edited_copy)])
    assert code == 0
    assert _start_decision(capsys.readouterr().out) == "start"


def test_the_current_directory_is_the_project(edited_copy: Path) -> None:
    environment = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    result = subprocess.run(
        [sys.executable, "-m", "evidencekb", "recommend", "../patient.json", "--format", "json"],
        cwd=edited_copy / "data", env=environment, capture_output=True, text=True, check=True, timeout=300,
    )
    assert _start_decision(result.stdout) == "start"
    assert "installed copy" not in result.stderr


def test_outside_any_project_the_installed_copy_is_used_and_said(tmp_path: Path) -> None:
    environment = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    result = subprocess.run(
        [sys.executable, "-m", "evidencekb", "table", "--list"],
        cwd=tmp_path, env=environment, capture_output=True, text=True, check=True, timeout=300,
    )
    assert "3-1" in result.stdout
    assert "using the installed copy" in result.stderr


def test_a_folder_that_is_not_a_project_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["table", "--list", "--project", str(tmp_path)]) == 2
    assert "not an evidencekb project" in capsys.readouterr().err


def test_discovery_walks_up_from_a_subfolder(edited_copy: Path) -> None:
    assert project.discover(edited_copy / "data" / "studies").root == edited_copy.resolve()
