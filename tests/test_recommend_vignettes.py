"""Independent reviewer's vignettes for `evidencekb recommend`, run through the CLI (`evidencekb.cli.main`).

Every expected value below was worked out by hand from section 4 of the addendum (with 3.4 and 4.3) and
the contract of issue 4 — none is computed by the code under test:

* adult from 18; phase "after-6-months" from the six-month date on (exactly six months counts as after);
* six-month date = same day six calendar months later, clamped to the month's last day;
* < 6 months and IgG < 4 g/L → start, stop at the six-month date (4.1, 4.2);
* ≥ 6 months and IgG < 4 g/L with severe/recurrent bacterial infections → start, general stop rules;
* otherwise IgG < 6 g/L → the base guideline's general criteria (4.1, last paragraph); IgG ≥ 6 → do not start;
* a start now under general criteria within six months, or an ongoing course started within six months
  because of infections, is not settled by 4.2 (closest rule: the general stop rules);
* ongoing since before therapy or started at/after six months → general stop rules, window 6–12 months
  after the Ig start, re-evaluated every 6 months; children → individual assessment for start and stop.

Decision on unknown fields: rejected (exit 2, naming the field), because a misspelt optional field such
as ``assesment_date`` would otherwise silently default to today. `disease` is a known optional field
(`evidencekb compare`). Units: g/L and mg/dL, case-insensitively (no other unit differs from them only
by case: g/dL and mg/L are rejected).
"""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from evidencekb.cli import main

KB = "https://w3id.org/evidencekb/id/"
R_WITHIN = KB + "council-start-within-six-months"
R_AFTER = KB + "council-start-after-six-months"
R_BELOW6 = KB + "council-start-igg-below-6"
R_AFTER_NO_INF = KB + "council-start-after-six-months-without-infections"  # 4.3: do not start
R_CHILD = KB + "council-start-children"
R_NOSTART = KB + "recommend-default-do-not-start"
R_ONIG = KB + "recommend-default-already-on-ig"
S_SIX = KB + "council-stop-at-six-months"
S_GEN = KB + "council-stop-general"
S_CHILD = KB + "council-stop-children"
S_NA = KB + "recommend-default-stop-not-applicable"
SEC4, SEC41, SEC42 = KB + "section-4", KB + "section-4.1", KB + "section-4.2"

BASE: dict[str, Any] = {
    "age": 62,
    "therapy": "car-t",
    "therapy_start": "2026-01-15",
    "assessment_date": "2026-03-01",
    "igg": {"value": 3.2, "unit": "g/L", "during_ig_substitution": False},
    "severe_or_recurrent_bacterial_infections": False,
    "immunoglobulin": {"status": "none"},
}


def vignette(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    for key, value in changes.items():
        if value is _DROP:
            data.pop(key)
        elif key == "igg":
            data["igg"].update(value)
        elif key == "inf":
            data["severe_or_recurrent_bacterial_infections"] = value
        elif key == "ig":
            data["immunoglobulin"] = value
        else:
            data[key] = value
    return data


_DROP = object()


def ongoing(start: str, before: bool = False, basis: str | None = None) -> dict[str, Any]:
    ig: dict[str, Any] = {"status": "ongoing", "start_date": start, "started_before_therapy": before}
    if basis is not None:
        ig["start_basis"] = basis
    return ig


def run(tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, *extra: str) -> tuple[int, str, str]:
    path = tmp_path / "patient.json"
    path.write_text(content, encoding="utf-8")
    code = main(["recommend", str(path), *extra])
    out, err = capsys.readouterr()
    return code, out, err


# (id, patient, population, phase, six_month_date, igg_g_per_l,
#  (start decision, start rule, start source), (stop decision, stop date, stop rule, stop source),
#  settled, stop window (from, to) or None)
V = [
    # --- adults, no immunoglobulin, within six months
    ("within-igg-3.2", vignette(), "adult", "within-6-months", "2026-07-15", 3.2,
     ("start", R_WITHIN, SEC41), ("stop-at-six-months", "2026-07-15", S_SIX, SEC42), True, None),
    ("within-igg-0", vignette(igg={"value": 0}), "adult", "within-6-months", "2026-07-15", 0.0,
     ("start", R_WITHIN, SEC41), ("stop-at-six-months", "2026-07-15", S_SIX, SEC42), True, None),
    ("within-igg-exactly-4.0", vignette(igg={"value": 4.0}), "adult", "within-6-months", "2026-07-15", 4.0,
     ("general-criteria", R_BELOW6, SEC41), ("general-stop-rules", "2026-09-01", S_GEN, SEC42), False,
     ("2026-09-01", "2027-03-01")),
    ("within-igg-exactly-6.0", vignette(igg={"value": 6.0}), "adult", "within-6-months", "2026-07-15", 6.0,
     ("do-not-start", R_NOSTART, SEC41), ("not-applicable", None, S_NA, SEC42), True, None),
    ("within-400-mgdl", vignette(igg={"value": 400, "unit": "mg/dL"}), "adult", "within-6-months", "2026-07-15",
     4.0, ("general-criteria", R_BELOW6, SEC41), ("general-stop-rules", "2026-09-01", S_GEN, SEC42), False,
     ("2026-09-01", "2027-03-01")),
    ("within-600-mgdl", vignette(igg={"value": 600, "unit": "mg/dL"}), "adult", "within-6-months", "2026-07-15",
     6.0, ("do-not-start", R_NOSTART, SEC41), ("not-applicable", None, S_NA, SEC42), True, None),
    ("within-399.9-mgdl-upper-case-unit", vignette(igg={"value": 399.9, "unit": "MG/DL"}), "adult",
     "within-6-months", "2026-07-15", 3.999,
     ("start", R_WITHIN, SEC41), ("stop-at-six-months", "2026-07-15", S_SIX, SEC42), True, None),
    # a start now within six months with infections is a start with preceding infections: the same stop rule
    # as an already-started course with start_basis "infections" (the reading of 4.2, not settled; issue 13)
    ("within-igg-3.2-with-infections", vignette(inf=True), "adult", "within-6-months", "2026-07-15", 3.2,
     ("start", R_WITHIN, SEC41), ("general-stop-rules", "2026-09-01", S_GEN, SEC42), False,
     ("2026-09-01", "2027-03-01")),
    ("within-igg-5-with-infections", vignette(igg={"value": 5}, inf=True), "adult", "within-6-months",
     "2026-07-15", 5.0, ("general-criteria", R_BELOW6, SEC41),
     ("general-stop-rules", "2026-09-01", S_GEN, SEC42), False, ("2026-09-01", "2027-03-01")),
    ("assessed-on-therapy-start-day", vignette(assessment_date="2026-01-15"), "adult", "within-6-months",
     "2026-07-15", 3.2, ("start", R_WITHIN, SEC41), ("stop-at-six-months", "2026-07-15", S_SIX, SEC42), True,
     None),
    ("day-before-six-months", vignette(assessment_date="2026-07-14"), "adult", "within-6-months", "2026-07-15",
     3.2, ("start", R_WITHIN, SEC41), ("stop-at-six-months", "2026-07-15", S_SIX, SEC42), True, None),
    # --- adults, no immunoglobulin, six months or later
    ("exactly-six-months-no-infections", vignette(assessment_date="2026-07-15"), "adult", "after-6-months",
     "2026-07-15", 3.2, ("do-not-start", R_AFTER_NO_INF, SEC41),
     ("not-applicable", None, S_NA, SEC42), True, None),
    ("exactly-six-months-infections", vignette(assessment_date="2026-07-15", inf=True), "adult",
     "after-6-months", "2026-07-15", 3.2, ("start", R_AFTER, SEC41),
     ("general-stop-rules", "2027-01-15", S_GEN, SEC42), True, ("2027-01-15", "2027-07-15")),
    ("after-igg-exactly-4-infections", vignette(assessment_date="2026-10-01", igg={"value": 4.0}, inf=True),
     "adult", "after-6-months", "2026-07-15", 4.0, ("general-criteria", R_BELOW6, SEC41),
     ("general-stop-rules", "2027-04-01", S_GEN, SEC42), True, ("2027-04-01", "2027-10-01")),
    ("after-igg-6-infections", vignette(assessment_date="2026-10-01", igg={"value": 6.0}, inf=True),
     "adult", "after-6-months", "2026-07-15", 6.0, ("do-not-start", R_NOSTART, SEC41),
     ("not-applicable", None, S_NA, SEC42), True, None),
    ("after-599-mgdl", vignette(assessment_date="2026-10-01", igg={"value": 599, "unit": "mg/dL"}),
     "adult", "after-6-months", "2026-07-15", 5.99, ("general-criteria", R_BELOW6, SEC41),
     ("general-stop-rules", "2027-04-01", S_GEN, SEC42), True, ("2027-04-01", "2027-10-01")),
    # --- month ends and leap years (six-month date clamped)
    ("therapy-2026-08-31-day-before", vignette(therapy_start="2026-08-31", assessment_date="2027-02-27"),
     "adult", "within-6-months", "2027-02-28", 3.2, ("start", R_WITHIN, SEC41),
     ("stop-at-six-months", "2027-02-28", S_SIX, SEC42), True, None),
    ("therapy-2026-08-31-at-clamped-date", vignette(therapy_start="2026-08-31", assessment_date="2027-02-28",
                                                    inf=True),
     "adult", "after-6-months", "2027-02-28", 3.2, ("start", R_AFTER, SEC41),
     ("general-stop-rules", "2027-08-28", S_GEN, SEC42), True, ("2027-08-28", "2028-02-28")),
    ("therapy-2024-08-31", vignette(therapy_start="2024-08-31", assessment_date="2024-09-01"), "adult",
     "within-6-months", "2025-02-28", 3.2, ("start", R_WITHIN, SEC41),
     ("stop-at-six-months", "2025-02-28", S_SIX, SEC42), True, None),
    ("therapy-2023-08-29-leap", vignette(therapy_start="2023-08-29", assessment_date="2024-02-28"), "adult",
     "within-6-months", "2024-02-29", 3.2, ("start", R_WITHIN, SEC41),
     ("stop-at-six-months", "2024-02-29", S_SIX, SEC42), True, None),
    ("therapy-2023-08-30-leap-at-date", vignette(therapy_start="2023-08-30", assessment_date="2024-02-29"),
     "adult", "after-6-months", "2024-02-29", 3.2, ("do-not-start", R_AFTER_NO_INF, SEC41),
     ("not-applicable", None, S_NA, SEC42), True, None),
    ("therapy-2023-08-31-leap", vignette(therapy_start="2023-08-31", assessment_date="2024-02-28"), "adult",
     "within-6-months", "2024-02-29", 3.2, ("start", R_WITHIN, SEC41),
     ("stop-at-six-months", "2024-02-29", S_SIX, SEC42), True, None),
    ("therapy-2024-02-29", vignette(therapy_start="2024-02-29", assessment_date="2024-08-29"), "adult",
     "after-6-months", "2024-08-29", 3.2, ("do-not-start", R_AFTER_NO_INF, SEC41),
     ("not-applicable", None, S_NA, SEC42), True, None),
    ("therapy-2025-03-31-to-sep-30", vignette(therapy_start="2025-03-31", assessment_date="2025-09-29"),
     "adult", "within-6-months", "2025-09-30", 3.2, ("start", R_WITHIN, SEC41),
     ("stop-at-six-months", "2025-09-30", S_SIX, SEC42), True, None),
    # --- age
    ("age-17-child", vignette(age=17), "child", "within-6-months", "2026-07-15", 3.2,
     ("individual-assessment", R_CHILD, SEC4), ("individual-assessment", None, S_CHILD, SEC4), True, None),
    ("age-17.99-child", vignette(age=17.99), "child", "within-6-months", "2026-07-15", 3.2,
     ("individual-assessment", R_CHILD, SEC4), ("individual-assessment", None, S_CHILD, SEC4), True, None),
    ("age-18-adult", vignette(age=18), "adult", "within-6-months", "2026-07-15", 3.2,
     ("start", R_WITHIN, SEC41), ("stop-at-six-months", "2026-07-15", S_SIX, SEC42), True, None),
    ("age-0-child-igg-8", vignette(age=0, igg={"value": 8}), "child", "within-6-months", "2026-07-15", 8.0,
     ("individual-assessment", R_CHILD, SEC4), ("individual-assessment", None, S_CHILD, SEC4), True, None),
    ("child-on-ig-within", vignette(age=9, ig=ongoing("2026-02-01", basis="igg-below-4")), "child",
     "within-6-months", "2026-07-15", 3.2, ("individual-assessment", R_CHILD, SEC4),
     ("individual-assessment", None, S_CHILD, SEC4), True, None),
    ("child-on-ig-no-basis", vignette(age=12, ig=ongoing("2026-02-01")), "child", "within-6-months",
     "2026-07-15", 3.2, ("individual-assessment", R_CHILD, SEC4),
     ("individual-assessment", None, S_CHILD, SEC4), True, None),
    ("child-on-ig-before-therapy", vignette(age=5, ig=ongoing("2025-10-01", before=True)), "child",
     "within-6-months", "2026-07-15", 3.2, ("individual-assessment", R_CHILD, SEC4),
     ("individual-assessment", None, S_CHILD, SEC4), True, None),
    # --- adults with ongoing immunoglobulin
    ("ongoing-before-therapy", vignette(ig=ongoing("2025-12-01", before=True)), "adult", "within-6-months",
     "2026-07-15", 3.2, ("already-on-ig", R_ONIG, SEC42),
     ("general-stop-rules", "2026-06-01", S_GEN, SEC42), True, ("2026-06-01", "2026-12-01")),
    ("ongoing-started-on-therapy-day-before-flag", vignette(ig=ongoing("2026-01-15", before=True)), "adult",
     "within-6-months", "2026-07-15", 3.2, ("already-on-ig", R_ONIG, SEC42),
     ("general-stop-rules", "2026-07-15", S_GEN, SEC42), True, ("2026-07-15", "2027-01-15")),
    ("ongoing-within-igg-below-4", vignette(ig=ongoing("2026-02-01", basis="igg-below-4")), "adult",
     "within-6-months", "2026-07-15", 3.2, ("already-on-ig", R_ONIG, SEC42),
     ("stop-at-six-months", "2026-07-15", S_SIX, SEC42), True, None),
    ("ongoing-within-igg-below-4-overdue",
     vignette(assessment_date="2026-09-01", igg={"value": 7, "during_ig_substitution": True},
              ig=ongoing("2026-07-14", basis="igg-below-4")),
     "adult", "after-6-months", "2026-07-15", 7.0, ("already-on-ig", R_ONIG, SEC42),
     ("stop-at-six-months", "2026-07-15", S_SIX, SEC42), True, None),
    ("ongoing-within-infections-unsettled", vignette(ig=ongoing("2026-02-01", basis="infections"), inf=True),
     "adult", "within-6-months", "2026-07-15", 3.2, ("already-on-ig", R_ONIG, SEC42),
     ("general-stop-rules", "2026-08-01", S_GEN, SEC42), False, ("2026-08-01", "2027-02-01")),
    ("ongoing-after-six-months", vignette(assessment_date="2026-09-01", ig=ongoing("2026-08-01",
                                                                                   basis="infections")),
     "adult", "after-6-months", "2026-07-15", 3.2, ("already-on-ig", R_ONIG, SEC42),
     ("general-stop-rules", "2027-02-01", S_GEN, SEC42), True, ("2027-02-01", "2027-08-01")),
    ("ongoing-started-exactly-at-six-months-igg-basis",
     vignette(assessment_date="2026-07-20", ig=ongoing("2026-07-15", basis="igg-below-4")),
     "adult", "after-6-months", "2026-07-15", 3.2, ("already-on-ig", R_ONIG, SEC42),
     ("general-stop-rules", "2027-01-15", S_GEN, SEC42), True, ("2027-01-15", "2027-07-15")),
    ("ongoing-ig-start-2026-08-31-window-clamped",
     vignette(assessment_date="2026-09-01", ig=ongoing("2026-08-31")),
     "adult", "after-6-months", "2026-07-15", 3.2, ("already-on-ig", R_ONIG, SEC42),
     ("general-stop-rules", "2027-02-28", S_GEN, SEC42), True, ("2027-02-28", "2027-08-31")),
    # --- therapy names
    ("bispecific", vignette(therapy="bispecific"), "adult", "within-6-months", "2026-07-15", 3.2,
     ("start", R_WITHIN, SEC41), ("stop-at-six-months", "2026-07-15", S_SIX, SEC42), True, None),
    ("teclistamab-igg-8", vignette(therapy="teclistamab", igg={"value": 8}), "adult", "within-6-months",
     "2026-07-15", 8.0, ("do-not-start", R_NOSTART, SEC41), ("not-applicable", None, S_NA, SEC42), True, None),
    ("TECVAYLI-after", vignette(therapy="TECVAYLI", assessment_date="2026-08-01", inf=True), "adult",
     "after-6-months", "2026-07-15", 3.2, ("start", R_AFTER, SEC41),
     ("general-stop-rules", "2027-02-01", S_GEN, SEC42), True, ("2027-02-01", "2027-08-01")),
]

THERAPY_FORMS = [
    ("car-t", "car-t"), ("CAR-T", "car-t"), ("  Car-T  ", "car-t"), ("cilta-cel", "car-t"),
    ("Carvykti", "car-t"), ("CARVYKTI", "car-t"), ("axi-cel", "car-t"), ("Yescarta", "car-t"),
    ("bispecific", "bispecific"), ("Bispecific", "bispecific"), ("teclistamab", "bispecific"),
    ("TECVAYLI", "bispecific"), (" tecvayli\t", "bispecific"),
]


@pytest.mark.parametrize(
    "data, population, phase, six, igg, start, stop, settled, window",
    [v[1:] for v in V], ids=[v[0] for v in V],
)
def test_vignette(data: dict[str, Any], population: str, phase: str, six: str, igg: float,
                  start: tuple[str, str, str], stop: tuple[str, str | None, str, str], settled: bool,
                  window: tuple[str, str] | None, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(tmp_path, capsys, json.dumps(data), "--format", "json")
    assert code == 0, err
    answer = json.loads(out)
    assert answer["population"] == population
    assert answer["phase"] == phase
    assert answer["six_month_date"] == six
    assert answer["igg_g_per_l"] == pytest.approx(igg)
    assert (answer["start"]["decision"], answer["start"]["rule"], answer["start"]["source"]) == start
    assert (answer["stop"]["decision"], answer["stop"]["date"], answer["stop"]["rule"],
            answer["stop"]["source"]) == stop
    assert answer["stop"]["settled"] is settled
    if window is None:
        assert "window" not in answer["stop"]
    else:
        assert (answer["stop"]["window"]["from"], answer["stop"]["window"]["to"]) == window
        assert answer["stop"]["reevaluation_interval_months"] == 6
    if not settled:
        assert answer["stop"]["closest_rule"] == stop[2]
        assert any("Not settled" in s for s in answer["explanation"])
    assert answer["explanation"]
    for sentence in answer["explanation"]:
        assert "section " in sentence and KB in sentence, sentence


@pytest.mark.parametrize("therapy, therapy_class", THERAPY_FORMS)
def test_therapy_forms(therapy: str, therapy_class: str, tmp_path: Path,
                       capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(tmp_path, capsys, json.dumps(vignette(therapy=therapy)), "--format", "json")
    assert code == 0, err
    answer = json.loads(out)
    assert answer["therapy"]["class"] == therapy_class
    assert answer["start"]["decision"] == "start"


def test_missing_assessment_date_defaults_to_today(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = vignette(assessment_date=_DROP, therapy_start="2020-01-31")
    code, out, err = run(tmp_path, capsys, json.dumps(data), "--format", "json")
    assert code == 0, err
    answer = json.loads(out)
    assert answer["assessment_date"] == date.today().isoformat()
    assert answer["six_month_date"] == "2020-07-31"
    assert answer["phase"] == "after-6-months"
    assert answer["start"]["decision"] == "do-not-start"  # IgG 3.2 g/L, no infections, after six months (4.3)


def test_during_substitution_decisions_unchanged_with_caveat(tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    data = vignette(igg={"during_ig_substitution": True}, ig=ongoing("2026-02-01", basis="igg-below-4"))
    code, out, err = run(tmp_path, capsys, json.dumps(data), "--format", "json")
    assert code == 0, err
    answer = json.loads(out)
    assert (answer["start"]["decision"], answer["stop"]["decision"]) == ("already-on-ig", "stop-at-six-months")
    caveat = [s for s in answer["explanation"] if "during immunoglobulin substitution" in s]
    assert caveat and KB + "council-stop-igg-recovery" in caveat[0] and "section 3.4" in caveat[0]


# --- bad input: exit 2, one line on stderr naming the field -----------------------------------------

BAD: list[tuple[str, str, str]] = [
    ("malformed-json", '{"age": 62, "therapy": "car-t",', "malformed JSON"),
    ("empty-file", "", "empty file"),
    ("whitespace-only-file", " \n", "empty file"),
    ("json-list", json.dumps([BASE]), "patient"),
    ("json-string", '"car-t"', "patient"),
    ("json-null", "null", "patient"),
    ("age-string", json.dumps(vignette(age="62")), "age"),
    ("age-bool", json.dumps(vignette(age=True)), "age"),
    ("age-negative", json.dumps(vignette(age=-1)), "age"),
    ("age-absurd", json.dumps(vignette(age=250)), "age"),
    ("age-missing", json.dumps(vignette(age=_DROP)), "age"),
    ("igg-value-string", json.dumps(vignette(igg={"value": "3"})), "igg.value"),
    ("igg-value-negative", json.dumps(vignette(igg={"value": -0.1})), "igg.value"),
    ("igg-value-absurd-gl", json.dumps(vignette(igg={"value": 320})), "igg.value"),
    ("igg-value-absurd-mgdl", json.dumps(vignette(igg={"value": 32000, "unit": "mg/dL"})), "igg.value"),
    ("igg-value-nan", json.dumps(vignette()).replace('"value": 3.2', '"value": NaN'), "igg.value"),
    ("igg-value-infinity", json.dumps(vignette()).replace('"value": 3.2', '"value": Infinity'), "igg.value"),
    ("igg-value-missing", json.dumps(vignette(igg={"value": None})), "igg.value"),
    ("igg-not-object", json.dumps(vignette(igg=_DROP) | {"igg": 3.2}), "igg"),
    ("igg-missing", json.dumps(vignette(igg=_DROP)), "igg"),
    ("unit-g-dl", json.dumps(vignette(igg={"unit": "g/dl"})), "igg.unit"),
    ("unit-mg-l", json.dumps(vignette(igg={"unit": "mg/L"})), "igg.unit"),
    ("unit-mmol", json.dumps(vignette(igg={"unit": "mmol/L"})), "igg.unit"),
    ("unit-missing", json.dumps(vignette(igg={"unit": None})), "igg.unit"),
    ("during-string", json.dumps(vignette(igg={"during_ig_substitution": "true"})), "igg.during_ig_substitution"),
    ("infections-string", json.dumps(vignette(inf="false")), "severe_or_recurrent_bacterial_infections"),
    ("infections-int", json.dumps(vignette(inf=0)), "severe_or_recurrent_bacterial_infections"),
    ("infections-missing", json.dumps(vignette(severe_or_recurrent_bacterial_infections=_DROP)),
     "severe_or_recurrent_bacterial_infections"),
    ("therapy-missing", json.dumps(vignette(therapy=_DROP)), "therapy"),
    ("therapy-empty", json.dumps(vignette(therapy="  ")), "therapy"),
    ("therapy-number", json.dumps(vignette(therapy=1)), "therapy"),
    ("therapy-unknown", json.dumps(vignette(therapy="rituximab")), "therapy"),
    ("therapy-sparql-injection", json.dumps(vignette(therapy='car-t" } ; DROP ALL ; #')), "therapy"),
    ("therapy-start-impossible", json.dumps(vignette(therapy_start="2026-02-30")), "therapy_start"),
    ("therapy-start-not-iso", json.dumps(vignette(therapy_start="15/01/2026")), "therapy_start"),
    ("therapy-start-number", json.dumps(vignette(therapy_start=20260115)), "therapy_start"),
    ("therapy-start-missing", json.dumps(vignette(therapy_start=_DROP)), "therapy_start"),
    ("assessment-impossible", json.dumps(vignette(assessment_date="2027-02-29")), "assessment_date"),
    ("assessment-before-therapy", json.dumps(vignette(assessment_date="2026-01-14")), "assessment_date"),
    ("ig-missing", json.dumps(vignette(immunoglobulin=_DROP)), "immunoglobulin"),
    ("ig-status-unknown", json.dumps(vignette(ig={"status": "maybe"})), "immunoglobulin.status"),
    ("ig-start-date-missing", json.dumps(vignette(ig={"status": "ongoing", "started_before_therapy": False,
                                                     "start_basis": "infections"})),
     "immunoglobulin.start_date"),
    ("ig-start-after-assessment", json.dumps(vignette(ig=ongoing("2026-03-02", basis="infections"))),
     "immunoglobulin.start_date"),
    ("ig-before-flag-contradicts-date", json.dumps(vignette(ig=ongoing("2026-02-01", before=True))),
     "immunoglobulin.started_before_therapy"),
    ("ig-before-flag-string", json.dumps(vignette(ig={"status": "ongoing", "start_date": "2026-02-01",
                                                     "started_before_therapy": "no",
                                                     "start_basis": "infections"})),
     "immunoglobulin.started_before_therapy"),
    ("ig-basis-unknown", json.dumps(vignette(ig=ongoing("2026-02-01", basis="igg-below-6"))),
     "immunoglobulin.start_basis"),
    ("ig-basis-needed-within-window", json.dumps(vignette(ig=ongoing("2026-02-01"))),
     "immunoglobulin.start_basis"),
    ("unknown-top-level-field", json.dumps(vignette(assesment_date="2026-03-01")), "assesment_date"),
    ("unknown-igg-field", json.dumps(vignette(igg={"during_substitution": True})), "igg.during_substitution"),
    ("unknown-ig-field", json.dumps(vignette(ig={"status": "none", "start": "2026-02-01"})),
     "immunoglobulin.start"),
]


@pytest.mark.parametrize("content, field", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_input(content: str, field: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(tmp_path, capsys, content, "--format", "json")
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert field in lines[0], lines[0]
    assert "Traceback" not in err and "DROP ALL ;" not in err.replace("'car-t\" } ; DROP ALL ; #'", "")


def test_nonexistent_file_and_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for path in (tmp_path / "nope.json", tmp_path):
        assert main(["recommend", str(path), "--format", "json"]) == 2
        out, err = capsys.readouterr()
        assert out == "" and len(err.strip().splitlines()) == 1 and str(path) in err


def test_utf8_bom_is_accepted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "patient.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(BASE).encode())
    assert main(["recommend", str(path), "--format", "json"]) == 0, capsys.readouterr().err
    assert json.loads(capsys.readouterr().out)["start"]["decision"] == "start"


def test_disease_is_a_known_optional_field(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(tmp_path, capsys, json.dumps(vignette(disease="multiple myeloma")), "--format", "json")
    assert code == 0, err
    assert json.loads(out)["start"]["decision"] == "start"


def test_help_documents_unknown_fields(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["recommend", "--help"])
    assert "unknown fields are rejected" in capsys.readouterr().out


# --- text output ------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang, words", [
    # decision words are the graph's labels of the decision codes; durations come from the graph's windows
    ("en", ["Start: Start immunoglobulin", "Stop: Stop six months after therapy start", "date 2026-07-15",
            "Explanation:", "section 4.1", "within the first 6 months", "IgG 3.2 g/L"]),
    ("da", ["Opstart: Opstart immunglobulin", "Seponering: Seponer seks måneder efter behandlingsstart",
            "dato 2026-07-15", "Begrundelse:", "afsnit 4.1", "inden for de første 6 måneder", "voksen",
            "IgG 3,2 g/L"]),
])
def test_text_format(lang: str, words: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(tmp_path, capsys, json.dumps(BASE), "--format", "text", "--lang", lang)
    assert code == 0, err
    for word in words:
        assert word in out, (word, out)
    assert "{" not in out and "None" not in out and "?" not in out.replace("?)", "")
    assert "https://w3id.org/" not in out, "the text shows CURIEs; the JSON keeps the IRIs"


def test_text_unsettled_is_flagged(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = vignette(ig=ongoing("2026-02-01", basis="infections"))
    code, out, _ = run(tmp_path, capsys, json.dumps(data), "--format", "text", "--lang", "da")
    assert code == 0
    assert "IKKE AFKLARET I TEKSTEN" in out and "vindue 2026-08-01 – 2027-02-01" in out
    assert "Ikke afklaret i teksten: Ig startet inden for 6 måneder pga. infektioner." in out


# --- batch --------------------------------------------------------------------------------------------

CSV = """age,therapy,therapy_start,assessment_date,igg_value,igg_unit,igg_during_ig_substitution,\
severe_or_recurrent_bacterial_infections,ig_status,ig_start_date,ig_started_before_therapy,ig_start_basis
62,car-t,2026-01-15,2026-03-01,3.2,g/L,false,false,none,,,
70,teclistamab,2026-02-30,2026-03-01,3.2,g/L,false,false,none,,,
55,Carvykti,2026-01-15,2026-07-15,350,mg/dL,false,true,none,,,
"""


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"], ids=["plain", "utf8-bom"])
def test_batch_csv_bad_row_in_middle(bom: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src, out = tmp_path / "patients.csv", tmp_path / "out.jsonl"
    src.write_bytes(bom + CSV.encode())
    assert main(["recommend", "--batch", str(src), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "line 3: therapy_start" in err
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["line"] for r in rows] == [2, 3, 4]
    assert rows[0]["start"]["decision"] == "start" and rows[0]["stop"]["date"] == "2026-07-15"
    assert "therapy_start" in rows[1]["error"]
    assert rows[2]["start"]["decision"] == "start" and rows[2]["start"]["rule"] == R_AFTER
    assert rows[2]["stop"]["window"] == {"from": "2027-01-15", "to": "2027-07-15", "ig_start": "2026-07-15"}


def test_batch_jsonl_bad_rows_in_middle(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src, out = tmp_path / "patients.jsonl", tmp_path / "out.jsonl"
    lines = [json.dumps(BASE), "{broken", json.dumps(vignette(age="62")), "", json.dumps(vignette(age=10))]
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["recommend", "--batch", str(src), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "line 2: " in err and "line 3: age" in err
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["line"] for r in rows] == [1, 2, 3, 5]
    assert rows[3]["population"] == "child"


def test_batch_csv_unknown_column_rejected(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src, out = tmp_path / "patients.csv", tmp_path / "out.jsonl"
    src.write_text(CSV.replace("assessment_date", "assesment_date"), encoding="utf-8")
    assert main(["recommend", "--batch", str(src), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "unknown CSV column(s) 'assesment_date'" in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_batch_csv_row_with_surplus_cells(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src, out = tmp_path / "patients.csv", tmp_path / "out.jsonl"
    lines = CSV.splitlines()
    src.write_text("\n".join([lines[0], lines[1] + ",oops", lines[1]]) + "\n", encoding="utf-8")
    assert main(["recommend", "--batch", str(src), "--out", str(out)]) == 1
    assert "line 2: row: 13 cells but the header has 12 columns" in capsys.readouterr().err
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert "error" in rows[0] and rows[1]["start"]["decision"] == "start"


def test_batch_jsonl_error_names_line_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src, out = tmp_path / "patients.jsonl", tmp_path / "out.jsonl"
    src.write_text(json.dumps(BASE) + "\n{broken\n", encoding="utf-8")
    assert main(["recommend", "--batch", str(src), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert f"{src}: line 2: row: malformed JSON" in err and err.count("line 2") == 1
