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
from evidencekb.checks.dataset import load_dataset, turtle_files
from evidencekb.checks.validate import Finding, qc_findings
from evidencekb.cli import main

TESTS = Path(__file__).parent
VALID = TESTS / "shapes" / "valid-minimal.ttl"
BAD = TESTS / "shapes" / "CriterionShape-001.ttl"
RULES = sorted(p.stem for p in (project.current().queries / "qc").glob("*.rq"))


def qc(*paths: Path) -> list[Finding]:
    """QC findings on ontology + the given files (as `validate` runs them: each file its own graph)."""
    return qc_findings(load_dataset(turtle_files([project.current().ontology]).turtle, list(paths)))


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
    named = {f.file for f in fired if f.file}
    assert named in (set(), {str(fires.relative_to(Path.cwd()) if fires.is_relative_to(Path.cwd()) else fires)}), named
    quiet = [f for f in qc(VALID, silent) if f.constraint == f"qc:{rule}"]
    assert quiet == [], quiet


def test_qc_queries_have_headers() -> None:
    for rule in RULES:
        text = (project.current().queries / "qc" / f"{rule}.rq").read_text(encoding="utf-8")
        lines = text.splitlines()
        assert lines[0].startswith("# # "), f"{rule}.rq must start with '# # Title'"
        assert "# **Problem:**" in text and "# **Solution:**" in text, rule
        assert "?entity ?property ?value" in text, f"{rule}.rq must project ?entity ?property ?value"


# --- nothing to validate (issue 11 §4) ------------------------------------------------------------


@pytest.mark.parametrize(
    "files",
    [
        {},  # empty folder
        {"notes.txt": "not turtle", "data.json": "{}"},  # no .ttl files
        {"sub/deeper/README.md": "# nothing"},  # only non-Turtle files in subfolders
        {".hidden/x.ttl": "@prefix kb: <https://w3id.org/evidencekb/id/> .\nkb:a kb:b kb:c .\n"},  # hidden only
    ],
    ids=["empty", "no-ttl", "nested-no-ttl", "hidden-ttl-only"],
)
def test_folder_without_data_files_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], files: dict[str, str]
) -> None:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    code, out, err = run(capsys, str(tmp_path))
    assert code == 2 and out == "", out
    assert "no data files found" in err and str(tmp_path) in err
    for name in files:
        assert f"skipped: {tmp_path / name}" in err, err


@pytest.mark.parametrize("text", ["", "# only a comment\n", "@prefix kb: <https://w3id.org/evidencekb/id/> .\n"])
def test_files_without_triples_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str) -> None:
    (tmp_path / "empty.ttl").write_text(text, encoding="utf-8")
    code, out, err = run(capsys, str(tmp_path))
    assert code == 2 and out == ""
    assert "no data in" in err and "empty.ttl" in err


def test_skipped_files_are_listed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "valid.ttl").write_text(VALID.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "notes.md").write_text("notes", encoding="utf-8")
    code, out, _ = run(capsys, str(tmp_path))
    assert code == 0, out
    assert f"skipped (not Turtle, .ttl): {tmp_path / 'notes.md'}" in out
    code, out, _ = run(capsys, str(tmp_path), "--format", "json")
    assert json.loads(out)["skipped_files"] == [str(tmp_path / "notes.md")]


# --- data that redefines the ontology (issue 11 §4) -------------------------------------------------


def test_redefinition_in_a_data_file_fails_naming_term_and_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit = tmp_path / "my-edit.ttl"
    edit.write_text(
        "@prefix ekb: <https://w3id.org/evidencekb/ontology#> .\n"
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        'ekb:therapy-car-t skos:prefLabel "Gene therapy"@en .\n',
        encoding="utf-8",
    )
    code, out, _ = run(capsys, str(VALID), str(edit), "--format", "json")
    assert code == 1
    fired = [r for r in json.loads(out)["results"] if r["constraint"] == "qc:data-describes-ontology-term"]
    assert [(r["focus_node"], r["path"]) for r in fired] == [("ekb:therapy-car-t", "skos:prefLabel")]
    assert fired[0]["file"].endswith("my-edit.ttl")


# --- --max-violations: the report is capped, the total is not -------------------------------------------


def test_max_violations_caps_the_report_and_gives_the_total(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    many = tmp_path / "many.ttl"
    many.write_text(
        "@prefix ekb: <https://w3id.org/evidencekb/ontology#> .\n@prefix kb: <https://w3id.org/evidencekb/id/> .\n"
        + "".join(f"kb:c-{i} a ekb:StartCriterion .\n" for i in range(30)),
        encoding="utf-8",
    )
    code, out, _ = run(capsys, str(many), "--format", "json")
    full = json.loads(out)
    assert code == 1 and full["total_findings"] > 30
    code, out, _ = run(capsys, str(many), "--max-violations", "5", "--format", "json")
    capped = json.loads(out)
    assert len(capped["results"]) == 5 and capped["total_findings"] == full["total_findings"]
    without_shape = [{k: v for k, v in r.items() if k != "shape"} for r in capped["results"]]  # blank node ids
    assert without_shape == [{k: v for k, v in r.items() if k != "shape"} for r in full["results"][:5]]
    assert capped["violations"] == full["violations"]
    code, out, _ = run(capsys, str(many), "--max-violations", "3")
    assert code == 1 and out.count("VIOLATION:") == 3
    assert f"{full['total_findings'] - 3} more not shown ({full['total_findings']} findings in total" in out
    with pytest.raises(SystemExit) as refused:
        run(capsys, str(many), "--max-violations", "0")
    assert refused.value.code == 2 and "must be 1 or more" in capsys.readouterr().err


# --- the second engine ----------------------------------------------------------------------------------


def test_engine_pyrudof_gives_the_same_verdict(capsys: pytest.CaptureFixture[str]) -> None:
    for engine in ("pyshacl", "pyrudof"):
        code, out, _ = run(capsys, str(VALID), str(BAD), "--engine", engine, "--format", "json")
        assert code == 1, engine
        keys = {(r["focus_node"], r["path"], r["constraint"], r["severity"]) for r in json.loads(out)["results"]}
        assert keys == {("kb:c-x", "ekb:infectionRequirement", "sh:MinCountConstraintComponent", "Violation")}


# --- any input: an answer and an exit code, never a traceback (issue 11 §6) --------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

PREFIXES = (
    "@prefix ekb: <https://w3id.org/evidencekb/ontology#> .\n@prefix kb: <https://w3id.org/evidencekb/id/> .\n"
    "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
    "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
)
SUBJECTS = ["kb:e-x", "kb:c-x", "ekb:PrimaryStudy", "ekb:therapy-car-t", "_:b", "[]", "<rel>", "<http://x/ y>"]
PREDICATES = ["a", "ekb:value", "ekb:lowerBound", "ekb:action", "rdfs:label", "rdfs:subClassOf", "ekb:nope",
              "owl:sameAs", "skos:prefLabel", "ekb:iggCondition", "ekb:position"]
OBJECTS = [
    "ekb:EffectEstimate", "ekb:StartCriterion", "owl:Nothing", "kb:e-x", "ekb:action-start", '"x"@da', '"x"@en-GB',
    '"abc"^^xsd:integer', '"1e999999999"^^xsd:decimal', '"1e400"^^xsd:double', '"-0.0"^^xsd:decimal',
    '"2025-02-30"^^xsd:date', '"99999999999"^^xsd:gYear', '"\\uD800"', '"\\u0000"', "( 1 2 ( 3 ) )", "[ a kb:x ]",
    "true", "1.5", "-7", '"""multi\nline"""', '"x"^^<not a datatype>', "<>",
]
TOKENS = st.sampled_from([*SUBJECTS, *PREDICATES, *OBJECTS, ";", ",", ".", "[", "]", "(", ")", "@prefix", "#", "\n"])
TRIPLES = st.tuples(st.sampled_from(SUBJECTS), st.sampled_from(PREDICATES), st.sampled_from(OBJECTS)).map(
    lambda t: f"{t[0]} {t[1]} {t[2]} .\n"
)
TURTLISH = st.one_of(
    st.lists(TRIPLES, max_size=12).map(lambda ts: PREFIXES + "".join(ts)),  # mostly parses
    st.lists(TOKENS, max_size=40).map(lambda ts: PREFIXES + " ".join(ts)),  # mostly broken
    st.text(max_size=300),
    st.binary(max_size=300),
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=TURTLISH)
def test_any_input_gets_an_exit_code_and_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | bytes
) -> None:
    path = tmp_path / "input.ttl"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", errors="surrogatepass")
    code = main(["validate", str(path)])
    out, err = capsys.readouterr()
    assert code in (0, 1, 2), (code, err)
    assert "Traceback" not in out + err and "internal error" not in err
    assert (out if code in (0, 1) else err).strip(), "every exit comes with a message"


@pytest.mark.parametrize(
    "content",
    [
        "@prefix kb: <https://w3id.org/evidencekb/id/> .\nkb:a kb:b " + "[ kb:b " * 20000 + "]" * 20000 + " .\n",
        "@prefix kb: <https://w3id.org/evidencekb/id/> .\nkb:a kb:b " + "( " * 20000 + ")" * 20000 + " .\n",
        "\ufeff@prefix kb: <https://w3id.org/evidencekb/id/> .\nkb:a kb:b kb:c .\n",
    ],
    ids=["deep-blank-nodes", "deep-lists", "byte-order-mark"],
)
def test_pathological_turtle_gets_an_exit_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str
) -> None:
    path = tmp_path / "input.ttl"
    path.write_text(content, encoding="utf-8")
    code = main(["validate", str(path)])
    out, err = capsys.readouterr()
    assert code in (0, 1, 2), (code, err)
    assert "internal error" not in err
