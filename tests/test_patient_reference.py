"""The light patient validator (`evidencekb.recommend.patient`) gives the same answer as the pydantic
models it replaced (`tests/patient_pydantic_reference.py`) — the same `Patient`, or the same one-line
message — on hand-picked records and on thousands of generated ones (hypothesis)."""

from __future__ import annotations

import copy
import json
from datetime import date
from decimal import Decimal
from typing import Any

import patient_pydantic_reference as reference
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evidencekb.errors import InputError
from evidencekb.recommend import patient as light

BASE: dict[str, Any] = {
    "age": 62, "therapy": "car-t", "therapy_start": "2026-01-15", "assessment_date": "2026-03-01",
    "igg": {"value": Decimal("3.2"), "unit": "g/L", "during_ig_substitution": False},
    "severe_or_recurrent_bacterial_infections": False, "immunoglobulin": {"status": "none"},
}
ONGOING = {"status": "ongoing", "start_date": "2026-01-01", "started_before_therapy": True,
           "start_basis": "igg-below-4"}
TODAY = date(2026, 6, 1)


def outcome(module: Any, data: Any, today: date | None = TODAY) -> tuple[str, Any]:
    try:
        return "ok", module.parse_patient(data, today)
    except InputError as error:
        return "error", str(error)


def same(data: Any, today: date | None = TODAY) -> None:
    expected = outcome(reference, copy.deepcopy(data), today)
    got = outcome(light, copy.deepcopy(data), today)
    if expected[0] == "ok" and got[0] == "ok":  # two Patient classes: compare their fields
        assert vars(got[1]) == {**vars(expected[1]), "immunoglobulin": got[1].immunoglobulin}
        assert vars(got[1].immunoglobulin) == vars(expected[1].immunoglobulin)
    else:
        assert got == expected, data


def with_(**changes: Any) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    for key, value in changes.items():
        if "__" in key:
            outer, inner = key.split("__")
            data[outer][inner] = value
        else:
            data[key] = value
    return data


CASES = [
    BASE,
    with_(immunoglobulin=ONGOING),
    with_(immunoglobulin={**ONGOING, "started_before_therapy": False, "start_date": "2026-02-01"}),
    with_(age=None), with_(igg=None), with_(igg=[]), with_(igg="3"), with_(immunoglobulin=7),
    with_(extra=1), with_(extra=None), with_(igg__extra=1, extra=2), with_(age="x", zzz=1),
    with_(igg__value=True, igg__unit=5), with_(igg__value=61), with_(igg__value=6100, igg__unit="MG/DL"),
    with_(igg__value=61, age=-1), with_(age=131), with_(age=Decimal("1e-999999999")), with_(age=1e999),
    with_(age=float("nan")), with_(age=10**30), with_(assessment_date="2025-01-01"),
    with_(assessment_date=None), with_(therapy_start="2026-02-30"), with_(therapy_start=" 2026-01-15 "),
    with_(therapy=" "), with_(therapy="x" * 101), with_(disease=5), with_(disease="LBCL"),
    with_(immunoglobulin={"status": "ongoing"}), with_(immunoglobulin={"status": "ongoing", "start_date": 5}),
    with_(immunoglobulin={"status": "ongoing", "start_date": "2026-01-01"}),
    with_(immunoglobulin={**ONGOING, "start_date": "2026-05-01"}),
    with_(immunoglobulin={**ONGOING, "start_basis": "vibes"}),
    with_(immunoglobulin={"status": "NONE", "start_basis": "x"}),
    with_(immunoglobulin={"status": "none", "start_date": "2026-01-01", "surprise": True}),
    with_(**{"it's": 1}), with_(**{"x" * 60: 1}), {}, {"age": None},
]


@pytest.mark.parametrize("data", CASES, ids=range(len(CASES)))
def test_same_answer_as_the_pydantic_models(data: dict[str, Any]) -> None:
    same(data)


def test_today_defaults_alike() -> None:
    same(with_(assessment_date=None), today=None)


FIELDS = [*BASE, "disease", "unknown", *(f"igg.{k}" for k in ("value", "unit", "during_ig_substitution", "x")),
          *(f"immunoglobulin.{k}" for k in ("status", "start_date", "started_before_therapy", "start_basis", "x"))]
SCALARS = (st.none() | st.booleans() | st.integers(-10**8, 10**8) | st.floats(allow_nan=True, allow_infinity=True)
           | st.decimals(allow_nan=True) | st.text(max_size=12)
           | st.sampled_from(["car-t", "g/L", "mg/dL", "ongoing", "none", "infections", "igg-below-4",
                              "2026-01-01", "2026-02-10", "2025-12-31", "1900-01-01", "2026-13-01", ""]))
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5),
                                                                                          inner, max_size=3),
                      max_leaves=6)


@st.composite
def records(draw: st.DrawFn) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    if draw(st.booleans()):
        data["immunoglobulin"] = dict(ONGOING)
    for field in draw(st.lists(st.sampled_from(FIELDS), min_size=1, max_size=4)):
        target, key = (data, field) if "." not in field else (data.get(field.split(".")[0]), field.split(".")[1])
        if not isinstance(target, dict):
            continue
        if draw(st.integers(0, 3)) == 0:
            target.pop(key, None)
        else:
            target[key] = draw(VALUES)
    return data


@settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records())
def test_generated_records_same_answer(data: dict[str, Any]) -> None:
    same(data)


def test_generated_json_roundtrip_examples_cover_every_message_kind() -> None:
    """The generated records reach errors of every kind (so the comparison above is not vacuous)."""
    messages = [outcome(light, case)[1] for case in CASES]
    text = json.dumps([m for m in messages if isinstance(m, str)])
    for needle in ("missing (required", "unknown field", "expected an object", "is not plausible", "is before"):
        assert needle in text, needle
