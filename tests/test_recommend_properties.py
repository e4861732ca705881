"""Property-based tests (hypothesis): random valid patients never crash, and a lower IgG never turns
`start` into `do-not-start` when every other fact is the same."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evidencekb.recommend.evaluate import recommend_data

THERAPIES = ["car-t", "bispecific", "CAR-T", "axi-cel", "Carvykti", "teclistamab", "cilta-cel", "Yescarta"]
START_DECISIONS = {"start", "do-not-start", "general-criteria", "individual-assessment", "already-on-ig"}
STOP_DECISIONS = {"stop-at-six-months", "general-stop-rules", "individual-assessment", "not-applicable"}


@st.composite
def patients(draw: st.DrawFn) -> dict[str, Any]:
    start = draw(st.dates(min_value=date(2018, 1, 1), max_value=date(2030, 12, 31)))
    assessed = start + timedelta(days=draw(st.integers(0, 900)))
    unit = draw(st.sampled_from(["g/L", "mg/dL"]))
    g_per_l = draw(st.decimals(min_value=0, max_value=60, places=2))
    ig: dict[str, Any] = {"status": "none"}
    if draw(st.booleans()):
        before = draw(st.booleans())
        if before:
            ig_start = start - timedelta(days=draw(st.integers(0, 365)))
        else:
            ig_start = start + timedelta(days=draw(st.integers(0, (assessed - start).days)))
        ig = {"status": "ongoing", "start_date": ig_start.isoformat(), "started_before_therapy": before,
              "start_basis": draw(st.sampled_from(["igg-below-4", "infections"]))}
    return {
        "age": draw(st.integers(0, 110)),
        "therapy": draw(st.sampled_from(THERAPIES)),
        "therapy_start": start.isoformat(),
        "assessment_date": assessed.isoformat(),
        "igg": {"value": float(g_per_l * 100) if unit == "mg/dL" else float(g_per_l), "unit": unit,
                "during_ig_substitution": draw(st.booleans())},
        "severe_or_recurrent_bacterial_infections": draw(st.booleans()),
        "immunoglobulin": ig,
    }


SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(patients())
def test_random_valid_patients_never_crash(data: dict[str, Any]) -> None:
    answer = recommend_data(data)
    assert answer["start"]["decision"] in START_DECISIONS
    assert answer["stop"]["decision"] in STOP_DECISIONS
    assert answer["phase"] in {"within-6-months", "after-6-months"}
    assert answer["explanation"]
    if answer["stop"]["decision"] == "stop-at-six-months":
        assert answer["stop"]["date"] == answer["six_month_date"]


@SETTINGS
@given(patients(), st.decimals(min_value=0, max_value=1, places=2))
def test_lower_igg_never_turns_start_into_do_not_start(data: dict[str, Any], fraction: Decimal) -> None:
    higher = recommend_data(data)
    lower_data = {**data, "igg": {**data["igg"], "value": float(Decimal(str(data["igg"]["value"])) * fraction)}}
    lower = recommend_data(lower_data)
    if higher["start"]["decision"] == "start":
        assert lower["start"]["decision"] != "do-not-start"
        assert lower["start"]["decision"] == "start"
