"""Table-driven tests of `evidencekb recommend`: every branch and boundary of section 4, the CLI
in-process, bad input (exit 2, one line naming the field) and batch mode."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from rdflib import Literal

from evidencekb.cli import main
from evidencekb.errors import InputError
from evidencekb.namespaces import UNIT
from evidencekb.recommend.evaluate import recommend_data
from evidencekb.recommend.facts import months_between, shift

KB = "https://w3id.org/evidencekb/id/"
BASE: dict[str, Any] = {
    "age": 62,
    "therapy": "car-t",
    "therapy_start": "2026-01-15",
    "assessment_date": "2026-03-01",
    "igg": {"value": 3.2, "unit": "g/L", "during_ig_substitution": False},
    "severe_or_recurrent_bacterial_infections": False,
    "immunoglobulin": {"status": "none"},
}


def patient(**changes: Any) -> dict[str, Any]:
    """BASE with changes; 'igg_value'/'igg_unit'/'infections' are shortcuts."""
    data = copy.deepcopy(BASE)
    for key, value in changes.items():
        if key == "igg_value":
            data["igg"]["value"] = value
        elif key == "igg_unit":
            data["igg"]["unit"] = value
        elif key == "infections":
            data["severe_or_recurrent_bacterial_infections"] = value
        elif key == "ig":
            data["immunoglobulin"] = value
        else:
            data[key] = value
    return data


# (id, changes, population, phase, start decision, stop decision, stop date, settled)
CASES = [
    ("within-igg-3.2", {}, "adult", "within-6-months", "start", "stop-at-six-months", "2026-07-15", True),
    ("within-igg-3.99", {"igg_value": 3.99}, "adult", "within-6-months", "start", "stop-at-six-months",
     "2026-07-15", True),
    ("within-igg-exactly-4", {"igg_value": 4.0}, "adult", "within-6-months", "general-criteria",
     "general-stop-rules", "2026-09-01", False),
    ("within-igg-5.99", {"igg_value": 5.99}, "adult", "within-6-months", "general-criteria",
     "general-stop-rules", "2026-09-01", False),
    ("within-igg-exactly-6", {"igg_value": 6.0}, "adult", "within-6-months", "do-not-start", "not-applicable",
     None, True),
    ("mgdl-400-is-4", {"igg_value": 400, "igg_unit": "mg/dL"}, "adult", "within-6-months", "general-criteria",
     "general-stop-rules", "2026-09-01", False),
    ("mgdl-399", {"igg_value": 399, "igg_unit": "mg/dL"}, "adult", "within-6-months", "start",
     "stop-at-six-months", "2026-07-15", True),
    ("mgdl-600-is-6", {"igg_value": 600, "igg_unit": "mg/dL"}, "adult", "within-6-months", "do-not-start",
     "not-applicable", None, True),
    # a new start with infections: the same stop rule as an already-started course on that basis (issue 13)
    ("within-infections-general-stop-not-settled", {"infections": True}, "adult", "within-6-months", "start",
     "general-stop-rules", "2026-09-01", False),
    ("day-before-six-months", {"assessment_date": "2026-07-14"}, "adult", "within-6-months", "start",
     "stop-at-six-months", "2026-07-15", True),
    # from six months, IgG < 4 g/L without infections: 4.3 says do not start (issue 13 §4)
    ("exactly-six-months-no-infections", {"assessment_date": "2026-07-15"}, "adult", "after-6-months",
     "do-not-start", "not-applicable", None, True),
    ("exactly-six-months-infections", {"assessment_date": "2026-07-15", "infections": True}, "adult",
     "after-6-months", "start", "general-stop-rules", "2027-01-15", True),
    ("after-igg-5", {"assessment_date": "2026-09-01", "igg_value": 5}, "adult", "after-6-months",
     "general-criteria", "general-stop-rules", "2027-03-01", True),
    ("after-igg-6", {"assessment_date": "2026-09-01", "igg_value": 6}, "adult", "after-6-months",
     "do-not-start", "not-applicable", None, True),
    ("age-17-child", {"age": 17}, "child", "within-6-months", "individual-assessment", "individual-assessment",
     None, True),
    ("age-18-adult", {"age": 18}, "adult", "within-6-months", "start", "stop-at-six-months", "2026-07-15", True),
    ("child-on-ig", {"age": 10, "ig": {"status": "ongoing", "start_date": "2026-02-01",
                                       "started_before_therapy": False, "start_basis": "igg-below-4"}},
     "child", "within-6-months", "individual-assessment", "individual-assessment", None, True),
    ("month-end-2026-08-31-within", {"therapy_start": "2026-08-31", "assessment_date": "2027-02-27"}, "adult",
     "within-6-months", "start", "stop-at-six-months", "2027-02-28", True),
    ("month-end-2026-08-31-at-six", {"therapy_start": "2026-08-31", "assessment_date": "2027-02-28"}, "adult",
     "after-6-months", "do-not-start", "not-applicable", None, True),
    ("leap-year-2027-08-31", {"therapy_start": "2027-08-31", "assessment_date": "2028-02-28"}, "adult",
     "within-6-months", "start", "stop-at-six-months", "2028-02-29", True),
    ("leap-day-start", {"therapy_start": "2028-02-29", "assessment_date": "2028-08-28"}, "adult",
     "within-6-months", "start", "stop-at-six-months", "2028-08-29", True),
    ("ongoing-within-igg-basis", {"ig": {"status": "ongoing", "start_date": "2026-02-01",
                                         "started_before_therapy": False, "start_basis": "igg-below-4"}},
     "adult", "within-6-months", "already-on-ig", "stop-at-six-months", "2026-07-15", True),
    ("ongoing-within-infections-basis-not-settled",
     {"ig": {"status": "ongoing", "start_date": "2026-02-01", "started_before_therapy": False,
             "start_basis": "infections"}},
     "adult", "within-6-months", "already-on-ig", "general-stop-rules", "2026-08-01", False),
    ("ongoing-before-therapy", {"ig": {"status": "ongoing", "start_date": "2025-12-01",
                                       "started_before_therapy": True}},
     "adult", "within-6-months", "already-on-ig", "general-stop-rules", "2026-06-01", True),
    ("ongoing-started-exactly-at-six-months",
     {"assessment_date": "2026-08-01", "ig": {"status": "ongoing", "start_date": "2026-07-15",
                                              "started_before_therapy": False}},
     "adult", "after-6-months", "already-on-ig", "general-stop-rules", "2027-01-15", True),
    ("ongoing-started-after-six-months",
     {"assessment_date": "2026-09-01", "ig": {"status": "ongoing", "start_date": "2026-08-01",
                                              "started_before_therapy": False, "start_basis": "infections"}},
     "adult", "after-6-months", "already-on-ig", "general-stop-rules", "2027-02-01", True),
]


@pytest.mark.parametrize(
    "changes, population, phase, start, stop, stop_date, settled",
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_decision_table(changes, population, phase, start, stop, stop_date, settled) -> None:
    answer = recommend_data(patient(**changes))
    assert answer["population"] == population
    assert answer["phase"] == phase
    assert answer["start"]["decision"] == start
    assert answer["stop"]["decision"] == stop
    assert answer["stop"]["date"] == stop_date
    assert answer["stop"]["settled"] is settled
    assert answer["explanation"], "every answer explains itself"


def test_output_fields_and_citations() -> None:
    answer = recommend_data(patient())
    assert set(answer) >= {"population", "phase", "six_month_date", "igg_g_per_l", "start", "stop", "explanation"}
    assert set(answer["start"]) >= {"decision", "rule", "source"}
    assert set(answer["stop"]) >= {"decision", "date", "rule", "source"}
    assert answer["six_month_date"] == "2026-07-15"
    assert answer["igg_g_per_l"] == 3.2
    assert answer["start"]["rule"] == KB + "council-start-within-six-months"
    assert answer["start"]["source"] == KB + "section-4.1"
    assert answer["stop"]["rule"] == KB + "council-stop-at-six-months"
    assert answer["stop"]["source"] == KB + "section-4.2"
    for sentence in answer["explanation"]:
        assert "section " in sentence and "https://w3id.org/evidencekb/id/" in sentence, sentence


def test_danish_explanation_cites_afsnit() -> None:
    answer = recommend_data(patient(), lang="da")
    assert all("afsnit " in s for s in answer["explanation"])


def test_mg_per_dl_is_divided_by_100() -> None:
    assert recommend_data(patient(igg_value=400, igg_unit="mg/dL"))["igg_g_per_l"] == 4.0
    assert recommend_data(patient(igg_value=320, igg_unit="MG/DL"))["igg_g_per_l"] == 3.2


def test_general_criteria_names_and_links_the_base_guideline() -> None:
    answer = recommend_data(patient(igg_value=5))
    base = answer["start"]["base_guideline"]
    assert base["part_of_source"] is False
    assert base["url"].startswith("https://medicinraadet.dk/")
    assert any(base["url"] in s and "not part of this source" in s for s in answer["explanation"])


def test_do_not_start_lists_checked_criteria() -> None:
    answer = recommend_data(patient(igg_value=7, infections=True))
    checked = {item["rule"]: item["result"] for item in answer["start"]["checked"]}
    assert checked[KB + "council-start-within-six-months"] == "igg"
    assert checked[KB + "council-start-igg-below-6"] == "igg"
    assert checked[KB + "council-start-after-six-months"] == "window"
    assert answer["start"]["rule"] == KB + "recommend-default-do-not-start"


def test_general_stop_rules_window_and_reevaluation() -> None:
    answer = recommend_data(patient(ig={"status": "ongoing", "start_date": "2025-12-01",
                                        "started_before_therapy": True}))
    stop = answer["stop"]
    assert stop["window"] == {"from": "2026-06-01", "to": "2026-12-01", "ig_start": "2025-12-01"}
    assert stop["reevaluation_interval_months"] == 6
    assert stop["rule"] == KB + "council-stop-general"


def test_unsettled_case_is_reported_with_closest_rule() -> None:
    answer = recommend_data(patient(ig={"status": "ongoing", "start_date": "2026-02-01",
                                        "started_before_therapy": False, "start_basis": "infections"}))
    stop = answer["stop"]
    assert stop["settled"] is False
    assert stop["closest_rule"] == KB + "council-stop-general"
    assert stop["annotation"] == KB + "annotation-council-stop-infections-within-window"
    assert any("Not settled by the text" in s for s in answer["explanation"])


def test_both_entry_paths_give_the_same_stop_and_name_the_reading() -> None:
    """Issue 13: a course started within six months because of infections gets one answer, whether it is
    entered as already started or evaluated as a new start, and the answer says which reading it follows."""
    new_start = recommend_data(patient(infections=True))
    started = recommend_data(patient(infections=True, ig={"status": "ongoing", "start_date": "2026-03-01",
                                                          "started_before_therapy": False,
                                                          "start_basis": "infections"}))
    for answer in (new_start, started):
        stop = answer["stop"]
        assert (stop["decision"], stop["rule"], stop["settled"]) == (
            "general-stop-rules", KB + "council-stop-general", False)
        assert stop["alternative_rule"] == KB + "council-stop-at-six-months"
        assert any("the other reading of the text would apply" in s for s in answer["explanation"])
    assert new_start["stop"]["window"] == started["stop"]["window"]


def test_new_start_without_infections_keeps_the_six_month_stop() -> None:
    stop = recommend_data(patient(infections=False))["stop"]
    assert (stop["decision"], stop["settled"], "alternative_rule" in stop) == ("stop-at-six-months", True, False)


def test_during_substitution_caveat() -> None:
    answer = recommend_data(patient(igg={"value": 5, "unit": "g/L", "during_ig_substitution": True}))
    assert any("council-stop-igg-recovery" in s for s in answer["explanation"])


@pytest.mark.parametrize(
    "therapy, therapy_class",
    [("car-t", "car-t"), ("CAR-T", "car-t"), ("CAR T", "car-t"), ("bispecific", "bispecific"),
     ("axi-cel", "car-t"), ("Axi-cel", "car-t"), ("axicabtagene ciloleucel", "car-t"), ("YESCARTA", "car-t"),
     ("cilta-cel", "car-t"), ("Carvykti", "car-t"), ("ciltacabtagene autoleucel", "car-t"),
     ("teclistamab", "bispecific"), ("  Teclistamab ", "bispecific")],
)
def test_therapy_name_forms(therapy: str, therapy_class: str) -> None:
    assert recommend_data(patient(therapy=therapy))["therapy"]["class"] == therapy_class


def test_assessment_date_defaults_to_today() -> None:
    data = patient()
    del data["assessment_date"]
    data["therapy_start"] = "2020-01-01"
    assert recommend_data(data)["phase"] == "after-6-months"


@pytest.mark.parametrize(
    "start, end, months, exact",
    [("2026-01-15", "2026-07-15", 6, True), ("2026-01-15", "2026-07-14", 5, False),
     ("2026-08-31", "2027-02-28", 6, True), ("2026-08-31", "2027-02-27", 5, False),
     ("2027-08-31", "2028-02-29", 6, True), ("2026-03-31", "2026-04-30", 1, True),
     ("2026-01-15", "2026-01-15", 0, True)],
)
def test_months_between(start: str, end: str, months: int, exact: bool) -> None:
    from datetime import date

    assert months_between(date.fromisoformat(start), date.fromisoformat(end)) == (months, exact)


def test_shift_clamps_to_month_end() -> None:
    from datetime import date

    assert shift(date(2026, 8, 31), Literal(6), UNIT.MO).isoformat() == "2027-02-28"
    assert shift(date(2027, 8, 31), Literal(6), UNIT.MO).isoformat() == "2028-02-29"


# --- CLI, in-process ------------------------------------------------------------------------------


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def write(tmp_path: Path, data: Any, name: str = "patient.json") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def test_cli_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["recommend", str(write(tmp_path, patient())), "--format", "json"], capsys)
    assert code == 0
    answer = json.loads(out)
    assert answer["start"]["decision"] == "start"


def test_cli_text_danish(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["recommend", str(write(tmp_path, patient())), "--lang", "da"], capsys)
    assert code == 0
    assert "Opstart: Opstart immunglobulin" in out and "afsnit 4.1" in out
    assert "IgG 3,2 g/L" in out and "https://" not in out and "kb:council-start-within-six-months" in out


def _bad(field: str, data: Any) -> tuple[str, Any]:
    return field, data


def _without(*path: str) -> dict[str, Any]:
    data = patient()
    target = data
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return data


BAD_INPUTS = [
    ("malformed", "line 2, column", '{"age": 62,\n "therapy": }'),
    ("not-object", "patient", "[1, 2]"),
    ("missing-age", "age", _without("age")),
    ("age-string", "age", patient(age="62")),
    ("age-bool", "age", patient(age=True)),
    ("age-negative", "age", patient(age=-1)),
    ("age-absurd", "age", patient(age=500)),
    ("missing-therapy", "therapy", _without("therapy")),
    ("therapy-number", "therapy", patient(therapy=5)),
    ("therapy-unknown", "therapy", patient(therapy="aspirin")),
    ("therapy-sparql", "therapy", patient(therapy='car-t" } UNION { ?s ?p ?o } #')),
    ("therapy-sparql-2", "therapy", patient(therapy="x'; DROP GRAPH <urn:x> ; SELECT * WHERE {")),
    ("missing-therapy-start", "therapy_start", _without("therapy_start")),
    ("therapy-start-impossible", "therapy_start", patient(therapy_start="2026-02-30")),
    ("therapy-start-format", "therapy_start", patient(therapy_start="15/01/2026")),
    ("assessment-impossible", "assessment_date", patient(assessment_date="2026-13-01")),
    ("assessment-before-start", "assessment_date", patient(assessment_date="2025-12-31")),
    ("missing-igg", "igg", _without("igg")),
    ("igg-not-object", "igg", patient(igg=3.2)),
    ("missing-igg-value", "igg.value", _without("igg", "value")),
    ("igg-value-string", "igg.value", patient(igg_value="3.2")),
    ("igg-negative", "igg.value", patient(igg_value=-0.1)),
    ("igg-absurd", "igg.value", patient(igg_value=61)),
    ("igg-absurd-mgdl", "igg.value", patient(igg_value=6100, igg_unit="mg/dL")),
    ("missing-unit", "igg.unit", _without("igg", "unit")),
    ("unknown-unit", "igg.unit", patient(igg_unit="g/dL")),
    ("during-not-bool", "igg.during_ig_substitution",
     patient(igg={"value": 3, "unit": "g/L", "during_ig_substitution": "no"})),
    ("missing-infections", "severe_or_recurrent_bacterial_infections",
     _without("severe_or_recurrent_bacterial_infections")),
    ("infections-not-bool", "severe_or_recurrent_bacterial_infections", patient(infections="yes")),
    ("missing-immunoglobulin", "immunoglobulin", _without("immunoglobulin")),
    ("unknown-status", "immunoglobulin.status", patient(ig={"status": "maybe"})),
    ("ongoing-no-date", "immunoglobulin.start_date", patient(ig={"status": "ongoing",
                                                                 "started_before_therapy": False})),
    ("ongoing-impossible-date", "immunoglobulin.start_date",
     patient(ig={"status": "ongoing", "start_date": "2026-02-31", "started_before_therapy": False})),
    ("ongoing-future", "immunoglobulin.start_date",
     patient(ig={"status": "ongoing", "start_date": "2026-04-01", "started_before_therapy": False})),
    ("ongoing-no-before-flag", "immunoglobulin.started_before_therapy",
     patient(ig={"status": "ongoing", "start_date": "2026-02-01"})),
    ("ongoing-inconsistent-before", "immunoglobulin.started_before_therapy",
     patient(ig={"status": "ongoing", "start_date": "2026-02-01", "started_before_therapy": True})),
    ("ongoing-bad-basis", "immunoglobulin.start_basis",
     patient(ig={"status": "ongoing", "start_date": "2026-02-01", "started_before_therapy": False,
                 "start_basis": "vibes"})),
    ("ongoing-within-needs-basis", "immunoglobulin.start_basis",
     patient(ig={"status": "ongoing", "start_date": "2026-02-01", "started_before_therapy": False})),
    ("nan", "igg.value", '{"age": 62, "therapy": "car-t", "therapy_start": "2026-01-15", '
                         '"igg": {"value": NaN, "unit": "g/L"}}'),
]


@pytest.mark.parametrize("field, data", [b[1:] for b in BAD_INPUTS], ids=[b[0] for b in BAD_INPUTS])
def test_bad_input_exit_2_one_line(field: str, data: Any, tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli(["recommend", str(write(tmp_path, data)), "--format", "json"], capsys)
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert field in lines[0]
    assert "Traceback" not in err


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(["recommend", str(tmp_path / "nope.json")], capsys)
    assert code == 2 and "cannot read" in err


def test_input_error_is_raised_by_library() -> None:
    with pytest.raises(InputError, match="therapy"):
        recommend_data(patient(therapy="unknown-cel"))


# --- batch --------------------------------------------------------------------------------------


def test_batch_jsonl_bad_row_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [json.dumps(patient()), "{broken", json.dumps(patient(igg_value=-1)), "",
            json.dumps(patient(age=10))]
    batch = write(tmp_path, "\n".join(rows) + "\n", "batch.jsonl")
    out = tmp_path / "result.jsonl"
    code, _, err = run_cli(["recommend", "--batch", str(batch), "--out", str(out)], capsys)
    assert code == 1
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["line"] for r in records] == [1, 2, 3, 5]
    assert records[0]["start"]["decision"] == "start"
    assert "malformed JSON" in records[1]["error"]
    assert "igg.value" in records[2]["error"]
    assert records[3]["population"] == "child"
    assert "line 2" in err and "line 3" in err


def test_batch_csv_all_good(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    header = ("age,therapy,therapy_start,assessment_date,igg_value,igg_unit,igg_during_ig_substitution,"
              "severe_or_recurrent_bacterial_infections,ig_status,ig_start_date,ig_started_before_therapy,"
              "ig_start_basis")
    rows = [
        "62,car-t,2026-01-15,2026-03-01,3.2,g/L,false,false,none,,,",
        "70,Carvykti,2026-01-15,2026-09-01,350,mg/dL,,true,none,,,",
        "55,teclistamab,2026-01-15,2026-03-01,2.0,g/L,true,false,ongoing,2026-02-01,false,igg-below-4",
    ]
    batch = write(tmp_path, header + "\n" + "\n".join(rows) + "\n", "batch.csv")
    out = tmp_path / "result.jsonl"
    code, _, _ = run_cli(["recommend", "--batch", str(batch), "--out", str(out)], capsys)
    assert code == 0
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["line"] for r in records] == [2, 3, 4]
    assert [r["start"]["decision"] for r in records] == ["start", "start", "already-on-ig"]
    assert [r["stop"]["decision"] for r in records] == ["stop-at-six-months", "general-stop-rules",
                                                        "stop-at-six-months"]


def test_batch_without_out_writes_stdout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    batch = write(tmp_path, json.dumps(patient()) + "\n", "batch.jsonl")
    code, out, err = run_cli(["recommend", "--batch", str(batch)], capsys)
    assert code == 0, err
    assert json.loads(out)["start"]["decision"] == "start"
    assert list(tmp_path.iterdir()) == [batch]


def test_batch_unknown_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    batch = write(tmp_path, "x", "batch.txt")
    code, _, err = run_cli(["recommend", "--batch", str(batch), "--out", str(tmp_path / "o.jsonl")], capsys)
    assert code == 2 and ".jsonl or .csv" in err
    assert not (tmp_path / "o.jsonl").exists()


def test_rdflib_engine_gives_the_same_answers(kb) -> None:  # noqa: ANN001
    from evidencekb.recommend.evaluate import Recommender
    from evidencekb.recommend.patient import parse_patient
    from evidencekb.sparql.local import RdflibEngine

    reference = Recommender(RdflibEngine(kb))
    for case in CASES:
        data = patient(**case[1])
        expected = recommend_data(data)
        got = reference.evaluate([reference.facts(parse_patient(data))])[0]
        assert (got["start"], got["stop"]) == (expected["start"], expected["stop"]), case[0]


def test_batch_looks_up_the_cited_rules_in_one_query() -> None:
    """A batch gives the answers of one patient at a time, and reads the rules it cites in ONE query
    (a query per rule read every rule of the graph each time: rules² at scale)."""
    from evidencekb.recommend.evaluate import Recommender
    from evidencekb.recommend.patient import parse_patient
    from evidencekb.sparql.core import Bindings, QueryResult
    from evidencekb.sparql.engines import get_engine

    engine = get_engine()
    titles: list[str] = []

    class Counting:
        def select(self, query: str, bindings: Bindings | None = None) -> QueryResult:
            titles.append(query.splitlines()[0])
            return engine.select(query, bindings)

    recommender = Recommender(Counting())
    batch = [recommender.facts(parse_patient(patient(**case[1]))) for case in CASES]
    titles.clear()
    answers = recommender.evaluate(batch)
    assert answers == [recommend_data(patient(**case[1])) for case in CASES]
    assert titles.count("# # What rules say and where they come from") == 1
