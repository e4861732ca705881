"""Patient records for `evidencekb recommend` and `compare`: parse and validate, never evaluate.

A record is a JSON object (or a CSV row, see `from_csv_row`)::

    {"age": 62, "therapy": "car-t", "therapy_start": "2026-01-15", "assessment_date": "2026-03-01",
     "igg": {"value": 3.2, "unit": "g/L", "during_ig_substitution": false},
     "severe_or_recurrent_bacterial_infections": false,
     "immunoglobulin": {"status": "none"}}

`immunoglobulin` is ``{"status": "none"}`` or ``{"status": "ongoing", "start_date": "YYYY-MM-DD",
"started_before_therapy": true|false, "start_basis": "igg-below-4"|"infections"}``.
`assessment_date` defaults to today, `igg.during_ig_substitution` to false. Every problem raises
`InputError` with one line naming the field and what is accepted. Which therapy names exist is the
graph's business (`recommend.resolve_therapy`); this module checks only the shape of the text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from evidencekb.errors import InputError

#: Accepted IgG units and the factor to g/L (mg/dL ÷ 100). Unit conversion, not a clinical threshold.
UNITS: dict[str, Decimal] = {"g/l": Decimal(1), "mg/dl": Decimal("0.01")}
UNIT_NAMES = {"g/l": "g/L", "mg/dl": "mg/dL"}
#: Above this an IgG value is taken for a typing error (normal adult IgG is about 7–16 g/L).
MAX_IGG_G_PER_L = Decimal(60)
MAX_AGE = 130
IG_STATUSES = ("none", "ongoing")
START_BASES = ("igg-below-4", "infections")

#: Fields a patient record may have. Anything else is rejected by name: a misspelt optional field
#: (e.g. "assesment_date") would otherwise be silently replaced by its default.
FIELDS = (
    "age", "therapy", "therapy_start", "assessment_date", "igg", "severe_or_recurrent_bacterial_infections",
    "immunoglobulin", "disease",
)
IGG_FIELDS = ("value", "unit", "during_ig_substitution")
IG_FIELDS = ("status", "start_date", "started_before_therapy", "start_basis")

CSV_COLUMNS = (
    "age", "therapy", "therapy_start", "assessment_date", "igg_value", "igg_unit",
    "igg_during_ig_substitution", "severe_or_recurrent_bacterial_infections", "ig_status",
    "ig_start_date", "ig_started_before_therapy", "ig_start_basis", "disease",
)

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


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


def load_json_file(path: Path) -> Any:
    """Read a JSON file; malformed JSON names the file, line and column."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")  # a byte-order mark (Windows editors) is harmless
    except UnicodeDecodeError as error:
        raise InputError(f"{path}: not UTF-8 text ({error.reason} at byte {error.start})") from None
    except OSError as error:
        raise InputError(f"{path}: cannot read ({error.strerror})") from None
    if not text.strip():
        raise InputError(f"{path}: empty file (expected one patient as a JSON object)")
    return parse_json_text(text, str(path))


def parse_json_text(text: str, where: str) -> Any:
    try:
        # NaN/Infinity are read as floats, so the field check can reject them by name
        return json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as error:
        raise InputError(
            f"{where}: malformed JSON at line {error.lineno}, column {error.colno}: {error.msg}"
        ) from None
    except ValueError as error:
        raise InputError(f"{where}: {error}") from None


def parse_patient(data: Any, today: date | None = None) -> Patient:
    """Validate one patient record (a dict from JSON) into a `Patient`."""
    if not isinstance(data, Mapping):
        raise InputError(f"patient: expected a JSON object with the fields age, therapy, …, got {_kind(data)}")
    _known_fields(data, "", FIELDS)
    age = _number(data, "age", "age", minimum=Decimal(0), maximum=Decimal(MAX_AGE), what="years")
    therapy = _therapy_text(data)
    therapy_start = _date(data, "therapy_start", "therapy_start")
    if data.get("assessment_date") is None:
        assessment = today or date.today()
    else:
        assessment = _date(data, "assessment_date", "assessment_date")
    if assessment < therapy_start:
        raise InputError(
            f"assessment_date: {assessment.isoformat()} is before therapy_start {therapy_start.isoformat()} "
            "(the assessment must be on or after the CAR-T infusion or first bispecific dose)"
        )
    igg = _object(data, "igg", "igg", 'an object {"value": number, "unit": "g/L"|"mg/dL"}')
    _known_fields(igg, "igg.", IGG_FIELDS)
    unit_text = _string(igg, "unit", "igg.unit", "g/L or mg/dL")
    unit_key = unit_text.strip().lower()
    if unit_key not in UNITS:
        raise InputError(f"igg.unit: unknown unit {unit_text[:40]!r} (accepted: g/L or mg/dL)")
    value = _number(igg, "value", "igg.value", minimum=Decimal(0), maximum=None, what=UNIT_NAMES[unit_key])
    g_per_l = value * UNITS[unit_key]
    if g_per_l > MAX_IGG_G_PER_L:
        raise InputError(
            f"igg.value: {value} {UNIT_NAMES[unit_key]} is not a plausible IgG "
            f"(accepted: 0–{MAX_IGG_G_PER_L} g/L, i.e. 0–{MAX_IGG_G_PER_L * 100} mg/dL)"
        )
    during = _boolean(igg, "during_ig_substitution", "igg.during_ig_substitution", default=False)
    infections = _boolean(
        data, "severe_or_recurrent_bacterial_infections", "severe_or_recurrent_bacterial_infections"
    )
    ig = _immunoglobulin(data, therapy_start, assessment)
    disease = data.get("disease")
    if disease is not None and (not isinstance(disease, str) or not disease.strip() or len(disease) > 100):
        raise InputError("disease: expected a short text such as 'multiple myeloma' or 'LBCL' (or leave it out)")
    return Patient(
        age=float(age),
        therapy=therapy,
        therapy_start=therapy_start,
        assessment_date=assessment,
        igg_value=value,
        igg_unit=UNIT_NAMES[unit_key],
        igg_g_per_l=g_per_l,
        igg_during_substitution=during,
        infections=infections,
        immunoglobulin=ig,
        disease=disease.strip() if isinstance(disease, str) else None,
    )


def _immunoglobulin(data: Mapping[str, Any], therapy_start: date, assessment: date) -> Immunoglobulin:
    ig = _object(
        data, "immunoglobulin", "immunoglobulin",
        '{"status": "none"} or {"status": "ongoing", "start_date": …, "started_before_therapy": …, "start_basis": …}',
    )
    _known_fields(ig, "immunoglobulin.", IG_FIELDS)
    status = _string(ig, "status", "immunoglobulin.status", "none or ongoing").strip().lower()
    if status not in IG_STATUSES:
        raise InputError(f"immunoglobulin.status: unknown status {ig['status'][:40]!r} (accepted: none, ongoing)")
    if status == "none":
        return Immunoglobulin("none")
    start = _date(ig, "start_date", "immunoglobulin.start_date")
    if start > assessment:
        raise InputError(
            f"immunoglobulin.start_date: {start.isoformat()} is after assessment_date {assessment.isoformat()} "
            "(an ongoing substitution must have started on or before the assessment)"
        )
    before = _boolean(ig, "started_before_therapy", "immunoglobulin.started_before_therapy")
    if before and start > therapy_start:
        raise InputError(
            f"immunoglobulin.started_before_therapy: true, but start_date {start.isoformat()} is after "
            f"therapy_start {therapy_start.isoformat()} (use false, or correct the date)"
        )
    if not before and start < therapy_start:
        raise InputError(
            f"immunoglobulin.started_before_therapy: false, but start_date {start.isoformat()} is before "
            f"therapy_start {therapy_start.isoformat()} (use true, or correct the date)"
        )
    basis = ig.get("start_basis")
    if basis is not None:
        if not isinstance(basis, str) or basis.strip().lower() not in START_BASES:
            raise InputError(
                f"immunoglobulin.start_basis: unknown basis {str(basis)[:40]!r} (accepted: igg-below-4, infections)"
            )
        basis = basis.strip().lower()
    return Immunoglobulin("ongoing", start, before, basis)


def from_csv_row(row: Mapping[str, str | None]) -> dict[str, Any]:
    """Turn one CSV row (columns `CSV_COLUMNS`) into the JSON shape `parse_patient` reads.

    Empty cells are left out (so defaults apply); numbers and booleans are converted here, and a bad
    cell names its column.
    """
    def cell(name: str) -> str | None:
        value = row.get(name)
        if value is None:
            return None
        value = value.strip()
        return value or None

    record: dict[str, Any] = {}
    if cell("age") is not None:
        record["age"] = _csv_number(cell("age"), "age")
    for name in ("therapy", "therapy_start", "assessment_date"):
        if cell(name) is not None:
            record[name] = cell(name)
    igg: dict[str, Any] = {}
    if cell("igg_value") is not None:
        igg["value"] = _csv_number(cell("igg_value"), "igg_value")
    if cell("igg_unit") is not None:
        igg["unit"] = cell("igg_unit")
    if cell("igg_during_ig_substitution") is not None:
        igg["during_ig_substitution"] = _csv_bool(cell("igg_during_ig_substitution"), "igg_during_ig_substitution")
    if igg:
        record["igg"] = igg
    if cell("severe_or_recurrent_bacterial_infections") is not None:
        record["severe_or_recurrent_bacterial_infections"] = _csv_bool(
            cell("severe_or_recurrent_bacterial_infections"), "severe_or_recurrent_bacterial_infections"
        )
    ig: dict[str, Any] = {}
    if cell("ig_status") is not None:
        ig["status"] = cell("ig_status")
    if cell("ig_start_date") is not None:
        ig["start_date"] = cell("ig_start_date")
    if cell("ig_started_before_therapy") is not None:
        ig["started_before_therapy"] = _csv_bool(cell("ig_started_before_therapy"), "ig_started_before_therapy")
    if cell("ig_start_basis") is not None:
        ig["start_basis"] = cell("ig_start_basis")
    if ig:
        record["immunoglobulin"] = ig
    if cell("disease") is not None:
        record["disease"] = cell("disease")
    return record


def _csv_number(text: str | None, column: str) -> Decimal:
    try:
        value = Decimal((text or "").replace(",", "."))
    except InvalidOperation:
        raise InputError(f"{column}: {text!r} is not a number") from None
    if not value.is_finite():
        raise InputError(f"{column}: {text!r} is not a finite number")
    return value


def _csv_bool(text: str | None, column: str) -> bool:
    lowered = (text or "").lower()
    if lowered in ("true", "1", "yes", "ja"):
        return True
    if lowered in ("false", "0", "no", "nej"):
        return False
    raise InputError(f"{column}: {text!r} is not a boolean (accepted: true/false, 1/0, yes/no)")


# --- field helpers -------------------------------------------------------------------------


def _kind(value: Any) -> str:
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
    if isinstance(value, Mapping):
        return "an object"
    return type(value).__name__


def _known_fields(data: Mapping[str, Any], prefix: str, accepted: tuple[str, ...]) -> None:
    for key in data:
        if key not in accepted:
            raise InputError(
                f"{prefix}{str(key)[:40]}: unknown field (accepted: {', '.join(accepted)}; unknown fields are "
                "rejected so that a misspelling is not silently ignored)"
            )


def _require(data: Mapping[str, Any], key: str, field: str, accepted: str) -> Any:
    if key not in data or data[key] is None:
        raise InputError(f"{field}: missing (required; accepted: {accepted})")
    return data[key]


def _object(data: Mapping[str, Any], key: str, field: str, accepted: str) -> Mapping[str, Any]:
    value = _require(data, key, field, accepted)
    if not isinstance(value, Mapping):
        raise InputError(f"{field}: expected {accepted}, got {_kind(value)}")
    return value


def _string(data: Mapping[str, Any], key: str, field: str, accepted: str) -> str:
    value = _require(data, key, field, accepted)
    if not isinstance(value, str):
        raise InputError(f"{field}: expected a string ({accepted}), got {_kind(value)}")
    return value


def _number(
    data: Mapping[str, Any], key: str, field: str, minimum: Decimal, maximum: Decimal | None, what: str
) -> Decimal:
    value = _require(data, key, field, f"a number of {what}")
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise InputError(f"{field}: expected a number of {what}, got {_kind(value)}")
    number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    if not number.is_finite():
        raise InputError(f"{field}: expected a finite number of {what}")
    if number < minimum:
        raise InputError(f"{field}: {number} is negative (accepted: a number of {what} ≥ {minimum})")
    if maximum is not None and number > maximum:
        raise InputError(f"{field}: {number} is not plausible (accepted: {minimum}–{maximum} {what})")
    return number


def _boolean(data: Mapping[str, Any], key: str, field: str, default: bool | None = None) -> bool:
    if default is not None and data.get(key) is None:
        return default
    value = _require(data, key, field, "true or false")
    if not isinstance(value, bool):
        raise InputError(f"{field}: expected true or false, got {_kind(value)}")
    return value


def _date(data: Mapping[str, Any], key: str, field: str) -> date:
    value = _require(data, key, field, "a date YYYY-MM-DD")
    if not isinstance(value, str):
        raise InputError(f"{field}: expected a date string YYYY-MM-DD, got {_kind(value)}")
    text = value.strip()
    if not _DATE.match(text):
        raise InputError(f"{field}: {value[:40]!r} is not a date (accepted: YYYY-MM-DD, e.g. 2026-01-15)")
    try:
        parsed = date.fromisoformat(text)
    except ValueError:
        raise InputError(f"{field}: {text} is not a real calendar date (accepted: YYYY-MM-DD)") from None
    if parsed.year < 1950 or parsed.year > 2200:
        raise InputError(f"{field}: {text} is outside the plausible range (accepted: years 1950–2200)")
    return parsed


def _therapy_text(data: Mapping[str, Any]) -> str:
    value = _string(data, "therapy", "therapy", "car-t, bispecific or a product name")
    text = value.strip()
    if not text or len(text) > 100:
        raise InputError(
            "therapy: expected car-t, bispecific or a product name such as axi-cel, cilta-cel or teclistamab"
        )
    return text
