"""One rule's own conditions as FHIRPath: every condition node of a start or stop criterion, generated
from the rule's row of `queries/fhir/rules.rq` (population codes with their age bounds, therapy classes,
immunoglobulin status, time window offsets and units, IgG comparator and thresholds, infection
requirement) — nothing here names a rule. IgG thresholds (in g/L in the graph) are compared in the unit
of the Observation's UCUM code.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from evidencekb.errors import InputError
from evidencekb.fhir.common import DURING_SUBSTITUTION_CODE, IGG_UNITS
from evidencekb.fhir.fhirpath import (
    ASSESSMENT,
    FALSE,
    IGG,
    INFECTIONS,
    ONGOING,
    THERAPY_START,
    TRUE,
    all_of,
    any_of,
    calendar,
    negate,
)
from evidencekb.namespaces import ekb
from evidencekb.sparql.values import boolean_of, decimal_of

_COMPARATORS = {"<": "<", "≤": "<=", "<=": "<=", ">": ">", "≥": ">=", ">=": ">="}


def _number(value: Any) -> str:
    text = format(Decimal(str(value)).normalize(), "f")
    return text


def _years(age: Any) -> str:
    """`18 years`: an age bound in whole years (FHIRPath calendar duration, clamped like `recommend`)."""
    amount = Decimal(str(age))
    if amount != amount.to_integral_value():
        raise InputError(f"the knowledge base uses a fractional age bound FHIRPath cannot add: {age}")
    return f"{int(amount)} years"


@dataclass
class Codes:
    """Concepts of the patient-facing schemes (queries/fhir/patient-codes.rq)."""

    age_bounds: dict[str, tuple[Any, Any]] = field(default_factory=dict)  # population code → (from, below)
    labels: dict[tuple[str, str], str] = field(default_factory=dict)  # (scheme IRI, code) → English label

    @classmethod
    def from_rows(cls, rows: Sequence[Mapping[str, Any]]) -> Codes:
        codes = cls()
        for row in rows:
            if row.get("label") is not None:
                codes.labels[(str(row["scheme"]), str(row["code"]))] = str(row["label"])
            if str(row["scheme"]) == str(ekb.PopulationScheme):
                codes.age_bounds[str(row["code"])] = (row.get("fromAge"), row.get("belowAge"))
        return codes

    def coding(self, system: str, code: str) -> dict[str, str]:
        coding = {"system": system, "code": code}
        if (system, code) in self.labels:
            coding["display"] = self.labels[(system, code)]
        return coding


def population(codes: Codes, populations: Sequence[str]) -> str:
    parts = []
    for code in populations:
        low, high = codes.age_bounds.get(code, (None, None))
        checks = []
        if low is not None:
            checks.append(f"%birthDate + {_years(low)} <= {ASSESSMENT}")
        if high is not None:
            checks.append(f"%birthDate + {_years(high)} > {ASSESSMENT}")
        if not checks:
            parts.append(FALSE)  # a population without age bounds cannot be read from a birth date
        else:
            parts.append(" and ".join(f"({c})" for c in checks) if len(checks) > 1 else checks[0])
    return any_of(parts) if populations else TRUE


def therapy(classes: Sequence[str]) -> str:
    if not classes:
        return TRUE
    wanted = " | ".join(f"'{c}'" for c in classes)
    return f"%therapyClass.where($this in ({wanted})).exists()"


def ig_status(statuses: Sequence[str]) -> str:
    parts = []
    for status in statuses:
        if status == "ongoing":
            parts.append(ONGOING)
        elif status == "none":
            parts.append(negate(ONGOING))
        else:
            parts.append(FALSE)
    return any_of(parts) if statuses else TRUE


def window(row: Mapping[str, Any]) -> str:
    if row.get("window") is None:
        return TRUE
    if str(row.get("indexEvent")) != str(ekb["event-therapy-start"]):
        return FALSE  # a window counted from another event cannot be checked ("window-cannot-tell")
    checks = []
    if row.get("fromOffset") is not None:
        op = "<=" if is_true(row.get("fromInclusive"), True) else "<"
        checks.append(f"{THERAPY_START} + {calendar(row['fromOffset'], row['fromUnit'])} {op} {ASSESSMENT}")
    if row.get("untilOffset") is not None:
        op = "<=" if is_true(row.get("untilInclusive"), True) else "<"
        checks.append(f"{ASSESSMENT} {op} {THERAPY_START} + {calendar(row['untilOffset'], row['untilUnit'])}")
    return all_of(checks)


def igg(row: Mapping[str, Any]) -> str:
    if row.get("iggCondition") is None:
        return TRUE
    comparator = str(row["comparator"])
    lower = decimal_of(row["lower"])
    per_unit = []
    for unit, factor in IGG_UNITS.items():
        low = _number(lower * factor)
        if comparator == "between":
            if row.get("upper") is None:
                return FALSE
            high = _number(decimal_of(row["upper"]) * factor)
            test = f"value >= {low} and value <= {high}"
        elif comparator in _COMPARATORS:
            test = f"value {_COMPARATORS[comparator]} {low}"
        else:
            return FALSE
        per_unit.append(f"(code = '{unit}' and {test})")
    checks = [f"{IGG}.where(valueQuantity.where({' or '.join(per_unit)}).exists()"]
    if is_true(row.get("withoutSubstitution"), False):
        checks.append(f"component.where(code.coding.code = '{DURING_SUBSTITUTION_CODE}' and valueBoolean = true)"
                      ".exists().not()")
    return checks[0] + "".join(f" and {c}" for c in checks[1:]) + ").exists()"


def infection(row: Mapping[str, Any]) -> str:
    met_true, met_false = is_true(row.get("metIfTrue"), False), is_true(row.get("metIfFalse"), False)
    if met_true and met_false:
        return TRUE
    if met_true:
        return INFECTIONS
    if met_false:
        return negate(INFECTIONS)
    return FALSE


def own_start_condition(codes: Codes, row: Mapping[str, Any]) -> str:
    """The rule's own applicability: every condition node of a start criterion."""
    return all_of([
        population(codes, codes_of(row, "populations")),
        therapy(codes_of(row, "classes")),
        ig_status(codes_of(row, "statuses")),
        window(row),
        igg(row),
        infection(row),
    ])


def is_true(value: Any, default: bool) -> bool:
    return boolean_of(value, default)


def codes_of(row: Mapping[str, Any], name: str) -> list[str]:
    return sorted(str(row.get(name) or "").split())


def priority(row: Mapping[str, Any]) -> Decimal:
    return Decimal(str(row.get("priority") or 0))
