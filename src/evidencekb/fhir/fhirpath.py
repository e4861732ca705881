"""FHIRPath building blocks of the exported rules: the patient facts as variables, boolean algebra that
folds constants (so a rule without a condition adds nothing), calendar durations, condition elements.

The expressions read a patient bundle (see `evidencekb.fhir.patient`): the assessment date is
`Bundle.timestamp` (its date part); ages and windows use FHIRPath calendar arithmetic
(`birthDate + 18 years <= assessment`, `therapy start + 6 months <= assessment`), which clamps to the
month's end like `recommend`.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from evidencekb import namespaces
from evidencekb.errors import InputError
from evidencekb.fhir.common import (
    ADHERENCE,
    ADHERENCE_OF_STATUS,
    BASIS_SYSTEM,
    EXT_STARTED_BEFORE_THERAPY,
    IGG_LOINC,
    INFECTION_CODE,
    INFECTION_SYSTEM,
    LOINC,
    THERAPY_SYSTEM,
)

FHIRPATH = "text/fhirpath"
VARIABLE = "http://hl7.org/fhir/StructureDefinition/variable"

# --- facts of a patient bundle, as FHIRPath variables ----------------------------------------------
#: (name, expression), evaluated in order; later expressions read earlier ones as %name. They are exported
#: as the PlanDefinition's `variable` extensions (http://hl7.org/fhir/StructureDefinition/variable).
FACTS: list[tuple[str, str]] = [
    ("assessment", "%context.timestamp.toString().substring(0,10).toDate()"),
    ("birthDate", "%context.entry.resource.ofType(Patient).birthDate.toDate()"),
    ("therapy", f"%context.entry.resource.ofType(MedicationAdministration)"
                f".where(medication.concept.coding.where(system='{THERAPY_SYSTEM}').exists())"),
    ("therapyClass", f"%therapy.medication.concept.coding.where(system='{THERAPY_SYSTEM}').code"),
    ("therapyStart", "%therapy.occurenceDateTime.toString().substring(0,10).toDate()"),
    ("igg", f"%context.entry.resource.ofType(Observation)"
            f".where(code.coding.where(system='{LOINC}' and code='{IGG_LOINC}').exists())"),
    ("course", f"%context.entry.resource.ofType(MedicationStatement)"
               f".where(adherence.code.coding.where(system='{ADHERENCE}' and code='{ADHERENCE_OF_STATUS['ongoing']}')"
               f".exists())"),
    ("ongoing", "%course.exists()"),
    ("startedBefore", f"%course.extension.where(url='{EXT_STARTED_BEFORE_THERAPY}' and valueBoolean = true).exists()"),
    ("courseStart", "%course.effectivePeriod.start.toString().substring(0,10).toDate()"),
    ("courseBasis", f"%course.reason.concept.coding.where(system='{BASIS_SYSTEM}').code"),
    ("infections", f"%context.entry.resource.ofType(Condition)"
                   f".where(code.coding.where(system='{INFECTION_SYSTEM}' and code='{INFECTION_CODE}').exists()"
                   f" and verificationStatus.coding.where(code='confirmed').exists()).exists()"),
]
ASSESSMENT, THERAPY_START, IGG, ONGOING, STARTED_BEFORE, COURSE_START, INFECTIONS = (
    "%assessment", "%therapyStart", "%igg", "%ongoing", "%startedBefore", "%courseStart", "%infections")

TRUE, FALSE = "true", "false"
_MONTHS = {str(namespaces.unit.MO): 1, str(namespaces.unit.YR): 12}
_DAYS = {str(namespaces.unit.DAY): 1, str(namespaces.unit.WK): 7}


def _fold(parts: Iterable[str], identity: str, absorbing: str, operator: str) -> str:
    """`parts` joined by `operator`, simplified: `identity` parts dropped, any `absorbing` part wins."""
    kept = [p for p in parts if p != identity]
    if absorbing in kept:
        return absorbing
    if not kept:
        return identity
    return kept[0] if len(kept) == 1 else f" {operator} ".join(f"({p})" for p in kept)


def all_of(parts: Iterable[str]) -> str:
    return _fold(parts, TRUE, FALSE, "and")


def any_of(parts: Iterable[str]) -> str:
    return _fold(parts, FALSE, TRUE, "or")


def negate(part: str) -> str:
    return {TRUE: FALSE, FALSE: TRUE}.get(part, f"({part}).not()")


def calendar(offset: Any, unit: Any) -> str:
    """`+ N months` / `+ N days` for a graph offset and QUDT unit (years as 12 months, weeks as 7 days)."""
    amount = Decimal(str(offset))
    if amount != amount.to_integral_value():
        raise InputError(f"the knowledge base uses a fractional time offset FHIRPath cannot add: {offset}")
    if str(unit) in _MONTHS:
        return f"{int(amount) * _MONTHS[str(unit)]} months"
    if str(unit) in _DAYS:
        return f"{int(amount) * _DAYS[str(unit)]} days"
    raise InputError(f"the knowledge base uses a time unit FHIRPath export cannot express: {unit}")


def variable_extension(name: str, expression: str) -> dict[str, Any]:
    return {"url": VARIABLE, "valueExpression": {"name": name, "language": FHIRPATH, "expression": expression}}


def condition(expression: str, description: str) -> dict[str, Any]:
    return {"kind": "applicability",
            "expression": {"language": FHIRPATH, "expression": expression, "description": description}}
