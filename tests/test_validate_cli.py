"""`evidencekb validate`, in-process through evidencekb.cli.main, and the QC queries (queries/qc/*.rq).

Exit codes: 0 conforms, 1 violations (focus node and path printed), 2 unreadable input (file:line).
Each QC query has a fixture where it fires (tests/qc/<rule>-fires.ttl) and one where it stays
silent (tests/qc/<rule>-silent.ttl); both are validated together with tests/shapes/valid-minimal.ttl.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evidencekb import project
from evidencekb.checks.validate import Finding, qc_findings
from evidencekb.cli import main
from evidencekb.rdf.turtle import load_graph, load_ontology

TESTS = Path(__file__).parent
VALID = TESTS / "shapes" / "valid-minimal.ttl"
BAD = TESTS / "shapes" / "CriterionShape-001.ttl"
RULES = sorted(p.stem for p in (project.current().queries / "qc").glob("*.rq"))


def qc(*paths: Path) -> list[Finding]:
    """QC findings on ontology + the given files (as `validate` runs them)."""
    graph = load_ontology()
    graph += load_graph(list(paths))
    return qc_findings(graph)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["validate", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_shipped_data_conforms(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys)  # its speed is measured in benchmarks/, not here
    assert code == 0, f"data/ does not conform:\n{out[-6000:]}"


def test_valid_fixture_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, str(VALID))
    assert code == 0, out
    assert out.startswith("Conforms")


def test_violation_exits_1_naming_focus_and_path(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, str(VALID), str(BAD))
    assert code == 1
    assert "VIOLATION: kb:c-x  ekb:infectionRequirement" in out
    assert "Does not conform: 1 violation(s)" in out


def test_json_format_parses(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, str(VALID), str(BAD), "--format", "json")
    assert code == 1
    report = json.loads(out)
    assert report["conforms"] is False and report["violations"] == 1
    (result,) = report["results"]
    assert (result["focus_node"], result["path"], result["constraint"], result["severity"]) == (
        "kb:c-x", "ekb:infectionRequirement", "sh:MinCountConstraintComponent", "Violation")
    assert len(report["data_files"]) == 2


def test_syntax_error_exits_2_naming_file_and_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "broken.ttl"
    bad.write_text("@prefix kb: <https://w3id.org/evidencekb/id/> .\n\nkb:a kb:b kb:c ;\n    kb:d \"unclosed .\n",
                   encoding="utf-8")
    code, out, err = run(capsys, str(bad))
    assert code == 2 and out == ""
    assert f"{bad}:" in err and "Turtle syntax error" in err
    line = err.split(f"{bad}:")[1].split(":")[0]
    assert line.isdigit() and 3 <= int(line) <= 5, err
    assert "Traceback" not in err


def test_missing_path_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, str(tmp_path / "nope.ttl"))
    assert code == 2
    assert "nope.ttl: no such file or folder" in err


@pytest.mark.parametrize("rule", RULES)
def test_qc_rule_fires_and_stays_silent(rule: str) -> None:
    fires = TESTS / "qc" / f"{rule}-fires.ttl"
    silent = TESTS / "qc" / f"{rule}-silent.ttl"
    assert fires.is_file() and silent.is_file(), f"add tests/qc/{rule}-fires.ttl and -silent.ttl"
    fired = [f for f in qc(VALID, fires) if f.constraint == f"qc:{rule}"]
    assert fired, f"{rule} did not fire on {fires.name}"
    expected = {line.split(":", 1)[1].strip() for line in fires.read_text(encoding="utf-8").splitlines()
                if line.startswith("# expect:")}
    assert {f"{f.focus_node} {f.path}" for f in fired} == expected
    quiet = [f for f in qc(VALID, silent) if f.constraint == f"qc:{rule}"]
    assert quiet == [], quiet


def test_qc_queries_have_headers() -> None:
    for rule in RULES:
        text = (project.current().queries / "qc" / f"{rule}.rq").read_text(encoding="utf-8")
        lines = text.splitlines()
        assert lines[0].startswith("# # "), f"{rule}.rq must start with '# # Title'"
        assert "# **Problem:**" in text and "# **Solution:**" in text, rule
        assert "?entity ?property ?value" in text, f"{rule}.rq must project ?entity ?property ?value"
