"""Issue 11 §1–§3 for `evidencekb recommend`: one bad row stays one bad row, ambiguous input is refused,
--out never destroys what the tool did not make, and no input gives a traceback (all in-process)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from evidencekb.cli import main

BASE: dict[str, Any] = {
    "age": 62, "therapy": "car-t", "therapy_start": "2026-01-15", "assessment_date": "2026-03-01",
    "igg": {"value": 3.2, "unit": "g/L", "during_ig_substitution": False},
    "severe_or_recurrent_bacterial_infections": False, "immunoglobulin": {"status": "none"},
}
GOOD = json.dumps(BASE)
HEADER = ("age,therapy,therapy_start,assessment_date,igg_value,igg_unit,igg_during_ig_substitution,"
          "severe_or_recurrent_bacterial_infections,ig_status,ig_start_date,ig_started_before_therapy,ig_start_basis")
GOOD_CSV = "62,car-t,2026-01-15,2026-03-01,3.2,g/L,false,false,none,,,"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "internal error" not in err, err
    return code, out, err


# --- one bad row stays one bad row ------------------------------------------------------------------

#: (id, raw bytes of one JSON line, a word the error names)
POISON: list[tuple[str, bytes, str]] = [
    ("igg-overflows-decimal", GOOD.replace("3.2", "1e999999999").encode(), "igg.value"),
    ("age-overflows-decimal", GOOD.replace('"age": 62', '"age": 1e999999999').encode(), "age"),
    ("integer-with-5000-digits", GOOD.replace("3.2", "9" * 5000).encode(), "number"),
    ("lone-surrogate-value", GOOD.replace('"car-t"', '"car-t\\ud800"').encode(), "therapy"),
    ("lone-surrogate-key", GOOD.replace('"age"', '"\\udc00age"').encode(), "surrogate"),
    ("nested-100000-deep", b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    ("nested-object-100000-deep", b'{"a":' * 100_000 + b"1" + b"}" * 100_000, "nested too deeply"),
    ("duplicate-key", GOOD.replace('"age": 62', '"age": 62, "age": 17').encode(), "'age'"),
    ("duplicate-nested-key", GOOD.replace('"value": 3.2', '"value": 3.2, "value": 7').encode(), "'value'"),
    ("not-utf8", GOOD.replace("car-t", "car-t\udcff").encode("utf-8", "surrogateescape"), "UTF-8"),
    ("nul-in-therapy", GOOD.replace('"car-t"', '"car-t\\u0000"').encode(), "therapy"),
    ("huge-string", GOOD.replace('"car-t"', json.dumps("x" * 1_000_000)).encode(), "therapy"),
    ("json-array", b"[1, 2, 3]", "patient"),
]


@pytest.mark.parametrize("raw, word", [p[1:] for p in POISON], ids=[p[0] for p in POISON])
def test_poisoned_row_among_good_rows(raw: bytes, word: str, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    src, out = tmp_path / "patients.jsonl", tmp_path / "out.jsonl"
    src.write_bytes(b"\n".join([GOOD.encode(), raw, GOOD.encode()]) + b"\n")
    code, _, err = run(capsys, "recommend", "--batch", str(src), "--out", str(out))
    assert code == 1
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["line"] for r in rows] == [1, 2, 3]
    assert rows[0]["start"]["decision"] == rows[2]["start"]["decision"] == "start"
    assert word in rows[1]["error"], rows[1]["error"]
    assert f"line 2: {rows[1]['error']}" in err


@pytest.mark.parametrize("raw, word", [p[1:] for p in POISON], ids=[p[0] for p in POISON])
def test_poisoned_single_file_exit_2_one_line(raw: bytes, word: str, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "patient.json"
    path.write_bytes(raw)
    code, out, err = run(capsys, "recommend", str(path), "--format", "json")
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and word in err, err


def test_poisoned_csv_rows(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = [
        HEADER.encode(),
        GOOD_CSV.encode(),
        GOOD_CSV.replace("3.2", "1e999999999").encode(),
        GOOD_CSV.encode().replace(b"car-t", b"car-t\xff"),  # not UTF-8
        GOOD_CSV.replace("car-t", '"' + "x" * 200_000 + '"').encode(),  # beyond the csv module's field limit
        GOOD_CSV.replace("3.2", "-0.0").encode(),
        GOOD_CSV.encode(),
    ]
    src, out = tmp_path / "patients.csv", tmp_path / "out.jsonl"
    src.write_bytes(b"\n".join(lines) + b"\n")
    code, _, err = run(capsys, "recommend", "--batch", str(src), "--out", str(out))
    assert code == 1, err
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["line"] for r in rows] == [2, 3, 4, 5, 6, 7]
    assert rows[0]["start"]["decision"] == rows[-1]["start"]["decision"] == "start"
    assert "igg.value" in rows[1]["error"]
    assert "therapy" in rows[2]["error"] and "UTF-8" in rows[2]["error"], rows[2]
    assert "unreadable CSV" in rows[3]["error"]
    assert rows[4]["igg_g_per_l"] == 0.0 and '"igg_g_per_l": -' not in out.read_text(encoding="utf-8")


@pytest.mark.parametrize("value, expected", [("1e-999999999", 0.0), ("-1e-999999999", 0.0),
                                             ("3.9999999999999", 4.0), ("3.99999999999", 3.99999999999)])
def test_tiny_and_noisy_numbers_are_rounded(value: str, expected: float, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "patient.json"
    path.write_text(GOOD.replace("3.2", value), encoding="utf-8")
    code, out, _ = run(capsys, "recommend", str(path), "--format", "json")
    assert code == 0 and json.loads(out)["igg_g_per_l"] == expected


def test_negative_zero_is_normalised(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "patient.json"
    path.write_text(GOOD.replace("3.2", "-0.0"), encoding="utf-8")
    code, out, _ = run(capsys, "recommend", str(path), "--format", "json")
    assert code == 0
    assert json.loads(out)["igg_g_per_l"] == 0.0 and "-0" not in out.split('"igg_g_per_l"')[1][:8]


# --- ambiguous input is refused -----------------------------------------------------------------------


def test_duplicate_json_key_refused_naming_key_and_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "patient.json"
    text = json.dumps(BASE, indent=1).replace('"assessment_date"', '"age": 17,\n "assessment_date"')
    path.write_text(text, encoding="utf-8")
    code, _, err = run(capsys, "recommend", str(path))
    line = text.splitlines().index(' "age": 17,') + 1
    assert code == 2 and "duplicate key 'age'" in err and f"line {line}" in err, err


@pytest.mark.parametrize("header, words", [
    (HEADER.replace("assessment_date", "igg_value"), ["'igg_value'", "twice", "line 1"]),
    (HEADER + ",igg_unit", ["'igg_unit'", "twice"]),
    (HEADER.replace("assessment_date", ""), ["column 4", "no name", "line 1"]),
    (HEADER + ",", ["column 13", "no name"]),
    (HEADER.replace("assessment_date", " "), ["column 4", "no name"]),
], ids=["duplicate", "duplicate-at-end", "empty", "trailing-comma", "blank"])
def test_csv_header_ambiguity_refused(header: str, words: list[str], tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    src, out = tmp_path / "patients.csv", tmp_path / "out.jsonl"
    src.write_text(header + "\n" + GOOD_CSV + "\n", encoding="utf-8")
    code, stdout, err = run(capsys, "recommend", "--batch", str(src), "--out", str(out))
    assert code == 2 and stdout == "" and not out.exists()
    assert len(err.strip().splitlines()) == 1
    for word in words:
        assert word in err, (word, err)


# --- --out: nothing destroyed -------------------------------------------------------------------------


@pytest.fixture
def batch(tmp_path: Path) -> Path:
    src = tmp_path / "patients.jsonl"
    src.write_text(GOOD + "\n", encoding="utf-8")
    return src


def _refused(capsys: pytest.CaptureFixture[str], batch: Path, out: Path | str, word: str) -> None:
    code, stdout, err = run(capsys, "recommend", "--batch", str(batch), "--out", str(out))
    assert code == 2 and stdout == "", err
    assert word in err and len(err.strip().splitlines()) == 1, err
    assert batch.read_text(encoding="utf-8") == GOOD + "\n"
    assert not [p for p in batch.parent.iterdir() if p.name.endswith(".tmp")]


def test_out_symlink_survives(batch: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "target.txt"
    target.write_text("keep", encoding="utf-8")
    link = tmp_path / "link.jsonl"
    link.symlink_to(target)
    _refused(capsys, batch, link, "symbolic link")
    assert link.is_symlink() and target.read_text(encoding="utf-8") == "keep"


def test_out_symlink_to_input_survives(batch: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    link = tmp_path / "link.jsonl"
    link.symlink_to(batch)
    _refused(capsys, batch, link, "symbolic link")
    assert link.is_symlink()


def test_out_fifo_survives(batch: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    _refused(capsys, batch, fifo, "FIFO")
    assert fifo.is_fifo()


def test_out_folder_and_device_refused(batch: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "x").write_text("keep", encoding="utf-8")
    _refused(capsys, batch, folder, "folder")
    assert (folder / "x").read_text(encoding="utf-8") == "keep"
    _refused(capsys, batch, "/dev/null", "device")


def test_out_is_input_refused(batch: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _refused(capsys, batch, batch, "input file")
    (tmp_path / "sub").mkdir()
    _refused(capsys, batch, tmp_path / "sub" / ".." / batch.name, "input file")
    hard = tmp_path / "hard.jsonl"
    os.link(batch, hard)
    _refused(capsys, batch, hard, "input file")


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o027, 0o640), (0o002, 0o664)])
def test_out_mode_follows_umask(umask: int, mode: int, batch: Path, tmp_path: Path,
                                capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out.jsonl"
    old = os.umask(umask)
    try:
        code, _, _ = run(capsys, "recommend", "--batch", str(batch), "--out", str(out))
    finally:
        os.umask(old)
    assert code == 0 and (out.stat().st_mode & 0o777) == mode


def test_out_regular_file_replaced(batch: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out.jsonl"
    out.write_text("old\n", encoding="utf-8")
    old = os.umask(0o022)
    try:
        code, _, _ = run(capsys, "recommend", "--batch", str(batch), "--out", str(out))
    finally:
        os.umask(old)
    assert code == 0 and json.loads(out.read_text(encoding="utf-8"))["line"] == 1
    assert out.stat().st_mode & 0o777 == 0o644


def test_out_in_missing_folder_refused(batch: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _refused(capsys, batch, tmp_path / "nope" / "out.jsonl", "does not exist")
    blocker = tmp_path / "file"
    blocker.write_text("keep", encoding="utf-8")
    _refused(capsys, batch, blocker / "out.jsonl", "not a folder")


# --- formats and languages of a batch ------------------------------------------------------------------


def test_batch_danish_text_to_stdout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "patients.jsonl"
    src.write_text(GOOD + "\n{broken\n", encoding="utf-8")
    code, out, err = run(capsys, "recommend", "--batch", str(src), "--format", "text", "--lang", "da")
    assert code == 1
    assert "# line 1\nPatient: voksen" in out and "Opstart: Opstart immunglobulin" in out and "afsnit 4.1" in out
    assert "# line 2\nerror: row: malformed JSON" in out
    assert "1 af 2 patienter besvaret, 1 fejlede" in err


def test_batch_danish_json_keeps_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "patients.jsonl"
    src.write_text(GOOD + "\n", encoding="utf-8")
    code, out, _ = run(capsys, "recommend", "--batch", str(src), "--lang", "da", "--format", "json")
    answer = json.loads(out)
    assert code == 0 and answer["start"]["decision"] == "start"
    assert answer["start"]["decision_label"] == "Opstart immunglobulin"
    assert all("afsnit" in s and "https://w3id.org/evidencekb/id/" in s for s in answer["explanation"])


def test_engine_failing_on_one_patient_costs_only_that_row() -> None:
    """When a chunk's query fails, each patient is evaluated alone: only the one that breaks it fails."""
    from evidencekb.recommend.batch import recommend_records
    from evidencekb.recommend.evaluate import Recommender
    from evidencekb.sparql.core import Bindings, QueryResult
    from evidencekb.sparql.engines import get_engine

    engine = get_engine()

    class Choking:
        def select(self, query: str, bindings: Bindings | None = None) -> QueryResult:
            if '"7.77"' in query:
                raise RuntimeError("engine choked")
            return engine.select(query, bindings)

    poisoned = json.loads(GOOD.replace("3.2", "7.77"))
    records = [(1, json.loads(GOOD)), (2, poisoned), (3, json.loads(GOOD))]
    rows = list(recommend_records(records, engine=Recommender(Choking())))
    assert [r["line"] for r in rows] == [1, 2, 3]
    assert rows[0]["start"]["decision"] == rows[2]["start"]["decision"] == "start"
    assert "internal error while evaluating this patient (RuntimeError: engine choked)" in rows[1]["error"]
