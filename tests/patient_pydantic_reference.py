"""The patient model as it was declared with pydantic v2 until the speed work of issue 12: the reference
that `evidencekb.recommend.patient` (a light declarative validator, no pydantic at start-up) is compared
with, message for message (tests/test_patient_reference.py). Not used by the package."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    model_validator,
)
from pydantic_core import PydanticCustomError

from evidencekb.errors import InputError

# The limits and the validated records are the package's: what is compared is the validation.
from evidencekb.recommend.patient import (
    _DATE,
    _QUANTUM,
    IG_STATUSES,
    MAX_AGE,
    MAX_DECIMALS,
    MAX_IGG_G_PER_L,
    START_BASES,
    UNIT_NAMES,
    UNITS,
    Immunoglobulin,
    Patient,
)

# --- field checks (each raises one message naming what is accepted) ------------------------------


def _fail(message: str, field: str | None = None) -> PydanticCustomError:
    return PydanticCustomError("evidencekb", "{message}", {"message": message, "field": field or ""})


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


def _number(what: str) -> BeforeValidator:
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
    return BeforeValidator(check)


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


def _code(accepted: tuple[str, ...], what: str) -> BeforeValidator:
    def check(value: Any) -> str:
        if not isinstance(value, str):
            raise _fail(f"expected a string ({', '.join(accepted)}), got {kind(value)}")
        code = value.strip().lower()
        if code not in accepted:
            raise _fail(f"unknown {what} {value[:40]!r} (accepted: {', '.join(accepted)})")
        return code
    return BeforeValidator(check)


def _unit(value: Any) -> str:
    if not isinstance(value, str):
        raise _fail(f"expected a string (g/L or mg/dL), got {kind(value)}")
    key = value.strip().lower()
    if key not in UNITS:
        raise _fail(f"unknown unit {value[:40]!r} (accepted: g/L or mg/dL)")
    return UNIT_NAMES[key]


def _text(message: str, longest: int = 100) -> BeforeValidator:
    def check(value: Any) -> str:
        if not isinstance(value, str) or not value.strip() or len(value) > longest:
            raise _fail(message)
        return value.strip()
    return BeforeValidator(check)


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _fail(f"expected true or false, got {kind(value)}")
    return value


Boolean = Annotated[bool, BeforeValidator(_boolean), Field(description="true or false")]
IsoDate = Annotated[date, BeforeValidator(_iso_date), Field(description="a date YYYY-MM-DD")]


# --- the input schema ---------------------------------------------------------------------------


class _Record(BaseModel):
    """Strict, frozen, unknown fields forbidden; a `null` value counts as absent."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _null_is_absent(cls, data: Any) -> Any:
        return {k: v for k, v in data.items() if v is not None} if isinstance(data, dict) else data


class IggRecord(_Record):
    value: Annotated[Decimal, _number("g/L or mg/dL"), Field(description="a number of g/L or mg/dL")]
    unit: Annotated[str, BeforeValidator(_unit), Field(description="g/L or mg/dL")]
    during_ig_substitution: Boolean = False

    @model_validator(mode="after")
    def _plausible(self) -> IggRecord:
        if self.value * UNITS[self.unit.lower()] > MAX_IGG_G_PER_L:
            raise _fail(
                f"{self.value} {self.unit} is not a plausible IgG "
                f"(accepted: 0–{MAX_IGG_G_PER_L} g/L, i.e. 0–{MAX_IGG_G_PER_L * 100} mg/dL)", "igg.value")
        return self


class ImmunoglobulinRecord(_Record):
    status: Annotated[str, _code(IG_STATUSES, "status"), Field(description="none or ongoing")]
    start_date: IsoDate | None = None
    started_before_therapy: Boolean | None = None
    start_basis: Annotated[str, _code(START_BASES, "basis"),
                           Field(description="igg-below-4 or infections")] | None = None

    @model_validator(mode="after")
    def _ongoing_needs_dates(self) -> ImmunoglobulinRecord:
        if self.status == "ongoing":
            if self.start_date is None:
                raise _fail("missing (required when status is ongoing; accepted: a date YYYY-MM-DD)",
                            "immunoglobulin.start_date")
            if self.started_before_therapy is None:
                raise _fail("missing (required when status is ongoing; accepted: true or false)",
                            "immunoglobulin.started_before_therapy")
        return self


class PatientRecord(_Record):
    age: Annotated[Decimal, _number("years"), Field(description="a number of years")]
    therapy: Annotated[str, _text("expected car-t, bispecific or a product name such as axi-cel, cilta-cel or "
                                  "teclistamab"), Field(description="car-t, bispecific or a product name")]
    therapy_start: IsoDate
    assessment_date: IsoDate | None = None
    igg: Annotated[IggRecord, Field(description='an object {"value": number, "unit": "g/L"|"mg/dL"}')]
    severe_or_recurrent_bacterial_infections: Boolean
    immunoglobulin: Annotated[ImmunoglobulinRecord, Field(
        description='{"status": "none"} or {"status": "ongoing", "start_date": …, "started_before_therapy": …, '
                    '"start_basis": …}')]
    disease: Annotated[str, _text("expected a short text such as 'multiple myeloma' or 'LBCL' (or leave it out)"),
                       Field(description="a short text")] | None = None

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> PatientRecord:
        if self.age > MAX_AGE:
            raise _fail(f"{self.age} is not plausible (accepted: 0–{MAX_AGE} years)", "age")
        today = (info.context or {}).get("today") or date.today()
        assessment = self.assessment_date or today
        start = self.therapy_start
        if assessment < start:
            raise _fail(f"{assessment.isoformat()} is before therapy_start {start.isoformat()} (the assessment "
                        "must be on or after the CAR-T infusion or first bispecific dose)", "assessment_date")
        ig = self.immunoglobulin
        if ig.status == "ongoing" and ig.start_date is not None:
            if ig.start_date > assessment:
                raise _fail(f"{ig.start_date.isoformat()} is after assessment_date {assessment.isoformat()} (an "
                            "ongoing substitution must have started on or before the assessment)",
                            "immunoglobulin.start_date")
            if ig.started_before_therapy and ig.start_date > start:
                raise _fail(f"true, but start_date {ig.start_date.isoformat()} is after therapy_start "
                            f"{start.isoformat()} (use false, or correct the date)",
                            "immunoglobulin.started_before_therapy")
            if ig.started_before_therapy is False and ig.start_date < start:
                raise _fail(f"false, but start_date {ig.start_date.isoformat()} is before therapy_start "
                            f"{start.isoformat()} (use true, or correct the date)",
                            "immunoglobulin.started_before_therapy")
        return self


FIELDS = tuple(PatientRecord.model_fields)
IGG_FIELDS = tuple(IggRecord.model_fields)
IG_FIELDS = tuple(ImmunoglobulinRecord.model_fields)


# --- validation → Patient, errors → one line --------------------------------------------------------


def parse_patient(data: Any, today: date | None = None) -> Patient:
    """Validate one patient record (a dict from JSON, or a FHIR R5 patient Bundle) into a `Patient`;
    `InputError` names the field (or the Bundle location)."""
    if not isinstance(data, dict):
        raise InputError(f"patient: expected a JSON object with the fields age, therapy, …, got {kind(data)}")
    try:
        record = PatientRecord.model_validate(data, context={"today": today})
    except ValidationError as error:
        raise InputError(_message(error)) from None
    ig = record.immunoglobulin
    igg = record.igg
    return Patient(
        age=float(record.age),
        therapy=record.therapy,
        therapy_start=record.therapy_start,
        assessment_date=record.assessment_date or today or date.today(),
        igg_value=igg.value,
        igg_unit=igg.unit,
        igg_g_per_l=igg.value * UNITS[igg.unit.lower()],
        igg_during_substitution=igg.during_ig_substitution,
        infections=record.severe_or_recurrent_bacterial_infections,
        immunoglobulin=Immunoglobulin(ig.status, ig.start_date, ig.started_before_therapy, ig.start_basis)
        if ig.status == "ongoing" else Immunoglobulin("none"),
        disease=record.disease,
    )


_MODELS: dict[tuple[str, ...], type[BaseModel]] = {
    (): PatientRecord, ("igg",): IggRecord, ("immunoglobulin",): ImmunoglobulinRecord,
}


def _message(error: ValidationError) -> str:
    """The first problem as "field: what is wrong (accepted: …)"; an unknown field is reported first."""
    problems = error.errors(include_url=False)  # the input is only asked for its kind, never printed
    problems.sort(key=lambda p: p["type"] != "extra_forbidden")
    first = problems[0]
    loc = tuple(str(part) for part in first["loc"])
    field = ".".join(loc)
    kind_ = first["type"]
    if kind_ == "evidencekb":
        ctx = first.get("ctx") or {}
        return f"{ctx.get('field') or field or 'patient'}: {ctx.get('message')}"
    if kind_ == "extra_forbidden":
        model = _MODELS.get(loc[:-1], PatientRecord)
        return (f"{'.'.join(loc[:-1] + (repr(loc[-1])[1:-1][:40],))}: unknown field (accepted: "
                f"{', '.join(model.model_fields)}; unknown fields are rejected so that a misspelling is not "
                "silently ignored)")
    accepted = _accepted(loc)
    if kind_ == "missing":
        return f"{field}: missing (required; accepted: {accepted})"
    if kind_ in ("model_type", "model_attributes_type", "dict_type"):
        return f"{field}: expected {accepted}, got {kind(first.get('input'))}"
    return f"{field or 'patient'}: invalid ({first['msg']}; accepted: {accepted})"


def _accepted(loc: tuple[str, ...]) -> str:
    model = _MODELS.get(loc[:-1])
    info = model.model_fields.get(loc[-1]) if model is not None and loc else None
    if info is not None and info.description:
        return info.description
    for meta in (info.metadata if info is not None else []):
        description = getattr(meta, "description", None)
        if description:
            return str(description)
    return "see evidencekb recommend --help"

