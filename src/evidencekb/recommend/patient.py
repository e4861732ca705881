"""The patient model of `evidencekb recommend` and `compare`: validate a record, never evaluate it.

A record is a JSON object (a CSV row is turned into one by `evidencekb.recommend.records`)::

    {"age": 62, "therapy": "car-t", "therapy_start": "2026-01-15", "assessment_date": "2026-03-01",
     "igg": {"value": 3.2, "unit": "g/L", "during_ig_substitution": false},
     "severe_or_recurrent_bacterial_infections": false,
     "immunoglobulin": {"status": "none"}}

`immunoglobulin` is ``{"status": "none"}`` or ``{"status": "ongoing", "start_date": "YYYY-MM-DD",
"started_before_therapy": true|false, "start_basis": "igg-below-4"|"infections"}``.
`assessment_date` defaults to today, `igg.during_ig_substitution` to false; `null` counts as absent.

The rules are declared once, as tables of `Field`s: `PATIENT`, `IGG`, `IMMUNOGLOBULIN` (each field: its
name, what it accepts in words, its check, required or its default; each record: a cross-field rule).
`parse_patient` validates with them and turns the first problem into an `InputError` with one line naming
the field and what is accepted (exit 2). Which therapy names exist is the graph's business
(`rules.RuleBook.resolve_therapy`); here only the shape of the text.

The tables replaced pydantic models (issue 12, speed): importing pydantic and building the models cost
≈0.2 s of every `recommend` process. The semantics are pydantic's strict, frozen, `extra="forbid"` models,
kept message for message (`tests/test_patient_reference.py` compares every message with the pydantic
models, `tests/patient_pydantic_reference.py`): `null` counts as absent; every field of a record is
checked in declaration order, then unknown fields in input order; a record's cross-field rule runs only
when its fields are all valid; an unknown field anywhere is reported before any other problem.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cached_property
from typing import Any

from evidencekb.errors import InputError

#: Accepted IgG units and the factor to g/L (mg/dL ÷ 100). Unit conversion, not a clinical threshold.
UNITS: dict[str, Decimal] = {"g/l": Decimal(1), "mg/dl": Decimal("0.01")}
UNIT_NAMES = {"g/l": "g/L", "mg/dl": "mg/dL"}
#: Above this an IgG value is taken for a typing error (normal adult IgG is about 7–16 g/L).
MAX_IGG_G_PER_L = Decimal(60)
MAX_AGE = Decimal(130)
#: Numbers are rounded to this many decimals (float noise such as 969.9999999999999 stays exact enough;
#: the query engines compute xsd:decimal with 18 fractional digits, and mg/dL ÷ 100 adds two).
MAX_DECIMALS = 12
_QUANTUM = Decimal(1).scaleb(-MAX_DECIMALS)
IG_STATUSES = ("none", "ongoing")
START_BASES = ("igg-below-4", "infections")

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


# --- the validated patient ----------------------------------------------------------------------


@dataclass(frozen=True)
class Immunoglobulin:
    status: str  # "none" | "ongoing"
    start_date: date | None = None
    started_before_therapy: bool | None = None
    start_basis: str | None = None


@dataclass(frozen=True)
class Patient:
    age: float
    therapy: str
    therapy_start: date
    assessment_date: date
    igg_value: Decimal
    igg_unit: str  # "g/L" | "mg/dL"
    igg_g_per_l: Decimal
    igg_during_substitution: bool
    infections: bool
    immunoglobulin: Immunoglobulin
    disease: str | None = None


# --- field checks (each raises one message naming what is accepted) ------------------------------


class Problem(Exception):
    """One thing wrong with a value: the message, and the field it is about when not the checked one."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


_fail = Problem


def kind(value: Any) -> str:
    """What a JSON value is, in words."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float, Decimal)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _number(what: str) -> Callable[[Any], Decimal]:
    def check(value: Any) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
            raise _fail(f"expected a number of {what}, got {kind(value)}")
        number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
        if not number.is_finite():
            raise _fail(f"expected a finite number of {what}")
        if number.adjusted() > 6:  # far beyond any plausible value; stops 1e999999999 before arithmetic
            raise _fail(f"{_short(number)} is not plausible (accepted: a number of {what})")
        if number.as_tuple().exponent < -MAX_DECIMALS:  # type: ignore[operator]  # float noise, 1e-999999999
            number = number.quantize(_QUANTUM)
        if number.is_zero():
            return Decimal(0)  # -0, -0.0 and 0E-12 alike
        if number < 0:
            raise _fail(f"{_short(number)} is negative (accepted: a number of {what} ≥ 0)")
        return number
    return check


def _short(number: Decimal) -> str:
    text = str(number)
    return text if len(text) <= 24 else text[:20] + "…"


def _iso_date(value: Any) -> date:
    if not isinstance(value, str):
        raise _fail(f"expected a date string YYYY-MM-DD, got {kind(value)}")
    text = value.strip()
    if not _DATE.match(text):
        raise _fail(f"{value[:40]!r} is not a date (accepted: YYYY-MM-DD, e.g. 2026-01-15)")
    try:
        parsed = date.fromisoformat(text)
    except ValueError:
        raise _fail(f"{text} is not a real calendar date (accepted: YYYY-MM-DD)") from None
    if parsed.year < 1950 or parsed.year > 2200:
        raise _fail(f"{text} is outside the plausible range (accepted: years 1950–2200)")
    return parsed


def _code(accepted: tuple[str, ...], what: str) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if not isinstance(value, str):
            raise _fail(f"expected a string ({', '.join(accepted)}), got {kind(value)}")
        code = value.strip().lower()
        if code not in accepted:
            raise _fail(f"unknown {what} {value[:40]!r} (accepted: {', '.join(accepted)})")
        return code
    return check


def _unit(value: Any) -> str:
    if not isinstance(value, str):
        raise _fail(f"expected a string (g/L or mg/dL), got {kind(value)}")
    key = value.strip().lower()
    if key not in UNITS:
        raise _fail(f"unknown unit {value[:40]!r} (accepted: g/L or mg/dL)")
    return UNIT_NAMES[key]


def _text(message: str, longest: int = 100) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if not isinstance(value, str) or not value.strip() or len(value) > longest:
            raise _fail(message)
        return value.strip()
    return check


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _fail(f"expected true or false, got {kind(value)}")
    return value


# --- the declarations -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    """One field of a record: its name, what it accepts (in words, for messages), its check — a function
    that returns the value or raises `Problem`, or a nested `Record` — and, if optional, its default."""

    name: str
    accepts: str
    check: Callable[[Any], Any] | Record
    required: bool = True
    default: Any = None


@dataclass(frozen=True)
class Record:
    """A JSON object with exactly these fields (unknown ones are refused, `null` counts as absent) and a
    rule across them, `after(values, today)`, run once every field is valid (raises `Problem`)."""

    fields: tuple[Field, ...]
    after: Callable[[dict[str, Any], date | None], None] | None = None

    @cached_property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)


def _plausible_igg(igg: dict[str, Any], _: date | None) -> None:
    if igg["value"] * UNITS[igg["unit"].lower()] > MAX_IGG_G_PER_L:
        raise _fail(
            f"{igg['value']} {igg['unit']} is not a plausible IgG "
            f"(accepted: 0–{MAX_IGG_G_PER_L} g/L, i.e. 0–{MAX_IGG_G_PER_L * 100} mg/dL)", "igg.value")


def _ongoing_needs_dates(ig: dict[str, Any], _: date | None) -> None:
    if ig["status"] == "ongoing":
        if ig["start_date"] is None:
            raise _fail("missing (required when status is ongoing; accepted: a date YYYY-MM-DD)",
                        "immunoglobulin.start_date")
        if ig["started_before_therapy"] is None:
            raise _fail("missing (required when status is ongoing; accepted: true or false)",
                        "immunoglobulin.started_before_therapy")


def _consistent(record: dict[str, Any], today: date | None) -> None:
    if record["age"] > MAX_AGE:
        raise _fail(f"{record['age']} is not plausible (accepted: 0–{MAX_AGE} years)", "age")
    assessment = record["assessment_date"] or today or date.today()
    start = record["therapy_start"]
    if assessment < start:
        raise _fail(f"{assessment.isoformat()} is before therapy_start {start.isoformat()} (the assessment "
                    "must be on or after the CAR-T infusion or first bispecific dose)", "assessment_date")
    ig = record["immunoglobulin"]
    started = ig["start_date"]
    if ig["status"] == "ongoing" and started is not None:
        if started > assessment:
            raise _fail(f"{started.isoformat()} is after assessment_date {assessment.isoformat()} (an "
                        "ongoing substitution must have started on or before the assessment)",
                        "immunoglobulin.start_date")
        if ig["started_before_therapy"] and started > start:
            raise _fail(f"true, but start_date {started.isoformat()} is after therapy_start "
                        f"{start.isoformat()} (use false, or correct the date)",
                        "immunoglobulin.started_before_therapy")
        if ig["started_before_therapy"] is False and started < start:
            raise _fail(f"false, but start_date {started.isoformat()} is before therapy_start "
                        f"{start.isoformat()} (use true, or correct the date)",
                        "immunoglobulin.started_before_therapy")


BOOLEAN = "true or false"
DATE = "a date YYYY-MM-DD"

IGG = Record((
    Field("value", "a number of g/L or mg/dL", _number("g/L or mg/dL")),
    Field("unit", "g/L or mg/dL", _unit),
    Field("during_ig_substitution", BOOLEAN, _boolean, required=False, default=False),
), after=_plausible_igg)

IMMUNOGLOBULIN = Record((
    Field("status", "none or ongoing", _code(IG_STATUSES, "status")),
    Field("start_date", DATE, _iso_date, required=False),
    Field("started_before_therapy", BOOLEAN, _boolean, required=False),
    Field("start_basis", "igg-below-4 or infections", _code(START_BASES, "basis"), required=False),
), after=_ongoing_needs_dates)

PATIENT = Record((
    Field("age", "a number of years", _number("years")),
    Field("therapy", "car-t, bispecific or a product name", _text(
        "expected car-t, bispecific or a product name such as axi-cel, cilta-cel or teclistamab")),
    Field("therapy_start", DATE, _iso_date),
    Field("assessment_date", DATE, _iso_date, required=False),
    Field("igg", 'an object {"value": number, "unit": "g/L"|"mg/dL"}', IGG),
    Field("severe_or_recurrent_bacterial_infections", BOOLEAN, _boolean),
    Field("immunoglobulin", '{"status": "none"} or {"status": "ongoing", "start_date": …, '
          '"started_before_therapy": …, "start_basis": …}', IMMUNOGLOBULIN),
    Field("disease", "a short text", _text(
        "expected a short text such as 'multiple myeloma' or 'LBCL' (or leave it out)"), required=False),
), after=_consistent)

FIELDS = PATIENT.names
IGG_FIELDS = IGG.names
IG_FIELDS = IMMUNOGLOBULIN.names


# --- validation → Patient, errors → one line --------------------------------------------------------


@dataclass(frozen=True)
class _Error:
    message: str
    unknown_field: bool = False


def _validate(record: Record, data: dict[Any, Any], loc: tuple[str, ...], today: date | None,
              errors: list[_Error]) -> dict[str, Any] | None:
    """The record's values by field name, or None after appending its problems to `errors` (in order)."""
    data = {k: v for k, v in data.items() if v is not None}
    found = len(errors)
    values: dict[str, Any] = {}
    for field in record.fields:
        here = ".".join((*loc, field.name))
        if field.name not in data:
            if field.required:
                errors.append(_Error(f"{here}: missing (required; accepted: {field.accepts})"))
            values[field.name] = field.default
            continue
        value = data[field.name]
        if isinstance(field.check, Record):
            if not isinstance(value, dict):
                errors.append(_Error(f"{here}: expected {field.accepts}, got {kind(value)}"))
                continue
            values[field.name] = _validate(field.check, value, (*loc, field.name), today, errors)
            continue
        try:
            values[field.name] = field.check(value)
        except Problem as problem:
            errors.append(_Error(f"{here}: {problem.message}"))
    for key in data:
        if key not in record.names:
            where = ".".join((*loc, repr(str(key))[1:-1][:40]))
            errors.append(_Error(
                f"{where}: unknown field (accepted: {', '.join(record.names)}; unknown fields are rejected "
                "so that a misspelling is not silently ignored)", unknown_field=True))
    if len(errors) > found:
        return None
    if record.after is not None:
        try:
            record.after(values, today)
        except Problem as problem:
            errors.append(_Error(f"{problem.field or '.'.join(loc) or 'patient'}: {problem.message}"))
            return None
    return values


def check_record(data: dict[Any, Any], today: date | None = None) -> dict[str, Any]:
    """The validated values of a patient record (nested dicts for igg and immunoglobulin); `InputError`
    with the first problem — an unknown field first — as "field: what is wrong (accepted: …)"."""
    errors: list[_Error] = []
    values = _validate(PATIENT, data, (), today, errors)
    if values is None:
        first = next((e for e in errors if e.unknown_field), errors[0])
        raise InputError(first.message)
    return values


def parse_patient(data: Any, today: date | None = None) -> Patient:
    """Validate one patient record (a dict from JSON, or a FHIR R5 patient Bundle) into a `Patient`;
    `InputError` names the field (or the Bundle location)."""
    if isinstance(data, dict) and "resourceType" in data:  # a FHIR patient Bundle (README, "FHIR R5")
        from evidencekb.fhir.patient import bundle_to_patient

        data = bundle_to_patient(data)
    if not isinstance(data, dict):
        raise InputError(f"patient: expected a JSON object with the fields age, therapy, …, got {kind(data)}")
    record = check_record(data, today)
    ig = record["immunoglobulin"]
    igg = record["igg"]
    return Patient(
        age=float(record["age"]),
        therapy=record["therapy"],
        therapy_start=record["therapy_start"],
        assessment_date=record["assessment_date"] or today or date.today(),
        igg_value=igg["value"],
        igg_unit=igg["unit"],
        igg_g_per_l=igg["value"] * UNITS[igg["unit"].lower()],
        igg_during_substitution=igg["during_ig_substitution"],
        infections=record["severe_or_recurrent_bacterial_infections"],
        immunoglobulin=Immunoglobulin(ig["status"], ig["start_date"], ig["started_before_therapy"],
                                      ig["start_basis"])
        if ig["status"] == "ongoing" else Immunoglobulin("none"),
        disease=record["disease"],
    )
