"""`evidencekb diff OLD NEW`: semantic changes, table cells, decision cells and patients, on mutated copies."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from evidencekb import project
from evidencekb.cli import main

KB = "https://w3id.org/evidencekb/id/"
PARTS = ("data", "ontology", "queries", "validators")


def copy_project(target: Path) -> Path:
    root = project.current().root
    for part in PARTS:
        shutil.copytree(root / part, target / part)
    return target


@pytest.fixture(scope="module")
def old(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_project(tmp_path_factory.mktemp("old") / "project")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any]:
    code = main(["diff", *argv, "--format", "json"])
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip() else None


def test_identical_inputs_exit_0(old: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    new = copy_project(tmp_path / "new")
    code, result = run(capsys, str(old), str(new))
    assert code == 0
    assert result["changed"] is False
    assert result["entities"] == result["tables"] == result["decisions"] == []
    assert main(["diff", str(old), str(new)]) == 0
    assert "No changes." in capsys.readouterr().out


def move_threshold(root: Path, node: str, old: str, new: str) -> None:
    path = root / "data" / "council.ttl"
    text = path.read_text(encoding="utf-8")
    pattern = re.compile(rf"(kb:{re.escape(node)} a ekb:IggCondition ;.*?ekb:threshold ){old}( ;)", re.S)
    changed, count = pattern.subn(rf"\g<1>{new}\g<2>", text)
    assert count == 1
    path.write_text(changed, encoding="utf-8")


def test_moved_threshold_flips_exactly_the_cells_between(old: Path, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    new = copy_project(tmp_path / "new")
    move_threshold(new, "council-igg-below-4", "4", "5")
    patients = tmp_path / "patients.jsonl"
    base = {"age": 62, "therapy": "car-t", "therapy_start": "2026-01-15", "assessment_date": "2026-03-01",
            "severe_or_recurrent_bacterial_infections": False, "immunoglobulin": {"status": "none"}}
    rows = [{**base, "igg": {"value": value, "unit": "g/L"}} for value in (3.2, 4.5, 5.5)]
    patients.write_text("".join(json.dumps(r) + "\n" for r in rows) + "not json\n", encoding="utf-8")

    code, result = run(capsys, str(old), str(new), "--patients", str(patients))
    assert code == 1
    # the entity: the IgG condition, its threshold 4 → 5
    changed = {e["entity"]: e for e in result["entities"]}
    assert set(changed) == {KB + "council-igg-below-4"}
    entity = changed[KB + "council-igg-below-4"]
    assert entity["kind"] == "ekb:IggCondition" and entity["label"] == "IgG < 4 g/L"
    assert entity["properties"] == [{"property": "ekb:threshold", "before": ['"4"^^xsd:integer'],
                                     "after": ['"5"^^xsd:integer']}]
    # the decision cells: all and only cells with IgG in [4, 5)
    cells = [d["cell"] for d in result["decisions"]]
    assert cells
    assert all("/igg[4]/" in c or "/igg(4,5)/" in c for c in cells)
    for decision in result["decisions"]:
        assert decision["before"]["start"] == "general-criteria"
        # within six months the moved threshold starts; from six months without infections 4.3's
        # do-not-start rule (same IgG condition) decides instead of the base guideline
        after_window = "day[181" in decision["cell"] or "day(181" in decision["cell"] or "day[365" in decision["cell"] \
            or "day(365" in decision["cell"]
        assert decision["after"]["start"] == ("do-not-start" if after_window and "infections-no" in decision["cell"]
                                              else "start"), decision["cell"]
        assert 4 <= decision["patient"]["igg"]["value"] < 5
    expected = {f"adult/{cls}/{day}/{igg}/infections-{inf}/ig-none"
                for cls in ("bispecific", "car-t") for day in ("day[0,30)", "day[30,31)", "day[31,90)", "day[90]",
                                                              "day(90,181)")
                for igg in ("igg[4]", "igg(4,5)") for inf in ("no", "yes")}
    assert expected <= set(cells)
    assert not any(c.startswith("child/") for c in cells)
    # patients: only the one at 4.5 g/L changes; the bad line stays an error on both sides
    assert result["patients"] == {"file": str(patients), "total": 4, "changed": 1, "lines": [2]}
    # the site's "What changed" page
    from evidencekb.revision.page import changes_page

    page = changes_page(result, "en")
    assert page.startswith("# What changed")
    assert "`ekb:threshold`: \"4\"^^xsd:integer → \"5\"^^xsd:integer" in page
    assert page.count("/igg(4,5)/") + page.count("/igg[4]/") == len(result["decisions"])


def test_added_study_changes_no_decision(old: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    new = copy_project(tmp_path / "new")
    text = (new / "data" / "studies" / "uy-2020.ttl").read_text(encoding="utf-8")
    (new / "data" / "studies" / "zz-added-2026.ttl").write_text(
        text.replace("kb:uy-2020", "kb:zz-added-2026"), encoding="utf-8")
    code, result = run(capsys, str(old), str(new))
    assert code == 1
    assert result["decisions"] == []
    assert result["entities"]
    assert {e["change"] for e in result["entities"]} == {"added"}
    assert any(e["kind"] == "ekb:PrimaryStudy" for e in result["entities"])


def test_git_revisions(capsys: pytest.CaptureFixture[str]) -> None:
    root = project.current().root
    if not (root / ".git").exists():
        pytest.skip("the project is not a git checkout")
    code, result = run(capsys, "HEAD", "HEAD")
    assert code == 0 and result["changed"] is False
    assert result["old"].startswith("HEAD (")


def test_bad_input_exits_2(old: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", "no-such-revision-or-folder", str(old)]) == 2
    assert "neither a folder nor a git revision" in capsys.readouterr().err
    assert main(["diff", str(old), str(old), "--patients", "missing.csv"]) == 2
