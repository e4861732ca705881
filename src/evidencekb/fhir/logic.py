"""The start/stop rules of the graph as PlanDefinition actions with FHIRPath applicability conditions.

Every condition is generated from a rule's condition nodes as `queries/fhir/rules.rq` returns them
(population codes with their age bounds, therapy classes, immunoglobulin status, time window offsets and
units, IgG comparator and thresholds, infection requirement, immunoglobulin start timing and basis) —
nothing here names a rule. The expressions read a patient bundle (see `evidencekb.fhir.patient`):

* the assessment date is `Bundle.timestamp` (its date part);
* ages and windows use FHIRPath calendar arithmetic (`birthDate + 18 years <= assessment`,
  `therapy start + 6 months <= assessment`), which clamps to the month's end like `recommend`;
* IgG thresholds (in g/L in the graph) are compared in the unit of the Observation's UCUM code.

Selection: the council's PlanDefinition has a start group and a stop group, each with
`selectionBehavior = exactly-one`. Their actions are ordered by the rules' `ekb:priority` (highest first,
ties by IRI); each action carries two applicability conditions — the rule's own and "no earlier action of
the group applies" — so exactly one action of each group applies, the one `recommend` chooses.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from evidencekb.errors import InputError
from evidencekb.fhir.common import (
    ADHERENCE,
    ADHERENCE_OF_STATUS,
    BASIS_SYSTEM,
    DECISION_SYSTEM,
    DURING_SUBSTITUTION_CODE,
    EXT_PRIORITY,
    EXT_STARTED_BEFORE_THERAPY,
    IGG_LOINC,
    IGG_UNITS,
    INFECTION_CODE,
    INFECTION_SYSTEM,
    LOINC,
    THERAPY_SYSTEM,
    local_id,
)
from evidencekb.namespaces import EKB, UNIT

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
_MONTHS = {str(UNIT.MO): 1, str(UNIT.YR): 12}
_DAYS = {str(UNIT.DAY): 1, str(UNIT.WK): 7}
_COMPARATORS = {"<": "<", "≤": "<=", "<=": "<=", ">": ">", "≥": ">=", ">=": ">="}


def _all(parts: Iterable[str]) -> str:
    parts = [p for p in parts if p != TRUE]
    if FALSE in parts:
        return FALSE
    if not parts:
        return TRUE
    return parts[0] if len(parts) == 1 else " and ".join(f"({p})" for p in parts)


def _any(parts: Iterable[str]) -> str:
    parts = [p for p in parts if p != FALSE]
    if TRUE in parts:
        return TRUE
    if not parts:
        return FALSE
    return parts[0] if len(parts) == 1 else " or ".join(f"({p})" for p in parts)


def _not(part: str) -> str:
    return {TRUE: FALSE, FALSE: TRUE}.get(part, f"({part}).not()")


def _number(value: Any) -> str:
    text = format(Decimal(str(value)).normalize(), "f")
    return text


def _calendar(offset: Any, unit: Any) -> str:
    """`+ N months` / `+ N days` for a graph offset and QUDT unit (years as 12 months, weeks as 7 days)."""
    amount = Decimal(str(offset))
    if amount != amount.to_integral_value():
        raise InputError(f"the knowledge base uses a fractional time offset FHIRPath cannot add: {offset}")
    if str(unit) in _MONTHS:
        return f"{int(amount) * _MONTHS[str(unit)]} months"
    if str(unit) in _DAYS:
        return f"{int(amount) * _DAYS[str(unit)]} days"
    raise InputError(f"the knowledge base uses a time unit FHIRPath export cannot express: {unit}")


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
            if str(row["scheme"]) == str(EKB.PopulationScheme):
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
    return _any(parts) if populations else TRUE


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
            parts.append(_not(ONGOING))
        else:
            parts.append(FALSE)
    return _any(parts) if statuses else TRUE


def window(row: Mapping[str, Any]) -> str:
    if row.get("window") is None:
        return TRUE
    if str(row.get("indexEvent")) != str(EKB["event-therapy-start"]):
        return FALSE  # a window counted from another event cannot be checked ("window-cannot-tell")
    checks = []
    if row.get("fromOffset") is not None:
        op = "<=" if _true(row.get("fromInclusive"), True) else "<"
        checks.append(f"{THERAPY_START} + {_calendar(row['fromOffset'], row['fromUnit'])} {op} {ASSESSMENT}")
    if row.get("untilOffset") is not None:
        op = "<=" if _true(row.get("untilInclusive"), True) else "<"
        checks.append(f"{ASSESSMENT} {op} {THERAPY_START} + {_calendar(row['untilOffset'], row['untilUnit'])}")
    return _all(checks)


def igg(row: Mapping[str, Any]) -> str:
    if row.get("iggCondition") is None:
        return TRUE
    comparator = str(row["comparator"])
    lower = Decimal(str(row["lower"]))
    per_unit = []
    for unit, factor in IGG_UNITS.items():
        low = _number(lower * factor)
        if comparator == "between":
            if row.get("upper") is None:
                return FALSE
            high = _number(Decimal(str(row["upper"])) * factor)
            test = f"value >= {low} and value <= {high}"
        elif comparator in _COMPARATORS:
            test = f"value {_COMPARATORS[comparator]} {low}"
        else:
            return FALSE
        per_unit.append(f"(code = '{unit}' and {test})")
    checks = [f"{IGG}.where(valueQuantity.where({' or '.join(per_unit)}).exists()"]
    if _true(row.get("withoutSubstitution"), False):
        checks.append(f"component.where(code.coding.code = '{DURING_SUBSTITUTION_CODE}' and valueBoolean = true)"
                      ".exists().not()")
    return checks[0] + "".join(f" and {c}" for c in checks[1:]) + ").exists()"


def infection(row: Mapping[str, Any]) -> str:
    met_true, met_false = _true(row.get("metIfTrue"), False), _true(row.get("metIfFalse"), False)
    if met_true and met_false:
        return TRUE
    if met_true:
        return INFECTIONS
    if met_false:
        return _not(INFECTIONS)
    return FALSE


def own_start_condition(codes: Codes, row: Mapping[str, Any]) -> str:
    """The rule's own applicability: every condition node of a start criterion."""
    return _all([
        population(codes, _codes(row, "populations")),
        therapy(_codes(row, "classes")),
        ig_status(_codes(row, "statuses")),
        window(row),
        igg(row),
        infection(row),
    ])


def _true(value: Any, default: bool) -> bool:
    return default if value is None else str(value).lower() == "true"


def _codes(row: Mapping[str, Any], name: str) -> list[str]:
    return sorted(str(row.get(name) or "").split())


def _priority(row: Mapping[str, Any]) -> Decimal:
    return Decimal(str(row.get("priority") or 0))


@dataclass
class Candidate:
    """One action of a group: a rule (or an annotation reported with its closest rule)."""

    iri: str
    governing: str
    row: Mapping[str, Any]  # the governing rule's row
    condition: str
    priority: Decimal
    annotation: Mapping[str, Any] | None = None


def _ordered(candidates: list[Candidate]) -> list[Candidate]:
    """Highest priority first, ties by IRI (as `recommend` breaks them)."""
    return sorted(candidates, key=lambda c: (-c.priority, c.iri))


def _variable_name(prefix: str, iri: str) -> str:
    return prefix + "_" + local_id(iri).replace("-", "_").replace(".", "_")


def _chooser(ordered: Sequence[Candidate], names: Mapping[str, str]) -> str:
    """`iif(%a, 'a', iif(%b, 'b', {}))`: the linkId of the first applicable candidate in priority order."""
    expression = "{}"
    for candidate in reversed(ordered):
        expression = f"iif(%{names[candidate.iri]}, '{local_id(candidate.iri)}', {expression})"
    return expression


@dataclass(frozen=True)
class ImpliedStart:
    """A start rule deciding now opens a course on `basis`; `when_infections`: only for that infections flag."""
    rule: str
    basis: str
    when_infections: bool | None = None


def _implied_condition(implied: ImpliedStart, same_rule: Sequence[ImpliedStart]) -> str:
    """When this implied start applies, besides its rule being chosen: its infections flag, or (without one)
    none of the same rule's implied starts with a flag applying."""
    if implied.when_infections is not None:
        return INFECTIONS if implied.when_infections else _not(INFECTIONS)
    flagged = [INFECTIONS if other.when_infections else _not(INFECTIONS)
               for other in same_rule if other.when_infections is not None]
    return _not(_any(flagged)) if flagged else TRUE


@dataclass
class Groups:
    variables: list[tuple[str, str]]
    starts: list[tuple[Candidate, str]]
    stops: list[tuple[Candidate, str]]


def council_groups(codes: Codes, rules: Sequence[Mapping[str, Any]], annotations: Sequence[Mapping[str, Any]],
                   hypothetical: Sequence[ImpliedStart], boundary: Mapping[str, Any], issuer: str) -> Groups:
    """The council's start and stop candidates, each with its selection check, and the variables they use."""
    decided = [r for r in rules if r.get("decisionCode") is not None
               and (str(r.get("issuer")) == issuer or _true(r.get("isDefault"), False))]
    variables = list(FACTS)
    variables.append(("sixMonthDate", f"{THERAPY_START} + {_calendar(boundary['untilOffset'], boundary['untilUnit'])}"))
    six = "%sixMonthDate"

    starts = _ordered([Candidate(str(r["rule"]), str(r["rule"]), r, own_start_condition(codes, r), _priority(r))
                       for r in decided if str(r["kind"]) == "start"])
    start_names = {c.iri: _variable_name("start", c.iri) for c in starts}
    variables += [(start_names[c.iri], c.condition) for c in starts]
    variables.append(("startDecision", _chooser(starts, start_names)))

    def chosen(rules_: Iterable[str]) -> str:
        ids = [f"'{local_id(r)}'" for r in rules_ if r in start_names]
        return f"%startDecision.where($this in ({' | '.join(ids)})).exists()" if ids else FALSE

    starting = chosen(implied.rule for implied in hypothetical)
    not_ongoing = _not(ONGOING)

    def timing_is(code: str) -> str:
        if code == "before-therapy":
            return _all([ONGOING, STARTED_BEFORE])
        if code in ("within-window", "after-window"):
            op = "<" if code == "within-window" else ">="
            course = _all([ONGOING, _not(STARTED_BEFORE), f"{COURSE_START} {op} {six}"])
            now = _all([not_ongoing, starting, f"{ASSESSMENT} {op} {six}"])
            return _any([course, now])
        if code == "not-started":
            return _all([not_ongoing, _not(starting)])
        return FALSE

    def basis_is(code: str) -> str:
        if code == "unspecified":
            course = _all([ONGOING, "%courseBasis.exists().not()"])
        else:
            course = _all([ONGOING, f"%courseBasis.where($this = '{code}').exists()"])
        opening = [_all([chosen([implied.rule]),
                         _implied_condition(implied, [o for o in hypothetical if o.rule == implied.rule])])
                   for implied in hypothetical if implied.basis == code]
        now = _all([not_ongoing, _any(opening)])
        return _any([course, now])

    def stop_condition(rule_row: Mapping[str, Any], named: Mapping[str, Any]) -> str:
        timings, bases = _codes(named, "timings"), _codes(named, "bases")
        return _all([
            population(codes, _codes(rule_row, "populations")),
            therapy(_codes(rule_row, "classes")),
            _any(timing_is(t) for t in timings) if timings else TRUE,
            _any(basis_is(b) for b in bases) if bases else TRUE,
        ])

    by_iri = {str(r["rule"]): r for r in rules}
    stop_list = [Candidate(str(r["rule"]), str(r["rule"]), r, stop_condition(r, r), _priority(r))
                 for r in decided if str(r["kind"]) == "stop"]
    for note in annotations:
        governing = by_iri.get(str(note["closestRule"]))
        if governing is not None:
            stop_list.append(Candidate(str(note["annotation"]), str(governing["rule"]), governing,
                                       stop_condition(governing, note), _priority(governing), annotation=note))
    stops = _ordered(stop_list)
    stop_names = {c.iri: _variable_name("stop", c.iri) for c in stops}
    variables += [(stop_names[c.iri], c.condition) for c in stops]
    variables.append(("stopDecision", _chooser(stops, stop_names)))
    return Groups(
        variables,
        [(c, f"%startDecision = '{local_id(c.iri)}'") for c in starts],
        [(c, f"%stopDecision = '{local_id(c.iri)}'") for c in stops],
    )


def variable_extension(name: str, expression: str) -> dict[str, Any]:
    return {"url": VARIABLE, "valueExpression": {"name": name, "language": FHIRPATH, "expression": expression}}


def condition(expression: str, description: str) -> dict[str, Any]:
    return {"kind": "applicability",
            "expression": {"language": FHIRPATH, "expression": expression, "description": description}}


def action(codes: Codes, candidate: Candidate, preceding: str | None) -> dict[str, Any]:
    """A PlanDefinition.action for one candidate (its own condition, and exclusivity when in a group)."""
    row = candidate.row
    item: dict[str, Any] = {
        "linkId": local_id(candidate.iri),
        "title": str(row.get("label") or local_id(candidate.governing)),
        "definitionUri": candidate.governing,
        "condition": [condition(candidate.condition, "the rule's conditions (generated from the graph)")],
    }
    if row.get("verbatim") is not None:
        item["textEquivalent"] = str(row["verbatim"])
    code = row.get("decisionCode") or row.get("actionCode")
    if row.get("decisionCode") is not None:
        item["code"] = {"coding": [codes.coding(DECISION_SYSTEM, str(row["decisionCode"]))]}
    elif code is not None:
        item["code"] = {"coding": [codes.coding(str(EKB.ActionScheme), str(code))]}
    if row.get("priority") is not None:
        item["extension"] = [{"url": EXT_PRIORITY, "valueDecimal": float(_priority(row))}]
    notes = []
    if row.get("additionalCondition") is not None:
        notes.append(f"additional condition: {row['additionalCondition']}")
    if infection(row) == FALSE and row.get("requirementCode") is not None:
        notes.append(f"infection requirement '{row['requirementCode']}' cannot be settled from a patient bundle")
    if notes:
        item["description"] = "; ".join(notes)
    if candidate.annotation is not None:
        note = candidate.annotation
        item["description"] = f"Not settled by the text: {note.get('label') or ''}. {note.get('comment') or ''}".strip()
        item["reason"] = [{"coding": [codes.coding(str(EKB.AnnotationKindScheme), str(note.get("kindCode")))]}]
        item["documentation"] = [{"type": "documentation", "resource": candidate.iri}]
    if preceding is not None and preceding != TRUE:
        item["condition"].append(condition(preceding, "selected: the first applicable action of the group in "
                                                      "priority order (%startDecision / %stopDecision)"))
    return item


def group(title: str, code: str, actions: list[dict[str, Any]], behaviour: str) -> dict[str, Any]:
    return {"linkId": code, "title": title, "groupingBehavior": "logical-group", "selectionBehavior": behaviour,
            "action": actions}


__all__ = ["Codes", "council_groups", "own_start_condition", "action", "group", "Candidate", "variable_extension"]
