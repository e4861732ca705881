"""Property-based tests (hypothesis, issue 11 §6): random bytes, random JSON and random CSV fed to
`evidencekb recommend` in-process (`evidencekb.cli.main`), single and batch. Never an uncaught exception
(exit 3 or a traceback); a single patient exits 0 or 2 with one line on stderr; in a batch every good row
among random ones is answered, and the exit is 1 exactly when some row failed."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evidencekb.cli import main

BASE: dict[str, Any] = {
    "age": 62, "therapy": "car-t", "therapy_start": "2026-01-15", "assessment_date": "2026-03-01",
    "igg": {"value": 3.2, "unit": "g/L", "during_ig_substitution": False},
    "severe_or_recurrent_bacterial_infections": False, "immunoglobulin": {"status": "none"},
}
GOOD = json.dumps(BASE)
HEADER = ["age", "therapy", "therapy_start", "assessment_date", "igg_value", "igg_unit",
          "severe_or_recurrent_bacterial_infections", "ig_status", "ig_start_date", "ig_started_before_therapy",
          "ig_start_basis"]
GOOD_CELLS = ["62", "car-t", "2026-01-15", "2026-03-01", "3.2", "g/L", "false", "none", "", "", ""]
SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

# text including lone surrogates, control characters and the characters JSON/CSV/SPARQL treat specially
TEXT = st.text(st.characters(codec=None, exclude_categories=()) | st.sampled_from('"\\,\n\r{}<>?#\x00'),
               max_size=30)
NUMBERS = st.integers(-10**30, 10**30) | st.floats(allow_nan=True, allow_infinity=True)
JSON_VALUES = st.recursive(st.none() | st.booleans() | NUMBERS | TEXT,
                           lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
                           max_leaves=12)
FIELDS = list(BASE) + ["igg.value", "igg.unit", "immunoglobulin.status", "immunoglobulin.start_date", "disease"]


@st.composite
def mutated_patients(draw: st.DrawFn) -> str:
    """A valid patient with one to three fields replaced by random JSON (or removed), as JSON text."""
    data = json.loads(GOOD)
    for field in draw(st.lists(st.sampled_from(FIELDS), min_size=1, max_size=3)):
        target, key = (data, field) if "." not in field else (data.get(field.split(".")[0]), field.split(".")[1])
        if not isinstance(target, dict):
            continue
        if draw(st.booleans()):
            target[key] = draw(JSON_VALUES)
        else:
            target.pop(key, None)
    return json.dumps(data, ensure_ascii=True, allow_nan=True)


def _single(capsys: pytest.CaptureFixture[str], content: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "patient.json"
        path.write_bytes(content)
        code = main(["recommend", str(path), "--format", "json"])
    out, err = capsys.readouterr()
    assert code in (0, 2), err
    assert "Traceback" not in err and "internal error" not in err
    if code == 0:
        assert json.loads(out)["start"]["decision"]
    else:
        assert out == "" and len(err.strip().splitlines()) == 1, err


@SETTINGS
@given(st.binary(max_size=300))
def test_random_bytes_single(capsys: pytest.CaptureFixture[str], content: bytes) -> None:
    _single(capsys, content)


@SETTINGS
@given(JSON_VALUES)
def test_random_json_single(capsys: pytest.CaptureFixture[str], value: Any) -> None:
    _single(capsys, json.dumps(value, ensure_ascii=True, allow_nan=True).encode())


@SETTINGS
@given(mutated_patients())
def test_mutated_patient_single(capsys: pytest.CaptureFixture[str], text: str) -> None:
    _single(capsys, text.encode())


def _batch(capsys: pytest.CaptureFixture[str], name: str, content: bytes, good_lines: list[int]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp) / name, Path(tmp) / "out.jsonl"
        src.write_bytes(content)
        code = main(["recommend", "--batch", str(src), "--out", str(out)])
        _, err = capsys.readouterr()
        assert "Traceback" not in err and "internal error" not in err, err
        assert code in (0, 1), err
        rows = {row["line"]: row for row in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
    for line in good_lines:
        assert rows[line]["start"]["decision"] == "start", (line, rows.get(line))
    assert (code == 1) == any("error" in row for row in rows.values())


@SETTINGS
@given(st.lists(st.one_of(st.binary(max_size=80).filter(lambda b: b"\n" not in b and b"\r" not in b),
                          mutated_patients(), st.just(GOOD)), min_size=1, max_size=8))
def test_random_jsonl_batch_keeps_good_rows(capsys: pytest.CaptureFixture[str], rows: list[bytes | str]) -> None:
    lines = [row.encode() if isinstance(row, str) else row for row in rows] + [GOOD.encode()]
    good = [i for i, line in enumerate(lines, start=1) if line == GOOD.encode()]
    _batch(capsys, "patients.jsonl", b"\n".join(lines) + b"\n", good)


CELL = st.text(st.characters(codec="utf-8", exclude_characters="\n\r\""), max_size=12) | st.sampled_from(
    ["", "1e999999999", "-0.0", "NaN", "9" * 5000, "true", "ja", "2026-02-30", "mg/dL", "ongoing", "\x00"])


@SETTINGS
@given(st.lists(st.lists(CELL, min_size=0, max_size=len(HEADER) + 2), min_size=1, max_size=6))
def test_random_csv_batch_keeps_good_rows(capsys: pytest.CaptureFixture[str], rows: list[list[str]]) -> None:
    def line(cells: list[str]) -> str:
        return ",".join('"' + c.replace('"', '""') + '"' if ("," in c or c.startswith(" ")) else c for c in cells)

    text_rows = [line(HEADER)] + [line(cells) for cells in rows] + [line(GOOD_CELLS)]
    good = [len(text_rows)]
    _batch(capsys, "patients.csv", ("\n".join(text_rows) + "\n").encode("utf-8"), good)
